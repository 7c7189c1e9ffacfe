// Upstream failure parity: scriptable peers on raw TCP, the same steps through real nginx (the
// exported config) and through the engine, and for each step the client's answer and the order in
// which the peers got connections and requests. Used by failover.test.ts and failover-recovery.test.ts.
//
// A peer is told what to do per request by the request's query: `?a=hang&b=s503` makes peer "a"
// never answer and peer "b" answer 503; a peer not named answers 200 with its name as the body.
import net from 'node:net';
import { createHash } from 'node:crypto';
import type { ConfigInput } from '../../app/config/schema.ts';
import { withEngine, withNginx } from './harness.ts';
import { freePort, freePorts } from '../helpers/ports.ts';
import { refusedPort, startTcpServer, type TcpServer } from '../helpers/upstreams.ts';

/**
 * ok: 200 "NAME" (kept alive unless asked not to) · okclose: ok, then FIN 50 ms later · hang: reads, never answers · slow: ok after 400 ms ·
 * closehead: part of a head, then FIN · closecl: a Content-Length 10 head and 3 bytes, then FIN ·
 * closechunk: a chunked head and one chunk, then FIN · stall: a Content-Length 10 head and 3 bytes, then nothing · reset: RST at once · sNNN: status NNN ·
 * stale: ok on a connection's first request, FIN without an answer on a later one (stalerst: RST) ·
 * bad: a head with a NUL in a header value · bighead: a head over 4 KB (both invalid_header to nginx) ·
 * noread: takes the head, then reads nothing more (a large body meets proxy_send_timeout) · eNNN: status NNN, no body (Content-Length: 0).
 */
export type Act = 'ok' | 'okclose' | 'hang' | 'stall' | 'resetbody' | 'stallchunk' | 'resetchunk' | 'stallbig' | 'closebig' | 'slow' | 'closehead' | 'closecl' | 'closechunk' | 'reset' | 'stale' | 'stalerst' | 'bad' | 'bighead' | 'noread' | `s${number}` | `e${number}`;

export interface Peers {
  /** Ports by peer name; `dead` has nothing listening. */
  port: Record<string, number>;
  dead: number;
  /** "a#0" per request peer "a" read on its connection 0, in arrival order. */
  log: string[];
  /** Stop peer `name` (its open connections closed), or start it again on its port. */
  stop(name: string): Promise<void>;
  start(name: string): Promise<void>;
  close(): Promise<void>;
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function actOf(name: string, head: string): Act {
  const target = head.slice(0, head.indexOf('\r\n')).split(' ')[1] ?? '';
  return (new URLSearchParams(target.split('?')[1] ?? '').get(name) ?? 'ok') as Act;
}

function headerOf(head: string, name: string): string | undefined {
  return new RegExp(`\r\n${name}:[ \t]*([^\r]*)`, 'i').exec(head)?.[1];
}

function startPeer(name: string, log: string[], port = 0): Promise<TcpServer> {
  let conns = 0;
  return startTcpServer((sock) => {
    const conn = conns++;
    let served = 0;
    sock.on('error', () => {});
    // a peer named "rst…" resets every connection once its request's first bytes came (as it accepts
    // it would be a race in nginx itself: "connect() failed (104)", retried, or "recv() failed", not)
    if (name.startsWith('rst')) return void sock.once('data', () => sock.resetAndDestroy());
    let buf = '';
    /** The length the request in `buf` needs, once its head is known (no scan per read of a large body). */
    let needs = 0;
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.length < needs) return;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end + 4);
      if (actOf(name, head) === 'noread') {
        log.push(`${name}#${conn}`);
        sock.pause();
        return;
      }
      const length = Number(headerOf(head, 'content-length') ?? 0);
      needs = end + 4 + length;
      if (buf.length < needs) return;
      needs = 0;
      buf = buf.slice(end + 4 + length);
      log.push(`${name}#${conn}`);
      const act = actOf(name, head);
      const first = served++ === 0;
      const close = /close/i.test(headerOf(head, 'connection') ?? '') || (head.includes(' HTTP/1.0\r\n') && !/keep-alive/i.test(headerOf(head, 'connection') ?? ''));
      const ok = (status = 200, empty = false) => {
        const body = status === 200 ? name : empty ? '' : `${name} ${status}`;
        sock.write(`HTTP/1.1 ${status} X\r\nContent-Length: ${body.length}\r\n${close ? 'Connection: close\r\n' : ''}\r\n${body}`);
        if (close) sock.end();
      };
      const key = headerOf(head, 'sec-websocket-key');
      if (key && act === 'ok') {
        const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
        sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        return;
      }
      if (act === 'ok') ok();
      else if (act === 'okclose') {
        ok();
        setTimeout(() => sock.end(), 50);
      }
      else if (act === 'slow') setTimeout(ok, 400);
      else if (act === 'closehead') sock.end('HTTP/1.1 200 OK\r\nContent-Le');
      else if (act === 'closecl') sock.end(`HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc`);
      else if (act === 'closechunk') sock.end(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n`);
      else if (act === 'stall') sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc`);
      else if (act === 'resetbody') sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc`, () => setTimeout(() => sock.resetAndDestroy(), 50));
      else if (act === 'stallchunk') sock.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n`);
      else if (act === 'resetchunk') sock.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n`, () => setTimeout(() => sock.resetAndDestroy(), 50));
      else if (act === 'stallbig') sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 9000\r\n\r\n${'x'.repeat(5000)}`);
      else if (act === 'closebig') sock.end(`HTTP/1.1 200 OK\r\nContent-Length: 9000\r\n\r\n${'x'.repeat(5000)}`);
      else if (act === 'reset') sock.resetAndDestroy();
      else if (act === 'bighead') sock.write(`HTTP/1.1 200 OK\r\nX-Big: ${'y'.repeat(5000)}\r\nContent-Length: 2\r\n\r\nok`);
      else if (act === 'bad') sock.write('HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\nContent-Length: 2\r\n\r\nok');
      else if (act === 'stale') {
        if (first) ok();
        else sock.end();
      } else if (act === 'stalerst') {
        if (first) ok();
        else sock.resetAndDestroy();
      } else if (/^s\d{3}$/.test(act)) ok(Number(act.slice(1)));
      else if (/^e\d{3}$/.test(act)) ok(Number(act.slice(1)), true);
      // hang: nothing
    });
  }, {}, port);
}

/** `again`: the ports of an earlier run's peers, to listen on the same ones. */
export async function startPeers(names: string[], again?: Peers): Promise<Peers> {
  const log: string[] = [];
  // (on reserved ports, not listen(0)'s: a peer that stops and starts again, or the engine's peers on
  // nginx's ports, must find its port free, not handed meanwhile to another test file's listen(0))
  const started = new Map(await Promise.all(names.map(async (n) => [n, await startPeer(n, log, again?.port[n] ?? await freePort())] as const)));
  const port = Object.fromEntries(names.map((n) => [n, started.get(n)!.port]));
  return {
    port,
    dead: again?.dead ?? await refusedPort(),
    log,
    stop: async (name) => {
      await started.get(name)?.close();
      started.delete(name);
    },
    start: async (name) => {
      if (!started.has(name)) started.set(name, await startPeer(name, log, port[name]));
    },
    close: async () => { await Promise.all([...started.values()].map((p) => p.close())); },
  };
}

export interface Req {
  path: string;
  method?: string;
  body?: string;
  /** A WebSocket handshake (only its status is taken). */
  ws?: boolean;
  /** Keep the client connection open (no Connection: close); the answer is read by its framing. */
  keepAlive?: boolean;
  /** A WebSocket handshake's session is held open this many ms after its answer's head. */
  hold?: number;
  /** The client closes its connection this many ms after sending (unless answered before). */
  abort?: number;
}

/** `align`: wait for the clock's next whole second, then that many ms (nginx counts fail_timeout in whole seconds);
 * `stop`, `start`: a peer goes away (its connections closed) and comes back. */
export type Step = Req | { sleep: number } | { align: number } | { stop: string } | { start: string } | { parallel: Req[] };

/** One request's outcome: the client's status and body ("…" marks an answer cut short), the peers' log lines it caused. */
export interface Outcome {
  answer: string;
  peers: string[];
}

/** What a client gets: "STATUS body", the body de-chunked, "(cut)" when it ended before its framing said. */
function send(port: number, r: Req): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const lines = [`${r.method ?? 'GET'} ${r.path} HTTP/1.1`, 'Host: f.test'];
    if (r.ws) lines.push('Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', `Sec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}`);
    else if (!r.keepAlive) lines.push('Connection: close');
    if (r.body !== undefined) lines.push(`Content-Length: ${r.body.length}`);
    let got = '';
    const done = (why?: string) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(summarize(got, why));
    };
    const timer = setTimeout(() => done('(no end within 4 s)'), 4000);
    if (r.abort !== undefined) setTimeout(() => done('(client left)'), r.abort);
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (r.ws && got.includes('\r\n\r\n')) {
        if (r.hold) setTimeout(done, r.hold);
        else done();
      }
      else if (r.keepAlive && complete(got)) done();
    });
    sock.on('error', () => done('(reset)'));
    sock.on('close', () => done());
    sock.write(`${lines.join('\r\n')}\r\n\r\n${r.body ?? ''}`);
  });
}

function complete(got: string): boolean {
  const end = got.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = got.slice(0, end + 4);
  const cl = headerOf(head, 'content-length');
  if (cl !== undefined) return got.length >= end + 4 + Number(cl);
  return /transfer-encoding: *chunked/i.test(head) && got.endsWith('0\r\n\r\n');
}

function summarize(got: string, why?: string): string {
  const end = got.indexOf('\r\n\r\n');
  if (end < 0) return got ? `(partial head)${why ? ` ${why}` : ''}` : why ?? '(nothing)';
  const head = got.slice(0, end + 4);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? '?';
  let body = got.slice(end + 4);
  let cut = false;
  const cl = headerOf(head, 'content-length');
  if (/transfer-encoding: *chunked/i.test(head)) {
    let out = '';
    let at = 0;
    for (;;) {
      const eol = body.indexOf('\r\n', at);
      const n = eol < 0 ? NaN : parseInt(body.slice(at, eol), 16);
      if (Number.isNaN(n) || body.length < eol + 2 + n) { out += body.slice(eol < 0 ? at : eol + 2); cut = true; break; }
      if (n === 0) break;
      out += body.slice(eol + 2, eol + 2 + n);
      at = eol + 2 + n + 2;
    }
    body = out;
  } else if (cl !== undefined && body.length < Number(cl)) cut = true;
  // error pages differ in their signature line only
  if (body.includes('<html>')) body = /<title>([^<]*)<\/title>/.exec(body)?.[1] ?? 'error page';
  // long runs of one letter as counts ("x*4055")
  body = body.replace(/(.)\1{19,}/g, (run, c: string) => `${c}*${run.length}`);
  return `${status} ${body}${cut ? ' (cut)' : ''}${why ? ` ${why}` : ''}`;
}

/** Run the steps against a proxy on `listen`; a `parallel` step starts its requests 50 ms apart. */
async function run(listen: number, peers: Peers, steps: Step[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const s of steps) {
    if ('sleep' in s) {
      await new Promise((r) => setTimeout(r, s.sleep));
      continue;
    }
    if ('align' in s) {
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + s.align));
      continue;
    }
    if ('stop' in s || 'start' in s) {
      await ('stop' in s ? peers.stop(s.stop) : peers.start(s.start));
      continue;
    }
    const before = peers.log.length;
    if ('parallel' in s) {
      const answers: Promise<string>[] = [];
      for (const r of s.parallel) {
        answers.push(send(listen, r));
        await new Promise((r) => setTimeout(r, 50));
      }
      out.push({ answer: (await Promise.all(answers)).join(' | '), peers: peers.log.slice(before) });
    } else out.push({ answer: await send(listen, s), peers: peers.log.slice(before) });
  }
  return out;
}

export interface FailoverCase {
  peers: string[];
  model(port: Record<string, number>, dead: number, listen: number): ConfigInput;
  steps: Step[];
  /** false: compare which peer answered, not on which of its connections (where nginx may open one
   * more that carries no request, as around a client that leaves mid-answer). Default true. */
  connections?: boolean;
  /** The engine's peers listen on the ports nginx's had, for `hash … consistent`, which hashes the
   * servers as written (their ports too). Default false. */
  samePorts?: boolean;
}

/** The steps through nginx, then through the engine, each with fresh peers; and nginx's error log. */
export async function runFailover(c: FailoverCase): Promise<{ nginx: Outcome[]; engine: Outcome[]; nginxLog: string }> {
  const [pN, pE] = await freePorts(2);
  let peers = await startPeers(c.peers);
  let nginxLog = '';
  let nginx: Outcome[];
  try {
    nginx = await withNginx(c.model(peers.port, peers.dead, pN!), pN!, async (n) => {
      const o = await run(pN!, peers, c.steps);
      nginxLog = await n.errorLog();
      return o;
    });
  } finally {
    await peers.close();
  }
  peers = await startPeers(c.peers, c.samePorts ? peers : undefined);
  try {
    const engine = await withEngine(c.model(peers.port, peers.dead, pE!), () => run(pE!, peers, c.steps));
    return { nginx, engine, nginxLog };
  } finally {
    await peers.close();
  }
}

/** Each request step whose outcome differs between nginx and the engine, described; and how many steps there were. */
export async function compareFailover(c: FailoverCase): Promise<{ diffs: string[]; steps: number; nginxLog: string }> {
  const run = await runFailover(c);
  const peersOnly = (o: Outcome) => ({ ...o, peers: o.peers.map((p) => p.replace(/#\d+$/, '')) });
  const [nginx, engine] = c.connections === false ? [run.nginx.map(peersOnly), run.engine.map(peersOnly)] : [run.nginx, run.engine];
  const requests = c.steps.filter((s): s is Req | { parallel: Req[] } => 'path' in s || 'parallel' in s);
  // (a body is shown by its length: some are megabytes)
  const shown = (r: Req | { parallel: Req[] }) => JSON.stringify(r, (k, v: unknown) => (k === 'body' && typeof v === 'string' && v.length > 20 ? `(${v.length} bytes)` : v));
  const diffs = requests.flatMap((r, i) => JSON.stringify(nginx[i]) === JSON.stringify(engine[i]) ? [] : [
    `step ${i}: ${shown(r)}\n  nginx:  ${JSON.stringify(nginx[i])}\n  engine: ${JSON.stringify(engine[i])}`,
  ]);
  return { diffs, steps: requests.length, nginxLog: run.nginxLog };
}

export interface Srv { name: string; dead?: boolean; weight?: number; maxFails?: number; failTimeout?: string; backup?: boolean; down?: boolean; maxConns?: number }

/** Upstream "pool" of `servers` behind location / with 300 ms connect and read timeouts and `loc` on top. */
export function pool(servers: Srv[], loc: Record<string, unknown> = {}, upstream: Record<string, unknown> = {}): FailoverCase['model'] {
  return (port, dead, listen) => ({
    schemaVersion: 1,
    upstreams: [{
      name: 'pool', ...upstream,
      servers: servers.map(({ name, dead: isDead, ...flags }) => ({ address: `127.0.0.1:${isDead ? dead : port[name]}`, ...flags })),
    }],
    servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [{ path: '/', proxyPass: 'http://pool', proxyConnectTimeout: '300ms', proxyReadTimeout: '300ms', ...loc }] }],
  }) as ConfigInput;
}

/** An upstream keepalive pool as nginx needs it: HTTP/1.1 and no Connection header. */
export const KEEPALIVE = { proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] };

/** GET /p?QUERY (the query tells each peer what to do: see Act). */
export const req = (query: string, extra: Partial<Req> = {}): Req => ({ path: `/p?${query}`, ...extra });
export const post = (query: string): Req => req(query, { method: 'POST', body: 'x' });
export const ws = (query: string): Req => req(query, { ws: true });
