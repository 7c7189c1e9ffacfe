// How a client connection ends after its last answer, as nginx 1.22 ends it with its defaults
// (lingering_close on, lingering_time 30s, lingering_timeout 5s; ngx_http_finalize_connection):
//  - discarding: an answer given while the request body was not read (a 413 from the head, a 404 to
//    a POST) leaves the connection as it is while the rest of the body is read and dropped; once it
//    is in, the connection goes on (kept alive) or closes; a client that stops sending it for
//    lingering_timeout, or is still sending lingering_time after the answer, is closed (a FIN);
//  - lingering close: a connection closed while the client may still be sending (the request had a
//    body, the answer refused its head or its body, bytes came after it) gets a FIN after the answer,
//    then what the client sends is read and dropped until it closes too, stops for
//    lingering_timeout, or lingering_time has passed: no reset that could take the answer with it;
//  - otherwise the connection closes once the answer is out, and what the client sends after it
//    meets a reset.
// node's http server would close every connection at once (so a client still sending its body got
// a reset after its 413, which can take the answer with it), and read a discarded body for as long
// as the client sent it (only its 75 s keep-alive timer, restarted by every read, would end it).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { releaseReading, requestsWaiting, servedLast } from './pipeline.ts';

/** nginx's lingering_timeout and lingering_time. */
export const LINGER = { idleMs: 5000, maxMs: 30_000 } as const;

/** Set on a client connection that is discarding a body, or in its lingering close. */
const CLOSING = Symbol('switchyard.closing');
type Closing = Socket & { [CLOSING]?: ReadWatch };

/** Whether `socket` is discarding a body it answered before reading, or in its lingering close. */
export function isClosing(socket: Socket): boolean {
  return (socket as Closing)[CLOSING] !== undefined;
}

/** Whether `socket` is in its lingering close: what its parser makes of the bytes that still come
 * (a bad request, a request) is not answered. */
export function isLingering(socket: Socket): boolean {
  return (socket as Closing)[CLOSING]?.lingering === true;
}

/**
 * What a closing client still sends is read (node's parser, or a 'data' listener, takes it); this
 * watches the count of bytes read and calls `expired` once none came for LINGER.idleMs, or
 * LINGER.maxMs have passed since `since`. Polled, every twentieth of the idle time (so up to 250 ms
 * after nginx's timer), by one sweep for all of them (sweepWatches): the socket's idle timer is
 * node's keep-alive timer and client_body_timeout's, and a parser that reads the socket itself
 * emits no 'data' to refresh one.
 */
class ReadWatch {
  private seen: number;
  private lastRead = Date.now();

  constructor(private readonly socket: Socket, readonly since: number, readonly lingering: boolean, private readonly expired: () => void, public closeAfter = false) {
    this.seen = socket.bytesRead;
    watching.add(this);
    sweep ??= setInterval(sweepWatches, LINGER.idleMs / 20).unref();
    socket.once('close', () => this.stop());
  }

  check(now: number): void {
    if (this.socket.bytesRead !== this.seen) {
      this.seen = this.socket.bytesRead;
      this.lastRead = now;
    }
    if (now - this.lastRead >= LINGER.idleMs || now - this.since >= LINGER.maxMs) {
      this.stop();
      this.expired();
    }
  }

  stop(): void {
    watching.delete(this);
  }
}

/** The watches running, and the one timer that checks them while there are any: a timer of its own
 * for each of thousands of closing connections cost ten times the CPU. */
const watching = new Set<ReadWatch>();
let sweep: NodeJS.Timeout | null = null;

function sweepWatches(): void {
  const now = Date.now();
  for (const watch of watching) watch.check(now);
  if (watching.size === 0 && sweep) {
    clearInterval(sweep);
    sweep = null;
  }
}

/** A 'data' listener that drops what a client sends once its connection is ending. */
function dropData(): void {}

/** What the client sends from now on is read and dropped (its connection ends after this answer);
 * once per socket, however many ways its end is reached. */
export function dropIncoming(socket: Socket): void {
  if (!socket.listeners('data').includes(dropData)) socket.on('data', dropData);
  socket.resume();
}

/**
 * nginx's lingering close: a FIN once what was written is out, then what the client sends is read
 * and dropped until it closes too, LINGER.idleMs pass without a read, or LINGER.maxMs from `since`
 * (nginx counts lingering_time from the answer's end, or from when it began discarding the body).
 */
export function lingeringClose(socket: Socket, since = Date.now()): void {
  const s = socket as Closing;
  if (socket.destroyed || s[CLOSING]?.lingering) return;
  const discarding = s[CLOSING];
  discarding?.stop();
  s[CLOSING] = new ReadWatch(socket, discarding?.since ?? since, true, () => socket.destroy());
  // (an upgraded socket has no parser to read it: it is read here; with a parser, that reads it)
  dropIncoming(socket);
  socket.end();
}

/**
 * An answer went out while the request body was not read (node's server dumps it): the rest is
 * read and dropped; once it is in, the connection goes on, or with `close` gets its lingering
 * close; a client that stops sending it for LINGER.idleMs, or still sends it LINGER.maxMs after
 * the answer, is closed.
 */
export function discardBody(req: IncomingMessage, close: boolean): void {
  const socket = req.socket as Closing;
  if (socket.destroyed || socket[CLOSING]) return;
  if (req.complete) return void (close && lingeringClose(socket));
  const watch = new ReadWatch(socket, Date.now(), false, () => socket.destroy(), close);
  socket[CLOSING] = watch;
  req.once('end', () => {
    if (socket[CLOSING] !== watch) return;
    watch.stop();
    delete socket[CLOSING];
    if (watch.closeAfter) lingeringClose(socket, watch.since);
  });
}

/**
 * A body that a reader of its own reads and drops (an upgrade request's, upgrade-answer.ts) after an
 * answer that keeps the connection: the connection is discarding, with nginx's timers (it closes
 * when the client sends nothing of the body for LINGER.idleMs, or still sends it LINGER.maxMs on)
 * and a stop closing it at once. Call the function returned once the body is in.
 */
export function discardingBody(socket: Socket): () => void {
  const s = socket as Closing;
  const watch = new ReadWatch(socket, Date.now(), false, () => socket.destroy());
  s[CLOSING] = watch;
  return () => {
    watch.stop();
    if (s[CLOSING] === watch) delete s[CLOSING];
  };
}

/** A connection discarding a body is not kept alive after it, but gets the lingering close (its
 * listen socket went with a reload: nginx's old worker keeps no connection alive). */
export function closeAfterDiscard(socket: Socket): void {
  const watch = (socket as Closing)[CLOSING];
  if (watch && !watch.lingering) watch.closeAfter = true;
}

/** Whether `socket` is discarding a body, to close once it is in. */
export function closesAfterDiscard(socket: Socket): boolean {
  const watch = (socket as Closing)[CLOSING];
  return watch !== undefined && !watch.lingering && watch.closeAfter;
}

/** Set on a client connection whose parser found bytes after a request that ended it. */
const BYTES_AFTER_LAST = Symbol('switchyard.bytesAfterLast');
/** What the connection had read when node parsed its last request head, and whether two heads
 * ever came in one read (a pipelined request). */
const HEAD_AT = Symbol('switchyard.headReadAt');
const PIPELINED = Symbol('switchyard.pipelined');
type Marked = Socket & { [BYTES_AFTER_LAST]?: true; [HEAD_AT]?: number; [PIPELINED]?: true };

/**
 * node's parser read a request head on `socket` (called as it does: in the read that brought it).
 * A head in the same read as the one before it was pipelined: nginx (Debian's 1.22, with 1.23.4's
 * "lingering close for connections with pipelined requests") then ends the connection, whenever
 * it ends, with the lingering close, as the client may have sent more requests behind the last.
 */
export function headRead(socket: Socket): void {
  const s = socket as Marked;
  if (s[HEAD_AT] === socket.bytesRead) s[PIPELINED] = true;
  s[HEAD_AT] = socket.bytesRead;
}

/** node's parser found bytes after the request that ends the connection (it reads no more of them). */
export function bytesAfterLast(socket: Socket): void {
  (socket as Marked)[BYTES_AFTER_LAST] = true;
}

/** Set on a request whose body the engine drops unread (it answered from the head). */
const DROPPED = Symbol('switchyard.bodyDropped');
type Unread = IncomingMessage & { _dumped?: boolean; [DROPPED]?: true };

/** The request is answered from its head: its body, if any, is read and dropped (and discarded as
 * nginx discards it, once the answer is out). */
export function dropBody(req: IncomingMessage): void {
  (req as Unread)[DROPPED] = true;
  req.resume();
}

/** A body not read whole, that nobody reads but to drop it (dropBody, or node's dump after the answer). */
function leftUnread(req: IncomingMessage): boolean {
  return !req.complete && ((req as Unread)._dumped === true || (req as Unread)[DROPPED] === true);
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * In place of a client connection's destroySoon, which node's http server calls once the answer
 * that ends the connection is out (listeners.ts installs it): a body not read is discarded first
 * (node has dumped it: `_dumped`), a connection the client may still be sending on gets the
 * lingering close (the request had a body, its body was not read whole, bytes came after it, a
 * request on it was ever pipelined), and any other closes once the answer is out, as nginx
 * decides (ngx_http_finalize_connection).
 */
export function closeAfterAnswer(this: Socket): void {
  const req = servedLast(this);
  const marks = this as Marked;
  // (requests waiting behind it, past the few that hold the reading, are dropped: read on)
  releaseReading(this);
  if (req && leftUnread(req)) return discardBody(req, true);
  // (an upgraded socket, node's parser gone: the client may send, expecting a tunnel)
  const upgraded = !(this as Socket & { parser?: unknown }).parser;
  // (bytes read since the last head was parsed: the head is the last of its request but for a body)
  if (!req || upgraded || !req.complete || hasBody(req) || this.bytesRead !== marks[HEAD_AT] || requestsWaiting(this) || marks[BYTES_AFTER_LAST] || marks[PIPELINED]) return lingeringClose(this);
  Socket.prototype.destroySoon.call(this);
}

/**
 * The answer to an upgrade request that did not upgrade ended its connection (upgrade-answer.ts):
 * as closeAfterAnswer decides for any, a lingering close when the client may still be sending
 * (`mayStillSend`: its request had a body, or it sent bytes after it; or a request on the
 * connection came pipelined), else a plain close once the answer is out.
 */
export function closeAfterUpgradeAnswer(socket: Socket, mayStillSend: boolean): void {
  if (mayStillSend || (socket as Marked)[PIPELINED]) return lingeringClose(socket);
  Socket.prototype.destroySoon.call(socket);
}

/** A kept-alive answer went out while the request body was not read: what is left of it is discarded. */
export function discardAfterAnswer(this: ServerResponse): void {
  if (leftUnread(this.req)) discardBody(this.req, false);
}
