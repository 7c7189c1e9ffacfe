// The parity harness: one model, two proxies — real nginx running the exported config and the
// engine running the model — the same requests to both, and what the upstreams saw and what the
// client got compared field by field. Every difference is a bug in the engine or the exporter.
import net from 'node:net';
import WebSocket from 'ws';
import type { ConfigInput } from '../../app/config/schema.ts';
import { validateConfig } from '../../app/config/validate.ts';
import { exportNginx } from '../../app/nginx/export.ts';
import { startNginx, privateNginxConf, type RunningNginx } from '../../main/nginx/binary.ts';
import { Engine } from '../../main/engine/engine.ts';
import { startWsUpstream, startBrokenUpstream, refusedPort, header, describe, type Upstream, type Seen } from '../helpers/upstreams.ts';
import { startBlackhole } from '../helpers/blackhole.ts';
import { generatedResponse } from './generated-response.ts';
import { freePorts } from '../helpers/ports.ts';

export interface Env {
  /** Ports of the named upstreams (each answers with its name and what it received; /slow/* waits 1.5 s). */
  up: Record<string, number>;
  /** A port with nothing listening. */
  dead: number;
  /** A port whose connect() hangs. */
  hole: number;
  /** Upstreams that read the request and then close without answering, or answer an invalid header. */
  closes: number;
  badHeader: number;
  /** An upstream that answers with the bytes the request path names in hex (/raw/HEX), then closes. */
  raw: number;
  /** The listen port of the proxy under test (differs between nginx and the engine). */
  listen: number;
}

export interface ParityRequest {
  path: string;
  method?: string;
  /** Host header; null sends an HTTP/1.0 request without Host. Default "parity.test". */
  host?: string | null;
  /** Request headers; a list may repeat a name. */
  headers?: Record<string, string> | Array<[string, string]>;
  body?: string;
  /**
   * Several requests on one connection, written at once (pipelined), as raw request heads and
   * bodies; `methods` names each one's method (a HEAD answer has no body). The observation lists
   * every answer's status in order, whether the connection was closed after, and the URIs the
   * upstreams got. (path, method, headers, body and host are not used then.)
   */
  pipeline?: { raw: string; methods: string[] };
  /** Send the body chunked instead: these chunk sizes (the rest of the body in a last chunk), then `trailer` lines. */
  chunks?: { sizes: number[]; ext?: string; trailer?: string[] };
  /** Client source address in 127.0.0.0/8 (ip_hash). */
  from?: string;
  /** The proxy's address to connect to, in 127.0.0.0/8 (default 127.0.0.1). */
  to?: string;
  /** Open a WebSocket and echo one message instead of a plain request. */
  ws?: boolean;
}

export interface Observation {
  status: number;
  upstream: string | null;
  uri: string | null;
  headers: Record<string, string | null>;
  location: string | null;
  /** The Refresh header the client got, when there was one. */
  refresh?: string;
  /** With compare '<': the response head lines the client got (but Date and Server) and the body (de-chunked). */
  response?: string;
  echo?: string;
}

export interface Scenario {
  name: string;
  upstreams: string[];
  model(env: Env): ConfigInput;
  requests: ParityRequest[];
  /** Headers compared at the upstream (lower case; '*' compares them all, in order). */
  compare?: string[];
}

const DEFAULT_COMPARE = ['host', 'x-forwarded-for', 'x-real-ip', 'upgrade', 'connection', 'x-custom', 'x-forwarded-proto', 'x-original-uri', 'content-length'];

interface Stack {
  env: Env;
  upstreams: Upstream[];
  close(): Promise<void>;
}

async function startStack(names: string[]): Promise<Stack> {
  const upstreams: Upstream[] = [];
  for (const n of names) {
    const u = await startWsUpstream(n, {
      handler: (req, res, seen) => {
        const big = /\/bighead\/(\d+)/.exec(req.url ?? '');
        if (big) {
          res.writeHead(200, { 'X-Big': 'v'.repeat(Number(big[1])), 'Content-Length': '2' });
          res.end('ok');
        } else if (req.url?.includes('/xaccel') || req.url?.includes('/loop')) {
          // an X-Accel-Redirect answer (to ?to=..., or to itself), with headers nginx keeps and some it does not
          // (without bytes node refuses in a header value: a proxy_pass with variables may send a decoded "to")
          const to = (req.url.includes('/loop') ? req.url : new URL(req.url, 'http://x').searchParams.get('to') ?? '').replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
          res.writeHead(200, ['X-Accel-Redirect', to, 'Set-Cookie', 'xa=1', 'Content-Type', 'application/x-first', 'Content-Disposition', 'attachment', 'X-Dropped', 'd', 'Cache-Control', 'private', 'Set-Cookie', 'xb=2', 'Content-Length', '4']);
          res.end('gone');
        } else if (/\/resp\/\d+/.test(req.url ?? '')) {
          const r = generatedResponse(Number(/\/resp\/(\d+)/.exec(req.url!)![1]));
          res.writeHead(r.status, r.headers);
          res.end(r.body);
        } else if (req.url?.includes('/redir/')) {
          // a redirect made with the upstream's own address (or another one): proxy_redirect default
          const self = `http://127.0.0.1:${req.socket.localPort}`;
          const to: Record<string, string> = { self: `${self}/two/x?y=1`, root: `${self}/`, bare: self, plainpath: `${self}/plain/p`, other: 'http://other.test/x', relative: '/rel/x', group: 'http://pool/g', upper: `HTTP://127.0.0.1:${req.socket.localPort}/two/u` };
          const kind = /\/redir\/(\w+)/.exec(req.url)![1]!;
          res.writeHead(302, { Location: to[kind] ?? '/none', Refresh: `3; URL=${to[kind] ?? '/none'}`, 'Content-Length': '0' });
          res.end();
        } else if (req.url?.includes('/slow')) setTimeout(() => describe(res, seen), 1500).unref();
        else if (req.url?.includes('/status/')) {
          res.writeHead(Number(/\/status\/(\d{3})/.exec(req.url)![1]), { 'Content-Length': '0' });
          res.end();
        } else describe(res, seen);
      },
    });
    // a 101 with a header of N bytes for /bighead/N
    u.wss.on('headers', (headers, req) => {
      const big = /\/bighead\/(\d+)/.exec(req.url ?? '');
      if (big) headers.push(`X-Big: ${'v'.repeat(Number(big[1]))}`);
    });
    upstreams.push(u);
  }
  const hole = await startBlackhole();
  const [closes, bad, raw] = await Promise.all([startBrokenUpstream('close'), startBrokenUpstream('bad'), startBrokenUpstream('raw')]);
  const env: Env = { up: Object.fromEntries(upstreams.map((u) => [u.name, u.port])), dead: await refusedPort(), hole: hole.port, closes: closes.port, badHeader: bad.port, raw: raw.port, listen: 0 };
  return { env, upstreams, close: async () => { for (const u of upstreams) await u.close(); await Promise.all([hole.close(), closes.close(), bad.close(), raw.close()]); } };
}

async function request(port: number, r: ParityRequest, seenBefore: () => number, lastSeen: () => Seen | undefined, compare: string[]): Promise<Observation> {
  if (r.ws) return wsRequest(port, r, seenBefore, lastSeen, compare);
  if (r.pipeline) return pipelineRequest(port, r.pipeline, arrivalsOf(lastSeen));
  const before = seenBefore();
  const { status, headers, response } = await rawRequest(port, r);
  const seen = seenBefore() > before ? lastSeen() : undefined;
  const o = observe(status, headers.location ?? null, seen, compare);
  if (headers.refresh !== undefined) o.refresh = headers.refresh.replace(/:\d+\//, ':PORT/');
  if (compare.includes('<')) o.response = response;
  return o;
}

function observe(status: number, location: string | null, seen: Seen | undefined, compare: string[]): Observation {
  const headers: Record<string, string | null> = {};
  for (const h of compare) {
    // '*': every header the upstream got, in order, as "name: value" lines
    // (a WebSocket client's key is random: shown as KEY)
    if (h === '*') headers[h] = seen ? seen.rawHeaders.map((x, i) => (i % 2 ? `${/^sec-websocket-key$/i.test(seen.rawHeaders[i - 1]!) ? 'KEY' : x}\n` : `${x}: `)).join('') : null;
    // 'body': the method and the body length the upstream got
    else if (h === 'body') headers[h] = seen ? `${seen.method} ${seen.body.length}${/^x*$/.test(seen.body) ? '' : ' (not the body sent)'}` : null;
    // 'version': the HTTP version of the request the upstream got
    else if (h === 'version') headers[h] = seen ? seen.httpVersion : null;
    else headers[h] = seen ? header(seen as never, h) ?? null : null;
  }
  return { status, upstream: seen?.name ?? null, uri: seen?.url ?? null, headers, location: location?.replace(/:\d+\//, ':PORT/') ?? null };
}

function rawRequest(port: number, r: ParityRequest): Promise<{ status: number; headers: Record<string, string>; response: string }> {
  return new Promise((resolve, reject) => {
    const lines = [`${r.method ?? 'GET'} ${r.path} HTTP/${r.host === null ? '1.0' : '1.1'}`];
    if (r.host !== null) lines.push(`Host: ${r.host ?? 'parity.test'}`);
    for (const [k, v] of Array.isArray(r.headers) ? r.headers : Object.entries(r.headers ?? {})) lines.push(`${k}: ${v}`);
    if (r.body !== undefined && !r.chunks) lines.push(`Content-Length: ${Buffer.byteLength(r.body)}`);
    if (r.chunks) lines.push('Transfer-Encoding: chunked');
    lines.push('Connection: close');
    const sock = net.connect({ port, host: r.to ?? '127.0.0.1', localAddress: r.from });
    let got = Buffer.alloc(0);
    // no answer at all is an observation too (status -1): both proxies must hang alike
    const timer = setTimeout(() => { got = Buffer.from('HTTP/1.1 -1'); sock.destroy(); }, 8000);
    sock.on('data', (d) => (got = Buffer.concat([got, d])));
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('close', () => {
      clearTimeout(timer);
      const text = got.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3}|-1)/.exec(text);
      const headers: Record<string, string> = {};
      const kept: string[] = [];
      const end = text.indexOf('\r\n\r\n');
      for (const line of text.slice(0, end).split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
        if (!/^(date|server):/i.test(line)) kept.push(line.replace(/:\d+\//, ':PORT/'));
      }
      let body = end === -1 ? '' : text.slice(end + 4);
      if (/^transfer-encoding: *chunked$/im.test(kept.join('\n'))) body = dechunk(body);
      // an error page's signature line is the only thing meant to differ (and so its length)
      const page = /<hr><center>(nginx\/[\d.]+|switchyard)<\/center>/;
      if (page.test(body)) {
        body = body.replace(page, '<hr><center>SERVER</center>');
        for (let k = 0; k < kept.length; k++) if (/^content-length:/i.test(kept[k]!)) kept[k] = 'Content-Length: (error page)';
      }
      // (order across names is not compared: nginx writes the fields it keeps apart, such as
      // Content-Type, Content-Length and Connection, before the rest; lines of one name keep theirs)
      const byName = (l: string) => l.slice(0, l.indexOf(':')).toLowerCase();
      kept.sort((a, b) => (byName(a) < byName(b) ? -1 : byName(a) > byName(b) ? 1 : 0));
      resolve({ status: m ? Number(m[1]) : 0, headers, response: `${kept.join('\n')}\n\n${body}` });
    });
    sock.write(`${lines.join('\r\n')}\r\n\r\n${r.chunks ? chunked(r.body ?? '', r.chunks) : r.body ?? ''}`);
  });
}

function wsRequest(port: number, r: ParityRequest, seenCount: () => number, lastSeen: () => Seen | undefined, compare: string[]): Promise<Observation> {
  return new Promise((resolve) => {
    const before = seenCount();
    const ws = new WebSocket(`ws://${r.to ?? '127.0.0.1'}:${port}${r.path}`, { headers: { Host: r.host ?? 'parity.test', ...(Array.isArray(r.headers) ? Object.fromEntries(r.headers) : r.headers) }, localAddress: r.from });
    let settled = false;
    const done = (status: number, echo?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const seen = seenCount() > before ? lastSeen() : undefined;
      ws.terminate();
      resolve({ ...observe(status, null, seen, compare), echo });
    };
    // bounded: a handshake or an echo that never comes is a difference to show, not a hang
    const timer = setTimeout(() => done(-1, `no answer within 8 s (${ws.readyState === WebSocket.OPEN ? 'open, no echo' : 'no handshake answer'})`), 8000);
    ws.once('unexpected-response', (_q, res) => { res.resume(); done(res.statusCode ?? 0); });
    ws.once('error', () => done(0));
    ws.once('close', (code) => done(-2, `closed (${code}) before an echo`));
    ws.once('open', () => {
      ws.once('message', (d) => done(101, String(d)));
      ws.send(`echo ${r.path}`);
    });
  });
}

/** nginx running the export of `model` on `listen` while `fn` runs. */
export async function withNginx<T>(model: ConfigInput, listen: number, fn: (n: RunningNginx) => Promise<T>): Promise<T> {
  const v = validateConfig(model);
  if (!v.ok) throw new Error(`invalid model: ${JSON.stringify(v.issues)}`);
  return withNginxConf(privateNginxConf(exportNginx(v.config, { shape: 'snippet' })), listen, fn);
}

/** nginx running `conf` (a privateNginxConf) on `listen` while `fn` runs. */
export async function withNginxConf<T>(conf: string, listen: number, fn: (n: RunningNginx) => Promise<T>): Promise<T> {
  const n = await startNginx(conf, [listen]);
  try {
    return await fn(n);
  } finally {
    await n.stop();
  }
}

/** The engine running `model` while `fn` runs (which is given the engine). */
export async function withEngine<T>(model: ConfigInput, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = new Engine();
  const r = await engine.apply(model);
  if (!r.ok) throw new Error(`engine refused model: ${JSON.stringify(r.issues)}`);
  try {
    // a port that did not bind is someone else's: requests sent to it would reach another proxy
    const failed = r.listeners.filter((l) => l.state === 'failed');
    if (failed.length) throw new Error(`engine could not listen: ${failed.map((l) => `${l.key}: ${l.error?.message}`).join('; ')}`);
    return await fn(engine);
  } finally {
    // bounded: a stop that never finishes fails the test with a reason instead of hanging it
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('engine.stop() did not finish within 10 s')), 10_000); });
    try {
      await Promise.race([engine.stop(), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface ScenarioResult {
  nginx: Observation[];
  engine: Observation[];
}

/** Run every request of a scenario in order through nginx, then through the engine, each fresh. */
export async function runScenario(s: Scenario): Promise<ScenarioResult> {
  const r = await runSides(s, {
    nginx: (env, go) => withNginx(s.model(env), env.listen, go),
    engine: (env, go) => withEngine(s.model(env), go),
  });
  return { nginx: r.nginx!, engine: r.engine! };
}

/** One proxy under test: started with `env` (its own listen port), running `go` (the requests), then stopped. */
export type Side = (env: Env, go: () => Promise<Observation[]>) => Promise<Observation[]>;

/** Every request of a scenario in order through each side in turn, each fresh, against the same upstreams. */
export async function runSides(s: Omit<Scenario, 'model'>, sides: Record<string, Side>): Promise<Record<string, Observation[]>> {
  const stack = await startStack(s.upstreams);
  const compare = s.compare ?? DEFAULT_COMPARE;
  // record arrivals in order across upstreams
  const arrivals: Seen[] = [];
  for (const u of stack.upstreams) {
    const push = u.seen.push.bind(u.seen);
    u.seen.push = (...items) => { arrivals.push(...items); return push(...items); };
  }
  const lastOf = () => arrivals.at(-1);
  arrivalLists.set(lastOf, arrivals);
  const out: Record<string, Observation[]> = {};
  try {
    const ports = await freePorts(Object.keys(sides).length);
    for (const [i, [name, side]] of Object.entries(sides).entries()) {
      arrivals.length = 0;
      const listen = ports[i]!;
      out[name] = await side({ ...stack.env, listen }, async () => {
        const got: Observation[] = [];
        for (const r of s.requests) got.push(await request(listen, r, () => arrivals.length, lastOf, compare));
        return got;
      });
    }
    return out;
  } finally {
    await stack.close();
  }
}

/** A chunked body's data (what a client makes of it); "<bad chunking>" when it does not parse. */
function dechunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    if (eol === -1) return `${out}<unterminated>`;
    const n = parseInt(text.slice(at, eol), 16);
    if (Number.isNaN(n)) return `${out}<bad chunking>`;
    if (n === 0) return out;
    out += text.slice(eol + 2, eol + 2 + n);
    at = eol + 2 + n + 2;
  }
}

/** `body` in chunked framing: the given chunk sizes, then the rest, then the last chunk and trailer. */
function chunked(body: string, c: NonNullable<ParityRequest['chunks']>): string {
  let out = '';
  let at = 0;
  for (const n of [...c.sizes, body.length]) {
    const part = body.slice(at, at + n);
    at += part.length;
    if (part.length) out += `${part.length.toString(16)}${c.ext ?? ''}\r\n${part}\r\n`;
  }
  return `${out}0\r\n${(c.trailer ?? []).map((t) => `${t}\r\n`).join('')}\r\n`;
}

/** The arrival list behind a scenario's lastSeen accessor (pipelines read all arrivals since they began). */
const arrivalLists = new WeakMap<() => Seen | undefined, Seen[]>();
function arrivalsOf(lastSeen: () => Seen | undefined): Seen[] {
  return arrivalLists.get(lastSeen) ?? [];
}

/** Pipelined requests on one connection: the answers' statuses in order, and whether the proxy closed it. */
async function pipelineRequest(port: number, p: NonNullable<ParityRequest['pipeline']>, arrivals: Seen[]): Promise<Observation> {
  const before = arrivals.length;
  const { text, closed } = await new Promise<{ text: string; closed: boolean }>((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    let idle: NodeJS.Timeout | null = null;
    const done = (closed: boolean) => { if (idle) clearTimeout(idle); sock.destroy(); resolve({ text: got, closed }); };
    const arm = () => { if (idle) clearTimeout(idle); idle = setTimeout(() => done(false), 1500); };
    sock.on('data', (d) => { got += d.toString('latin1'); arm(); });
    sock.on('error', reject);
    sock.on('close', () => done(true));
    sock.write(p.raw);
    arm();
  });
  const uris = arrivals.slice(before).map((a) => a.url);
  const statuses = splitResponses(text, p.methods);
  return { status: statuses[0] ?? 0, upstream: null, uri: uris.join(' '), headers: {}, location: null, response: `${statuses.join(' ')} ${closed ? 'closed' : 'open'}` };
}

/** The statuses of the responses in `text` (1xx interim answers included), framed by method, status and headers. */
function splitResponses(text: string, methods: string[]): number[] {
  const out: number[] = [];
  let at = 0;
  let k = 0;
  while (at < text.length) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end === -1) { out.push(-2); break; }
    const head = text.slice(at, end);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? -3);
    out.push(status);
    at = end + 4;
    if (status >= 100 && status < 200) continue;
    const method = methods[k++] ?? 'GET';
    if (method === 'HEAD' || status === 204 || status === 304) continue;
    const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (cl) at += Number(cl[1]);
    else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      for (;;) {
        const eol = text.indexOf('\r\n', at);
        if (eol === -1) return out;
        const n = parseInt(text.slice(at, eol), 16);
        at = eol + 2 + n + 2;
        if (!n) break;
      }
    } else break; // close-delimited
  }
  return out;
}
