// Idle memory per WebSocket connection: the proxy process's VmRSS (nginx: its one worker) before and
// after N idle connections are open through it, divided by N. Node proxies get a forced full GC
// (SIGUSR2 → gc-signal.mjs) before each reading, which also reports heap numbers on stderr.
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { createInterface } from 'node:readline';
import { runLoad, spawnLoad, type Target } from './targets.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** The (single) child of a process, e.g. nginx's worker under its master. */
export async function childPid(parent: number): Promise<number> {
  const viaProc = await readFile(`/proc/${parent}/task/${parent}/children`, 'utf8').catch(() => '');
  const fromProc = viaProc.trim().split(/\s+/).filter(Boolean).map(Number);
  if (fromProc.length) return fromProc[0]!;
  const out = await new Promise<string>((resolve, reject) =>
    execFile('pgrep', ['-P', String(parent)], (err, stdout) => (err ? reject(new Error(`no child of pid ${parent}`)) : resolve(stdout))));
  const pid = Number(out.trim().split(/\s+/)[0]);
  if (!pid) throw new Error(`no child of pid ${parent}`);
  return pid;
}

interface GcReport { heapUsed: number; external: number; arrayBuffers: number; rss: number }

/** Ask a gc-signal.mjs process for a full GC; resolve with its memoryUsage() (or null). */
async function forceGc(t: Target, pid: number): Promise<GcReport | null> {
  if (!t.gcable) return null;
  const before = t.gcLines.length;
  process.kill(pid, 'SIGUSR2');
  const until = Date.now() + 3000;
  while (Date.now() < until) {
    if (t.gcLines.length > before) {
      await sleep(300); // let freed pages be returned before VmRSS is read
      try { return JSON.parse(t.gcLines[t.gcLines.length - 1]!) as GcReport; } catch { return null; }
    }
    await sleep(20);
  }
  return null;
}

export interface IdleResult {
  conns: number;
  failed: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  kibPerConn: number;
  /** Node proxies: (heapUsed + external) delta per connection after GC, KiB. */
  heapKiBPerConn?: number;
  openMs: number;
  error?: string;
}

export async function measureIdle(t: Target, opts: { conns: number; batch: number; settleMs: number }): Promise<IdleResult | { error: string } | null> {
  const pid = await t.memPid();
  if (pid === null) return null;
  // Warm the WebSocket path (lazy code, JIT, buffers) so the baseline is not a cold process.
  await runLoad('ws-load.ts', { mode: 'latency', url: t.ws, conns: 20, size: 64, samples: 400, maxMs: 5000, warmupMs: 0 }, 20_000);
  await sleep(500);
  const gcBefore = await forceGc(t, pid);
  const rssBeforeKiB = await rssKiB(pid);

  const child = spawnLoad('ws-load.ts', { mode: 'idle', url: t.ws, conns: opts.conns, batch: opts.batch });
  const lines = createInterface({ input: child.stdout! });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const next = () => new Promise<Record<string, unknown>>((resolve) => {
    const onLine = (l: string) => { try { const o = JSON.parse(l); lines.off('line', onLine); resolve(o); } catch { /* not ours */ } };
    lines.on('line', onLine);
    child.once('exit', () => resolve({ error: 'ws-load exited' }));
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  try {
    const ready = await next();
    if (ready.error) return { error: String(ready.error) };
    await sleep(opts.settleMs);
    const gcAfter = await forceGc(t, pid);
    const rssAfterKiB = await rssKiB(pid);
    const opened = Number(ready.opened);
    child.stdin!.write('close\n');
    const closed = await next();
    await exited;
    const r: IdleResult = {
      conns: opened,
      failed: Number(ready.failed),
      rssBeforeKiB,
      rssAfterKiB,
      kibPerConn: opened ? (rssAfterKiB - rssBeforeKiB) / opened : NaN,
      openMs: Number(ready.ms),
    };
    if (gcBefore && gcAfter && opened) r.heapKiBPerConn = (gcAfter.heapUsed + gcAfter.external - gcBefore.heapUsed - gcBefore.external) / 1024 / opened;
    if (r.failed) r.error = `${r.failed} connections failed: ${String(ready.firstError)}`;
    else if (Number(closed.stillOpen) < opened) r.error = `${opened - Number(closed.stillOpen)} connections dropped while idle`;
    return r;
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null) child.kill('SIGKILL');
    await sleep(1000); // let the proxy tear the sessions down before the next measurement
  }
}
