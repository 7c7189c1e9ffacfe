// Leak and retention soak (not part of npm test): drives the engine, service and web host on
// 127.0.0.1 with short WebSocket sessions (normal and abnormal ends), HTTP exchanges (keepalive and
// not, upstream errors, timeouts), applies of changing configs and feed pages that vanish, and
// prints, after a gc, process memory and the size of every Map/Set/Array reachable from the engine,
// service and host that changed across a phase, plus EventEmitter listener counts and handles.
// Run: node --expose-gc --import tsx bench/leak-soak.ts [scale=1]
import { createServer, request, Agent } from 'node:http';
import { connect } from 'node:net';
import { EventEmitter } from 'node:events';
import { writeHeapSnapshot } from 'node:v8';
import WebSocket, { WebSocketServer } from 'ws';
import { Engine } from '../main/engine/engine.ts';
import { SwitchyardService } from '../main/service/service.ts';
import { startWebHost } from '../main/web/host.ts';

const SCALE = Number(process.argv[2] ?? 1);
const gc = (globalThis as { gc?: () => void }).gc!;
if (!gc) throw new Error('run with --expose-gc');

/** Sizes of the Maps, Sets and Arrays and listener counts of EventEmitters reachable from roots. */
function census(roots: Record<string, unknown>, depth = 6): Map<string, number> {
  const out = new Map<string, number>();
  const seen = new WeakSet<object>();
  const walk = (v: unknown, path: string, d: number) => {
    if (!v || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v as object)) return;
    seen.add(v as object);
    if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return;
    if (v instanceof Map) { out.set(path, v.size); if (d > 0) for (const [k, x] of [...v].slice(0, 3)) walk(x, `${path}[${typeof k === 'object' ? '{}' : ''}]`, d - 1); return; }
    if (v instanceof Set) { out.set(path, v.size); if (d > 0) for (const x of [...v].slice(0, 3)) walk(x, `${path}{}`, d - 1); return; }
    if (Array.isArray(v)) { out.set(path, v.length); if (d > 0) for (const x of v.slice(0, 3)) walk(x, `${path}[]`, d - 1); return; }
    if (v instanceof EventEmitter) for (const n of v.eventNames()) out.set(`${path}.on(${String(n)})`, v.listenerCount(n));
    if (typeof v === 'function' || d <= 0) return;
    for (const k of Object.getOwnPropertyNames(v)) {
      if (k.startsWith('_') && k !== '_events' && k !== '_connections') continue;
      let x: unknown;
      try { x = (v as Record<string, unknown>)[k]; } catch { continue; }
      walk(x, `${path}.${k}`, d - 1);
    }
  };
  for (const [k, v] of Object.entries(roots)) walk(v, k, depth);
  return out;
}

function mem() {
  for (let i = 0; i < 4; i++) gc();
  const m = process.memoryUsage();
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const kinds = new Map<string, number>();
  for (const h of handles) kinds.set((h as object).constructor.name, (kinds.get((h as object).constructor.name) ?? 0) + 1);
  return { heapMB: +(m.heapUsed / 2 ** 20).toFixed(1), extMB: +(m.external / 2 ** 20).toFixed(1), abMB: +(m.arrayBuffers / 2 ** 20).toFixed(1), rssMB: +(m.rss / 2 ** 20).toFixed(1), handles: Object.fromEntries(kinds) };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --- upstreams
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', verifyClient: (info, cb) => cb(!info.req.url!.startsWith('/ws/refuse'), 403) });
wss.on('connection', (ws, req) => {
  if (req.url!.startsWith('/ws/upreset')) { ws.once('message', () => (ws as unknown as { _socket: import('node:net').Socket })._socket.destroy()); }
  ws.on('message', (d, bin) => ws.send(d, { binary: bin }));
});
await new Promise((r) => wss.once('listening', r));
const wsPort = (wss.address() as { port: number }).port;
const up = createServer((req, res) => {
  if (req.url === '/reset') { req.socket.destroy(); return; }
  if (req.url === '/slow') return; // never answers: proxyReadTimeout
  req.on('data', () => {});
  req.on('end', () => { res.setHeader('content-type', 'text/plain'); res.end('x'.repeat(req.url === '/big' ? 200_000 : 100)); });
});
await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
const httpPort = (up.address() as { port: number }).port;

const engPort = 18000 + Math.floor(Math.random() * 2000);
const config = (n: number) => ({
  schemaVersion: 1,
  upstreams: [{ name: `pool${n % 7}`, keepalive: 8, servers: [{ address: `127.0.0.1:${httpPort}` }] }],
  servers: [{
    listen: [{ address: `127.0.0.1:${engPort}` }],
    locations: [
      { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${wsPort}` },
      { path: '/dead', proxyPass: 'http://127.0.0.1:1' },
      { path: '/slow', proxyPass: `http://pool${n % 7}`, proxyReadTimeout: '1s' },
      { path: '/', proxyPass: `http://pool${n % 7}`, proxySetHeader: [{ name: 'X-N', value: String(n) }] },
    ],
  }],
});

const engine = new Engine();
const r0 = await engine.apply(config(0));
if (!r0.ok) throw new Error(JSON.stringify(r0.issues));
const service = await SwitchyardService.create(engine, { initialDraft: config(0), initialApplied: true });
const host = await startWebHost({ service, rendererDir: '/nonexistent' });
const roots = { engine, service, host };

// one page subscribed all along (as a user's window), reading the feed
const page = new WebSocket(`ws://127.0.0.1:${host.port}/feed`, ['switchyard', `token.${host.token}`]);
await new Promise((r, j) => { page.once('open', r); page.once('error', j); });
let pageMsgs = 0;
page.on('message', () => pageMsgs++);

let before = census(roots);
let m0 = mem();
console.log('start', m0);
function report(phase: string) {
  const m = mem();
  const after = census(roots);
  console.log(`\n== ${phase}`, m);
  for (const [k, v] of after) {
    const b = before.get(k) ?? 0;
    if (v !== b && (v > 20 || Math.abs(v - b) > 3)) console.log(`  ${k}: ${b} -> ${v}`);
  }
  before = after;
  if (process.env.HEAPDIFF) console.log('  snapshot', writeHeapSnapshot(`${process.env.HEAPDIFF}-${++snaps}.heapsnapshot`));
}
let snaps = 0;

async function pool<T>(n: number, conc: number, fn: (i: number) => Promise<T>) {
  let i = 0;
  await Promise.all(Array.from({ length: conc }, async () => { while (i < n) { const k = i++; await fn(k).catch(() => {}); } }));
}

function wsSession(i: number): Promise<void> {
  const kind = i % 5; // 0,1 normal; 2 client reset; 3 upstream reset; 4 refused
  const path = kind === 3 ? '/ws/upreset' : kind === 4 ? '/ws/refuse' : '/ws/echo';
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${engPort}${path}`);
    const t = setTimeout(() => { ws.terminate(); resolve(); }, 5000);
    const done = () => { clearTimeout(t); resolve(); };
    ws.on('error', () => {});
    ws.on('unexpected-response', (_q, res) => { res.resume(); res.on('end', () => { ws.terminate(); }); });
    ws.on('close', done);
    ws.on('open', () => {
      let got = 0;
      ws.on('message', () => {
        if (++got === 3) { if (kind === 2) ws.terminate(); else ws.close(1000, 'bye'); }
      });
      for (let k = 0; k < 3; k++) ws.send(kind === 1 ? Buffer.alloc(2000, k) : `m${i}.${k}`);
    });
  });
}

const keepAgent = new Agent({ keepAlive: true, maxSockets: 16 });
function httpExchange(i: number): Promise<void> {
  const kind = i % 10;
  const path = kind === 0 ? '/dead' : kind === 1 ? '/reset' : kind === 2 ? '/big' : kind === 3 && i % 500 === 3 ? '/slow' : `/ok/${i}`;
  if (kind === 4) {
    // client resets mid-request
    return new Promise((resolve) => {
      const s = connect(engPort, '127.0.0.1', () => { s.write(`POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nabc`); setTimeout(() => { s.resetAndDestroy(); resolve(); }, 2); });
      s.on('error', () => resolve());
    });
  }
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: engPort, path, method: kind === 5 ? 'POST' : 'GET', agent: kind % 2 ? keepAgent : false, headers: kind % 2 ? {} : { connection: 'close' } }, (res) => { res.resume(); res.on('end', resolve); res.on('error', resolve); });
    req.on('error', () => resolve());
    req.end(kind === 5 ? 'p'.repeat(3000) : undefined);
  });
}

const NWS = 20_000 * SCALE, NHTTP = 50_000 * SCALE, NAPPLY = 500 * SCALE, NPAGES = 200 * SCALE;

// warm-up, so that code and caches are in before the baseline
await pool(500, 8, wsSession); await pool(1000, 16, httpExchange); await settle(500);
report('warm-up');

let t = Date.now();
await pool(NWS, 16, wsSession); await settle(1500);
report(`ws sessions x${NWS} (${Date.now() - t} ms)`);
await pool(NWS / 4, 16, wsSession); await settle(1500);
report(`ws sessions again x${NWS / 4}`);

t = Date.now();
await pool(NHTTP, 24, httpExchange); await settle(2500);
report(`http exchanges x${NHTTP} (${Date.now() - t} ms)`);
await pool(NHTTP / 4, 24, httpExchange); await settle(2500);
report(`http exchanges again x${NHTTP / 4}`);

t = Date.now();
for (let n = 1; n <= NAPPLY; n++) {
  const r = await service.handle('apply', { draft: config(n) });
  if (!r.ok) throw new Error(JSON.stringify(r));
  if (n % 25 === 0) await pool(20, 4, httpExchange);
}
await settle(1500);
report(`applies x${NAPPLY} (${Date.now() - t} ms)`);
for (let n = 1; n <= NAPPLY / 4; n++) await service.handle('apply', { draft: config(n) });
await settle(1500);
report(`applies again x${NAPPLY / 4}`);

t = Date.now();
async function vanishingPage(i: number) {
  const s = connect(host.port, '127.0.0.1');
  await new Promise((r) => s.once('connect', r));
  s.on('error', () => {});
  const key = Buffer.from(String(i).padStart(16, '0')).toString('base64');
  s.write(`GET /feed HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Protocol: switchyard, token.${host.token}\r\n\r\n`);
  await new Promise((r) => s.once('data', r));
  // half the pages also watch a session's frames, then all vanish without a close
  if (i % 2 === 0) { s.pause(); }
  await pool(4, 2, wsSession);
  if (i % 3 === 0) s.resetAndDestroy(); else s.destroy();
}
for (let i = 0; i < NPAGES; i++) await vanishingPage(i);
await settle(2000);
report(`feed pages x${NPAGES} (${Date.now() - t} ms)`);
for (let i = 0; i < NPAGES / 4; i++) await vanishingPage(i);
await settle(2000);
report(`feed pages again x${NPAGES / 4}`);

console.log('\npage messages', pageMsgs, 'live sessions', engine.liveSessions().length);
if (process.env.SNAP) console.log('snapshot', writeHeapSnapshot(process.env.SNAP));
page.terminate(); keepAgent.destroy();
await host.close(); service.close(); await engine.stop();
await new Promise((r) => wss.close(r)); await new Promise((r) => up.close(r)); await settle(1000);
console.log('end', mem());
for (const h of (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()) {
  const s = h as import('node:net').Socket;
  if (s.constructor.name === 'Socket' && s.localPort) console.log('  open socket', s.localAddress, s.localPort, '->', s.remoteAddress, s.remotePort, s.destroyed);
  if (s.constructor.name === 'Server') console.log('  open server', (h as import('node:net').Server).address());
}
process.exit(0);
