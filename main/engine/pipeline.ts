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
type Connection = Socket & { [IN_FLIGHT]?: number; [QUEUE]?: Array<() => void>; [ENDED]?: true };

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
  if (open === 0) serve(req, res);
  else (conn[QUEUE] ??= []).push(() => serve(req, res));
}

/**
 * An upgrade request waits the same way (node hands it over at once, with the socket, while a
 * response before it may still be on its way); it has no response of its own to wait for.
 */
export function upgradeInTurn(socket: Socket, upgrade: () => void): void {
  const conn = socket as Connection;
  if (ending(conn)) return;
  if (!conn[IN_FLIGHT]) upgrade();
  else (conn[QUEUE] ??= []).push(upgrade);
}

function onResponseClose(this: ServerResponse): void {
  const conn = this.req.socket as Connection;
  conn[IN_FLIGHT] = (conn[IN_FLIGHT] ?? 1) - 1;
  if (!this.shouldKeepAlive) conn[ENDED] = true;
  const next = conn[QUEUE]?.shift();
  if (!next) return;
  // the response that closed ended the connection: nginx would not have read what follows (the
  // connection is ending; destroying it now could cut off what is still being written)
  if (ending(conn)) {
    conn[QUEUE] = [];
    return;
  }
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
  if (res && !res.writableFinished) res.once('finish', () => conn.end());
  else conn.end();
}
