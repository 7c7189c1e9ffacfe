// The listen sockets of a running engine. Reconfiguring keeps sockets whose address stays (so
// nothing connected to them notices), closes the ones that go and binds the new ones; a socket
// that cannot bind is reported and the others run.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { writeRawError } from './error-pages.ts';
import { refuseBody } from './request-body.ts';
import { clientKeepAlive, servesLastRequest } from './keepalive-requests.ts';
import { parseErrorInTurn, serveInTurn, upgradeInTurn } from './pipeline.ts';
import { MAX_REQUEST_HEADER_LINES } from '../../app/proxy/header-buffers.ts';
import { refusedHeadCause, refusedHeadStatus, refusedRequestLine, refusedMethod } from './refused-heads.ts';
import { clientHeaderTimeout, clientKeepaliveTimeout, NODE_KEEPALIVE_SLACK_MS } from './client-timeouts.ts';
import { countConnection } from './request-env.ts';
import { bytesAfterLast, closeAfterAnswer, closeAfterDiscard, closesAfterDiscard, headRead, discardAfterAnswer, isClosing, isLingering, lingeringClose } from './client-close.ts';

/** The largest request head node parses for the engine (nginx's limits are applied after). */
export const MAX_HEAD_BYTES = 64 * 1024;

export interface ListenerStatus {
  key: string;
  host: string;
  port: number;
  state: 'listening' | 'failed';
  error?: { code: string; message: string };
}

export interface ListenerHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
  /** A head node's parser refused, answered with `status` (`sent`: what went out, null if nothing
   * could): its request line as far as it is known, and why, in nginx's words. */
  refused(socket: Socket, status: number, line: { method: string; url: string; httpVersion?: string }, cause: string, sent: { headers: string[]; bodyBytes: number } | null): void;
}

/** Set on a client connection once node's parser failed on it (its answer may wait, see clientError). */
const PARSE_FAILED = Symbol('switchyard.parseFailed');
/** A request's response, for the clientError handler (node links them only the other way). */
const ANSWER = Symbol('switchyard.answer');

/**
 * client_header_timeout for a connection's first request counts from the accept in nginx (the read
 * timer of ngx_http_init_connection runs on into the head); node's headersTimeout from the head's
 * first byte. A timer per connection until its first head is read: a client that connects, waits
 * and then sends its head slowly is closed (no answer) when nginx closes it.
 */
const FIRST_HEAD = Symbol('switchyard.firstHeadTimer');
type Accepted = Socket & { [FIRST_HEAD]?: NodeJS.Timeout | null };

function firstHeadRead(socket: Socket): void {
  const s = socket as Accepted;
  const timer = s[FIRST_HEAD];
  if (timer) {
    clearTimeout(timer);
    s[FIRST_HEAD] = null;
  }
}

/** Each listen socket's client connections, for what a reload does to those of a socket that goes. */
const clients = new WeakMap<Server, Set<Socket>>();

/**
 * The error listener of a socket whose errors are handled elsewhere or not at all (node would throw
 * an unhandled one). A module function, not an arrow made in an upgrade handler: that would hold
 * the handler's scope (the request object, its head buffer) for as long as the socket lives, which
 * for an upgraded socket is the whole WebSocket session (about 1.1 KiB per idle session). The web
 * host's feed sockets use it too.
 */
export function ignoreSocketError(): void {}

/** From the first moment a socket is handed over: a reset client must never crash the engine (once
 * per socket, however many upgrade requests it carries: upgrade-answer.ts). */
function onSocketError(socket: Socket): void {
  if (!socket.listeners('error').includes(ignoreSocketError)) socket.on('error', ignoreSocketError);
}

type Socketspec = { key: string; host: string; port: number };

interface Entry {
  status: ListenerStatus;
  server: Server | null;
}

export class ListenerSet {
  private entries = new Map<string, Entry>();
  /** Sockets a reconfiguration closed, until their last connection ends (closeAll ends those too). */
  private retired = new Map<Server, Promise<void>>();

  constructor(private readonly handlers: ListenerHandlers) {}

  /**
   * Bind what `wanted` has and the set has not (or failed to bind before), close what it no longer
   * has. With `allOrNothing`, a socket new to the set that cannot bind undoes the change, as nginx
   * refuses such a reload: the sockets bound for it close, the ones it closed bind again (their
   * idle connections are gone), and the sockets that failed come back as `refused`.
   */
  async sync(wanted: Socketspec[], allOrNothing = false): Promise<{ listeners: ListenerStatus[]; refused: ListenerStatus[] }> {
    const before = this.status();
    const listeners = await this.replace(wanted);
    const refused = allOrNothing ? listeners.filter((l) => l.state === 'failed' && !before.some((b) => b.key === l.key)) : [];
    if (refused.length) await this.replace(before.map((b) => ({ key: b.key, host: b.host, port: b.port })));
    return { listeners: refused.length ? this.status() : listeners, refused };
  }

  private async replace(wanted: Socketspec[]): Promise<ListenerStatus[]> {
    const keep = new Set(wanted.map((w) => w.key));
    for (const [key, e] of this.entries) {
      if (!keep.has(key) || e.status.state === 'failed') {
        this.entries.delete(key);
        if (e.server) this.retire(e.server);
      }
    }
    await Promise.all(wanted.filter((w) => !this.entries.has(w.key)).map((w) => this.bind(w)));
    return this.status();
  }

  status(): ListenerStatus[] {
    return [...this.entries.values()].map((e) => ({ ...e.status }));
  }

  async closeAll(): Promise<void> {
    for (const e of this.entries.values()) if (e.server) this.retire(e.server);
    this.entries.clear();
    const closing = [...this.retired];
    for (const [server] of closing) {
      server.closeAllConnections();
      // (and those node no longer tracks: an upgraded connection in its lingering close, whose
      // client could hold the stop for lingering_time by sending a byte every few seconds)
      for (const socket of clients.get(server) ?? []) if (isClosing(socket)) socket.destroy();
    }
    await Promise.all(closing.map(([, closed]) => closed));
  }

  /** A listen socket the config no longer has (or a stop): see endAsOldWorker; kept until it has closed. */
  private retire(server: Server): void {
    this.retired.set(server, endAsOldWorker(server).then(() => void this.retired.delete(server)));
  }

  private bind(w: Socketspec): Promise<void> {
    // maxHeaderSize: room for any head nginx's header buffers take (1k + 4 x 8k); the engine then
    // applies nginx's own limits to it (app/proxy/header-buffers.ts). requireHostHeader off: node
    // would answer an HTTP/1.1 request without Host itself (a bare chunked 400); the planner
    // answers it with nginx's page, as nginx does (app/proxy/plan.ts)
    // headersTimeout is nginx's client_header_timeout; node checks it every connectionsCheckingInterval
    // (30 s by default, so a head could wait 90 s): every second, it closes within one of nginx's time
    const headerMs = clientHeaderTimeout.ms;
    // keepalive_timeout, less the second node adds to it (an idle connection closed a second late)
    const server = createServer({
      keepAliveTimeout: Math.max(1, clientKeepaliveTimeout.ms - NODE_KEEPALIVE_SLACK_MS), headersTimeout: headerMs, connectionsCheckingInterval: Math.max(50, Math.min(1000, headerMs / 10)),
      requestTimeout: 0, maxHeaderSize: MAX_HEAD_BYTES, requireHostHeader: false,
    });
    // node keeps the first 1,000 header lines by default and drops the rest unseen; nginx refuses
    // a head with more (the planner's check, app/proxy/header-buffers.ts), so node must keep more
    server.maxHeadersCount = 2 * MAX_REQUEST_HEADER_LINES;
    // one listener per server, none made per connection (an idle WebSocket session keeps its socket)
    const open = new Set<Socket>();
    const forget = function (this: Socket) {
      open.delete(this);
      firstHeadRead(this); // (a connection gone before its first head: its timer goes too)
    };
    clients.set(server, open);
    server.on('connection', (socket: Socket) => {
      // (a connection handed back after an upgrade request it answered: upgrade-answer.ts)
      if (open.has(socket)) return;
      open.add(socket);
      countConnection(socket);
      socket.on('close', forget);
      // how the connection ends after its last answer: nginx's (client-close.ts), not node's
      socket.destroySoon = closeAfterAnswer;
      (socket as Accepted)[FIRST_HEAD] = setTimeout(() => socket.destroy(), headerMs).unref();
    });
    const handle = this.handlers.request;
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      firstHeadRead(req.socket);
      headRead(req.socket);
      (req as IncomingMessage & { [ANSWER]?: ServerResponse })[ANSWER] = res;
      // keepalive_requests 1000: the 1000th response on a connection says Connection: close and the
      // connection ends with it (node's maxRequestsPerSocket would keep it open and answer 503)
      // and a connection nginx would close after this request (its reading of Connection) closes
      // (the other way round is not possible: node's parser takes no request after one it read as
      // the last, as with HTTP/1.1 and Proxy-Connection: close)
      if (servesLastRequest(req.socket) || !clientKeepAlive(req)) res.shouldKeepAlive = false;
      // no "Keep-Alive: timeout=75" header (node writes one from keepAliveTimeout): nginx's
      // keepalive_timeout 75s sends none without its second, header_timeout parameter. The idle
      // connection still closes after 75 s (node arms that from the server's keepAliveTimeout).
      (res as ServerResponse & { _keepAliveTimeout?: number })._keepAliveTimeout = 0;
      // (a body the answer left unread is discarded with nginx's timers, client-close.ts)
      if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) res.once('finish', discardAfterAnswer);
      // (read behind a body being discarded before the connection closes: nginx never reads it)
      if (closesAfterDiscard(req.socket)) return;
      serveInTurn(req, res, handle);
    };
    server.on('request', onRequest);
    // Expect: node would answer "100 Continue" before anything is known, and 417 to any other
    // expectation; nginx sends 100 only once it reads the body of a request it proxies (the
    // exchange does), and ignores other expectations
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      // node ends a connection whose request expected a 100 it did not get; nginx keeps it (and
      // reads the body it did not ask for): a request answered from its head (404, 301), and a
      // value node takes for "100-continue" and nginx does not ("100-continue, foo"), to which
      // nginx sends no 100 at all. The exchange sends its own 100 where nginx does.
      (res as ServerResponse & { _expect_continue?: boolean })._expect_continue = false;
      onRequest(req, res);
    });
    server.on('checkExpectation', onRequest);
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      firstHeadRead(socket);
      headRead(socket);
      onSocketError(socket);
      upgradeInTurn(socket, () => this.handlers.upgrade(req, socket, head));
    });
    // nginx is no forward proxy: a CONNECT request line with an authority ("CONNECT host:port") is a
    // bad request it cannot parse (400), one with a path or an absolute URI a method it refuses
    // (405) once the head passed the checks every request's does; the planner decides both, as for
    // any request (app/proxy/plan.ts), and the upgrade path answers it without an upstream. In turn
    // behind pipelined requests, as any head (node hands it over at once).
    server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      firstHeadRead(socket);
      headRead(socket);
      onSocketError(socket);
      upgradeInTurn(socket, () => this.handlers.upgrade(req, socket, head));
    });
    server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer; bytesParsed?: number }, socket: Socket) => {
      firstHeadRead(socket);
      // a connection in its lingering close: what the client still sends is dropped unanswered
      // (its FIN, or a reset, ends it)
      if (isLingering(socket)) {
        if (err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE') socket.destroy();
        return;
      }
      // node's headersTimeout (nginx's client_header_timeout, 60 s for a whole head), and a
      // client that half-closes its connection inside a head or a body (gone away, to nginx):
      // nginx closes such a connection without an answer, where node would write a 408 or a 400
      if (!socket.writable || err.code === 'ECONNRESET' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_INVALID_EOF_STATE') {
        socket.destroy();
        return;
      }
      // bytes after a request that closes the connection: nginx never reads them; the response
      // still owed goes out, then the connection ends (node's doing), and nothing else is written
      // (they make the connection's close a lingering one, as nginx's with bytes unread)
      if (err.code === 'HPE_CLOSED_CONNECTION') {
        bytesAfterLast(socket);
        if (!(socket as Socket & { _httpMessage?: unknown })._httpMessage && !isClosing(socket)) socket.destroy();
        return;
      }
      const s = socket as Socket & { [PARSE_FAILED]?: true; parser?: { incoming: IncomingMessage | null } | null };
      if (s[PARSE_FAILED]) return; // (more data on the socket reports the error again)
      s[PARSE_FAILED] = true;
      const current = s.parser?.incoming;
      // an error in the body of the request node handed over (a Transfer-Encoding node cannot frame
      // a body by, found once the planner read the value as "chunked": 501, or 400 first for what
      // nginx checks before; a chunk size that is not hex): that request answers it, as nginx
      // answers it, with its own record (no second one for bytes of its body); one answered from its
      // head (404, 301, 405) keeps that answer. node reads nothing more on this connection, so it
      // ends after that answer (behind those still owed before it) instead of idling as if kept alive
      if (current && !current.complete) {
        const te = err.code === 'HPE_INVALID_TRANSFER_ENCODING';
        refuseBody(current, te ? 501 : 400, te
          ? `client sent unknown "Transfer-Encoding": "${String(current.headers['transfer-encoding'])}" with whitespace node's parser does not take for "chunked"`
          : `client sent invalid ${/CHUNK/.test(err.code ?? '') ? 'chunked body' : 'request body'} (node's parser: ${err.code ?? 'error'})`);
        const answer = (current as IncomingMessage & { [ANSWER]?: ServerResponse })[ANSWER];
        // (no more of the body can come to be discarded: the lingering close, client-close.ts)
        if (answer && !answer.writableFinished) answer.once('finish', () => lingeringClose(socket));
        else if (answer) lingeringClose(socket);
        return;
      }
      const status = refusedHeadStatus(err);
      // (read now: the answer may wait behind pipelined requests, while the socket reads on)
      const line = refusedRequestLine(err, socket.bytesRead === err.rawPacket?.length);
      const cause = refusedHeadCause(status, err);
      // in turn behind pipelined requests (pipeline.ts)
      parseErrorInTurn(socket, false, () => this.handlers.refused(socket, status, line, cause, writeRawError(socket, status, {}, refusedMethod(err, line))));
    });
    const status: ListenerStatus = { key: w.key, host: w.host, port: w.port, state: 'listening' };
    this.entries.set(w.key, { status, server });
    return new Promise((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        status.state = 'failed';
        const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EADDRNOTAVAIL' ? 'address not available on this machine' : err.message;
        status.error = { code: err.code ?? 'listen_failed', message: `cannot listen on ${w.host}:${w.port}: ${why}` };
        this.entries.set(w.key, { status, server: null });
        resolve();
      });
      // nginx's IPv6 sockets are ipv6only: "[::]:80" takes no IPv4 connection (node's "::" would
      // be dual-stack and take them for a listen nginx does not have)
      server.listen({ host: w.host, port: w.port, exclusive: true, ipv6Only: w.host.includes(':') }, () => {
        const addr = server.address();
        if (addr && typeof addr === 'object') status.port = addr.port;
        resolve();
      });
    });
  }
}

/**
 * A listen socket the new config does not have stops accepting, and its connections end as an old
 * nginx worker's do: idle keepalive ones now, one with a response under way after that response
 * (a next request there would find no server block for its socket). WebSocket sessions go on.
 */
function endAsOldWorker(server: Server): Promise<void> {
  const closed = closeServer(server);
  for (const socket of clients.get(server) ?? []) {
    const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    // (answered, still discarding the body: closed once it is in, not kept alive for a next request)
    if (!res) {
      closeAfterDiscard(socket);
      continue;
    }
    if (!res.headersSent) res.shouldKeepAlive = false;
    else res.once('finish', () => socket.destroySoon());
  }
  return closed;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
