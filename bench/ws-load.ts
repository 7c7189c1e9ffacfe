// WebSocket load generator, run as its own process: `node --import tsx bench/ws-load.ts 'JSON'`.
// Modes (JSON argument):
//   {"mode":"throughput","url","conns","window","size","durationMs","warmupMs"}  → echoed msgs/s (and
//      this process's own CPU time per message while measuring)
//   {"mode":"latency","url","conns","size","samples","maxMs","warmupMs"} → RTT p50/p99 (µs):
//      one message in flight per connection; round trips are sampled after `warmupMs`, until
//      `samples` or `maxMs` (from the start)
//   {"mode":"send","url","conns","size","messages"}  → sends `messages` in all (spread over conns, one
//      in flight per connection), waits for each echo, closes; prints counts (bench/inspect-memory.ts)
//   {"mode":"idle","url","conns","batch"}  → opens conns, prints {"event":"ready",...}; on stdin
//      line "close" closes them all and prints {"event":"closed"}, then exits.
// Results are one JSON line on stdout; failures are {"error": "..."} (exit code 0).
import { WebSocket } from 'ws';
import { createInterface } from 'node:readline';

interface Base { url: string; conns: number; size: number }
type Args =
  | (Base & { mode: 'throughput'; window: number; durationMs: number; warmupMs: number })
  | (Base & { mode: 'latency'; samples: number; maxMs: number; warmupMs: number })
  | (Base & { mode: 'send'; messages: number })
  | { mode: 'idle'; url: string; conns: number; batch: number };

const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(url: string, timeoutMs = 15_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    ws.once('open', () => { ws.removeAllListeners('error'); ws.on('error', () => {}); resolve(ws); });
    ws.once('error', (e) => reject(e));
    ws.once('unexpected-response', (_req, res) => { ws.terminate(); reject(new Error(`HTTP ${res.statusCode} instead of 101`)); });
  });
}

async function openMany(url: string, n: number, batch: number): Promise<{ sockets: WebSocket[]; failed: number; firstError?: string }> {
  const sockets: WebSocket[] = [];
  let failed = 0;
  let firstError: string | undefined;
  for (let i = 0; i < n; i += batch) {
    const got = await Promise.allSettled(Array.from({ length: Math.min(batch, n - i) }, () => open(url)));
    for (const g of got) {
      if (g.status === 'fulfilled') sockets.push(g.value);
      else { failed++; firstError ??= (g.reason as Error).message; }
    }
  }
  return { sockets, failed, firstError };
}

function closeAll(sockets: WebSocket[]): Promise<void> {
  return Promise.race([
    Promise.all(sockets.map((ws) => new Promise<void>((r) => {
      if (ws.readyState === WebSocket.CLOSED) return r();
      ws.once('close', () => r());
      ws.close();
    }))).then(() => {}),
    sleep(3000).then(() => { for (const ws of sockets) ws.terminate(); }),
  ]);
}

async function throughput(a: Extract<Args, { mode: 'throughput' }>) {
  const { sockets, failed, firstError } = await openMany(a.url, a.conns, a.conns);
  if (failed) { for (const s of sockets) s.terminate(); return print({ error: `${failed}/${a.conns} connections failed: ${firstError}` }); }
  const payload = Buffer.alloc(a.size, 0x61);
  let sending = true;
  let measuring = false;
  let count = 0;
  let bad = 0;
  let inFlight = 0;
  for (const ws of sockets) {
    ws.on('message', (data: Buffer) => {
      inFlight--;
      if (data.length !== a.size) bad++;
      if (measuring) count++;
      if (sending) { inFlight++; ws.send(payload); }
    });
    for (let i = 0; i < a.window; i++) { inFlight++; ws.send(payload); }
  }
  await sleep(a.warmupMs);
  measuring = true;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await sleep(a.durationMs);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  measuring = false;
  const echoed = count;
  sending = false;
  const drainUntil = Date.now() + 3000;
  while (inFlight > 0 && Date.now() < drainUntil) await sleep(10);
  await closeAll(sockets);
  print({ msgsPerSec: echoed / secs, messages: echoed, seconds: secs, clientUsPerMsg: (cpu.user + cpu.system) / echoed, mbPerSec: (echoed * a.size) / secs / 1e6, wrongSize: bad, lost: inFlight });
}

async function latency(a: Extract<Args, { mode: 'latency' }>) {
  const { sockets, failed, firstError } = await openMany(a.url, a.conns, a.conns);
  if (failed) { for (const s of sockets) s.terminate(); return print({ error: `${failed}/${a.conns} connections failed: ${firstError}` }); }
  const payload = Buffer.alloc(a.size, 0x62);
  const samples: number[] = [];
  const start = Date.now();
  const deadline = start + a.maxMs;
  const sampleFrom = start + a.warmupMs;
  let sampling = false;
  let cpuFrom = process.cpuUsage();
  await Promise.all(sockets.map((ws) => new Promise<void>((done) => {
    let t = 0n;
    const next = () => {
      const now = Date.now();
      if (samples.length >= a.samples || now > deadline) return done();
      if (!sampling && now >= sampleFrom) { sampling = true; cpuFrom = process.cpuUsage(); }
      t = process.hrtime.bigint();
      ws.send(payload);
    };
    ws.on('message', () => {
      const us = Number(process.hrtime.bigint() - t) / 1000;
      if (sampling) samples.push(us);
      next();
    });
    ws.once('close', () => done());
    next();
  })));
  const cpu = process.cpuUsage(cpuFrom);
  await closeAll(sockets);
  if (!samples.length) return print({ error: 'no samples' });
  samples.sort((x, y) => x - y);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!;
  print({ samples: samples.length, p50us: pct(50), p90us: pct(90), p99us: pct(99), maxUs: samples[samples.length - 1], meanUs: samples.reduce((s, x) => s + x, 0) / samples.length, clientUsPerRoundTrip: (cpu.user + cpu.system) / samples.length });
}

async function send(a: Extract<Args, { mode: 'send' }>) {
  const { sockets, failed, firstError } = await openMany(a.url, a.conns, a.conns);
  if (failed) { for (const s of sockets) s.terminate(); return print({ error: `${failed}/${a.conns} connections failed: ${firstError}` }); }
  const t0 = Date.now();
  let echoed = 0;
  let bad = 0;
  await Promise.all(sockets.map((ws, i) => new Promise<void>((done) => {
    let left = Math.floor(a.messages / a.conns) + (i < a.messages % a.conns ? 1 : 0);
    const next = () => (left-- > 0 ? ws.send(Buffer.alloc(a.size, 0x61 + (left % 26))) : done());
    ws.on('message', (data: Buffer) => { echoed++; if (data.length !== a.size) bad++; next(); });
    ws.once('close', () => done());
    next();
  })));
  await closeAll(sockets);
  print({ sent: a.messages, echoed, wrongSize: bad, ms: Date.now() - t0 });
}

async function idle(a: Extract<Args, { mode: 'idle' }>) {
  const t0 = Date.now();
  const { sockets, failed, firstError } = await openMany(a.url, a.conns, a.batch);
  let dropped = 0;
  for (const ws of sockets) ws.once('close', () => dropped++);
  print({ event: 'ready', opened: sockets.length, failed, firstError, ms: Date.now() - t0 });
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (line.trim() !== 'close') continue;
    const stillOpen = sockets.length - dropped;
    await closeAll(sockets);
    print({ event: 'closed', stillOpen });
    break;
  }
  rl.close();
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
try {
  if (args.mode === 'throughput') await throughput(args);
  else if (args.mode === 'latency') await latency(args);
  else if (args.mode === 'send') await send(args);
  else if (args.mode === 'idle') await idle(args);
  else print({ error: `unknown mode ${(args as { mode: string }).mode}` });
} catch (e) {
  print({ error: (e as Error).message });
}
process.exit(0);
