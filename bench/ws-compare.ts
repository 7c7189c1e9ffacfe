// Side-by-side WebSocket echo msgs/s of Switchyard, nginx and the minimal http-proxy script, with
// the order of targets rotated every round (a tool for working on the relay; `npm run bench` is the
// report). Besides msgs/s it prints each proxy's CPU time per message (user + system from /proc;
// nginx: its worker), steadier than msgs/s on a shared machine, read()/write() calls per message
// and voluntary context switches per message (`cs`: how often the proxy and the echo server slept).
// Usage: node --import tsx bench/ws-compare.ts [--rounds N] [--seconds S] [--sizes 64,16384]
//        [--targets switchyard,nginx,minimal] [--node-flags=--perf-basic-prof] [--gap S]
//        [--rtt [--conns N]]  (instead of msgs/s: round-trip p50/p99 as `npm run bench` measures it,
//        N connections (default 1) with one message in flight each, sampled for --seconds after a
//        0.5 s warm-up, with the proxy's CPU per round trip)
//        --trace (with --rtt): also where the proxy's time goes per relayed chunk, from its syscall
//        tracepoints (bench/syscall-trace.ts; needs perf): wake → read, read → write, write → wait
//        --gap S: S seconds with no load before each round after the first (as the full bench's
//        targets sit idle while the others are measured)
// A target `switchyard@DIR` runs the Switchyard checked out (or copied) in DIR, for before/after runs
// (`inspect@DIR`: the same with `serve --inspect`; `inspect` is this one's);
// `switchyard+KEY=VALUE[+KEY=VALUE]` runs this one with extra environment variables; `pipe` is a
// bare TCP pipe (bench/tcp-pipe.ts), the floor of a node relay; `cpipe` the same pipe relayed in C
// inside node's event loop (bench/c-relay.c, built with `cc`), the floor of any relay node hosts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, runLoad, spawnNode, startTarget, startUpstreams, switchyardConfig, targetEnv, cpuTimeUs, ioCalls, type Target } from './targets.ts';
import { median } from './stats.ts';
import { traceRelayGaps, type RelayGaps } from './syscall-trace.ts';
import { freePort } from '../test/helpers/ports.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' }, sizes: { type: 'string', default: '64,16384' },
    targets: { type: 'string', default: 'switchyard,nginx,minimal' }, 'node-flags': { type: 'string', default: '' },
    rtt: { type: 'boolean', default: false }, trace: { type: 'boolean', default: false }, conns: { type: 'string', default: '1' }, gap: { type: 'string', default: '0' },
  },
});
const seconds = Number(values.seconds);
const sizes = values.sizes.split(',').map(Number);
const names = values.targets.split(',');

/** Switchyard `serve` with extra node flags (e.g. --perf-basic-prof), printing its pid. */
async function startSwitchyard(upHttp: number, upWs: number, root = ROOT, name = 'switchyard', env?: Record<string, string>): Promise<Target> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-wscmp-'));
  await writeFile(join(dir, 'c.json'), JSON.stringify(switchyardConfig(port, upHttp, upWs)));
  const flags = values['node-flags'].split(' ').filter(Boolean);
  const inspect = name.startsWith('inspect') ? ['--inspect'] : [];
  const p = await spawnNode([...flags, join(root, 'bin', 'switchyard.js'), 'serve', '--config', join(dir, 'c.json'), ...inspect], 30_000, env);
  process.stderr.write(`switchyard pid ${p.pid}\n`);
  return {
    name: name as 'switchyard', http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/ws`, memPid: async () => p.pid, gcable: false, gcLines: [],
    stderr: p.stderr, died: () => null, stop: async () => { await p.stop(); await rm(dir, { recursive: true, force: true }); },
  };
}

/** bench/tcp-pipe.ts --c: the pipe relayed by bench/c-relay.c. */
async function startCPipe(upWs: number): Promise<Target> {
  const port = await freePort();
  const p = await spawnNode(['--import', 'tsx', join(ROOT, 'bench', 'tcp-pipe.ts'), String(port), String(upWs), '--c'], 60_000);
  process.stderr.write(`cpipe pid ${p.pid}\n`);
  return {
    name: 'cpipe' as 'pipe', http: '', ws: `ws://127.0.0.1:${port}/ws`, memPid: async () => p.pid, gcable: false, gcLines: [],
    stderr: p.stderr, died: () => null, stop: p.stop,
  };
}

const up = await startUpstreams();
const targets: Target[] = [];
try {
  for (const n of names) {
    if (n === 'switchyard') targets.push(await startSwitchyard(up.http.port, up.ws.port));
    else if (/^(switchyard|inspect)@/.test(n)) targets.push(await startSwitchyard(up.http.port, up.ws.port, n.slice(n.indexOf('@') + 1), n));
    else if (n.startsWith('switchyard+')) targets.push(await startSwitchyard(up.http.port, up.ws.port, ROOT, n, targetEnv(n, up.http.port)));
    else if (n === 'cpipe') targets.push(await startCPipe(up.ws.port));
    else {
      const s = await startTarget(n as 'nginx' | 'minimal' | 'pipe', up);
      if (!s.ok) throw new Error(`${n}: ${s.error}`);
      targets.push(s.target);
    }
  }
  if (values.rtt) await roundTrips(targets);
  else await rates(targets, up.ws.pid);
} finally {
  for (const t of targets) await t.stop().catch(() => {});
  await up.stop();
}

/** Targets in the order of round `r` (rotated each round). */
function rotated(targets: Target[], r: number): Target[] {
  return targets.map((_, i) => targets[(i + r) % targets.length]!);
}

/** `--rtt`: round-trip p50/p99 per round, then the median p50. */
async function roundTrips(targets: Target[]): Promise<void> {
  const p50: Record<string, number[]> = {};
  for (let r = 0; r < Number(values.rounds); r++) {
    const line: string[] = [];
    for (const t of rotated(targets, r)) {
      const pid = (await t.memPid())!;
      const c0 = cpuTimeUs(pid);
      const arg = { mode: 'latency', url: t.ws, conns: Number(values.conns), size: 64, samples: 1e9, maxMs: seconds * 1000 + 500, warmupMs: 500 };
      // (traced for a second after the warm-up, while the load runs)
      const trace = values.trace ? new Promise((done) => setTimeout(done, 700)).then(() => traceRelayGaps(pid, Math.min(1000, seconds * 1000 - 200))) : null;
      const res = await runLoad('ws-load.ts', arg, seconds * 1000 + 30_000);
      if (res.error) throw new Error(`${t.name} rtt: ${String(res.error)}`);
      const gaps = trace ? ` ${traced(await trace)}` : '';
      const cpuUs = (cpuTimeUs(pid).total - c0.total) / Number(res.samples);
      (p50[t.name] ??= []).push(Number(res.p50us));
      line.push(`${t.name} p50 ${Number(res.p50us).toFixed(0)} µs p99 ${Number(res.p99us).toFixed(0)} µs (${Number(res.samples)} samples, proxy CPU ${cpuUs.toFixed(1)} µs each)${gaps}`);
    }
    process.stdout.write(`round ${r + 1} rtt: ${line.join(', ')}\n`);
  }
  process.stdout.write(`median rtt p50: ${targets.map((t) => `${t.name} ${median(p50[t.name]!).toFixed(0)} µs`).join(', ')}\n`);
}

/** --trace's summary of a proxy's relayed chunks. */
function traced(g: RelayGaps | null): string {
  if (g === null) return '[no trace: perf record of syscall tracepoints failed]';
  const f = (v: number) => v.toFixed(2);
  return `[per chunk: wake→read ${f(g.wakeToRead)}, read→write ${f(g.readToWrite)}, write ${f(g.write)}, write→wait ${f(g.writeToWait)} µs; ${g.chunks} chunks]`;
}

/** Voluntary context switches of a process so far (all its threads: /proc/PID/task/*\/status). */
function switches(pid: number): number {
  let n = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) n += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))?.[1] ?? 0);
  return n;
}

/** msgs/s per size and round with each proxy's (and the echo server's and client's) CPU per message, then medians. */
async function rates(targets: Target[], echoPid: number): Promise<void> {
  const rate: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (let r = 0; r < Number(values.rounds); r++) {
    if (r > 0 && Number(values.gap) > 0) await new Promise((done) => setTimeout(done, Number(values.gap) * 1000));
    for (const size of sizes) {
      const line: string[] = [];
      for (const t of rotated(targets, r)) {
        const pid = (await t.memPid())!;
        const c0 = cpuTimeUs(pid);
        const io0 = ioCalls(pid);
        const e0 = cpuTimeUs(echoPid).total;
        const s0 = switches(pid), es0 = switches(echoPid);
        const res = await runLoad('ws-load.ts', { mode: 'throughput', url: t.ws, conns: 20, window: 32, size, durationMs: seconds * 1000, warmupMs: 500 }, seconds * 1000 + 30_000);
        if (res.error) throw new Error(`${t.name} ${size} B: ${String(res.error)}`);
        // the warm-up's and drain's messages are not counted: estimate them at the same rate
        const messages = Number(res.messages) * (1 + 0.5 / seconds);
        const c1 = cpuTimeUs(pid);
        const us = (c1.total - c0.total) / messages;
        const userUs = (c1.user - c0.user) / messages;
        const echoUs = (cpuTimeUs(echoPid).total - e0) / messages;
        const io1 = ioCalls(pid);
        const cs = `${((switches(pid) - s0) / messages).toFixed(3)}cs echo ${((switches(echoPid) - es0) / messages).toFixed(3)}cs`;
        // read()/write() calls per message (/proc/PID/io counts those; nginx's recv()/send() are not in it)
        const rw = io1.reads === io0.reads ? 'r/w n/a' : `${((io1.reads - io0.reads) / messages).toFixed(2)}r/${((io1.writes - io0.writes) / messages).toFixed(2)}w`;
        (rate[`${t.name} ${size}`] ??= []).push(Number(res.msgsPerSec));
        (cpu[`${t.name} ${size}`] ??= []).push(us);
        line.push(`${t.name} ${Math.round(Number(res.msgsPerSec))} (${us.toFixed(2)} µs/msg, user ${userUs.toFixed(2)}, ${rw}, ${cs}; echo ${echoUs.toFixed(2)}, client ${Number(res.clientUsPerMsg).toFixed(2)})`);
      }
      process.stdout.write(`round ${r + 1} ${String(size).padStart(5)} B: ${line.join(', ')}\n`);
    }
  }
  for (const size of sizes) {
    const parts = targets.map((t) => `${t.name} ${Math.round(median(rate[`${t.name} ${size}`]!))} msgs/s ${median(cpu[`${t.name} ${size}`]!).toFixed(2)} µs/msg`);
    process.stdout.write(`median ${String(size).padStart(5)} B: ${parts.join(', ')}\n`);
  }
}
