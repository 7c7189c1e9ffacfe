// Side-by-side HTTP req/s of Switchyard and the minimal http-proxy script, alternating rounds in one
// run (a tool for working on the HTTP path; `npm run bench` is the report).
// Usage: node --import tsx bench/http-compare.ts [--rounds N] [--seconds S] [--path /small] [--connections C]
//        [--targets switchyard,minimal] (also switchyard@DIR: the Switchyard checked out in DIR, for before/after)
//        [--node-flags=--perf-basic-prof] (for the proxy processes; each prints its pid)
// A target `switchyard+KEY=VALUE[+KEY=VALUE]` runs this Switchyard with extra environment variables
// (UPHTTP in a value becomes the bench HTTP upstream's port).
// Besides req/s it prints each proxy's CPU time per request (/proc), steadier than req/s on a busy machine.
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, ROOT, runLoad, spawnNode, startUpstreams, switchyardConfig, targetEnv, cpuTimeUs, type Proc } from './targets.ts';
import { freePort } from '../test/helpers/ports.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '4' }, path: { type: 'string', default: '/small' }, connections: { type: 'string', default: '50' },
    targets: { type: 'string', default: 'switchyard,minimal' }, 'node-flags': { type: 'string', default: '' },
  },
});
const names = values.targets.split(',');

const up = await startUpstreams();
const dir = await mkdtemp(join(tmpdir(), 'switchyard-cmp-'));
const procs: Record<string, Proc> = {};
try {
  for (const name of names) {
    const port = await freePort();
    if (name === 'minimal') {
      procs[name] = await spawnNode([...values['node-flags'].split(' ').filter(Boolean), '--import', 'tsx', join(BENCH_DIR, 'minimal-http-proxy.ts'), String(port), String(up.http.port), String(up.ws.port)]);
      process.stderr.write(`${name} pid ${procs[name]!.pid}\n`);
      continue;
    }
    if (name !== 'switchyard' && !name.startsWith('switchyard@') && !name.startsWith('switchyard+')) throw new Error(`unknown target ${name} (switchyard, switchyard@DIR, switchyard+KEY=VALUE, minimal)`);
    const file = join(dir, `${Object.keys(procs).length}.json`);
    await writeFile(file, JSON.stringify(switchyardConfig(port, up.http.port, up.ws.port)));
    const root = name.startsWith('switchyard@') ? name.slice('switchyard@'.length) : ROOT;
    const env = name.startsWith('switchyard+') ? targetEnv(name, up.http.port) : undefined;
    procs[name] = await spawnNode([...values['node-flags'].split(' ').filter(Boolean), join(root, 'bin', 'switchyard.js'), 'serve', '--config', file], 30_000, env);
    process.stderr.write(`${name} pid ${procs[name]!.pid}\n`);
  }
  const sums: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < Number(values.rounds); r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]!);
    for (const name of order) {
      const before = cpuTimeUs(procs[name]!.pid);
      const res = await runLoad('http-load.ts', { url: `http://127.0.0.1:${procs[name]!.port}${values.path}`, connections: Number(values.connections), durationS: Number(values.seconds), warmupS: 1 }, 60_000);
      if (res.error) throw new Error(`${name}: ${res.error}`);
      sums[name]!.push(Number(res.reqPerSec));
      // the warm-up's requests are not counted by the load script: estimate them at the same rate
      const after = cpuTimeUs(procs[name]!.pid);
      const requests = Number(res.ok) * (1 + 1 / Number(values.seconds));
      const perReq = (after.total - before.total) / requests;
      const userPerReq = (after.user - before.user) / requests;
      cpu[name]!.push(perReq);
      process.stdout.write(`round ${r + 1} ${name.padEnd(10)} ${Math.round(Number(res.reqPerSec))} req/s p50 ${res.p50ms} ms, proxy CPU ${perReq.toFixed(1)} µs/request (user ${userPerReq.toFixed(1)})\n`);
    }
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const last = names[names.length - 1]!;
  for (const name of names) {
    process.stdout.write(`${name}: ${Math.round(mean(sums[name]!))} req/s, CPU per request ${mean(cpu[name]!).toFixed(1)} µs${name === last ? '' : ` (${(mean(sums[name]!) / mean(sums[last]!)).toFixed(2)}× ${last}'s req/s)`}\n`);
  }
} finally {
  for (const p of Object.values(procs)) await p.stop();
  await up.stop();
  await rm(dir, { recursive: true, force: true });
}
