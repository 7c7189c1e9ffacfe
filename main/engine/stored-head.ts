// Heads node serializes for the engine (the request to an upstream, the response to a client), made
// to say what nginx's say where node's own rules differ:
// - node refuses a `Trailer` header on a message it does not chunk (ERR_HTTP_TRAILER_INVALID), and
//   sends a head with an `Expect` header at once, as a string in UTF-8 (a value's byte above 0x7F,
//   one character here, goes out as two) and before the stored head below is finished; nginx passes
//   both on like any other header (a client's to the upstream, an upstream's to the client,
//   whatever the framing). They go through node under a stand-in name and are put back, in order,
//   in the stored head.
// - node's flushHeaders writes the head the same way in UTF-8: flushHead writes its bytes.
// - node writes a response's status line as `HTTP/1.1 <code> <reason>`, with the space when the
//   reason is empty; nginx writes the upstream's status line from the code on (`HTTP/1.1 200`).
// - an upstream request's head is nginx's list as it is (storeNginxHead), not node's header store,
//   control bytes of decoded variables in its values included.
// And which unrelayed answer heads leave their connection in the keepalive cache (keptByNginx).
import { randomBytes } from 'node:crypto';
import { ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { bodyPlan } from '../../app/proxy/buffering.ts';

/** A header name node does not look at (longer than any it does) and no peer sends. */
const STANDIN = `X-Switchyard-Header-${randomBytes(8).toString('hex')}`;

/** Trailer and Expect: names node acts on, which go through it under the stand-in. */
const standsIn = (name: string): boolean => (name.length === 7 && name.toLowerCase() === 'trailer') || (name.length === 6 && name.toLowerCase() === 'expect');

/** A message whose head node has stored (`_header`) but not yet sent. */
interface StoredHead {
  _header: string | null;
}

/** A header list as node takes it: [name, value] pairs, or flat (name, value, name, value, …). */
type HeaderList = ReadonlyArray<readonly [string, string]> | readonly string[];

const isFlat = (head: HeaderList): head is readonly string[] => typeof head[0] === 'string';

/** The Trailer and Expect names of a header list, in order, or null when it has none (nothing allocated then). */
export function standInNames(head: HeaderList): string[] | null {
  let names: string[] | null = null;
  const flat = isFlat(head);
  for (let i = 0; i < head.length; i += flat ? 2 : 1) {
    const name = flat ? head[i]! : head[i]![0];
    if (standsIn(name)) (names ??= []).push(name);
  }
  return names;
}

/** `head` with each Trailer and Expect name replaced by the stand-in. */
export function withStandIns<T extends HeaderList>(head: T): T {
  const standIn = (name: string) => (standsIn(name) ? STANDIN : name);
  return (isFlat(head) ? head.map((v, i) => (i % 2 === 0 ? standIn(v) : v)) : head.map((h) => [standIn(h[0]), h[1]] as const)) as unknown as T;
}

/** Put the names (in order) back where the stand-in is in the stored head of `msg`. */
export function restoreStandIns(msg: object, names: readonly string[]): void {
  const m = msg as StoredHead;
  if (m._header === null) return;
  let k = 0;
  m._header = m._header.replaceAll(`\r\n${STANDIN}: `, () => `\r\n${names[k++]!}: `);
}

/** node's flushHeaders, with the head written as the bytes it holds (one character each): node
 * writes it as a string in UTF-8. */
export function flushHead(res: ServerResponse): void {
  const m = res as ServerResponse & { _header: string | null; _implicitHeader(): void; _send(data: string, encoding: BufferEncoding): boolean };
  if (!m._header) m._implicitHeader();
  m._send('', 'latin1');
}

/** Drop the space node put after the status code of a response stored without a reason phrase. */
export function dropEmptyReason(res: object, status: number): void {
  const m = res as StoredHead;
  const line = `HTTP/1.1 ${status} \r\n`;
  if (m._header?.startsWith(line)) m._header = `HTTP/1.1 ${status}\r\n${m._header.slice(line.length)}`;
}

/**
 * Write an upstream's answer head to the client as nginx writes it: node's writeHead with the
 * header lines as passed (`headers`, redirects.ts passedHeaders), a Trailer or Expect among them
 * kept in place, an HTTP/1.0 keep-alive kept after an answer without a body, and the status line as
 * the upstream wrote it from the code on (`statusText`; else the code and node's reading of the
 * reason, without the space node leaves after an empty one). Throws what writeHead throws (a status
 * under 100).
 */
export function writeUpstreamHead(req: { httpVersion: string; method?: string }, res: ServerResponse, status: number, reason: string | undefined, headers: string[], statusText?: string): void {
  const trailers = standInNames(headers);
  keepAliveWithoutBody(req, res, status);
  res.writeHead(status, reason, trailers ? withStandIns(headers) : headers);
  if (trailers) restoreStandIns(res, trailers);
  const m = res as unknown as StoredHead;
  if (statusText !== undefined && m._header) m._header = `HTTP/1.1 ${statusText}${m._header.slice(m._header.indexOf('\r\n'))}`;
  else if (reason === '') dropEmptyReason(res, status);
}

/** The header lines of the head node stored for `res` ([name, value, …]): what the client gets,
 * with the lines node adds (Date, Connection, Transfer-Encoding); [] before writeHead. */
export function sentHeaders(res: ServerResponse): string[] {
  const head = (res as unknown as StoredHead)._header;
  if (!head) return [];
  const out: string[] = [];
  // (node writes each line as "Name: value"; the status line first, a blank line last)
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) out.push(line.slice(0, colon), line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1)));
  }
  return out;
}

/**
 * Before writeHead: an HTTP/1.0 client that asked for keep-alive keeps its connection after an
 * answer that has no body (204, 304, a HEAD's), as nginx keeps it. node keeps an HTTP/1.0
 * connection only when the head has a Content-Length (it cannot chunk for 1.0), or when it may use
 * chunked encoding, which an answer without a body never gets: so it may, here.
 */
export function keepAliveWithoutBody(req: { httpVersion: string; method?: string }, res: object, status: number): void {
  const r = res as { shouldKeepAlive: boolean; useChunkedEncodingByDefault: boolean };
  if (req.httpVersion !== '1.0' || !r.shouldKeepAlive) return;
  if (status === 204 || status === 304 || req.method === 'HEAD') r.useChunkedEncodingByDefault = true;
}

/** What storeNginxHead sets on node's request. */
type HeadStoringRequest = ClientRequest & {
  useChunkedEncodingByDefault: boolean;
  _removedConnection: boolean;
  _storeHeader(firstLine: string, headers: unknown): void;
  _header: string | null;
};
const storeHeader = (ClientRequest.prototype as HeadStoringRequest)._storeHeader;

/**
 * Have node store (serialize) nginx's head for an upstream request instead of its own: the request
 * line, then the header list as it is. node's own header store (and http-proxy's copy of it) would
 * reorder, merge duplicates and join Cookie lines; nginx sends each header on its own line in its
 * list's order. Call it before anything is written to `req`. Returns false when node refused the
 * head for anything but a control byte in a value: `req` is destroyed with that error, and the try
 * has failed.
 */
export function storeNginxHead(req: ClientRequest, requestLine: string, head: ReadonlyArray<readonly [string, string]>): boolean {
  const w = req as HeadStoringRequest;
  // Nothing of node's own beyond the list: no chunked framing for a POST without a body (nginx
  // sends none), no Connection header unless the list has one (as removeHeader('connection') does,
  // without touching node's header object).
  w.useChunkedEncodingByDefault = false;
  w._removedConnection = true;
  // Trailer and Expect headers go through node under a stand-in name (above).
  const trailers = standInNames(head);
  const list = trailers ? withStandIns(head) : head;
  try {
    storeHeader.call(w, requestLine, list);
  } catch (err) {
    // a value with a control byte, from a decoded variable ($uri, a capture): nginx writes it as
    // it is (a CR or LF in it splits the line, as in nginx), node refuses it; it goes through
    // under a stand-in and is put back (node's state from the head is the same on the retry)
    if ((err as NodeJS.ErrnoException).code !== 'ERR_INVALID_CHAR' || !storeWithRawValues(w, requestLine, list)) {
      w.destroy(err as Error);
      return false;
    }
  }
  if (trailers) restoreStandIns(w, trailers);
  return true;
}

/** What node refuses in a header value (its checkInvalidHeaderChar). */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const RAW_STANDIN = `x-switchyard-raw-${randomBytes(8).toString('hex')}-`;

/** storeHeader with each value node refuses replaced by a stand-in, then put back in the stored head. */
function storeWithRawValues(w: HeadStoringRequest, requestLine: string, head: ReadonlyArray<readonly [string, string]>): boolean {
  const raw: string[] = [];
  const list = head.map(([name, value]) => (INVALID_VALUE.test(value) ? [name, `${RAW_STANDIN}${raw.push(value) - 1}`] as const : [name, value] as const));
  try {
    storeHeader.call(w, requestLine, list);
  } catch {
    return false;
  }
  w._header = w._header!.replace(new RegExp(`${RAW_STANDIN}(\\d+)\r\n`, 'g'), (_, k: string) => `${raw[Number(k)]!}\r\n`);
  return true;
}

/**
 * The header lines nginx sends: the planned list, with a buffered body's Content-Length where
 * nginx's list has it (after the proxy_set_header and default entries, before the client's own
 * headers). Without a body, the planned list itself.
 */
export function headWithBody(list: ReadonlyArray<readonly [string, string]> & { readonly clientFrom?: number }, body: Buffer | null): ReadonlyArray<readonly [string, string]> {
  if (body === null) return list;
  const at = list.clientFrom ?? list.length;
  const head = list.slice(0, at);
  head.push(['Content-Length', String(body.length)]);
  for (let i = at; i < list.length; i++) head.push(list[i]!);
  return head;
}

/** nginx's proxy module keeps the connection of an answer it does not read (u->keepalive decided on
 * the head): on a keepalive connection (not one that closes: no cache, an HTTP/1.0 answer,
 * `Connection: close`), an answer that has no body. */
export function keptByNginx(proxyRes: IncomingMessage, method: string | undefined): boolean {
  const req = (proxyRes as IncomingMessage & { req?: ClientRequest }).req;
  if (!req?.shouldKeepAlive || proxyRes.httpVersionMinor === 0) return false;
  const status = proxyRes.statusCode;
  return status === 204 || status === 304 || method === 'HEAD' || bodyPlan(true, proxyRes).contentLength === 0;
}
