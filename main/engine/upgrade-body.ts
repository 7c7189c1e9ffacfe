// The body of an upgrade request. node hands an upgrade request over as soon as its head is
// parsed, with whatever followed the head; a body (an `Upgrade: h2c` POST, a handshake with a
// Content-Length) is then the engine's to read. nginx reads it whole before it contacts the
// upstream, as for any request, and sends it with a Content-Length; the bytes after it are the
// client's first bytes of the upgraded connection, or of its next request (upgrade-answer.ts).
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { clientBodyTimeout } from './client-timeouts.ts';
import type { BodyResult } from './request-body.ts';

/** What the request head says of a body: none, a length, or chunked. */
type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };

export function bodyFraming(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): BodyFraming {
  // (node has refused a head with both, or with a Content-Length that is not a number)
  if (headers['transfer-encoding'] !== undefined) return { kind: 'chunked' };
  // (`Content-Length: 0` is an empty body, which nginx sends on with its Content-Length: 0)
  const length = headers['content-length'];
  return length === undefined ? { kind: 'none' } : { kind: 'length', length: Number(length) };
}

type BodyRead =
  | { state: 'more' }
  | { state: 'done'; body: Buffer; rest: Buffer }
  | { state: 'too_large' }
  | { state: 'bad'; reason: string };

/** Take a body framed as `framing` off the front of `data` (everything read after the head so far). */
function takeBody(framing: Exclude<BodyFraming, { kind: 'none' }>, data: Buffer, maxBody: number): BodyRead {
  if (framing.kind === 'length') {
    if (framing.length > maxBody) return { state: 'too_large' };
    if (data.length < framing.length) return { state: 'more' };
    return { state: 'done', body: data.subarray(0, framing.length), rest: data.subarray(framing.length) };
  }
  // (the framing's own bytes are bounded too: a body of one-byte chunks is parsed again on every read)
  if (data.length > 3 * maxBody) return { state: 'too_large' };
  return takeChunked(data, maxBody);
}

const CRLF = Buffer.from('\r\n');

/** Decode a chunked body (chunk extensions and trailer fields are dropped, as nginx does). */
function takeChunked(data: Buffer, maxBody: number): BodyRead {
  const parts: Buffer[] = [];
  let size = 0;
  let at = 0;
  for (;;) {
    const eol = data.indexOf(CRLF, at);
    if (eol === -1) return data.length - at > 4096 ? { state: 'bad', reason: 'invalid chunk size line' } : { state: 'more' };
    const line = data.toString('latin1', at, eol);
    const m = /^([0-9a-fA-F]{1,15})[ \t]*(;.*)?$/.exec(line);
    if (!m) return { state: 'bad', reason: `invalid chunk size line "${line.slice(0, 40)}"` };
    const n = parseInt(m[1]!, 16);
    at = eol + 2;
    if (n === 0) {
      // trailer fields, then an empty line
      for (;;) {
        const end = data.indexOf(CRLF, at);
        if (end === -1) return { state: 'more' };
        const empty = end === at;
        at = end + 2;
        if (empty) return { state: 'done', body: Buffer.concat(parts, size), rest: data.subarray(at) };
      }
    }
    size += n;
    // (nginx checks once a byte of the chunk has come, not on its size line alone)
    if (size > maxBody) return data.length > at ? { state: 'too_large' } : { state: 'more' };
    if (data.length < at + n + 2) return { state: 'more' };
    if (data[at + n] !== 0x0d || data[at + n + 1] !== 0x0a) return { state: 'bad', reason: 'chunk data not followed by CRLF' };
    parts.push(data.subarray(at, at + n));
    at += n + 2;
  }
}

/**
 * Read the body of an upgrade request: from the bytes node read with the head, then from the
 * socket. With the body comes `rest`, what the client sent after it (its first bytes of the
 * upgraded connection); the socket is left paused. `idleMs`: how long the client may send nothing.
 */
export function readUpgradeBody(req: IncomingMessage, socket: Socket, head: Buffer, maxBody: number, idleMs = clientBodyTimeout.ms): Promise<BodyResult> {
  const framing = bodyFraming(req.headers);
  if (framing.kind === 'none') return Promise.resolve({ body: null });
  const result = (r: Exclude<BodyRead, { state: 'more' }>): BodyResult =>
    r.state === 'done' ? { body: Buffer.from(r.body), rest: r.rest.length ? Buffer.from(r.rest) : undefined } : r.state === 'too_large' ? { tooLarge: true } : { invalid: `client sent invalid chunked body: ${r.reason}` };
  let data = head;
  const first = takeBody(framing, data, maxBody);
  if (first.state !== 'more') return Promise.resolve(result(first));
  return new Promise((resolve) => {
    const finish = (r: BodyResult) => {
      socket.pause();
      socket.setTimeout(0);
      socket.off('timeout', onTimeout);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('end', onClose);
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      data = data.length ? Buffer.concat([data, chunk]) : chunk;
      const r = takeBody(framing, data, maxBody);
      if (r.state !== 'more') finish(result(r));
    };
    const onClose = () => finish({ aborted: true });
    const onTimeout = () => finish({ timedOut: true });
    // client_body_timeout (by default), between two reads (the socket's idle timer)
    socket.setTimeout(idleMs);
    socket.on('timeout', onTimeout);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('end', onClose);
    socket.resume();
  });
}
