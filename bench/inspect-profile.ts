// A focused harness for the cost of inspection (issue 4): WebSocket echo msgs/s through Switchyard
// with `serve --inspect` (every frame recorded) and without, in the same run, alternating which
// goes first each round so that machine noise hits both alike. Optionally nginx too, and a CPU
// profile of the inspecting proxy.
//
//   node --import tsx bench/inspect-profile.ts [--rounds 5] [--seconds 2] [--sizes 64,16384]
//        [--nginx] [--cpu-prof DIR]
//
// Same processes as `npm run bench` (bench/targets.ts: echo upstream, proxies, ws-load.ts each in
// its own process; 20 connections x 32 messages in flight). Prints every round (msgs/s, and the
// proxy's CPU time per message: user + system of its process, a steadier measure than throughput
// on a shared machine) and, per size, medians and the per-round on/off ratios. With --cpu-prof both
// proxies run under `node --cpu-prof` and write their .cpuprofile into DIR/switchyard, DIR/inspect.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BENCH_DIR, ROOT, runLoad, spawnNode, startTarget, switchyardConfig, cpuTimeUs, type Proc, type Target, type TargetName } from './targets.ts';
import { median } from './stats.ts';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
const rounds = Number(opt('rounds', '5'));
const seconds = Number(opt('seconds', '2'));
const sizes = opt('sizes', '64,16384').split(',').map(Number);
const withNginx = argv.includes('--nginx');
const profDir = argv.includes('--cpu-prof') ? resolve(opt('cpu-prof', 'test-results/profiles')) : null;
/** Extra node flags for both proxies, e.g. --node-flags "--trace-gc" (their stderr is kept in DIR/NAME.stderr with --cpu-prof). */
const nodeFlags = opt('node-flags', '').split(' ').filter(Boolean);
const log = (s: string) => process.stderr.write(`${s}\n`);

/** A Switchyard proxy process, optionally inspecting and/or profiled. */
async function startSwitchyard(name: 'switchyard' | 'inspect', upPort: number): Promise<Target & { proc: Proc }> {
  const { freePort } = await import('../test/helpers/ports.ts');
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-prof-'));
  const file = join(dir, 'switchyard.json');
  await writeFile(file, JSON.stringify(switchyardConfig(port, upPort, upPort)));
  const prof = profDir ? ['--cpu-prof', '--cpu-prof-dir', join(profDir, name)] : [];
  const proc = await spawnNode([...prof, ...nodeFlags, join(ROOT, 'bin', 'switchyard.js'), 'serve', '--config', file, ...(name === 'inspect' ? ['--inspect'] : [])], 30_000);
  return {
    proc, name, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/ws`, memPid: async () => proc.pid, gcable: false, gcLines: [],
    stderr: proc.stderr, died: () => null,
    stop: async () => {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
      if (profDir) await writeFile(join(profDir, `${name}.stderr`), proc.stderr());
    },
  };
}

async function main() {
  const up = await spawnNode(['--import', 'tsx', join(BENCH_DIR, 'upstream-ws.ts')]);
  const targets: Target[] = [];
  try {
    targets.push(await startSwitchyard('switchyard', up.port), await startSwitchyard('inspect', up.port));
    if (withNginx) {
      const ng = await startTarget('nginx', { ws: up, http: up, stop: async () => {} });
      if (!ng.ok) throw new Error(`nginx: ${ng.error}`);
      targets.push(ng.target);
    }
    const runs: Record<number, Partial<Record<TargetName, number[]>>> = {};
    const cpu: Record<number, Partial<Record<TargetName, number[]>>> = {};
    for (let round = 1; round <= rounds; round++) {
      for (const size of sizes) {
        const order = round % 2 ? targets : [...targets].reverse();
        const line: string[] = [];
        for (const t of order) {
          const pid = await t.memPid();
          const cpu0 = pid ? cpuTimeUs(pid).total : 0;
          const r = await runLoad('ws-load.ts', { mode: 'throughput', url: t.ws, conns: 20, window: 32, size, durationMs: seconds * 1000, warmupMs: 500 }, seconds * 1000 + 30_000);
          if (r.error) throw new Error(`${t.name} ${size} B: ${String(r.error)}`);
          // whole run (warm-up and drain included) over the messages counted: an estimate, same for all
          const us = pid ? (cpuTimeUs(pid).total - cpu0) / (Number(r.messages) * (1 + 0.5 / seconds)) : NaN;
          ((runs[size] ??= {})[t.name] ??= []).push(Number(r.msgsPerSec));
          ((cpu[size] ??= {})[t.name] ??= []).push(us);
          line.push(`${t.name} ${Math.round(Number(r.msgsPerSec))} (${us.toFixed(1)} µs cpu/msg)`);
        }
        const per = runs[size]!;
        log(`round ${round} ${String(size).padStart(5)} B: ${line.join(', ')}  on/off ${(per.inspect!.at(-1)! / per.switchyard!.at(-1)!).toFixed(2)}`);
      }
    }
    const summary: Record<string, unknown> = {};
    for (const size of sizes) {
      const per = runs[size]!;
      const ratios = per.inspect!.map((v, i) => v / per.switchyard![i]!);
      summary[size] = {
        off: Math.round(median(per.switchyard!)), on: Math.round(median(per.inspect!)), ...(per.nginx ? { nginx: Math.round(median(per.nginx)) } : {}),
        cpuUsPerMsg: Object.fromEntries(Object.entries(cpu[size]!).map(([k, v]) => [k, Number(median(v).toFixed(2))])),
        onOffMedian: Number(median(ratios).toFixed(3)), onOffRounds: ratios.map((r) => Number(r.toFixed(2))),
        ...(per.nginx ? { onNginxMedian: Number(median(per.inspect!.map((v, i) => v / per.nginx![i]!)).toFixed(3)) } : {}),
      };
    }
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    for (const t of targets) await t.stop().catch(() => {});
    await up.stop();
    if (profDir) log(`cpu profile(s) in ${profDir}`);
  }
}

await main();
