// Side-by-side HTTP req/s of Switchyard and the minimal http-proxy script, alternating rounds in one
// run (a tool for working on the HTTP path; `npm run bench` is the report).
// Usage: node --import tsx bench/http-compare.ts [--rounds N] [--seconds S] [--path /small] [--connections C]
// Besides req/s it prints each proxy's CPU time per request (/proc), steadier than req/s on a busy machine.
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, ROOT, runLoad, spawnNode, startUpstreams, switchyardConfig, type Proc } from './targets.ts';
import { freePort } from '../test/helpers/ports.ts';
import { readFileSync } from 'node:fs';

/** CPU time (user + system) of a process so far, in microseconds (/proc/PID/stat, clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '4' }, path: { type: 'string', default: '/small' }, connections: { type: 'string', default: '50' } } });

const up = await startUpstreams();
const dir = await mkdtemp(join(tmpdir(), 'switchyard-cmp-'));
const procs: Record<string, Proc> = {};
try {
  const sPort = await freePort();
  await writeFile(join(dir, 'c.json'), JSON.stringify(switchyardConfig(sPort, up.http.port, up.ws.port)));
  procs.switchyard = await spawnNode([join(ROOT, 'bin', 'switchyard.js'), 'serve', '--config', join(dir, 'c.json')], 30_000);
  const mPort = await freePort();
  procs.minimal = await spawnNode(['--import', 'tsx', join(BENCH_DIR, 'minimal-http-proxy.ts'), String(mPort), String(up.http.port), String(up.ws.port)]);
  const sums: Record<string, number[]> = { switchyard: [], minimal: [] };
  const cpu: Record<string, number[]> = { switchyard: [], minimal: [] };
  for (let r = 0; r < Number(values.rounds); r++) {
    const order = r % 2 ? ['minimal', 'switchyard'] : ['switchyard', 'minimal'];
    for (const name of order) {
      const before = cpuMicros(procs[name]!.pid);
      const res = await runLoad('http-load.ts', { url: `http://127.0.0.1:${procs[name]!.port}${values.path}`, connections: Number(values.connections), durationS: Number(values.seconds), warmupS: 1 }, 60_000);
      if (res.error) throw new Error(`${name}: ${res.error}`);
      sums[name]!.push(Number(res.reqPerSec));
      // the warm-up's requests are not counted by the load script: estimate them at the same rate
      const perReq = (cpuMicros(procs[name]!.pid) - before) / (Number(res.ok) * (1 + 1 / Number(values.seconds)));
      cpu[name]!.push(perReq);
      process.stdout.write(`round ${r + 1} ${name.padEnd(10)} ${Math.round(Number(res.reqPerSec))} req/s p50 ${res.p50ms} ms, proxy CPU ${perReq.toFixed(1)} µs/request\n`);
    }
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  process.stdout.write(`switchyard/minimal = ${(mean(sums.switchyard!) / mean(sums.minimal!)).toFixed(2)}x (${Math.round(mean(sums.switchyard!))} vs ${Math.round(mean(sums.minimal!))}); CPU per request ${mean(cpu.switchyard!).toFixed(1)} vs ${mean(cpu.minimal!).toFixed(1)} µs\n`);
} finally {
  for (const p of Object.values(procs)) await p.stop();
  await up.stop();
  await rm(dir, { recursive: true, force: true });
}
