// A proxied request's body as nginx reads it before it contacts the upstream
// (proxy_request_buffering on): the location's client_max_body_size checked on the head and while
// reading, client_body_timeout between reads, and Expect: 100-continue.
import type { IncomingMessage } from 'node:http';
import { clientBodyTimeout } from './client-timeouts.ts';

/** nginx's client_max_body_size check on the head: a Content-Length over the limit is 413 before any body is read. */
export function announcesTooLarge(req: IncomingMessage, limit: number): boolean {
  return Number(req.headers['content-length'] ?? 0) > limit;
}

/** The cause logged for a 413, as nginx words it (its error log adds the size). */
export function tooLargeCause(loc: { location: { clientMaxBodySize: string } }): string {
  return `client intended to send too large body (client_max_body_size ${loc.location.clientMaxBodySize})`;
}

/** ngx_http_test_expect: an HTTP/1.1 request whose Expect is exactly "100-continue" (any case). */
export function expectsContinue(req: IncomingMessage): boolean {
  const e = req.headers.expect;
  return req.httpVersion === '1.1' && typeof e === 'string' && e.length === 12 && e.toLowerCase() === '100-continue';
}

/** The client's request body, read whole (nginx buffers it before it contacts the upstream); a
 * client that goes away before its end gives `aborted`, one that stops sending it for
 * client_body_timeout `timedOut` (nothing goes upstream; the connection is left to close). */
export type BodyResult =
  | { body: Buffer | null; /** (an upgrade request's: the bytes after the body) */ rest?: Buffer }
  | { tooLarge: true }
  | { aborted: true }
  | { timedOut: true }
  | { invalid: string; /** default 400 */ status?: number };

const REFUSED = Symbol('switchyard.bodyRefused');
type Refusable = IncomingMessage & { [REFUSED]?: { invalid: string; status: number } };

/** node's parser gave up on the body of a request it had handed over (a Transfer-Encoding it does
 * not frame by, though the planner read the value as "chunked": node trims a tab off its end, and
 * nginx refuses such a value): readBody answers `status` instead of waiting for a body that will
 * not come. Nothing happens when no body is read (the request was refused from its head). */
export function refuseBody(req: IncomingMessage, status: number, reason: string): void {
  (req as Refusable)[REFUSED] = { invalid: reason, status };
  req.emit(REFUSED);
}

export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) {
    req.resume();
    return Promise.resolve({ body: null });
  }
  if (announcesTooLarge(req, limit)) return Promise.resolve({ tooLarge: true });
  const refused = (req as Refusable)[REFUSED];
  if (refused) return Promise.resolve(refused);
  return new Promise((resolve) => {
    req.once(REFUSED, () => {
      req.setTimeout(0);
      resolve((req as Refusable)[REFUSED]!);
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
      else if (!over) {
        // a chunked body past the limit: 413 while it still comes, as nginx answers once a chunk
        // takes the body past it (node gives the bytes that came, not the chunk's announced size);
        // the rest is read and dropped
        over = true;
        chunks.length = 0;
        req.setTimeout(0);
        resolve({ tooLarge: true });
      }
    });
    // client_body_timeout: the socket's idle timer, which every read restarts (node's server
    // emits its 'timeout' on the request being read, and leaves the socket to this listener)
    req.setTimeout(clientBodyTimeout.ms, () => resolve({ timedOut: true }));
    req.once('end', () => {
      req.setTimeout(0);
      resolve(over ? { tooLarge: true } : { body: Buffer.concat(chunks) });
    });
    req.once('error', () => resolve({ aborted: true }));
    req.once('close', () => resolve({ aborted: true })); // (after 'end', this changes nothing)
  });
}
