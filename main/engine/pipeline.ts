// Pipelined requests are served one at a time, as nginx serves them. node emits 'request' for
// every request it has parsed off a connection, so without this the engine proxied a client's
// pipelined requests side by side: their upstream requests went out in any order, and the ones
// after a request that ends the connection (a 400, a Connection: close) reached the upstream
// although nginx never reads them. Here a request waits until the response before it has
// closed; if that response ended the connection, the requests behind it are dropped unserved.
// (node still sends the responses in order, as it always does.)
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

type Serve = (req: IncomingMessage, res: ServerResponse) => void;
const IN_FLIGHT = Symbol('switchyard.requestsInFlight');
const QUEUE = Symbol('switchyard.requestsWaiting');
/** A response on the connection ended it (it said Connection: close). */
const ENDED = Symbol('switchyard.connectionEnded');
/** Reading the connection is held while requests wait (holdReading). */
const HELD = Symbol('switchyard.readingHeld');
/** node's http server's own fields on a connection: its pause flag and its parser. */
interface NodeHttpSocket { _paused?: boolean; parser?: { resume(): void } | null }
/** The request being served on a connection (its answer is the one node writes). */
const SERVING = Symbol('switchyard.serving');
type Connection = Socket & NodeHttpSocket & { [IN_FLIGHT]?: number; [QUEUE]?: Array<() => void>; [ENDED]?: true; [HELD]?: true; [SERVING]?: IncomingMessage };

/** The request served last on `socket` (so the one whose answer is under way or just out); undefined before any. */
export function servedLast(socket: Socket): IncomingMessage | undefined {
  return (socket as Connection)[SERVING];
}

/** Whether requests read off `socket` wait behind the one being served. */
export function requestsWaiting(socket: Socket): boolean {
  return ((socket as Connection)[QUEUE]?.length ?? 0) > 0;
}

function serveNow(conn: Connection, req: IncomingMessage, res: ServerResponse, serve: Serve): void {
  conn[SERVING] = req;
  serve(req, res);
}

/** Requests a connection may have waiting before its reading is held (holdReading). */
const HOLD_AFTER = 32;

/**
 * Many requests wait: stop reading the connection. nginx reads a pipelined request only once the
 * one before it is done, so a client that writes requests and never reads the answers costs it a
 * header buffer; node would parse them all, and hold an object per request in the queue (a few MB
 * of pipelined GETs: hundreds of MB and seconds of CPU). Held only past HOLD_AFTER waiting
 * requests, which no client that reads its answers reaches: while reading is held the engine sees
 * neither the client leaving nor the rest of a head (node's header timer runs on), where with a few
 * requests waiting it does, as nginx does. The requests of the chunk already read are still parsed.
 * This is node's own way of stopping a flood of pipelined requests (its server sets `_paused` and
 * pauses the socket while its writes are backed up; the parser is paused after the chunk, and
 * nothing but `_paused = false` with a resume of both lets reading go on: a plain socket.pause()
 * does not stop a parser that reads the socket's handle itself).
 */
function holdReading(conn: Connection): void {
  conn[HELD] = true;
  // (paused already: by this, or by node for its writes, whose 'drain' may resume it: then again here)
  if (conn._paused) return;
  conn._paused = true;
  conn.pause();
}

/** The queue is served (or dropped: the connection closes and what comes is read to be dropped):
 * reading goes on, unless node holds it for its own writes (it resumes on 'drain'). */
export function releaseReading(conn: Connection): void {
  if (!conn[HELD]) return;
  delete conn[HELD];
  if (conn.writableNeedDrain || conn.destroyed) return;
  conn._paused = false;
  if (conn.parser) {
    conn.parser.resume();
    conn.resume();
    return;
  }
  // upgraded (an upgrade was the last request read): back to the state node hands an upgraded
  // socket over in, neither flowing nor paused, so that its new owner's 'data' listener reads it
  (conn as unknown as { _readableState: { flowing: boolean | null } })._readableState.flowing = null;
}

/** Whether nothing more is served on `conn`: a response ended it, or it is closing. */
const ending = (conn: Connection): boolean => conn[ENDED] === true || conn.destroyed || conn.writableEnded;

/** Serve `req` now if its connection has no response open, else once the ones before it closed. */
export function serveInTurn(req: IncomingMessage, res: ServerResponse, serve: Serve): void {
  const conn = req.socket as Connection;
  // parsed after a response that ended the connection had gone (an early 413 answers before its
  // body is read, and node parses the request behind that body later): nginx never reads it
  if (ending(conn)) return;
  const open = conn[IN_FLIGHT] ?? 0;
  conn[IN_FLIGHT] = open + 1;
  res.on('close', onResponseClose);
  if (open === 0) serveNow(conn, req, res, serve);
  else {
    const queue = (conn[QUEUE] ??= []);
    queue.push(() => serveNow(conn, req, res, serve));
    if (queue.length > HOLD_AFTER) holdReading(conn);
  }
}

/**
 * An upgrade request waits the same way (node hands it over at once, with the socket, while a
 * response before it may still be on its way); it has no response of its own to wait for.
 */
export function upgradeInTurn(socket: Socket, upgrade: () => void): void {
  const conn = socket as Connection;
  if (ending(conn)) return;
  if (!conn[IN_FLIGHT]) return upgrade();
  // node's server stops watching a socket once it hands over an upgrade, so a client that
  // half-closes while the responses before it are on their way would go unseen. nginx sees it (the
  // request in flight ends, 499) and never reads the upgrade behind it: so does this.
  const onEnd = () => conn.destroy();
  socket.once('end', onEnd);
  (conn[QUEUE] ??= []).push(() => {
    socket.off('end', onEnd);
    upgrade();
  });
}

function onResponseClose(this: ServerResponse): void {
  const conn = this.req.socket as Connection;
  conn[IN_FLIGHT] = (conn[IN_FLIGHT] ?? 1) - 1;
  if (!this.shouldKeepAlive) conn[ENDED] = true;
  const next = conn[QUEUE]?.shift();
  if (!next) return releaseReading(conn);
  // the response that closed ended the connection: nginx would not have read what follows (the
  // connection is ending; destroying it now could cut off what is still being written)
  if (ending(conn)) {
    conn[QUEUE] = [];
    return;
  }
  // the last request read starts: the rest of its body, and what follows, may be read again
  if (conn[QUEUE]!.length === 0) releaseReading(conn);
  next();
}

/**
 * The answer to what node's parser could not read (a 400, a 414), in turn: nginx reads a pipelined
 * head only once the responses before it are out, and never when one of them ends the connection;
 * node reports the error at once. `inLastBody`: the error is in the body of the last request node
 * handed over; the answer takes that request's place (and is written now when it is being served,
 * unless its own answer is under way already: the connection then ends after that one).
 */
export function parseErrorInTurn(socket: Socket, inLastBody: boolean, answer: () => void): void {
  const conn = socket as Connection;
  const queue = conn[QUEUE];
  // (the last request handed over is the queue's last entry: node parses nothing after it)
  if (inLastBody && queue?.length) queue.splice(queue.length - 1, 0, answer);
  else if (inLastBody && answered(conn)) endAfterResponse(conn);
  else if (inLastBody) answer();
  else upgradeInTurn(socket, answer);
}

/** The response node is writing on `conn` (its head may not be out yet), if any. */
const responseOn = (conn: Connection): ServerResponse | null => (conn as Connection & { _httpMessage?: ServerResponse | null })._httpMessage ?? null;

/** Whether the request being served has its answer under way or sent (a client gets one answer). */
function answered(conn: Connection): boolean {
  return ending(conn) || responseOn(conn)?.headersSent === true;
}

/** Nothing more is read on `conn`: it ends once the response under way is out. */
function endAfterResponse(conn: Connection): void {
  conn[ENDED] = true;
  const res = responseOn(conn);
  if (res && !res.writableFinished) res.once('finish', () => conn.destroySoon());
  else conn.destroySoon();
}
