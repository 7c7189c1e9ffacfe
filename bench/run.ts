// `npm run bench` [-- --quick]: direct vs Switchyard vs nginx vs a minimal http-proxy, side by side on
// 127.0.0.1, plus Switchyard with `serve --inspect` (every frame recorded, as in the UI) on the
// WebSocket rows, the memory of 10,000 recorded 1 KiB frames (bench/inspect-memory.ts), and the UI's
// frame log with 100,000 frames in Chromium (bench/ui-frame-log.ts: render and frame times), and the
// sessions list and HTTP log, full, while traffic changes them (bench/ui-lists.ts: long tasks).
// Upstreams, proxies and load generators each run in their own process. Prints a markdown
// table and pass/fail lines; writes bench/results/latest.md and latest.json. Exits 0 unless it crashed.
import { mkdir, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, NOFILE, TARGETS, LABEL, startUpstreams, startTarget, runLoad, type Target, type TargetName } from './targets.ts';
import { measureIdle } from './memory.ts';
import { median } from './stats.ts';

const quick = process.argv.includes('--quick');
const roundsArg = process.argv.indexOf('--rounds');
// Each throughput/latency measurement runs `rounds` times (target order alternating) and the best
// run counts; idle memory is measured once, first, on fresh processes.
const P = {
  ...(quick
    ? { seconds: 1, warmS: 0.5, rounds: 1, rttSeconds: 0.5, idleConns: 200, idleSettleMs: 500 }
    : { seconds: 4, warmS: 1, rounds: 5, rttSeconds: 2, idleConns: 2000, idleSettleMs: 2000 }),
  httpConns: 50, wsConns: 20, window: 32, rttLoadConns: 4,
};
if (roundsArg > 0) P.rounds = Math.max(1, Number(process.argv[roundsArg + 1]) || 1);

/** A table row: `src` is the measurement (key of `results`) it reads, `pick` its number. */
type Row = { key: string; src: string; label: string; unit: string; lowerIsBetter: boolean; pick: (r: Record<string, unknown>) => number };
const ROWS: Row[] = [
  { key: 'http100', src: 'http100', label: 'HTTP req/s, 100 B', unit: 'req/s', lowerIsBetter: false, pick: (r) => r.reqPerSec as number },
  { key: 'http64k', src: 'http64k', label: 'HTTP req/s, 64 KiB', unit: 'req/s', lowerIsBetter: false, pick: (r) => r.reqPerSec as number },
  { key: 'ws64', src: 'ws64', label: `WS echo msgs/s, 64 B (${P.wsConns} conns)`, unit: 'msg/s', lowerIsBetter: false, pick: (r) => r.msgsPerSec as number },
  { key: 'ws16k', src: 'ws16k', label: `WS echo msgs/s, 16 KiB (${P.wsConns} conns)`, unit: 'msg/s', lowerIsBetter: false, pick: (r) => r.msgsPerSec as number },
  // Round trips, one 64 B message in flight per connection: on one connection (the path's own
  // latency), and on 4 at once (the proxy's CPU per unbatched message: load generator, proxy and
  // echo server then keep the 2 cores busy, so this is a closed-loop throughput figure).
  { key: 'rtt1P50', src: 'rtt1', label: 'WS RTT p50, 1 connection (µs, lower better)', unit: 'µs', lowerIsBetter: true, pick: (r) => r.p50us as number },
  { key: 'rtt1P99', src: 'rtt1', label: 'WS RTT p99, 1 connection (µs, lower better)', unit: 'µs', lowerIsBetter: true, pick: (r) => r.p99us as number },
  { key: 'rtt4P50', src: 'rtt4', label: `WS RTT p50 under load, ${P.rttLoadConns} connections (µs, lower better)`, unit: 'µs', lowerIsBetter: true, pick: (r) => r.p50us as number },
  { key: 'rtt4P99', src: 'rtt4', label: `WS RTT p99 under load, ${P.rttLoadConns} connections (µs, lower better)`, unit: 'µs', lowerIsBetter: true, pick: (r) => r.p99us as number },
  { key: 'idle', src: 'idle', get label() { return `Idle WS memory, KiB/conn (${P.idleConns} conns, RSS, lower better)`; }, unit: 'KiB', lowerIsBetter: true, pick: (r) => r.kibPerConn as number },
];
type Results = Record<string, Partial<Record<TargetName, Record<string, unknown> | null>>>;
const results: Results = {};
const started: Partial<Record<TargetName, Target>> = {};
const unavailable: Partial<Record<TargetName, string>> = {};
const crashed: Partial<Record<TargetName, string>> = {};
const log = (s: string) => process.stderr.write(`${s}\n`);
/** Rows the inspecting Switchyard and the TCP pipe run (the first is the same proxy as 'switchyard'
 * for HTTP and idle; the pipe speaks no HTTP). */
const WS_ONLY_ROWS = new Set(['ws64', 'ws16k', 'rtt1', 'rtt4']);
const WS_ONLY: TargetName[] = ['inspect', 'pipe'];
/** bench/inspect-memory.ts's result: 5,000 echoed 1 KiB messages = 10,000 recorded frames. */
const MEM = { messages: 5000, size: 1024, conns: 4, /** bytes per logged frame beyond its payload */ maxOverhead: 300 };
let inspectMemory: Record<string, number | string> | null = null;
/** bench/ui-frame-log.ts's result: the frame log with 100,000 frames in Chromium (its `markdown` is a table). */
let uiFrameLog: Record<string, unknown> | null = null;
/** bench/ui-lists.ts's result: the full sessions list and HTTP log under traffic in Chromium. */
let uiLists: Record<string, unknown> | null = null;

/** Every run's result; `results` keeps the best run per target (max throughput, min latency). */
const raw: Record<string, Partial<Record<TargetName, Record<string, unknown>[]>>> = {};

function pushRun(key: string, t: TargetName, r: Record<string, unknown>, round: number) {
  ((raw[key] ??= {})[t] ??= []).push({ round, ...r });
  const runs = raw[key]![t]!;
  const ok = runs.filter((x) => !x.error);
  const score = (x: Record<string, unknown>) => key.startsWith('rtt') ? -(x.p50us as number) : ((x.reqPerSec ?? x.msgsPerSec) as number);
  const best = ok.length ? ok.reduce((a, b) => (score(b) > score(a) ? b : a)) : runs[runs.length - 1]!;
  const errors = runs.filter((x) => x.error).map((x) => `round ${x.round}: ${String(x.error)}`);
  (results[key] ??= {})[t] = { ...best, ...(ok.length && errors.length ? { roundErrors: errors } : {}) };
  const row = ROWS.find((x) => x.src === key)!;
  log(`  ${key.padEnd(8)} ${LABEL[t].padEnd(22)} ${r.error ? `error: ${String(r.error)}` : `${fmt(row.pick(r))} ${row.unit}`}`);
}

async function measureAll() {
  const live = (round: number, key: string) => {
    const l = TARGETS.filter((t) => started[t] && (!WS_ONLY.includes(t) || WS_ONLY_ROWS.has(key))).map((t) => started[t]!);
    return round % 2 ? l : l.reverse(); // alternate the order between rounds
  };
  // A proxy holds two sockets per WebSocket; stay under the children's fd limit (see targets.ts).
  const hard = await new Promise<number>((r) => execFile('sh', ['-c', 'ulimit -Hn'], (_e, o) => r(o.trim() === 'unlimited' ? Infinity : Number(o) || 1024)));
  const fit = Math.floor((Math.min(hard, NOFILE) - 256) / 2);
  if (fit < P.idleConns) { log(`fd limit ${hard}: idle connections reduced from ${P.idleConns} to ${fit}`); P.idleConns = fit; }
  log(`idle memory (${P.idleConns} WS connections)`);
  for (const t of live(1, 'idle')) {
    const r = await measureIdle(t, { conns: P.idleConns, batch: 100, settleMs: P.idleSettleMs }).catch((e: Error) => ({ error: e.message }));
    (results.idle ??= {})[t.name] = r as Record<string, unknown> | null;
    log(`  idle     ${LABEL[t.name].padEnd(22)} ${r === null ? 'n/a' : 'error' in r && r.error && !('kibPerConn' in r) ? `error: ${r.error}` : `${fmt((r as { kibPerConn: number }).kibPerConn)} KiB/conn`}`);
  }
  for (let round = 1; round <= P.rounds; round++) {
    const warmS = round === 1 ? P.warmS : P.warmS / 2;
    for (const [key, path] of [['http100', '/small'], ['http64k', '/big']] as const) {
      log(`${key} (round ${round}/${P.rounds}): autocannon, ${P.httpConns} connections, ${P.seconds} s`);
      for (const t of live(round, key)) {
        pushRun(key, t.name, await runLoad('http-load.ts', { url: t.http + path, connections: P.httpConns, durationS: P.seconds, warmupS: warmS }, (P.seconds + warmS) * 1000 + 30_000), round);
      }
    }
    for (const [key, size] of [['ws64', 64], ['ws16k', 16 * 1024]] as const) {
      log(`${key} (round ${round}/${P.rounds}): ${P.wsConns} connections x ${P.window} messages in flight, ${P.seconds} s`);
      for (const t of live(round, key)) {
        const arg = { mode: 'throughput', url: t.ws, conns: P.wsConns, window: P.window, size, durationMs: P.seconds * 1000, warmupMs: warmS * 1000 };
        pushRun(key, t.name, await runLoad('ws-load.ts', arg, (P.seconds + warmS) * 1000 + 30_000), round);
      }
    }
    for (const [key, conns] of [['rtt1', 1], ['rtt4', P.rttLoadConns]] as const) {
      log(`${key} (round ${round}/${P.rounds}): ${conns} connection(s), one 64 B message in flight each, ${warmS} s warm-up + ${P.rttSeconds} s`);
      for (const t of live(round, key)) {
        const maxMs = (warmS + P.rttSeconds) * 1000;
        const arg = { mode: 'latency', url: t.ws, conns, size: 64, samples: 1e9, maxMs, warmupMs: warmS * 1000 };
        pushRun(key, t.name, await runLoad('ws-load.ts', arg, maxMs + 30_000), round);
      }
    }
  }
}

function fmt(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(Math.abs(n) >= 10 ? 1 : 2);
}

function value(row: Row, t: TargetName): number | undefined {
  const r = results[row.src]?.[t];
  if (!r || r.error) return undefined;
  const v = row.pick(r);
  return Number.isFinite(v) ? v : undefined;
}

function cell(row: Row, t: TargetName): string {
  if (unavailable[t]) return 'not available';
  const r = results[row.src]?.[t];
  if (r === null) return 'n/a';
  if (!r) return WS_ONLY.includes(t) ? 'not run' : '–';
  if (r.error) return `error (see notes)`;
  return fmt(row.pick(r));
}

function ratio(row: Row, a: TargetName, b: TargetName): string {
  const x = value(row, a);
  const y = value(row, b);
  return x === undefined || y === undefined || y === 0 ? '–' : `${x / y >= 10 ? (x / y).toFixed(1) : (x / y).toFixed(2)}×`;
}

function table(): string {
  const head = ['Metric', ...TARGETS.map((t) => LABEL[t]), 'Switchyard/nginx', 'Switchyard/direct', 'Switchyard/http-proxy', 'inspect/off', 'inspect/nginx'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`];
  for (const row of ROWS) {
    lines.push(`| ${[row.label, ...TARGETS.map((t) => cell(row, t)), ratio(row, 'switchyard', 'nginx'), ratio(row, 'switchyard', 'direct'), ratio(row, 'switchyard', 'minimal'), ratio(row, 'inspect', 'switchyard'), ratio(row, 'inspect', 'nginx')].join(' | ')} |`);
  }
  return lines.join('\n');
}

function memoryLine(): string {
  const m = inspectMemory;
  if (!m) return 'Inspect memory: not measured';
  if (m.error) return `Inspect memory: error: ${String(m.error)}`;
  return `Inspect memory (bench/inspect-memory.ts: the \`serve --inspect\` service in a --expose-gc process, ${fmt(MEM.messages)} echoed ${fmt(MEM.size)} B messages through it, heapUsed + external after a full GC, sessions closed, frame logs kept): ` +
    `${fmt(Number(m.frames))} frames, ${fmt(Number(m.deltaBytes) / 1048576)} MiB (heap ${fmt(Number(m.heapDelta) / 1048576)}, external ${fmt(Number(m.externalDelta) / 1048576)}) for ${fmt(Number(m.payloadBytes) / 1048576)} MiB of payload: ` +
    `${fmt(Number(m.bytesPerFrame))} B per frame = ${fmt(Number(m.payloadPerFrame))} B payload + fixed overhead per frame: ${fmt(Number(m.overheadPerFrame))} bytes`;
}

function notes(): string[] {
  const out: string[] = [
    `- ${LABEL.inspect}: \`serve --inspect\` (every frame of every session recorded by the UI's service, nobody watching the feed); WebSocket rows only ("not run" elsewhere). inspect/off = ${LABEL.inspect} ÷ Switchyard.`,
    `- ${LABEL.pipe}: bench/tcp-pipe.ts, \`socket.pipe()\` both ways between the client and the echo upstream, no HTTP (the handshake passes as bytes): the floor of a node relay, for the WebSocket rows.`,
  ];
  for (const t of TARGETS) if (unavailable[t]) out.push(`- ${LABEL[t]}: not available: ${unavailable[t]}`);
  for (const t of TARGETS) if (crashed[t]) out.push(`- ${LABEL[t]}: ${crashed[t]}`);
  for (const [key, per] of Object.entries(results)) {
    for (const [t, r] of Object.entries(per)) {
      if (r?.error) out.push(`- ${key} / ${LABEL[t as TargetName]}: ${String(r.error)}`);
      if (r && (Number(r.non2xx) > 0 || Number(r.errors) > 0 || Number(r.timeouts) > 0)) out.push(`- ${key} / ${LABEL[t as TargetName]}: non2xx=${r.non2xx} errors=${r.errors} timeouts=${r.timeouts}`);
      if (r && Number(r.wrongSize) > 0) out.push(`- ${key} / ${LABEL[t as TargetName]}: ${r.wrongSize} echoes of the wrong size`);
    }
  }
  if (P.rounds > 1) {
    for (const row of ROWS.filter((r) => r.key !== 'idle')) {
      const key = row.src;
      const per = TARGETS.filter((t) => raw[key]?.[t]?.length).map((t) => `${LABEL[t]} ${raw[key]![t]!.map((x) => (x.error ? 'err' : fmt(row.pick(x)))).join(' / ')}`);
      if (per.length) out.push(`- rounds, ${row.label}: ${per.join('; ')}`);
    }
  }
  for (const [key, per] of Object.entries(results)) {
    for (const [t, r] of Object.entries(per)) if (r?.roundErrors) out.push(`- ${key} / ${LABEL[t as TargetName]}: ${(r.roundErrors as string[]).join('; ')}`);
  }
  const idle = results.idle ?? {};
  for (const t of TARGETS) {
    const r = idle[t];
    if (r && !r.error) out.push(`- idle / ${LABEL[t]}: RSS ${fmt(Number(r.rssBeforeKiB))} → ${fmt(Number(r.rssAfterKiB))} KiB for ${r.conns} conns${r.heapKiBPerConn !== undefined ? `; JS heap+external after GC ${fmt(Number(r.heapKiBPerConn))} KiB/conn` : ''}`);
  }
  for (const [key, name] of [['http100', '100 B'], ['http64k', '64 KiB']] as const) {
    const per = results[key] ?? {};
    const p = TARGETS.filter((t) => per[t] && !per[t]!.error).map((t) => `${LABEL[t]} ${per[t]!.p50ms}/${per[t]!.p99ms}`);
    if (p.length) out.push(`- HTTP ${name} latency p50/p99 ms: ${p.join(', ')}`);
  }
  return out;
}

function checks(): string[] {
  const v = (key: string, t: TargetName) => value(ROWS.find((r) => r.key === key)!, t);
  const line = (name: string, a: number | undefined, b: number | undefined, ok: (a: number, b: number) => boolean, detail: string) =>
    a === undefined || b === undefined ? `SKIP  ${name} (missing numbers)` : `${ok(a, b) ? 'PASS' : 'FAIL'}  ${name}: ${detail.replace('{a}', fmt(a)).replace('{b}', fmt(b)).replace('{r}', `${(a / b).toFixed(2)}×`)}`;
  return [
    line('WS msgs/s 64 B >= nginx', v('ws64', 'switchyard'), v('ws64', 'nginx'), (a, b) => a >= b, '{a} vs {b}'),
    line('WS msgs/s 16 KiB >= nginx', v('ws16k', 'switchyard'), v('ws16k', 'nginx'), (a, b) => a >= b, '{a} vs {b}'),
    line('WS RTT p50 <= 1.2x nginx (1 connection)', v('rtt1P50', 'switchyard'), v('rtt1P50', 'nginx'), (a, b) => a <= 1.2 * b, '{a} µs vs {b} µs ({r})'),
    line('WS msgs/s 64 B, inspect on >= 0.85x off', v('ws64', 'inspect'), v('ws64', 'switchyard'), (a, b) => a >= 0.85 * b, '{a} vs {b} ({r})'),
    line('WS msgs/s 16 KiB, inspect on >= 0.85x off', v('ws16k', 'inspect'), v('ws16k', 'switchyard'), (a, b) => a >= 0.85 * b, '{a} vs {b} ({r})'),
    line('WS msgs/s 64 B, inspect on >= nginx', v('ws64', 'inspect'), v('ws64', 'nginx'), (a, b) => a >= b, '{a} vs {b} ({r})'),
    line('WS msgs/s 16 KiB, inspect on >= nginx', v('ws16k', 'inspect'), v('ws16k', 'nginx'), (a, b) => a >= b, '{a} vs {b} ({r})'),
    line('HTTP req/s 100 B >= minimal http-proxy', v('http100', 'switchyard'), v('http100', 'minimal'), (a, b) => a >= b, '{a} vs {b}'),
    line('HTTP req/s 64 KiB >= minimal http-proxy', v('http64k', 'switchyard'), v('http64k', 'minimal'), (a, b) => a >= b, '{a} vs {b}'),
    line('idle memory per WS connection <= 25 KiB', v('idle', 'switchyard'), 25, (a, b) => a <= b, '{a} KiB (limit {b})'),
    inspectMemory && !inspectMemory.error
      ? `${Number(inspectMemory.overheadPerFrame) <= MEM.maxOverhead ? 'PASS' : 'FAIL'}  inspect memory, ${fmt(Number(inspectMemory.frames))} frames of ${fmt(MEM.size)} B: fixed overhead per frame <= ${MEM.maxOverhead} B: ${fmt(Number(inspectMemory.overheadPerFrame))} bytes (${fmt(Number(inspectMemory.bytesPerFrame))} B per frame in all)`
      : `SKIP  inspect memory (${inspectMemory ? String(inspectMemory.error) : 'not measured'})`,
    ...loadedRtt(v('rtt4P50', 'switchyard'), v('rtt4P50', 'nginx')),
    ...pipeLines(v),
    ...roundLines(),
  ];
}

/** Not target lines: each target's ratio round by round (the two measured in the same round, a
 * few seconds apart), with their median: the target lines take each target's best round, which
 * moves with a single round's noise (bench/HISTORY.md). */
const ROUND_LINES: ReadonlyArray<{ key: string; t: TargetName; ref: TargetName; name: string }> = [
  { key: 'ws64', t: 'switchyard', ref: 'nginx', name: 'WS msgs/s 64 B' },
  { key: 'ws64', t: 'inspect', ref: 'nginx', name: 'WS msgs/s 64 B' },
  { key: 'ws16k', t: 'switchyard', ref: 'nginx', name: 'WS msgs/s 16 KiB' },
  { key: 'ws16k', t: 'inspect', ref: 'nginx', name: 'WS msgs/s 16 KiB' },
  { key: 'ws64', t: 'inspect', ref: 'switchyard', name: 'WS msgs/s 64 B' },
  { key: 'ws16k', t: 'inspect', ref: 'switchyard', name: 'WS msgs/s 16 KiB' },
  { key: 'rtt1P50', t: 'switchyard', ref: 'nginx', name: 'WS RTT p50, 1 connection' },
  { key: 'http100', t: 'switchyard', ref: 'minimal', name: 'HTTP req/s 100 B' },
  { key: 'http64k', t: 'switchyard', ref: 'minimal', name: 'HTTP req/s 64 KiB' },
];

function roundLines(): string[] {
  if (P.rounds < 2) return [];
  return ROUND_LINES.flatMap(({ key, t, ref, name }) => {
    const row = ROWS.find((r) => r.key === key)!;
    const mine = raw[row.src]?.[t] ?? [];
    const theirs = raw[row.src]?.[ref] ?? [];
    const ratios = mine.flatMap((m) => {
      const n = theirs.find((x) => x.round === m.round);
      return !m.error && n && !n.error ? [row.pick(m) / row.pick(n)] : [];
    });
    if (!ratios.length) return [];
    return [`INFO  ${name}, ${LABEL[t]} vs ${LABEL[ref]} by round: ${ratios.map((r) => `${r.toFixed(2)}×`).join(', ')} (median ${median(ratios).toFixed(2)}×)`];
  });
}

/** Not target lines: where a bare node TCP pipe lands against nginx and Switchyard at 64 B, in this run. */
function pipeLines(v: (key: string, t: TargetName) => number | undefined): string[] {
  const pipe = v('ws64', 'pipe');
  if (pipe === undefined) return [];
  return (['nginx', 'switchyard'] as const).flatMap((t) => {
    const other = v('ws64', t);
    return other === undefined ? [] : [`INFO  WS msgs/s 64 B, ${LABEL.pipe} vs ${LABEL[t]}: ${fmt(pipe)} vs ${fmt(other)} (${(pipe / other).toFixed(2)}×)`];
  });
}

/** Not a target line: the round trip under load measures CPU per unbatched message (see ROWS). */
function loadedRtt(a: number | undefined, b: number | undefined): string[] {
  if (a === undefined || b === undefined) return [];
  return [`INFO  WS RTT p50 under load (${P.rttLoadConns} connections; CPU-bound on this machine, not the latency target): ${fmt(a)} µs vs nginx ${fmt(b)} µs (${(a / b).toFixed(2)}×)`];
}

const nginxVersion = () => new Promise<string>((r) => execFile('/usr/sbin/nginx', ['-v'], (_e, o, e) => r(`${o}${e}`.trim() || 'unknown')));

async function main() {
  const t0 = Date.now();
  const loadBefore = loadavg()[0]!.toFixed(2);
  log(`switchyard bench${quick ? ' (--quick)' : ''}: node ${process.version}, ${cpus().length} CPUs`);
  const up = await startUpstreams();
  const stopAll = async () => {
    await Promise.all(TARGETS.map((t) => started[t]?.stop().catch(() => {})));
    await up.stop().catch(() => {});
  };
  const onSignal = () => void stopAll().then(() => process.exit(130));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    for (const name of TARGETS) {
      const s = await startTarget(name, up);
      if (s.ok) started[name] = s.target;
      else { unavailable[name] = s.error; log(`${LABEL[name]}: not available: ${s.error}`); }
    }
    await measureAll();
    log(`inspect memory: ${MEM.messages} x ${MEM.size} B echoed through serve --inspect's service (bench/inspect-memory.ts, --expose-gc)`);
    inspectMemory = await runLoad('inspect-memory.ts', { wsPort: up.ws.port, ...MEM }, 120_000, ['--expose-gc']);
    log(`  ${inspectMemory.error ? `error: ${String(inspectMemory.error)}` : `${fmt(Number(inspectMemory.frames))} frames: fixed overhead per frame ${fmt(Number(inspectMemory.overheadPerFrame))} bytes`}`);
    for (const t of TARGETS) {
      const why = started[t]?.died();
      if (why) { crashed[t] = why; log(`${LABEL[t]} ${why}`); }
    }
  } finally {
    await stopAll();
  }
  log('UI frame log: 100,000 frames in Chromium (bench/ui-frame-log.ts)');
  uiFrameLog = await runLoad('ui-frame-log.ts', { quick }, 300_000);
  log(`  ${uiFrameLog.error ? `error: ${String(uiFrameLog.error)}` : `first render ${fmt(Number(uiFrameLog.firstRenderMs))} ms`}`);
  log('UI lists: the sessions list and the HTTP log, full, under traffic in Chromium (bench/ui-lists.ts)');
  uiLists = await runLoad('ui-lists.ts', { quick }, 300_000);
  if (uiLists.error) log(`  error: ${String(uiLists.error)}`);
  const elapsed = (Date.now() - t0) / 1000;
  const meta = { date: new Date().toISOString(), quick, node: process.version, nginx: await nginxVersion(), cpus: cpus().length, cpuModel: cpus()[0]?.model, elapsedS: elapsed, loadavg1m: { before: loadBefore, after: loadavg()[0]!.toFixed(2) }, params: P };
  const md = [
    `## Switchyard bench${quick ? ' (--quick)' : ''}`,
    '',
    `${meta.date}; node ${meta.node}; ${meta.nginx}; ${meta.cpus}× ${meta.cpuModel}; ${elapsed.toFixed(0)} s; load average (1 min) ${meta.loadavg1m.before} before, ${meta.loadavg1m.after} after`,
    '',
    `Best of ${P.rounds} round(s) per cell; ${P.seconds} s per run; HTTP: autocannon, ${P.httpConns} connections; WS: ${P.wsConns} connections × ${P.window} messages in flight; RTT: 1 and ${P.rttLoadConns} connections × 1 message in flight, ${P.rttSeconds} s after a warm-up.`,
    '',
    table(),
    '',
    memoryLine(),
    '',
    uiFrameLog?.markdown ? String(uiFrameLog.markdown) : `UI frame log: ${uiFrameLog?.error ? `error: ${String(uiFrameLog.error)}` : 'not measured'}`,
    '',
    uiLists?.markdown ? String(uiLists.markdown) : `UI lists: ${uiLists?.error ? `error: ${String(uiLists.error)}` : 'not measured'}`,
    '',
    ...notes(),
    '',
    '```',
    ...checks(),
    '```',
    '',
  ].join('\n');
  process.stdout.write(`\n${md}`);
  const dir = join(BENCH_DIR, 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'latest.md'), `${md}\n<details><summary>raw JSON</summary>\n\n\`\`\`json\n${JSON.stringify({ meta, unavailable, crashed, results, inspectMemory, uiFrameLog, uiLists, runs: raw }, null, 2)}\n\`\`\`\n</details>\n`);
  await writeFile(join(dir, 'latest.json'), `${JSON.stringify({ meta, unavailable, crashed, results, inspectMemory, uiFrameLog, uiLists, runs: raw, checks: checks() }, null, 2)}\n`);
  log(`wrote ${join(dir, 'latest.md')} and latest.json`);
}

await main();
process.exit(0);
