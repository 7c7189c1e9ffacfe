// Upstream failure parity: scriptable peers on raw TCP, the same steps through real nginx (the
// exported config) and through the engine, and for each step the client's answer and the order in
// which the peers got connections and requests. Used by failover.test.ts.
//
// A peer is told what to do per request by the request's query: `?a=hang&b=s503` makes peer "a"
// never answer and peer "b" answer 503; a peer not named answers 200 with its name as the body.
import net from 'node:net';
import { createHash } from 'node:crypto';
import type { ConfigInput } from '../../app/config/schema.ts';
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';
import { refusedPort, startTcpServer, type TcpServer } from '../helpers/upstreams.ts';

/**
 * ok: 200 "NAME" (kept alive unless asked not to) · okclose: ok, then FIN 50 ms later · hang: reads, never answers · slow: ok after 400 ms ·
 * closehead: part of a head, then FIN · closecl: a Content-Length 10 head and 3 bytes, then FIN ·
 * closechunk: a chunked head and one chunk, then FIN · stall: a Content-Length 10 head and 3 bytes, then nothing · reset: RST at once · sNNN: status NNN ·
 * stale: ok on a connection's first request, FIN without an answer on a later one.
 */
export type Act = 'ok' | 'okclose' | 'hang' | 'stall' | 'resetbody' | 'stallchunk' | 'resetchunk' | 'stallbig' | 'closebig' | 'slow' | 'closehead' | 'closecl' | 'closechunk' | 'reset' | 'stale' | `s${number}`;

export interface Peers {
  /** Ports by peer name; `dead` has nothing listening. */
  port: Record<string, number>;
  dead: number;
  /** "a#0" per request peer "a" read on its connection 0, in arrival order. */
  log: string[];
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

function startPeer(name: string, log: string[]): Promise<TcpServer> {
  let conns = 0;
  return startTcpServer((sock) => {
    const conn = conns++;
    let served = 0;
    sock.on('error', () => {});
    // a peer named "rst…" resets every connection once its request's first bytes came (as it accepts
    // it would be a race in nginx itself: "connect() failed (104)", retried, or "recv() failed", not)
    if (name.startsWith('rst')) return void sock.once('data', () => sock.resetAndDestroy());
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end + 4);
      const length = Number(headerOf(head, 'content-length') ?? 0);
      if (buf.length < end + 4 + length) return;
      buf = buf.slice(end + 4 + length);
      log.push(`${name}#${conn}`);
      const act = actOf(name, head);
      const first = served++ === 0;
      const close = /close/i.test(headerOf(head, 'connection') ?? '') || (head.includes(' HTTP/1.0\r\n') && !/keep-alive/i.test(headerOf(head, 'connection') ?? ''));
      const ok = (status = 200) => {
        const body = status === 200 ? name : `${name} ${status}`;
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
      else if (act === 'stale') {
        if (first) ok();
        else sock.end();
      } else if (/^s\d{3}$/.test(act)) ok(Number(act.slice(1)));
      // hang: nothing
    });
  });
}

export async function startPeers(names: string[]): Promise<Peers> {
  const log: string[] = [];
  const started = await Promise.all(names.map((n) => startPeer(n, log)));
  return {
    port: Object.fromEntries(names.map((n, i) => [n, started[i]!.port])),
    dead: await refusedPort(),
    log,
    close: async () => { await Promise.all(started.map((p) => p.close())); },
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
}

export type Step = Req | { sleep: number } | { parallel: Req[] };

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
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (r.ws && got.includes('\r\n\r\n')) done();
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
  peers = await startPeers(c.peers);
  try {
    const engine = await withEngine(c.model(peers.port, peers.dead, pE!), () => run(pE!, peers, c.steps));
    return { nginx, engine, nginxLog };
  } finally {
    await peers.close();
  }
}
