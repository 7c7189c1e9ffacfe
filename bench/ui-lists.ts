// The sessions list and the HTTP log while traffic flows, measured in Chromium: `node --import tsx
// bench/ui-lists.ts [--quick]` (bench/run.ts runs it as a section). This process runs `switchyard
// ui` (engine, service, web host, a fresh renderer build: test/e2e/ui-host.ts), a `ws` echo upstream
// and an HTTP upstream, and drives the traffic itself. Each list is filled to what the UI keeps (500
// closed sessions and 30 live ones; 2,000 exchanges), then, with the list on screen and the pointer
// off it, traffic changes it for a while: the live sessions each send 10 messages a second (their
// counters change in every feed batch), 5 sessions a second open and close, 20 requests a second
// arrive. Measured in the page: long tasks (PerformanceObserver 'longtask': main-thread tasks over
// 50 ms) and animation frame times (requestAnimationFrame deltas).
// Prints a markdown table, then one JSON line (the last line: what bench/run.ts reads).
import http from 'node:http';
import WebSocket from 'ws';
import { startWsUpstream } from '../test/helpers/upstreams.ts';
import { freePort } from '../test/helpers/ports.ts';
import { startUiHost, type UiHost } from '../test/e2e/ui-host.ts';
import { frameStats } from './stats.ts';

const quick = process.argv.includes('--quick') || (JSON.parse(process.argv.slice(2).find((x) => x.startsWith('{')) ?? '{}') as { quick?: boolean }).quick === true;
const P = { closed: 500, live: 30, exchanges: 2000, seconds: quick ? 3 : 8, messagesPerSec: 10, sessionsPerSec: 5, requestsPerSec: 20 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => process.stderr.write(`  ${s}\n`);

interface Phase { list: string; rows: string; longTasks: number; longTaskMs: number; longestTaskMs: number; frames: number; frameP50: number; frameP95: number; frameMax: number; over50: number }

// (in the page: what the observer and the frame loop collected since `start`)
const START = `(() => { const w = window; w.__m = { tasks: [], deltas: [], on: true };
  new PerformanceObserver((l) => { for (const e of l.getEntries()) w.__m.tasks.push(e.duration); }).observe({ type: 'longtask' });
  let last = performance.now(); const loop = (t) => { w.__m.deltas.push(t - last); last = t; if (w.__m.on) requestAnimationFrame(loop); };
  requestAnimationFrame((t) => { last = t; requestAnimationFrame(loop); }); })()`;
const STOP = `(() => { window.__m.on = false; return JSON.stringify(window.__m); })()`;

async function main() {
  const ws = await startWsUpstream('echo');
  const httpUp = http.createServer((_q, s) => s.end('{"ok":true}'));
  await new Promise<void>((r) => httpUp.listen(0, '127.0.0.1', r));
  const port = await freePort();
  let ui: UiHost | null = null;
  const live: WebSocket[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  try {
    ui = await startUiHost({
      schemaVersion: 1,
      upstreams: [{ name: 'echo', servers: [{ address: `127.0.0.1:${ws.port}` }] }],
      servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [
        { path: '/ws/', proxyPass: 'http://echo', websocket: true },
        { path: '/api/', proxyPass: `http://127.0.0.1:${(httpUp.address() as { port: number }).port}` },
      ] }],
    });
    const open = async (path: string) => {
      const c = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false });
      c.on('error', () => {});
      await new Promise((resolve, reject) => { c.once('open', resolve); c.once('error', reject); });
      return c;
    };
    const openClose = async (path: string) => {
      const c = await open(path);
      await new Promise((resolve) => { c.once('close', resolve); c.close(); });
    };
    const get = (path: string) => new Promise<void>((resolve) => {
      http.get({ host: '127.0.0.1', port, path, agent }, (res) => res.resume().on('end', resolve)).on('error', () => resolve());
    });
    for (let i = 0; i < P.closed; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => openClose(`/ws/closed-${i + j}`)));
    for (let i = 0; i < P.live; i++) live.push(await open(`/ws/live-${i}`));
    for (let i = 0; i < P.exchanges; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => get(`/api/fill-${i + j}`)));

    const { page, context } = await ui.open();
    const phases: Phase[] = [];
    for (const [list, hash, count] of [['Sessions list', 'sessions', 'sessions-count'], ['HTTP log', 'http', 'http-count']] as const) {
      await page.goto(`${ui.host.url}#/${hash}`);
      await page.getByTestId(count).waitFor();
      await sleep(1000);
      const rows = await page.getByTestId(count).innerText();
      await page.evaluate(START);
      // 10 ticks a second: every live session sends, every other tick a session opens and closes, 2 requests
      const end = Date.now() + P.seconds * 1000;
      for (let tick = 0; Date.now() < end; tick++) {
        for (const c of live) c.send(JSON.stringify({ tick, pad: 'x'.repeat(40) }));
        if (tick % 2 === 0) void openClose(`/ws/churn-${tick}`).catch(() => {});
        void get(`/api/churn-${tick}-a`);
        void get(`/api/churn-${tick}-b`);
        await sleep(100);
      }
      await sleep(300);
      const m = JSON.parse(await page.evaluate(STOP) as string) as { tasks: number[]; deltas: number[] };
      const f = frameStats(m.deltas);
      const phase: Phase = {
        list, rows, longTasks: m.tasks.length, longTaskMs: m.tasks.reduce((s, x) => s + x, 0), longestTaskMs: Math.max(0, ...m.tasks),
        frames: f.frames, frameP50: f.p50, frameP95: f.p95, frameMax: f.max, over50: f.over50,
      };
      log(`${list} (${rows}): ${phase.longTasks} long tasks, ${Math.round(phase.longTaskMs)} ms in ${P.seconds} s (longest ${Math.round(phase.longestTaskMs)} ms); frames p50 ${phase.frameP50.toFixed(1)} / max ${phase.frameMax.toFixed(1)} ms`);
      phases.push(phase);
    }
    await context.close();
    return { seconds: P.seconds, phases };
  } finally {
    for (const c of live) c.terminate();
    agent.destroy();
    await ui?.close();
    await ws.close();
    httpUp.close();
  }
}

const f1 = (x: number) => (!Number.isFinite(x) ? '–' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
export function markdown(r: { seconds: number; phases: Phase[] }): string {
  return [
    `### UI lists under traffic in Chromium (bench/ui-lists.ts${quick ? ', --quick' : ''})`,
    '',
    `Each list full (${P.closed} closed and ${P.live} live sessions; ${P.exchanges.toLocaleString('en-US')} exchanges) and on screen for ${r.seconds} s while the ${P.live} live sessions send ${P.messagesPerSec} messages/s each, ${P.sessionsPerSec} sessions/s open and close and ${P.requestsPerSec} requests/s arrive; headless Chromium 1280×760. Long tasks: main-thread tasks over 50 ms. Frame times: requestAnimationFrame deltas (p50 / p95 / max).`,
    '',
    '| List (shown / held) | Long tasks: count, total, longest | Animation frames |',
    '|---|---:|---:|',
    ...r.phases.map((p) => `| ${p.list} (${p.rows}) | ${p.longTasks}, ${f1(p.longTaskMs)} ms of ${r.seconds} s, longest ${f1(p.longestTaskMs)} ms | ${f1(p.frameP50)} / ${f1(p.frameP95)} / ${f1(p.frameMax)} ms; ${p.over50} of ${p.frames.toLocaleString('en-US')} over 50 ms |`),
  ].join('\n');
}

try {
  const r = await main();
  const md = markdown(r);
  process.stdout.write(`${md}\n${JSON.stringify({ ...r, markdown: md })}\n`);
  process.exit(0);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ error: e instanceof Error ? e.message : String(e) })}\n`);
  process.exit(1);
}
