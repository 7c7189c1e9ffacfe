// HAR export and import in the browser UI, end to end: the real engine and web host, a real `ws`
// echo upstream and an HTTP upstream, real clients through the proxy, Chromium. Export from the
// Sessions toolbar, a session's header and the HTTP log (the download parsed), import that file
// through the file input (banner, sessions, a whole payload in frame detail, the HTTP log, live-only
// actions hidden, live traffic kept underneath), back to live, and a bad file refused by name.
// Screenshots (light and dark) go to test-results/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import WebSocket from 'ws';
import type { Download, Page } from 'playwright-core';
import { startHttpUpstream, startWsUpstream, type Upstream } from '../helpers/upstreams.ts';
import { freePort } from '../helpers/ports.ts';
import { send } from '../helpers/client.ts';
import { startUiHost, type UiHost } from './ui-host.ts';

let ui: UiHost | undefined;
let echo: Upstream;
let web: Upstream;
let proxyPort: number;
const tmp = mkdtempSync(join(tmpdir(), 'switchyard-har-e2e-'));

before(async () => {
  [echo, web, proxyPort] = await Promise.all([startWsUpstream('echo'), startHttpUpstream('web'), freePort()]);
  ui = await startUiHost({
    schemaVersion: 1,
    upstreams: [{ name: 'echo', servers: [{ address: `127.0.0.1:${echo.port}` }] }, { name: 'web', servers: [{ address: `127.0.0.1:${web.port}` }] }],
    servers: [{
      listen: [{ address: `127.0.0.1:${proxyPort}` }],
      locations: [{ name: 'chat', path: '/ws/', proxyPass: 'http://echo', websocket: true }, { name: 'api', path: '/api/', proxyPass: 'http://web' }],
    }],
  });
}, { timeout: 120_000 });

after(async () => {
  await ui?.close();
  await echo?.close();
  await web?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A client through the proxy: sends each message, waits for its echo. */
async function session(path: string, messages: Array<string | Buffer>): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}${path}`);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  for (const m of messages) {
    const echoed = new Promise((resolve) => ws.once('message', resolve));
    ws.send(m);
    await echoed;
  }
  return ws;
}

interface HarFile { log: { creator: { name: string }; entries: Array<{ request: { url: string }; _resourceType?: string; _webSocketMessages?: Array<{ type: string; opcode: number; data: string }> }> } }
async function download(page: Page, click: () => Promise<void>): Promise<{ name: string; path: string; har: HarFile }> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]) as [Download, void];
  const path = join(tmp, d.suggestedFilename());
  await d.saveAs(path);
  return { name: d.suggestedFilename(), path, har: JSON.parse(readFileSync(path, 'utf8')) as HarFile };
}

const LONG = JSON.stringify({ kind: 'snapshot', rows: Array.from({ length: 120 }, (_, i) => ({ id: i, name: `row ${i}`, state: i % 2 ? 'open' : 'closed' })) });
const BINARY = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));

test('export HAR from the UI, import it back, view it instead of live traffic, go back; a bad file changes nothing', { timeout: 120_000 }, async () => {
  const chat = await session('/ws/chat?room=har', ['hello', LONG, BINARY]);
  chat.close();
  assert.equal((await send(`http://127.0.0.1:${proxyPort}/api/hello?x=1`)).status, 200);
  const { context, page, errors } = await ui!.open();
  try {
    await page.locator('[data-tab="sessions"]').click();
    const row = page.locator('tr[data-state="closed"]').filter({ hasText: '/ws/chat?room=har' });
    await row.waitFor();
    const liveId = Number((await row.getAttribute('data-testid'))!.replace('session-', ''));
    await ui!.shot(page, 'har-sessions-toolbar');

    // Export: the Sessions toolbar (everything kept)
    const all = await download(page, () => page.getByTestId('sessions-filter').locator('..').getByTestId('har-export').click());
    assert.match(all.name, /^switchyard-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.har$/);
    assert.equal(all.har.log.creator.name, 'Switchyard');
    const ws = all.har.log.entries.filter((e) => e._resourceType === 'websocket');
    const http = all.har.log.entries.filter((e) => e._resourceType !== 'websocket');
    const chatEntry = ws.find((e) => e.request.url.endsWith('/ws/chat?room=har'));
    assert.ok(chatEntry, 'the session is in the file');
    const sent = chatEntry._webSocketMessages!.filter((m) => m.type === 'send' && m.opcode !== 8); // (and the client's Close)
    assert.deepEqual(sent.map((m) => m.opcode), [1, 1, 2]);
    assert.equal(sent[1]!.data, LONG, 'a whole text message');
    assert.equal(sent[2]!.data, BINARY.toString('base64'), 'binary as base64');
    assert.equal(chatEntry._webSocketMessages!.filter((m) => m.type === 'receive' && m.opcode !== 8).length, 3, 'the echoes');
    assert.ok(http.some((e) => e.request.url.endsWith('/api/hello?x=1')), 'the HTTP exchange is in the file');

    // Export: one session, from its header
    await row.click();
    const one = await download(page, () => page.getByTestId('session-detail').getByTestId('har-export').click());
    assert.equal(one.name, `switchyard-session-${liveId}.har`);
    assert.equal(one.har.log.entries.length, 1);
    await page.keyboard.press('Escape');

    // Export: the HTTP log toolbar (the same export)
    await page.locator('[data-tab="http"]').click();
    await page.locator('tr[data-testid^="exchange-"]').filter({ hasText: '/api/hello?x=1' }).waitFor();
    const fromLog = await download(page, () => page.getByTestId('har-export').click());
    assert.equal(fromLog.har.log.entries.length, all.har.log.entries.length);

    // Import what was exported
    await page.locator('[data-tab="sessions"]').click();
    await page.getByTestId('har-import-file').setInputFiles(all.path);
    const banner = page.getByTestId('har-banner');
    await banner.waitFor();
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    assert.match(await banner.innerText(), new RegExp(`Viewing ${all.name.replace(/\./g, '\\.')} \\(Switchyard\\): ${plural(ws.length, 'session')}, ${plural(http.length, 'exchange')}`));
    assert.equal(await page.getByTestId('sessions-count').innerText(), `${ws.length} / ${ws.length}`);
    assert.equal(await page.getByTestId('har-export').count(), 0, 'no export of live traffic while a file is shown');

    // A live session opened meanwhile is recorded, not shown
    const later = await session('/ws/later', ['while importing']);
    await page.waitForTimeout(300);
    assert.equal(await page.locator('tr[role="option"]').filter({ hasText: '/ws/later' }).count(), 0);

    const imported = page.locator('tr[role="option"]').filter({ hasText: '/ws/chat?room=har' });
    await imported.click();
    const detail = page.getByTestId('session-detail');
    await detail.getByTestId('session-imported').waitFor();
    assert.match(page.url(), /#\/sessions$/, "a file's session is not put in the URL: a reload shows live traffic, where its number is another session's");
    for (const live of ['close-session', 'composer', 'har-export']) assert.equal(await detail.getByTestId(live).count(), 0, `${live} is hidden`);
    const frames = page.getByTestId('frame-log').locator('[role="option"]');
    const longRow = frames.and(page.locator('[data-from="client"][data-opcode="text"]')).nth(1);
    await longRow.click();
    const payload = page.getByTestId('frame-payload');
    await payload.getByText('"row 119"', { exact: false }).waitFor();
    const shown = (await payload.locator('pre').innerText()).trim();
    assert.equal(shown, LONG, 'the whole message, not the 512-character preview');
    await ui!.shot(page, 'import-view');
    await frames.and(page.locator('[data-from="client"][data-opcode="binary"]')).click();
    await page.getByTestId('frame-payload').and(page.locator('[data-tab="hex"]')).waitFor();
    assert.equal(await payload.locator('.hexrow').count(), Math.ceil(BINARY.length / 16), 'every byte in the hex dump');
    await ui!.shot(page, 'import-view-binary');

    await page.locator('[data-tab="http"]').click();
    await page.getByTestId('har-banner').waitFor();
    await page.locator('tr[data-testid^="exchange-"]').filter({ hasText: '/api/hello?x=1' }).click();
    await page.getByTestId('exchange-detail').getByText('imported from HAR', { exact: false }).waitFor();
    assert.equal(await page.getByTestId('exchange-request-line').innerText(), 'GET /api/hello?x=1 HTTP/1.1', 'the request line, its version from the file');
    await ui!.shot(page, 'import-http');

    // Back to live traffic: the live rows, with the one opened meanwhile
    await page.getByTestId('har-back-live').click();
    await page.getByTestId('har-banner').waitFor({ state: 'detached' });
    await page.locator('[data-tab="sessions"]').click();
    await page.locator('tr[data-state="open"]').filter({ hasText: '/ws/later' }).waitFor();
    await page.getByTestId(`session-${liveId}`).waitFor();
    later.close();

    // A bad file: the service's message, naming the field; nothing changes
    const before = await page.getByTestId('sessions-count').innerText();
    await page.getByTestId('har-import-file').setInputFiles({ name: 'bad.har', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ log: { version: '2.0', creator: { name: 'x' }, entries: [] } })) });
    const err = page.getByTestId('har-import-error');
    await err.waitFor();
    assert.match(await err.innerText(), /Could not import bad\.har: log\.version: HAR 1\.x expected/);
    assert.equal(await page.getByTestId('har-banner').count(), 0, 'still live');
    assert.equal(await page.getByTestId('sessions-count').innerText(), before);
    await ui!.shot(page, 'import-error');

    // Dark theme: the imported view
    const dark = await ui!.open({ colorScheme: 'dark' });
    await dark.page.locator('[data-tab="sessions"]').click();
    await dark.page.getByTestId('har-import-file').setInputFiles(all.path);
    await dark.page.locator('tr[role="option"]').filter({ hasText: '/ws/chat?room=har' }).click();
    await dark.page.getByTestId('frame-log').locator('[role="option"][data-from="upstream"][data-opcode="text"]').nth(1).click();
    await dark.page.getByTestId('frame-payload').getByText('"row 119"', { exact: false }).waitFor();
    await ui!.shot(dark.page, 'import-view-dark');
    assert.deepEqual(dark.errors, [], 'no page errors (dark)');
    await dark.context.close();
  } catch (e) {
    await ui!.shot(page, 'har-failure');
    throw e;
  }
  assert.deepEqual(errors, [], 'no page errors (a CSP violation would show here)');
  await context.close();
});
