// The frame log with 100,000 frames, measured in Chromium: `node --import tsx bench/ui-frame-log.ts
// [--quick]` (bench/run.ts runs it as a section). This process runs the Engine, the UI's service
// (frame log capped at 100,000 rows per session) and the loopback web host with a fresh renderer
// build; a ws echo upstream and a traffic client (bench/ui-frame-traffic.ts) run as their own
// processes and put 100,000 real frames through the engine into one session. Chromium (Debian's,
// through playwright-core) then opens the session and we measure:
//   - time to first render of the frame log (fetch + parse + render of 100,000 rows);
//   - frame times (requestAnimationFrame deltas: p50 / p95 / max, frames over 50 ms) while the list
//     is scrolled programmatically from the first row to the last, while the live feed appends
//     (following the tail, at the 100,000 cap), and while a filter runs over every row;
//   - the page's JS heap after a full GC (empty, loaded, after appending).
// Prints a markdown table, then one JSON line (the last line: what bench/run.ts reads).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Engine } from '../main/engine/engine.ts';
import { SwitchyardService } from '../main/service/service.ts';
import { startWebHost, type WebHost } from '../main/web/host.ts';
import { buildRenderer, launchChromium } from '../test/e2e/browser.ts';
import { freePort } from '../test/helpers/ports.ts';
import { BENCH_DIR, spawnLoad, spawnNode, switchyardConfig, type Proc } from './targets.ts';
import { frameStats, type FrameStats } from './stats.ts';

const arg = JSON.parse(process.argv.slice(2).find((x) => x.startsWith('{')) ?? '{}') as { quick?: boolean };
const quick = arg.quick === true || process.argv.includes('--quick');
const P = {
  frames: 100_000,
  /** Bytes per message (JSON text like an app's updates). */
  size: 48,
  /** Pixels scrolled per animation frame (rows are 20 px): a fast fling through the whole list. */
  scrollPx: quick ? 8000 : 2000,
  streamRate: 1000,
  streamS: quick ? 2 : 5,
};
const ROW_PX = 20;

// The page's globals for the functions that run in Chromium (page.evaluate): this file is checked
// with Node's types, without the DOM lib, so they are declared here, local to this module.
interface PageElement {
  scrollTop: number; clientHeight: number; scrollHeight: number; textContent: string | null;
  getAttribute(name: string): string | null; closest(selector: string): PageElement | null;
  getBoundingClientRect(): { left: number; top: number }; querySelectorAll(s: string): ArrayLike<PageElement>;
}
declare const document: { querySelector(s: string): PageElement | null; querySelectorAll(s: string): ArrayLike<PageElement>; elementFromPoint(x: number, y: number): PageElement | null };
declare const window: unknown;
declare function requestAnimationFrame(cb: (t: number) => void): number;
const log = (s: string) => process.stderr.write(`  ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A line-oriented child (the traffic client): waits for its JSON events. */
function trafficClient(url: string, fill: number) {
  const child = spawnLoad('ui-frame-traffic.ts', { url, fill, size: P.size });
  const events: Array<Record<string, unknown>> = [];
  let partial = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err = (err + d).slice(-2000); });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop()!;
    for (const l of lines) if (l.trim()) events.push(JSON.parse(l) as Record<string, unknown>);
  });
  const next = async (event: string, timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const i = events.findIndex((e) => e.event === event || e.error);
      if (i >= 0) {
        const [e] = events.splice(i, 1);
        if (e!.error) throw new Error(`traffic client: ${String(e!.error)}`);
        return e!;
      }
      if (child.exitCode !== null || Date.now() > end) throw new Error(`traffic client: no "${event}" (${child.exitCode !== null ? `exited ${child.exitCode}` : 'timeout'})${err ? `: ${err.trim().split('\n').pop()}` : ''}`);
      await sleep(20);
    }
  };
  return {
    next,
    send: (line: string) => child.stdin!.write(`${line}\n`),
    stop: () => { if (child.exitCode === null) child.kill('SIGKILL'); },
  };
}

async function heapMB(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize / 1048576;
}

/** rAF deltas in the page from now until `stop` is called (returns them). */
async function recordFrames(page: Page): Promise<() => Promise<number[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { __frames: { on: boolean; deltas: number[] } };
    const rec = (w.__frames = { on: true, deltas: [] as number[] });
    let last = performance.now();
    const loop = (t: number) => {
      rec.deltas.push(t - last);
      last = t;
      if (rec.on) requestAnimationFrame(loop);
    };
    requestAnimationFrame((t) => { last = t; requestAnimationFrame(loop); });
  });
  return () => page.evaluate(() => {
    const w = window as unknown as { __frames: { on: boolean; deltas: number[] } };
    w.__frames.on = false;
    return w.__frames.deltas;
  });
}

async function measure(page: Page, host: WebHost, service: SwitchyardService, sessionId: number, traffic: ReturnType<typeof trafficClient>) {
  page.setDefaultTimeout(60_000);
  // tsx compiles this file with esbuild's keepNames: functions passed to page.evaluate call __name
  await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
  await page.goto(`${host.url}#/sessions`);
  const row = page.locator('tr[data-state="open"]').first();
  await row.waitFor();
  const heapEmpty = await heapMB(page);

  // Time to first render: click → the list shows rows and counts every frame.
  const want = P.frames.toLocaleString('en-US');
  const t0 = Date.now();
  await row.click();
  await page.waitForFunction((n) => document.querySelector('[data-testid="frame-count"]')?.textContent?.trim() === n
    && document.querySelectorAll('[data-testid="frame-log"] [role="option"]').length > 0, want, { polling: 'raf' });
  const firstRenderMs = Date.now() - t0;
  const fetch = await page.evaluate(() => {
    const e = performance.getEntriesByType('resource').filter((x) => x.name.endsWith('/api/session')).pop() as { duration: number; encodedBodySize: number } | undefined;
    return e ? { ms: e.duration, bytes: e.encodedBodySize } : null;
  });
  await sleep(500);
  const heapLoaded = await heapMB(page);
  log(`first render ${firstRenderMs} ms (fetch ${fetch ? Math.round(fetch.ms) : '?'} ms, ${fetch ? (fetch.bytes / 1048576).toFixed(1) : '?'} MB)`);

  // Scroll programmatically from the first row to the last, one step per animation frame.
  const scroll = await page.evaluate(async (px) => {
    const el = document.querySelector('[data-testid="frame-log"]')!;
    const raf = () => new Promise<number>((r) => requestAnimationFrame(r));
    el.scrollTop = 0;
    await raf();
    await raf();
    const deltas: number[] = [];
    let blank = 0;
    let last = await raf();
    const box = el.getBoundingClientRect();
    while (el.scrollTop + el.clientHeight < el.scrollHeight - 1) {
      el.scrollTop += px;
      const t = await raf();
      deltas.push(t - last);
      last = t;
      // by the next frame the rows for this position are rendered: no blank list
      const hit = document.elementFromPoint(box.left + 40, box.top + 5);
      if (!hit?.closest('[role="option"]')) blank++;
    }
    await raf();
    const rows = el.querySelectorAll('[role="option"]');
    return { deltas, blank, lastSeq: Number(rows[rows.length - 1]?.getAttribute('data-seq')), scrollHeight: el.scrollHeight };
  }, P.scrollPx);
  const newest = service.traffic.framesOf(sessionId)?.at(-1)?.seq;
  if (scroll.lastSeq !== newest) throw new Error(`after scrolling, the last row shown is #${scroll.lastSeq}, not the newest frame #${newest}`);
  if (scroll.scrollHeight < P.frames * ROW_PX) throw new Error(`the list is ${scroll.scrollHeight} px high, not ${P.frames} rows`);
  const scrollStats = frameStats(scroll.deltas);
  log(`scroll: ${scrollStats.frames} frames, p50 ${scrollStats.p50.toFixed(1)} ms, max ${scrollStats.max.toFixed(1)} ms, ${scroll.blank} blank`);

  // The feed appends while the log follows its tail (the store is at its 100,000 cap: it trims too).
  // (scrolling to the last row already resumed following; the button resumes it otherwise)
  if (await page.locator('[data-testid="frame-follow"][aria-pressed="false"]').count()) await page.getByTestId('frame-follow').click();
  await page.locator('[data-testid="frame-follow"][aria-pressed="true"]').waitFor();
  const stopAppend = await recordFrames(page);
  traffic.send(`stream ${P.streamRate} ${P.streamS}`);
  const streamed = await traffic.next('streamed', (P.streamS + 30) * 1000);
  await sleep(300);
  const appendStats = frameStats(await stopAppend());
  const tail = await page.evaluate(() => {
    const rows = document.querySelectorAll('[data-testid="frame-log"] [role="option"]');
    return { lastSeq: Number(rows[rows.length - 1]?.getAttribute('data-seq')), count: document.querySelector('[data-testid="frame-count"]')?.textContent?.trim() };
  });
  const newestAfter = service.traffic.framesOf(sessionId)?.at(-1)?.seq;
  if (tail.lastSeq !== newestAfter) throw new Error(`following: the last row shown is #${tail.lastSeq}, the newest frame is #${newestAfter}`);
  if (tail.count !== want) throw new Error(`the log holds ${tail.count} frames, not ${want}`);
  const heapAppended = await heapMB(page);
  log(`append: ${Number(streamed.messages) * 2} WebSocket frames in ${streamed.ms} ms, p50 ${appendStats.p50.toFixed(1)} ms, max ${appendStats.max.toFixed(1)} ms`);

  // A filter over every row: a substring, then a regular expression (typed, debounced).
  const filters: Record<string, { ms: number; maxFrame: number; shown: string }> = {};
  for (const [name, text, regex] of [['substring', 'heartbeat', false], ['regex', '"seq":\\d*7,', true]] as const) {
    await page.getByTestId('frame-filter-regex').setChecked(regex);
    const stop = await recordFrames(page);
    const t = Date.now();
    await page.getByTestId('frame-filter-text').fill(text);
    await page.waitForFunction(() => document.querySelector('[data-testid="frame-count"]')?.textContent?.includes('/'), undefined, { polling: 'raf' });
    const ms = Date.now() - t;
    await sleep(200);
    const d = frameStats(await stop());
    filters[name] = { ms, maxFrame: d.max, shown: (await page.getByTestId('frame-count').textContent())?.trim() ?? '' };
    await page.getByTestId('frame-filter-text').fill('');
    await page.waitForFunction(() => !document.querySelector('[data-testid="frame-count"]')?.textContent?.includes('/'), undefined, { polling: 'raf' });
  }
  log(`filters: ${Object.entries(filters).map(([k, v]) => `${k} ${v.ms} ms (max frame ${v.maxFrame.toFixed(0)} ms, ${v.shown})`).join('; ')}`);

  return {
    firstRenderMs, fetchMs: fetch?.ms ?? null, fetchBytes: fetch?.bytes ?? null,
    scroll: { ...scrollStats, blank: scroll.blank, pxPerFrame: P.scrollPx },
    append: { ...appendStats, wsFrames: Number(streamed.messages) * 2, ms: Number(streamed.ms), wsFramesPerSec: (Number(streamed.messages) * 2) / (Number(streamed.ms) / 1000) },
    filters,
    heapMB: { empty: heapEmpty, loaded: heapLoaded, appended: heapAppended, bytesPerFrame: ((heapLoaded - heapEmpty) * 1048576) / P.frames },
  };
}

type Result = Awaited<ReturnType<typeof measure>> & { fillMs: number };

const f1 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
function frameCell(s: FrameStats): string {
  return `${f1(s.p50)} / ${f1(s.p95)} / ${f1(s.max)} ms; ${s.over50} of ${s.frames.toLocaleString('en-US')} over 50 ms`;
}

export function markdown(r: Result): string {
  return [
    `### UI frame log: ${P.frames.toLocaleString('en-US')} frames in Chromium (bench/ui-frame-log.ts${quick ? ', --quick' : ''})`,
    '',
    `One session with ${P.frames.toLocaleString('en-US')} WebSocket frames (${(P.frames / 2).toLocaleString('en-US')} echoed ${P.size} B JSON messages through the engine, ${f1(r.fillMs / 1000)} s); headless Chromium 1280×800. Frame times are requestAnimationFrame deltas (p50 / p95 / max; animation frames over 50 ms of all).`,
    '',
    '| Measurement | Result |',
    '|---|---:|',
    `| Time to first render (open the session: fetch ${r.fetchBytes ? `${f1(r.fetchBytes / 1048576)} MB of` : ''} rows, parse, render) | ${f1(r.firstRenderMs)} ms (fetch ${f1(r.fetchMs)} ms) |`,
    `| Scroll through all rows, ${r.scroll.pxPerFrame.toLocaleString('en-US')} px per frame (${r.scroll.blank} blank frames) | ${frameCell(r.scroll)} |`,
    `| Feed appending ${f1(r.append.wsFramesPerSec)} WebSocket frames/s for ${f1(r.append.ms / 1000)} s, following the tail, at the cap | ${frameCell(r.append)} |`,
    ...Object.entries(r.filters).map(([k, v]) => `| Filter all rows, ${k} (typed → shown ${v.shown}, incl. 150 ms debounce) | ${f1(v.ms)} ms; longest frame ${f1(v.maxFrame)} ms |`),
    `| JS heap after GC: empty page / ${P.frames.toLocaleString('en-US')} frames / after appending | ${f1(r.heapMB.empty)} / ${f1(r.heapMB.loaded)} / ${f1(r.heapMB.appended)} MB (≈ ${f1(r.heapMB.bytesPerFrame)} B per frame) |`,
  ].join('\n');
}

async function main(): Promise<Result | { error: string }> {
  let browser: Browser | null = null;
  let rendererDir: string | null = null;
  let upstream: Proc | null = null;
  let traffic: ReturnType<typeof trafficClient> | null = null;
  const engine = new Engine();
  let service: SwitchyardService | null = null;
  let host: WebHost | null = null;
  try {
    browser = await launchChromium();
    log('building the renderer');
    [rendererDir, upstream] = await Promise.all([buildRenderer(), spawnNode(['--import', 'tsx', join(BENCH_DIR, 'upstream-ws.ts')])]);
    const port = await freePort();
    const config = switchyardConfig(port, upstream.port, upstream.port);
    const applied = await engine.apply(config);
    if (!applied.ok || !applied.listeners.some((l) => l.state === 'listening')) return { error: 'Switchyard did not start listening' };
    service = await SwitchyardService.create(engine, { initialDraft: config, initialApplied: true, limits: { framesPerSession: P.frames, framesTotal: 3 * P.frames } });
    if (!service.framesSupported) return { error: 'the frame tap is not available' };
    host = await startWebHost({ service, rendererDir });
    log(`sending ${(P.frames / 2).toLocaleString('en-US')} messages through the engine`);
    traffic = trafficClient(`ws://127.0.0.1:${port}/ws`, P.frames / 2);
    const filled = await traffic.next('filled', 180_000);
    const sessionId = engine.liveSessions()[0]?.id;
    if (sessionId === undefined) return { error: 'the traffic client\'s session is not open' };
    const end = Date.now() + 10_000;
    while ((service.traffic.framesOf(sessionId)?.length ?? 0) < P.frames && Date.now() < end) await sleep(20);
    const held = service.traffic.framesOf(sessionId)?.length ?? 0;
    if (held < P.frames) return { error: `the session logged ${held} frames, not ${P.frames}` };
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const r = await measure(page, host, service, sessionId, traffic);
    if (errors.length) return { error: `page errors: ${errors.join('; ')}` };
    traffic.send('close');
    return { ...r, fillMs: Number(filled.ms) };
  } catch (e) {
    return { error: (e as Error).message };
  } finally {
    traffic?.stop();
    await browser?.close().catch(() => {});
    await host?.close();
    service?.close();
    await engine.stop();
    await upstream?.stop();
    if (rendererDir) rmSync(rendererDir, { recursive: true, force: true });
  }
}

const r = await main();
if ('error' in r) process.stdout.write(`UI frame log: error: ${r.error}\n`);
else process.stdout.write(`\n${markdown(r)}\n\n`);
process.stdout.write(`${JSON.stringify('error' in r ? r : { ...r, markdown: markdown(r) })}\n`);
process.exit(0);
