// The one place that knows http-proxy. One call = one try against one upstream peer, with nginx's
// timeout meanings: connect (establishing the connection), send (between two writes of the request)
// and read (between two reads of the response), each reset by progress, not a whole-request limit.
//
// http-proxy copies the client's headers and joins paths with its own rules; nginx builds the
// upstream request from scratch. So on 'proxyReq' we replace the header list and the path with
// exactly what the planner computed.
import httpProxy from 'http-proxy';
import type { Agent, ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';

export type TryFailure =
  | { kind: 'error'; phase: 'connect' | 'send' | 'read'; error: Error; requestSent: boolean }
  | { kind: 'timeout'; phase: 'connect' | 'send' | 'read'; error: Error; requestSent: boolean };

export interface HttpTry {
  /** nginx proxy_http_version: the request line's version. */
  httpVersion: '1.0' | '1.1';
  host: string;
  port: number;
  method: string;
  path: string;
  headers: ReadonlyArray<readonly [string, string]>;
  /** The buffered request body, or null when the client sent none. */
  body: Buffer | null;
  agent: Agent;
  connectTimeoutMs: number;
  sendTimeoutMs: number;
  readTimeoutMs: number;
}

export interface TryHandlers {
  /** The upstream answered with a header; the body has not been read yet. */
  onResponse(proxyRes: IncomingMessage, timing: { connectMs: number; firstByteMs: number }): void;
  /** The try failed before a response header arrived (nothing was sent to the client). */
  onFailure(f: TryFailure): void;
  /** The response body broke off after the header (read timeout or upstream reset). */
  onBodyError(error: Error, timedOut: boolean): void;
}

interface Active {
  t: HttpTry;
  h: TryHandlers;
  started: number;
  connectedAt: number;
  phase: 'connect' | 'send' | 'read';
  requestSent: boolean;
  responded: boolean;
  timedOut: boolean;
  settled: boolean;
  hasConnection: boolean;
  hasHost: boolean;
  hasContentLength: boolean;
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
  // The headers are already ours (see proxyHttpTry); node would add chunked framing for a POST
  // without a body, nginx sends none.
  (proxyReq as unknown as { useChunkedEncodingByDefault: boolean }).useChunkedEncodingByDefault = false;
  proxyReq.path = a.t.path;
  // Only the headers nginx computed: removeHeader() also tells node not to add its own Connection
  // or Content-Length (http-proxy adds "Content-Length: 0" to a DELETE/OPTIONS without body, nginx
  // doesn't), and nginx sends no Host when its value evaluates empty ($http_host without a client Host).
  if (!a.hasHost) proxyReq.removeHeader('host');
  if (!a.hasConnection) proxyReq.removeHeader('connection');
  if (!a.hasContentLength && proxyReq.hasHeader('content-length')) proxyReq.removeHeader('content-length');
  if (a.t.httpVersion === '1.0') writeHttp10RequestLine(proxyReq);

  proxyReq.on('timeout', () => {
    a.timedOut = true;
    const err = Object.assign(new Error(`upstream timed out (${a.phase})`), { code: 'ETIMEDOUT' });
    proxyReq.destroy(err);
  });
  // http-proxy emits 'proxyReq' from inside the request's 'socket' event: the socket is here now.
  const socket = proxyReq.socket as Socket;
  const connected = () => {
    a.connectedAt = Date.now();
    a.phase = 'send';
    proxyReq.setTimeout(a.t.sendTimeoutMs);
  };
  if (!socket.connecting) connected();
  else {
    // node arms request timeouts only after 'connect', so the connect phase has its own timer
    const timer = setTimeout(() => {
      a.timedOut = true;
      proxyReq.destroy(Object.assign(new Error('upstream timed out (connect)'), { code: 'ETIMEDOUT' }));
    }, a.t.connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      connected();
    });
    socket.once('close', () => clearTimeout(timer));
  }
  proxyReq.once('finish', () => {
    a.requestSent = true;
    a.phase = 'read';
    proxyReq.setTimeout(a.t.readTimeoutMs);
  });
});

proxy.on('proxyRes', (proxyRes: IncomingMessage, req: WithTry) => {
  const a = req[ACTIVE];
  if (!a || a.settled) {
    proxyRes.resume();
    return;
  }
  a.responded = true;
  const now = Date.now();
  proxyRes.once('error', (err) => a.h.onBodyError(err, a.timedOut));
  proxyRes.once('aborted', () => a.h.onBodyError(new Error(a.timedOut ? 'upstream timed out while reading the response' : 'upstream closed the connection mid-response'), a.timedOut));
  a.h.onResponse(proxyRes, { connectMs: (a.connectedAt || now) - a.started, firstByteMs: now - a.started });
});

interface HeadWriter {
  _storeHeader(firstLine: string, headers: unknown): void;
}

/** node's client always writes "HTTP/1.1" on the request line; nginx writes its proxy_http_version. */
function writeHttp10RequestLine(proxyReq: ClientRequest): void {
  const w = proxyReq as unknown as HeadWriter;
  const store = w._storeHeader;
  if (typeof store !== 'function') return;
  w._storeHeader = function (this: HeadWriter, firstLine: string, headers: unknown) {
    store.call(this, firstLine.endsWith(' HTTP/1.1\r\n') ? `${firstLine.slice(0, -10)} HTTP/1.0\r\n` : firstLine, headers);
  };
}

/** Run one try. The client's request body was already read (nginx buffers it) and is replayed here. */
export function proxyHttpTry(req: IncomingMessage, res: ServerResponse, t: HttpTry, h: TryHandlers): void {
  const { headers, hasConnection, hasHost, hasContentLength } = outgoingHeaders(t);
  const a: Active = {
    t, h, started: Date.now(), connectedAt: 0, phase: 'connect', requestSent: false, responded: false, timedOut: false, settled: false,
    hasConnection, hasHost, hasContentLength,
  };
  (req as WithTry)[ACTIVE] = a;
  // The body was read already (nginx buffers it): replay it. Without one, http-proxy pipes the
  // ended client request, which just ends the upstream request.
  // Filled lazily in read(): data pushed up front would flow (and write the request head) on a tick
  // that runs before http-proxy's 'proxyReq' hook has set the path.
  const buffered = t.body;
  const body = buffered
    ? new Readable({
        read() {
          this.push(buffered);
          this.push(null);
        },
      })
    : undefined;
  // http-proxy builds the upstream request from req.headers: hand it nginx's list for the duration
  // of the (synchronous) setup, instead of letting it copy the client's and rewriting them after.
  const clientHeaders = req.headers;
  req.headers = headers;
  try {
    proxy.web(
    req,
    res,
    {
      target: { protocol: 'http:', host: t.host, port: t.port } as unknown as string,
      agent: t.agent,
      buffer: body,
      // our own timers (above) implement nginx's timeouts
      proxyTimeout: 0,
    },
    (err: Error) => {
      if (a.settled) return;
      if (a.responded) {
        a.h.onBodyError(err, a.timedOut);
        return;
      }
      a.settled = true;
      // nginx marks the request sent as soon as it starts writing it (u->request_sent)
      const requestSent = a.requestSent || a.phase !== 'connect';
      const failure = { kind: a.timedOut ? ('timeout' as const) : ('error' as const), phase: a.phase, error: err, requestSent };
      h.onFailure(failure);
    },
  );
  } finally {
    req.headers = clientHeaders;
  }
}

/**
 * The planned header list as the object http-proxy copies. Duplicates become arrays. Expect is left
 * out (nginx drops it by default, and http-proxy would skip its 'proxyReq' hook for it). A plain
 * object with the names as keys: node and http-proxy walk it several times per request.
 */
function outgoingHeaders(t: HttpTry): { headers: IncomingMessage['headers']; hasConnection: boolean; hasHost: boolean; hasContentLength: boolean } {
  const headers: Record<string, string | string[]> = {};
  let hasConnection = false;
  let hasHost = false;
  let hasContentLength = t.body !== null;
  for (const [name, value] of t.headers) {
    const lower = name.toLowerCase();
    if (lower === 'expect') continue;
    if (lower === 'connection') hasConnection = true;
    else if (lower === 'host') hasHost = true;
    else if (lower === 'content-length') hasContentLength = true;
    const prev = headers[name];
    headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  if (t.body) headers['Content-Length'] = String(t.body.length);
  return { headers: headers as IncomingMessage['headers'], hasConnection, hasHost, hasContentLength };
}
