// Side-by-side WebSocket echo msgs/s of Switchyard, nginx and the minimal http-proxy script, with
// the order of targets rotated every round (a tool for working on the relay; `npm run bench` is the
// report). Besides msgs/s it prints each proxy's CPU time per message (user + system from /proc;
// nginx: its worker), steadier than msgs/s on a shared machine.
// Usage: node --import tsx bench/ws-compare.ts [--rounds N] [--seconds S] [--sizes 64,16384]
//        [--targets switchyard,nginx,minimal] [--node-flags=--perf-basic-prof]
//        [--rtt]  (instead of msgs/s: round-trip p50/p99 as `npm run bench` measures it, 4 connections)
// A target `switchyard@DIR` runs the Switchyard checked out (or copied) in DIR, for before/after runs;
// `switchyard+KEY=VALUE[+KEY=VALUE]` runs this one with extra environment variables.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, runLoad, spawnNode, startTarget, startUpstreams, switchyardConfig, targetEnv, type Target } from './targets.ts';
import { freePort } from '../test/helpers/ports.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' }, sizes: { type: 'string', default: '64,16384' },
    targets: { type: 'string', default: 'switchyard,nginx,minimal' }, 'node-flags': { type: 'string', default: '' },
    rtt: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const sizes = values.sizes.split(',').map(Number);
const names = values.targets.split(',');

/** CPU time (user + system, µs) of a process so far (/proc/PID/stat, clock ticks of 10 ms). */
async function cpuUs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Switchyard `serve` with extra node flags (e.g. --perf-basic-prof), printing its pid. */
async function startSwitchyard(upHttp: number, upWs: number, root = ROOT, name = 'switchyard', env?: Record<string, string>): Promise<Target> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-wscmp-'));
  await writeFile(join(dir, 'c.json'), JSON.stringify(switchyardConfig(port, upHttp, upWs)));
  const flags = values['node-flags'].split(' ').filter(Boolean);
  const p = await spawnNode([...flags, join(root, 'bin', 'switchyard.js'), 'serve', '--config', join(dir, 'c.json')], 30_000, env);
  process.stderr.write(`switchyard pid ${p.pid}\n`);
  return {
    name: name as 'switchyard', http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/ws`, memPid: async () => p.pid, gcable: false, gcLines: [],
    stderr: p.stderr, died: () => null, stop: async () => { await p.stop(); await rm(dir, { recursive: true, force: true }); },
  };
}

const up = await startUpstreams();
const targets: Target[] = [];
try {
  for (const n of names) {
    if (n === 'switchyard') targets.push(await startSwitchyard(up.http.port, up.ws.port));
    else if (n.startsWith('switchyard@')) targets.push(await startSwitchyard(up.http.port, up.ws.port, n.slice(11), n));
    else if (n.startsWith('switchyard+')) targets.push(await startSwitchyard(up.http.port, up.ws.port, ROOT, n, targetEnv(n, up.http.port)));
    else {
      const s = await startTarget(n as 'nginx' | 'minimal', up);
      if (!s.ok) throw new Error(`${n}: ${s.error}`);
      targets.push(s.target);
    }
  }
  const rate: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  if (values.rtt) {
    const p50: Record<string, number[]> = {};
    for (let r = 0; r < Number(values.rounds); r++) {
      const line: string[] = [];
      for (const t of targets.map((_, i) => targets[(i + r) % targets.length]!)) {
        const res = await runLoad('ws-load.ts', { mode: 'latency', url: t.ws, conns: 4, size: 64, samples: 4000, maxMs: seconds * 1000, warmup: 50 }, seconds * 1000 + 30_000);
        if (res.error) throw new Error(`${t.name} rtt: ${String(res.error)}`);
        (p50[t.name] ??= []).push(Number(res.p50us));
        line.push(`${t.name} p50 ${Number(res.p50us).toFixed(0)} µs p99 ${Number(res.p99us).toFixed(0)} µs`);
      }
      process.stdout.write(`round ${r + 1} rtt: ${line.join(', ')}\n`);
    }
    process.stdout.write(`median rtt p50: ${targets.map((t) => `${t.name} ${median(p50[t.name]!).toFixed(0)} µs`).join(', ')}\n`);
  }
  for (let r = 0; r < (values.rtt ? 0 : Number(values.rounds)); r++) {
    for (const size of sizes) {
      const order = targets.map((_, i) => targets[(i + r) % targets.length]!);
      const line: string[] = [];
      for (const t of order) {
        const pid = (await t.memPid())!;
        const c0 = await cpuUs(pid);
        const e0 = await cpuUs(up.ws.pid);
        const res = await runLoad('ws-load.ts', { mode: 'throughput', url: t.ws, conns: 20, window: 32, size, durationMs: seconds * 1000, warmupMs: 500 }, seconds * 1000 + 30_000);
        if (res.error) throw new Error(`${t.name} ${size} B: ${String(res.error)}`);
        // the warm-up's and drain's messages are not counted: estimate them at the same rate
        const us = ((await cpuUs(pid)) - c0) / (Number(res.messages) * (1 + 0.5 / seconds));
        const echoUs = ((await cpuUs(up.ws.pid)) - e0) / (Number(res.messages) * (1 + 0.5 / seconds));
        (rate[`${t.name} ${size}`] ??= []).push(Number(res.msgsPerSec));
        (cpu[`${t.name} ${size}`] ??= []).push(us);
        line.push(`${t.name} ${Math.round(Number(res.msgsPerSec))} (${us.toFixed(2)} µs/msg; echo ${echoUs.toFixed(2)}, client ${Number(res.clientUsPerMsg).toFixed(2)})`);
      }
      process.stdout.write(`round ${r + 1} ${String(size).padStart(5)} B: ${line.join(', ')}\n`);
    }
  }
  for (const size of values.rtt ? [] : sizes) {
    const parts = targets.map((t) => `${t.name} ${Math.round(median(rate[`${t.name} ${size}`]!))} msgs/s ${median(cpu[`${t.name} ${size}`]!).toFixed(2)} µs/msg`);
    process.stdout.write(`median ${String(size).padStart(5)} B: ${parts.join(', ')}\n`);
  }
} finally {
  for (const t of targets) await t.stop().catch(() => {});
  await up.stop();
}
