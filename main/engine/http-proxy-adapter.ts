// The one place that knows http-proxy. One call = one try against one upstream peer, with nginx's
// timeout meanings: connect (establishing the connection), send (between two writes of the request)
// and read (between two reads of the response), each reset by progress, not a whole-request limit.
//
// http-proxy copies the client's headers and joins paths with its own rules; nginx builds the
// upstream request from scratch. So on 'proxyReq' we give node exactly the head the planner
// computed: request line, then the header list in nginx's order (storeNginxHead, stored-head.ts).
import httpProxy from 'http-proxy';
import { ClientRequest, type Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Stream } from 'node:stream';
import { headWithBody, keptByNginx, storeNginxHead } from './stored-head.ts';
import { watchWriteQueue, type StallWatch } from './stall-watch.ts';
import { dropUpstream, failureKind } from './upstream-failure.ts';
import type { HttpTry, TryHandlers } from './http-try.ts';

export type { HttpTry, TryFailure, TryHandlers } from './http-try.ts';

interface Active {
  t: HttpTry;
  h: TryHandlers;
  connectedAt: number;
  phase: 'connect' | 'send' | 'read';
  requestSent: boolean;
  responded: boolean;
  /** The upstream response, once its header came. */
  response: IncomingMessage | null;
  timedOut: boolean;
  settled: boolean;
  /** Reading the response is paused for a client that is not taking it (see pauseUpstream). */
  waitingForClient: boolean;
  /** The upstream's idle timer ran out during that wait (and was not counted). */
  idleWhileWaiting: boolean;
  /** The upstream request, once http-proxy made it. */
  proxyReq: ClientRequest | null;
  /** proxy_read_timeout for the response head, from the request's end (see onRequestSent). */
  headTimer: NodeJS.Timeout | null;
  /** proxy_send_timeout while a body waits in the connection's write queue (see watchSend). */
  sendWatch: StallWatch | null;
  /** The header lines of the upstream request, in order (the planned list plus the body's Content-Length). */
  head: ReadonlyArray<readonly [string, string]>;
  /** The connection's bytesRead when the try got it (a cached one's earlier answers). */
  readBefore: number;
}

/**
 * The try a request is on, kept on the request itself. (Not a WeakMap: V8's young-generation GC
 * cannot drop ephemeron entries, so every in-flight request and all it references got promoted to
 * the old generation: about 7 KB per request, which was most of the engine's HTTP overhead.)
 */
const ACTIVE = Symbol('switchyard.httpTry');
type WithTry = IncomingMessage & { [ACTIVE]?: Active };

const proxy = httpProxy.createProxyServer({ selfHandleResponse: true, ws: false, xfwd: false, ignorePath: true, prependPath: false });

proxy.on('proxyReq', (proxyReq: ClientRequest, req: WithTry) => {
  const a = req[ACTIVE];
  if (!a) return;
  const w = proxyReq as NginxHeadRequest;
  if (a.settled) {
    proxyReq.destroy(); // the client left before the request got its socket
    return;
  }
  a.proxyReq = proxyReq;
  w[ACTIVE] = a;
  proxyReq.path = a.t.path;
  // The body (or the end of a bodiless request) is written ticks after this hook (BodySource), and
  // only then does node send the head: storing it now means node never builds one of its own.
  if (!storeNginxHead(w, `${a.t.method} ${a.t.path} HTTP/${a.t.httpVersion}\r\n`, a.head)) return;

  // http-proxy emits 'proxyReq' from inside the request's 'socket' event: the socket is here now.
  const socket = proxyReq.socket as UpstreamSocket;
  a.readBefore = socket.bytesRead;
  if (!socket[WATCHED]) {
    socket[WATCHED] = true;
    socket.on('timeout', onUpstreamIdle);
  }
  if (!socket.connecting) connected(a, socket);
  else {
    // node's socket idle timer starts with the connection: the connect phase has its own timer
    const timer = setTimeout(() => {
      a.timedOut = true;
      proxyReq.destroy(Object.assign(new Error('upstream timed out (connect)'), { code: 'ETIMEDOUT' }));
    }, a.t.connectTimeoutMs);
    // (the close listener goes once connected: it would keep this request's try alive, through
    // the timer's callback, for as long as the connection lives, a WebSocket session's too)
    const onClose = () => clearTimeout(timer);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('close', onClose);
      connected(a, socket);
    });
    socket.once('close', onClose);
  }
  proxyReq.on('finish', onRequestSent);
  // without a listener node drops the socket of a 101 + Upgrade answer and reports nothing
  proxyReq.on('upgrade', onUpgradeAnswer);
});

function onUpgradeAnswer(this: NginxHeadRequest, _res: IncomingMessage, socket: Socket): void {
  socket.destroy();
  const a = this[ACTIVE];
  if (!a || a.settled) return;
  a.settled = true;
  clearHeadTimer(a);
  a.h.onUpgradeAnswer();
}

/**
 * nginx's send and read timeouts are the time allowed between two writes / two reads: the socket's
 * idle timer, which node restarts on every read and write. It is armed only when its length changes
 * (a keepalive connection keeps it from request to request) and one listener per connection turns
 * it into a timeout of the request on it. On a connection idle in the keepalive pool the agent's own
 * listener closes it instead, as nginx closes idle upstream connections (keepalive_timeout 60s).
 */
const WATCHED = Symbol('switchyard.timeoutListener');
type UpstreamSocket = Socket & { [WATCHED]?: true; _httpMessage?: NginxHeadRequest | null };

function setIdleTimeout(socket: Socket, ms: number): void {
  if (socket.timeout !== ms) socket.setTimeout(ms);
}

function onUpstreamIdle(this: UpstreamSocket): void {
  const proxyReq = this._httpMessage;
  const a = proxyReq?.[ACTIVE];
  if (!proxyReq || !a || a.phase === 'connect') return;
  if (a.waitingForClient) {
    a.idleWhileWaiting = true;
    return;
  }
  a.timedOut = true;
  proxyReq.destroy(Object.assign(new Error(`upstream timed out (${a.phase})`), { code: 'ETIMEDOUT' }));
}

/** The connection to the peer is up (or was reused): the send phase starts. */
function connected(a: Active, socket: Socket): void {
  a.connectedAt = Date.now();
  a.phase = 'send';
  setIdleTimeout(socket, a.t.sendTimeoutMs);
  // (after the request's writes of this tick: its head and body, or what waited for the connection)
  if (a.t.body !== null && a.t.sendTimeoutMs > 0) process.nextTick(watchSend, a, socket);
}

/** proxy_send_timeout while part of the request body waits to go out (a StallWatch on the
 * connection's write queue: node's idle timer lets one expiry pass while a write is queued). */
function watchSend(a: Active, socket: Socket): void {
  if (a.settled || a.phase !== 'send' || socket.writableLength === 0) return;
  a.sendWatch = watchWriteQueue(socket, a.t.sendTimeoutMs, () => {
    a.sendWatch = null;
    if (a.settled || a.phase !== 'send') return;
    a.timedOut = true;
    a.proxyReq?.destroy(Object.assign(new Error('upstream timed out (send)'), { code: 'ETIMEDOUT' }));
  });
}

/**
 * The request is sent: proxy_read_timeout starts. Until the response head is complete it is one
 * deadline, not restarted by the head's bytes as they come (nginx arms the read timer once when the
 * request is sent and reads the head under it: an upstream trickling its head gets 504 all the same);
 * from the head on, it is the time between two reads (the socket's idle timer).
 */
function onRequestSent(this: NginxHeadRequest): void {
  const a = this[ACTIVE];
  if (!a) return;
  a.requestSent = true;
  a.phase = 'read';
  a.sendWatch?.end();
  a.sendWatch = null;
  if (this.socket) setIdleTimeout(this.socket, a.t.readTimeoutMs);
  if (!a.settled && !a.responded) a.headTimer = setTimeout(onHeadTimeout, a.t.readTimeoutMs, this);
}

function onHeadTimeout(proxyReq: NginxHeadRequest): void {
  const a = proxyReq[ACTIVE];
  if (!a || a.settled || a.responded) return;
  a.headTimer = null;
  a.timedOut = true;
  proxyReq.destroy(Object.assign(new Error('upstream timed out (read)'), { code: 'ETIMEDOUT' }));
}

function clearHeadTimer(a: Active): void {
  if (a.headTimer !== null) clearTimeout(a.headTimer);
  a.headTimer = null;
}

proxy.on('proxyRes', (proxyRes: IncomingMessage, req: WithTry) => {
  const a = req[ACTIVE];
  if (!a || a.settled) {
    proxyRes.resume();
    return;
  }
  a.responded = true;
  a.response = proxyRes;
  clearHeadTimer(a);
  const now = Date.now();
  proxyRes.on('error', onBodyError);
  proxyRes.on('aborted', onBodyAborted);
  a.h.onResponse(proxyRes, { connectedAt: a.connectedAt || now, firstByteAt: now });
});

/** The try an upstream response belongs to (IncomingMessage.req is the ClientRequest). */
function tryOf(proxyRes: IncomingMessage): Active | undefined {
  return ((proxyRes as IncomingMessage & { req?: NginxHeadRequest }).req)?.[ACTIVE];
}

/**
 * The client is not taking the response (its socket is full): stop reading the upstream, and its
 * read timer with it. nginx's proxy_read_timeout runs only while nginx waits to read: buffering, it
 * reads on into its buffers and temporary files; unbuffered, it waits for the client with no
 * upstream timer. Either way a client that stalls longer than proxy_read_timeout still gets the
 * whole response (send_timeout is what limits the client).
 *
 * The timer itself is left alone (re-arming a socket's timer allocates, and a busy response waits
 * for its client many times): its expiry during the wait is ignored, and it is restarted when the
 * wait ends if it ran out meanwhile.
 */
export function pauseUpstream(proxyRes: IncomingMessage): void {
  const a = tryOf(proxyRes);
  if (a) a.waitingForClient = true;
  proxyRes.pause();
}

/** The client took what waited: read the upstream again, under proxy_read_timeout. */
export function resumeUpstream(proxyRes: IncomingMessage): void {
  const a = tryOf(proxyRes);
  if (a) {
    a.waitingForClient = false;
    if (a.idleWhileWaiting && proxyRes.socket) {
      a.idleWhileWaiting = false;
      proxyRes.socket.setTimeout(a.t.readTimeoutMs);
    }
  }
  proxyRes.resume();
}

function onBodyError(this: IncomingMessage, err: Error): void {
  const a = tryOf(this);
  if (a && !a.settled) a.h.onBodyError(err, a.timedOut);
}

function onBodyAborted(this: IncomingMessage): void {
  const a = tryOf(this);
  // (no detail beyond what the exchange says of it: the upstream closed, or its read timed out)
  if (a && !a.settled) a.h.onBodyError(null, a.timedOut);
}

type NginxHeadRequest = ClientRequest & {
  [ACTIVE]?: Active;
  useChunkedEncodingByDefault: boolean;
  _removedConnection: boolean;
  _storeHeader(firstLine: string, headers: unknown): void;
  _header: string | null;
};
/**
 * What http-proxy pipes into the upstream request (its `buffer` option): the buffered body, written
 * with end() on the next tick. It only has to look like a stream to http-proxy, which calls pipe()
 * and nothing else. The tick matters: the request's 'socket' event, where the head is stored
 * ('proxyReq' above), was queued before (when node assigned the socket, inside http.request: our
 * agents have no socket limit, so they never queue a request), so it runs first. (Piping the client's ended request, or a Readable of the body, did the same with a
 * dozen stream listeners per request.)
 */
class BodySource {
  constructor(private readonly body: Buffer | null) {}
  pipe<T extends NodeJS.WritableStream>(dest: T): T {
    process.nextTick(endRequest, dest, this.body);
    return dest;
  }
}

function endRequest(dest: NodeJS.WritableStream, body: Buffer | null): void {
  if (body === null) dest.end();
  else dest.end(body);
}

/**
 * The client went away before the response header: end the try in progress, closing its upstream
 * connection (nginx, with proxy_ignore_client_abort off, does the same). No handler is called.
 */
export function abortHttpTry(req: IncomingMessage): void {
  const a = (req as WithTry)[ACTIVE];
  if (!a || a.settled || a.responded) return;
  a.settled = true;
  clearHeadTimer(a);
  a.proxyReq?.destroy();
}

/**
 * The response came whole while the request body was still going out (the upstream answered before
 * reading it all): the connection closes, and the rest of the body is not sent. nginx keeps a
 * connection for the keepalive cache only once the request body was sent
 * (ngx_http_upstream_free_keepalive_peer); node would send the rest and pool the connection.
 */
export function dropUnsentBody(proxyRes: IncomingMessage): void {
  const a = tryOf(proxyRes);
  if (!a || a.requestSent || !a.proxyReq) return;
  a.settled = true;
  a.sendWatch?.end();
  a.sendWatch = null;
  a.proxyReq.destroy();
}

/**
 * A response header the exchange will not pass on (a 101, a head too big for proxy_buffer_size, a
 * status node will not send, one retried on the next peer, an X-Accel-Redirect): its try ends and
 * nothing more is reported for it. Its connection is closed, as nginx closes the connection of a
 * response it does not relay (node would keep one whose body came whole with the head), unless
 * `reusable` (a retried 403 or 404, which nginx releases as "next", not failed, and an
 * X-Accel-Redirect) and the answer has no body by nginx's reading (204, 304, an answer to HEAD,
 * `Content-Length: 0`) on a connection that stays open: nginx keeps that connection in the
 * keepalive cache, and so does the engine. Returns whether the connection is kept.
 */
export function abandonResponse(proxyRes: IncomingMessage, reusable = false): boolean {
  const a = tryOf(proxyRes);
  if (a) a.settled = true;
  if (reusable && keptByNginx(proxyRes, a?.t.method)) {
    // (back in the cache a few ticks later, once node has read the end: see HttpExchange.tryNextAfter)
    proxyRes.resume();
    return true;
  }
  const socket = proxyRes.socket;
  // (a reset when more of the answer came than nginx would have read: see dropUpstream)
  dropUpstream(socket, socket ? socket.bytesRead - (a?.readBefore ?? 0) : 0);
  proxyRes.destroy();
  return false;
}

/** Run one try. The client's request body was already read (nginx buffers it) and is replayed here. */
export function proxyHttpTry(req: IncomingMessage, res: ServerResponse, t: HttpTry, h: TryHandlers): void {
  const a: Active = {
    t, h, connectedAt: 0, phase: 'connect', requestSent: false, responded: false, response: null, timedOut: false, settled: false,
    waitingForClient: false, idleWhileWaiting: false,
    proxyReq: null, headTimer: null, sendWatch: null, head: headWithBody(t.headers, t.body), readBefore: 0,
  };
  (req as WithTry)[ACTIVE] = a;
  // The body was read already (nginx buffers it): replay it.
  const body = new BodySource(t.body);
  // http-proxy builds the upstream request from (a copy of) req.headers, which storeNginxHead
  // ignores: hand it a one-header object for the (synchronous) setup rather than the client's to
  // copy. With a host in it node does not compose a Host header of its own (measured: half the
  // cost of constructing the request). Fresh each time: its DELETE/OPTIONS pass writes
  // "content-length: 0" into it.
  // http-proxy adds an 'aborted' and an 'error' listener to the client's request per try, which
  // stay: many tries of one request (proxy_next_upstream_tries, a chain of X-Accel-Redirects) are
  // not a leak for node to warn about
  const listening = req.listenerCount('error');
  if (listening >= 9) req.setMaxListeners(listening + 2);
  const clientHeaders = req.headers;
  req.headers = { host: t.host };
  try {
    proxy.web(
    req,
    res,
    {
      target: { protocol: 'http:', host: t.host, port: t.port } as unknown as string,
      agent: t.agent,
      buffer: body as unknown as Stream,
      // our own timers (above) implement nginx's timeouts
      proxyTimeout: 0,
      // the path is ours (set in 'proxyReq'); this keeps http-proxy from parsing the URL for one
      toProxy: true,
    },
    (err: Error) => {
      if (a.settled) return;
      if (a.responded) {
        // Bytes after a complete response (a body to a HEAD request, more than its Content-Length)
        // are a parse error to node, which closes the connection; nginx ignores them too, and the
        // response goes out whole.
        if (a.response?.complete) return;
        a.h.onBodyError(err, a.timedOut);
        return;
      }
      a.settled = true;
      clearHeadTimer(a);
      // nginx marks the request sent as soon as it starts writing it (u->request_sent); a reset that
      // comes as the connect's own result is its "connect() failed (104)": not sent, as in nginx
      const requestSent = a.requestSent || a.phase !== 'connect';
      const failure = { kind: failureKind(err, a.timedOut), phase: a.phase, error: err, requestSent, cached: a.proxyReq?.reusedSocket ?? false, connectedAt: a.connectedAt };
      h.onFailure(failure);
    },
  );
  } finally {
    req.headers = clientHeaders;
  }
}
