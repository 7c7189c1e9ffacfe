// The loopback web host: the renderer, the API (POST /api/<name>) and the live feed (WebSocket
// /feed) on 127.0.0.1 only, gated by a random token (all but the renderer's public assets). A thin adapter: all behaviour
// is the service's (main/service); this file only moves JSON.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { API_LIMITS, isRequestName, maxRequestBytes, type FeedEvent } from '../../app/api/contract.ts';
import type { SwitchyardService } from '../service/service.ts';
import { decodeConfigBytes } from '../config/json-position.ts';
import { ASSET_PATH, FEED_PROTOCOL, checkOrigin, checkToken, injectToken, newToken } from './auth.ts';
import { readStatic } from './static.ts';
import { ignoreSocketError } from '../engine/listeners.ts';

export const DEFAULT_RENDERER_DIR = resolve(fileURLToPath(new URL('../../dist/renderer', import.meta.url)));
const HOST = '127.0.0.1';
/** A feed connection holding more unsent bytes than this is "busy": its deltas queue, then resync. */
const FEED_BUSY_BYTES = 1 << 20;
/** A text answer longer than this (characters) is sent in pieces of this length (streamText). */
const STREAM_CHARS = 1 << 20;

export interface WebHostOptions {
  service: SwitchyardService;
  /** 0 (default) picks a free port. */
  port?: number;
  rendererDir?: string;
  /** Tests only; a fresh random token otherwise. */
  token?: string;
}

export interface WebHost {
  readonly port: number;
  readonly token: string;
  /** The URL to open: carries the token for the page, which hands it to its API calls and feed. */
  readonly url: string;
  close(): Promise<void>;
}

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    `connect-src 'self' ws://${HOST}:${port} ws://localhost:${port}`, "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join('; ');
}

export async function startWebHost(o: WebHostOptions): Promise<WebHost> {
  const token = o.token ?? newToken();
  const root = resolve(o.rendererDir ?? DEFAULT_RENDERER_DIR);
  let port = 0;
  const sockets = new Set<Socket>();
  const wss = new WebSocketServer({
    noServer: true, maxPayload: 4096,
    // answer with the plain protocol name, never echo the token
    handleProtocols: (offered) => (offered.has(FEED_PROTOCOL) ? FEED_PROTOCOL : false),
  });

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    void route(req, res).catch((e: Error) => reply(res, 500, 'text/plain; charset=utf-8', `internal error: ${e.message}`));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  const headers = (res: ServerResponse) => {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(port));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  };
  const reply = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    headers(res);
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
    res.end(body);
  };
  const refuse = (res: ServerResponse, status: number, reason: string): void =>
    reply(res, status, 'text/plain; charset=utf-8', `${status === 401 ? 'Unauthorized' : 'Forbidden'}: ${reason}. Open the URL that \`switchyard ui\` printed (it carries the token).\n`);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    if (!url) return reply(res, 400, 'text/plain; charset=utf-8', 'bad request target\n');
    const bad = checkOrigin(req, port);
    if (bad) return refuse(res, 403, bad);
    const isApi = url.pathname.startsWith('/api/');
    const isAsset = url.pathname.startsWith(ASSET_PATH);
    if (!isAsset) {
      const gate = checkToken(req, url, token, isApi ? ['header'] : ['query', 'header']);
      if (!gate.ok) return refuse(res, gate.status, gate.reason);
    }
    if (isApi) return api(req, res, url.pathname.slice(5));
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: 'GET, HEAD' });
    const file = await readStatic(root, isAsset ? url.pathname : '/index.html', ASSET_PATH);
    if (!file) {
      const hint = isAsset ? 'not found\n' : 'The renderer is not built: run `npm run build:renderer`.\n';
      return reply(res, 404, 'text/plain; charset=utf-8', hint);
    }
    // (a HEAD gets the GET's headers, its Content-Length too; node's server sends no body to a HEAD)
    if (isAsset) return reply(res, 200, file.type, file.body, { 'Cache-Control': 'private, max-age=31536000, immutable' });
    // The page: its token for API calls and the feed in a <meta>.
    const page = injectToken(file.body.toString('utf8'), token);
    reply(res, 200, file.type, page);
  }

  async function api(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (req.method !== 'POST') return reply(res, 405, 'text/plain; charset=utf-8', 'POST only\n', { Allow: 'POST' });
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return reply(res, 415, 'text/plain; charset=utf-8', 'Content-Type must be application/json\n');
    if (!isRequestName(name)) return json(res, 404, { ok: false, error: { code: 'unknown_request', message: `no request named "${name}"` } });
    const limit = maxRequestBytes(name);
    const body = Number(req.headers['content-length']) > limit ? null : await readBody(req, limit);
    if (body === null) {
      // answered without reading the rest; the connection then closes
      res.shouldKeepAlive = false;
      const what = name === 'importHar' ? `the HAR file is too large to import: the limit is ${API_LIMITS.maxImportHarBytes / 1024 / 1024} MiB of file (a request of ${limit} bytes once JSON-quoted)` : `the request body is over the API's limit of ${limit} bytes`;
      return json(res, 413, { ok: false, error: { code: 'too_large', message: what } });
    }
    // (JSON text is UTF-8: a byte that is not is named, not read as U+FFFD into a header or a name)
    const text = decodeConfigBytes(body);
    if (!text.ok) return json(res, 400, { ok: false, error: { code: 'bad_json', message: `the request body is ${text.message}` } });
    let params: unknown;
    try {
      params = text.text.length ? JSON.parse(text.text) : {};
    } catch {
      return json(res, 400, { ok: false, error: { code: 'bad_json', message: 'the request body is not JSON' } });
    }
    const result = await o.service.handle(name, params);
    if (result.ok && typeof result.value === 'string' && result.value.length > STREAM_CHARS) return streamText(res, result.value);
    json(res, 200, result);
  }

  const json = (res: ServerResponse, status: number, value: unknown): void => reply(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

  /** A long text answer (a HAR export) as JSON.stringify({ ok: true, value }) writes it, quoted a
   * piece at a time and sent as each piece drains, so that the engine runs between the pieces and
   * no quoted copy of the whole text is made. */
  async function streamText(res: ServerResponse, text: string): Promise<void> {
    headers(res);
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.write('{"ok":true,"value":"');
    for (let at = 0; at < text.length && !res.destroyed;) {
      let end = Math.min(text.length, at + STREAM_CHARS);
      // (a pair of UTF-16 units stays in one piece: apart, each would be quoted as an escape)
      if (end < text.length && /[\ud800-\udbff]/.test(text[end - 1]!)) end--;
      const more = res.write(JSON.stringify(text.slice(at, end)).slice(1, -1));
      at = end;
      if (!more) {
        await new Promise<void>((next) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            next();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
      // (a turn of the event loop each piece: a fast reader drains in a next tick, which would
      // write the next piece before any timer or socket of the proxy's had a turn)
      await new Promise<void>((next) => setImmediate(next));
    }
    res.end('"}');
  }

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', ignoreSocketError);
    const url = requestUrl(req);
    const status = !url ? 400 : upgradeRefusal(req, url);
    if (status) {
      const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status];
      // (closed once written: the HTTP server's timeouts no longer watch an upgrade's socket, so
      // one whose client kept its side open would otherwise hold a file descriptor for good)
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attachFeed(ws));
  });

  function upgradeRefusal(req: IncomingMessage, url: URL): 0 | 401 | 403 | 404 {
    if (checkOrigin(req, port)) return 403;
    const gate = checkToken(req, url, token, ['protocol', 'header']);
    if (!gate.ok) return gate.status;
    return url.pathname === '/feed' ? 0 : 404;
  }

  const encodeFeedEvent = feedEncoder();

  function attachFeed(ws: WebSocket): void {
    const unsubscribe = o.service.feed.subscribe({
      send: (e) => { if (ws.readyState === ws.OPEN) ws.send(encodeFeedEvent(e), { binary: false }); },
      busy: () => ws.bufferedAmount > FEED_BUSY_BYTES,
    });
    ws.on('message', () => {}); // the feed is one-way; requests go over POST
    ws.on('error', () => ws.terminate());
    ws.once('close', unsubscribe);
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen({ host: HOST, port: o.port ?? 0, exclusive: true }, () => ok());
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://${HOST}:${port}/?token=${token}`,
    close: () => new Promise<void>((done) => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.close(() => done());
      for (const s of sockets) s.destroy();
    }),
  };
}

/**
 * Feed events as the feed's sockets send them (UTF-8 JSON). A batch goes to every subscriber as one
 * object, one subscriber after another: it is encoded once for all of them (each page's own
 * JSON.stringify of every batch cost the proxy's thread about 8 µs per relayed message and page).
 * Only the last event's bytes are kept, so that batches queued for a page that stopped reading hold
 * no encoded copy beside them (the feed bounds those by what they hold).
 */
function feedEncoder(): (e: FeedEvent) => Buffer {
  let payload: object | null = null;
  let bytes = Buffer.alloc(0);
  let clearing = false;
  // (the feed hands one batch to every subscriber in one go: the slot empties after that turn, so an
  // idle host does not hold the last snapshot and its bytes)
  const clear = () => {
    clearing = false;
    payload = null;
    bytes = Buffer.alloc(0);
  };
  return (e) => {
    if (e.payload !== payload) {
      bytes = Buffer.from(JSON.stringify(e), 'utf8');
      payload = e.payload;
      if (!clearing) {
        clearing = true;
        setImmediate(clear);
      }
    }
    return bytes;
  };
}

/** The request's URL, or null when its target is not a path (`http://[`, absolute or `*` forms): never a throw. */
function requestUrl(req: IncomingMessage): URL | null {
  const target = req.url ?? '';
  if (!target.startsWith('/')) return null;
  try {
    return new URL(`http://${HOST}${target}`);
  } catch {
    return null;
  }
}

/** The whole body, or null as soon as it passes `limit` (what follows is read and dropped). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) return void chunks.push(c);
      chunks.length = 0;
      resolve(null);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
