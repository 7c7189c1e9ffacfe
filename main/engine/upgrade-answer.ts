// The answer to an upgrade request that does not become a tunnel: a route without the websocket
// switch (plain HTTP), an upstream that refuses the handshake (any status but 101), the proxy's own
// answers (404, 301, 502, 504). nginx answers such a request as any other, and then keeps the
// client connection for a next request when it would after any answer (HTTP/1.1 or keep-alive, not
// `Connection: close`, under keepalive_requests, no error that closes). node's HTTP server has
// handed the socket over on 'upgrade' (its parser is gone), so the answer here is a ServerResponse
// of our own on that socket, and a connection kept alive is handed back to the server, which reads
// the next request off it. What the client sent behind the request meanwhile (frames it sent before
// the 101, a pipelined request) is kept, not dropped: the server reads it first, as nginx reads what
// waits in its socket (frames are then a bad request, 400, as from nginx).
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { clientKeepaliveTimeout } from './client-timeouts.ts';
import { clientKeepAlive, servesLastRequest } from './keepalive-requests.ts';
import { closeAfterUpgradeAnswer, discardingBody } from './client-close.ts';
import { bodyFraming, readUpgradeBody } from './upgrade-body.ts';
import { sendError } from './error-pages.ts';

/** Bytes a client may send behind its upgrade request before it is answered (kept for the upstream
 * of a session, or for the next request); past it the client is not read until then. */
export const EARLY_BYTES_LIMIT = 64 * 1024;

/** What the client sent behind its upgrade request, held for its next request (holdIncoming). */
const HELD = Symbol('switchyard.heldAfterUpgrade');
interface Held {
  bytes: Buffer[];
  size: number;
  onData: (chunk: Buffer) => void;
}
/** What a connection handed back had read before its next request (serveNextRequest). */
const READ_BEFORE = Symbol('switchyard.readBeforeNextRequest');
type Holding = Socket & { [HELD]?: Held; [READ_BEFORE]?: number };

/**
 * The bytes the client sent on `socket` for the upgrade request being served and its session: all
 * the connection read, less what went to the requests before it on a connection handed back after
 * an answer (a refused handshake, then another on the same connection). (Plain requests before the
 * first hand-back are still counted in.)
 */
export function bytesFromClient(socket: Socket): number {
  return socket.bytesRead - ((socket as Holding)[READ_BEFORE] ?? 0);
}

/**
 * From now on, what the client sends on `socket` (after its upgrade request and its body; `first`:
 * what was read of it already) is kept for the connection's next request, until the answer is out.
 * Past EARLY_BYTES_LIMIT the socket is paused: the rest waits unread, as in nginx's socket. A
 * client that half-closes meanwhile is gone, to nginx's broken-connection check: its connection
 * closes at once (the answer's close ends the exchange or the refused session, 499).
 */
export function holdIncoming(socket: Socket, first: Buffer | null): void {
  if (socket.destroyed) return;
  if (socket.readableEnded) return void socket.destroy();
  const s = socket as Holding;
  // (held already: a refusal's answer that became the proxy's own 502)
  if (s[HELD]) return void (first?.length && keep(s, s[HELD], first));
  const held: Held = { bytes: [], size: 0, onData: (chunk) => keep(s, held, chunk) };
  s[HELD] = held;
  if (first?.length) keep(s, held, first);
  socket.on('data', held.onData);
  socket.once('end', destroyOnEnd);
  if (held.size <= EARLY_BYTES_LIMIT) socket.resume();
}

function destroyOnEnd(this: Socket): void {
  this.destroy();
}

function keep(socket: Socket, held: Held, chunk: Buffer): void {
  held.bytes.push(chunk);
  held.size += chunk.length;
  if (held.size > EARLY_BYTES_LIMIT) socket.pause();
}

const EMPTY = Buffer.alloc(0);

/** Stop holding; what was held (the socket stays paused past EARLY_BYTES_LIMIT). */
function takeHeld(socket: Socket): Buffer {
  const s = socket as Holding;
  const held = s[HELD];
  if (!held) return EMPTY;
  delete s[HELD];
  socket.off('data', held.onData);
  socket.off('end', destroyOnEnd);
  return Buffer.concat(held.bytes, held.size);
}

/** node's field: the response decided the connection ends with it (Connection: close). */
type Answer = ServerResponse & { _last?: boolean; _keepAliveTimeout?: number };

/**
 * A response to the upgrade request `req` on `socket`, which node handed over. `mayKeep`: the
 * connection may serve a next request after it (false after a 101 that switched nothing). Once it is out,
 * the connection is handed back to node's server for that request, or closes as nginx closes it
 * (client-close.ts). `unreadBody`: the request's body is still to come, after these bytes node read
 * with the head: on a connection kept, it is discarded first (discardUpgradeBody).
 */
export function upgradeResponse(req: IncomingMessage, socket: Socket, mayKeep: boolean, unreadBody?: Buffer): ServerResponse {
  const res: Answer = new ServerResponse(req);
  // (the request counts toward keepalive_requests, as any the connection serves)
  // (and not on a listen socket a reload removed: nginx's old worker says Connection: close)
  res.shouldKeepAlive = !servesLastRequest(socket) && mayKeep && clientKeepAlive(req) && listenerOpen(socket);
  // (no "Keep-Alive: timeout=N" header: nginx sends none, see listeners.ts)
  res._keepAliveTimeout = 0;
  res.assignSocket(socket);
  res.once('finish', () => {
    res.detachSocket(socket);
    const keeps = res.shouldKeepAlive && !res._last;
    if (keeps && unreadBody) return discardUpgradeBody(req, socket, unreadBody);
    const held = takeHeld(socket);
    if (keeps && serveNextRequest(socket, held)) return;
    closeAfterUpgradeAnswer(socket, held.length > 0 || bodyFraming(req.headers).kind !== 'none');
  });
  return res;
}

/** The most of a body discardUpgradeBody reads to keep the connection (it keeps what it reads
 * until it finds the body's end); past it, the connection closes after the answer. */
export const DISCARD_LIMIT = EARLY_BYTES_LIMIT;

/**
 * After an answer from its head (the engine's own 404, 301) that keeps the connection, the body of
 * the upgrade request `req` (`head`: what of it node read with the head) is read and dropped, as
 * nginx discards it, and the connection then serves the request that follows it. It closes, as
 * nginx's, when the client sends nothing of it for lingering_timeout (or still sends it
 * lingering_time on: a close), or the chunked body is bad (a lingering close); and, unlike nginx's,
 * when the body is over DISCARD_LIMIT (a lingering close).
 */
function discardUpgradeBody(req: IncomingMessage, socket: Socket, head: Buffer): void {
  // (nginx's timers, checked with every other closing connection's; no socket timer of the reader's)
  const discarded = discardingBody(socket);
  void readUpgradeBody(req, socket, head, DISCARD_LIMIT, 0).then((read) => {
    discarded();
    if ('body' in read && serveNextRequest(socket, read.rest ?? EMPTY)) return;
    if ('body' in read || 'tooLarge' in read || 'invalid' in read) closeAfterUpgradeAnswer(socket, true);
    else socket.destroy();
  });
}

/** Whether the listen socket that accepted `socket` still listens. */
function listenerOpen(socket: Socket): boolean {
  return (socket as Socket & { server?: Server }).server?.listening === true;
}

/**
 * Hand `socket` back to the HTTP server that accepted it, as node's server takes a new connection
 * (the engine's own listener knows it already: listeners.ts), with what the client sent meanwhile
 * (`held`) put back to be read first. An idle connection closes after keepalive_timeout, as after any
 * answer; node's server arms that only for connections it kept alive itself, so this does, until
 * the client's next byte. False when the connection cannot go on: the client closed, or the listen
 * socket went with a reload (nginx's old worker keeps no connection alive).
 */
function serveNextRequest(socket: Socket, held: Buffer): boolean {
  const server = (socket as Socket & { server?: Server }).server;
  if (!server || !listenerOpen(socket) || socket.destroyed || socket.readableEnded || !socket.writable) return false;
  socket.pause();
  (socket as Holding)[READ_BEFORE] = socket.bytesRead - held.length;
  if (held.length) socket.unshift(held);
  server.emit('connection', socket);
  socket.setTimeout(clientKeepaliveTimeout.ms);
  socket.once('data', endIdle);
  socket.resume();
  return true;
}

/** The next request began: its head's time is node's headersTimeout's to keep. */
function endIdle(this: Socket): void {
  this.setTimeout(0);
}

/**
 * The proxy's own error page (a 404, a 301, a 502…) as the answer to the upgrade request `req`, kept
 * alive or not as any, and closing for the errors after which nginx closes (error-pages.ts); on
 * `res` when an answer was begun there but nothing of it written; padded for `userAgent` (by default
 * the request's, as sendError pads it). `head`, for an answer from the request's head alone: what
 * node read behind it, the start of the body (discarded before a next request: upgradeResponse) or,
 * without one, the next request (held for it). Returns what the client got, for the record, or
 * null when the socket was already gone.
 */
export function upgradeError(
  req: IncomingMessage, socket: Socket, status: number, extra: Record<string, string>,
  opts: { res?: ServerResponse; userAgent?: string | null; head?: Buffer } = {},
): { headers: string[]; bodyBytes: number } | null {
  if (socket.destroyed || !socket.writable) return null;
  const unreadBody = opts.head && bodyFraming(req.headers).kind !== 'none' ? opts.head : undefined;
  if (opts.head && !unreadBody) holdIncoming(socket, opts.head);
  const sent = { responseHeaders: [] as string[], responseBytes: 0 };
  const res = opts.res ?? upgradeResponse(req, socket, true, unreadBody);
  sendError(res, status, extra, sent, opts.userAgent === undefined ? req.headers['user-agent'] : opts.userAgent);
  return { headers: sent.responseHeaders, bodyBytes: req.method === 'HEAD' ? 0 : sent.responseBytes };
}
