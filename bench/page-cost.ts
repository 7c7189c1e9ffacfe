// What an open UI page costs the proxy: `switchyard ui`'s CPU per echoed WebSocket message (20
// connections, as `npm run bench`) with no page, with a page on the Sessions screen and no session
// open, and with one (idle) session open, three rounds each, in Debian's chromium. A tool for work on
// the feed (bench/HISTORY.md, "The UI page's cost"), not part of `npm run bench`.
// Usage: node --import tsx bench/page-cost.ts [ROOT (a checkout with its renderer built; this one)] [SIZE (64)]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer, WebSocket } from 'ws';
import { chromium } from 'playwright-core';
import { ROOT, runLoad, cpuTimeUs } from './targets.ts';
import { freePort } from '../test/helpers/ports.ts';

const [root = ROOT, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg ?? 64);
const echo = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
echo.on('connection', (ws) => ws.on('message', (d, bin) => ws.send(d, { binary: bin })));
await new Promise((r) => echo.once('listening', r));
const upPort = (echo.address() as { port: number }).port;
const port = await freePort();
const dir = mkdtempSync(join(tmpdir(), 'pagecost-'));
writeFileSync(join(dir, 'c.json'), JSON.stringify({ schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${upPort}` }] }] }));
const ui = spawn(process.execPath, [join(root, 'bin', 'switchyard.js'), 'ui', '--config', join(dir, 'c.json')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
const url = await new Promise<string>((resolve) => ui.stdout!.on('data', (d) => { out += d; const m = /Switchyard UI: (\S+)/.exec(out); if (m) resolve(m[1]!); }));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
const measure = async (label: string) => {
  const res: number[] = [];
  for (let r = 0; r < 3; r++) {
    const c0 = cpuTimeUs(ui.pid!).total;
    const x = await runLoad('ws-load.ts', { mode: 'throughput', url: `ws://127.0.0.1:${port}/ws`, conns: 20, window: 32, size, durationMs: 3000, warmupMs: 500 }, 40_000);
    const msgs = Number(x.messages) * (1 + 0.5 / 3);
    res.push((cpuTimeUs(ui.pid!).total - c0) / msgs);
  }
  console.log(`${label}: ${res.map((v) => v.toFixed(1)).join(' / ')} µs of proxy CPU per echoed ${size} B message`);
};
await measure('no page');
const page = await (await browser.newContext()).newPage();
await page.goto(`${url}#/sessions`);
await page.getByTestId('status-bar').waitFor();
await measure('page, no session open');
// one long-lived session to open
const keep = new WebSocket(`ws://127.0.0.1:${port}/ws`);
await new Promise((r) => keep.once('open', r));
keep.send('hello');
await page.locator('tbody tr').first().click();
await page.getByTestId('frame-log').waitFor();
await measure('page, one idle session open');
keep.terminate();
await browser.close();
ui.kill('SIGTERM');
echo.close();
process.exit(0);
