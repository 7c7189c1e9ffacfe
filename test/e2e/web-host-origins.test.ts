// The loopback web host against a hostile page in a real browser (Debian's chromium): a page on
// another 127.0.0.1 port (a proxied app, another local server) after the user opened the UI. It
// must not learn the token (cookies on 127.0.0.1 reach every port) nor use the API or the feed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Browser } from 'playwright-core';
import { startWebHost, type WebHost } from '../../main/web/host.ts';
import { SwitchyardService } from '../../main/service/service.ts';
import { FakeEngine } from '../main/service/fake-engine.ts';
import { launchChromium } from './browser.ts';

// The functions that run in Chromium are strings here: this file is type-checked without the DOM lib.

let browser: Browser;
let host: WebHost;
let service: SwitchyardService;
let dir: string;
let hostile: http.Server;
let hostileBase: string;
/** Every request the hostile server saw: "METHOD url" and its Cookie header. */
const seen: Array<{ line: string; cookie: string }> = [];

/** The hostile page: asks its own server for Switchyard's asset path, then attacks the host. */
function hostilePage(victim: string, port: number): string {
  return `<!doctype html><img src="/__switchyard_assets/probe.png"><script>
  const out = {};
  const attempt = async (name, f) => { try { out[name] = await f(); } catch (e) { out[name] = 'refused: ' + e.name; } };
  (async () => {
    await attempt('textPlainPost', async () => (await fetch('${victim}/api/setDraft', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"draft":{"hostile":1}}' })).type);
    await attempt('corsPost', async () => (await fetch('${victim}/api/getConfig', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
    await attempt('page', async () => (await fetch('${victim}/', { credentials: 'include' })).status);
    await attempt('feed', () => new Promise((ok) => {
      const ws = new WebSocket('ws://127.0.0.1:${port}/feed', ['switchyard']);
      ws.onopen = () => ok('open');
      ws.onerror = () => ok('refused');
    }));
    window.results = out;
  })();
  </script>`;
}

before(async () => {
  browser = await launchChromium();
  dir = mkdtempSync(join(tmpdir(), 'switchyard-renderer-'));
  mkdirSync(join(dir, '__switchyard_assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><title>t</title><link rel="stylesheet" href="/__switchyard_assets/app.css"></head><body>ui</body></html>');
  writeFileSync(join(dir, '__switchyard_assets', 'app.css'), 'body { color: rgb(1, 2, 3) }');
  const engine = new FakeEngine();
  service = await SwitchyardService.create(engine.asEngine(), { initialDraft: { schemaVersion: 1 }, frameTap: null });
  host = await startWebHost({ service, rendererDir: dir });
  hostile = http.createServer((req, res) => {
    seen.push({ line: `${req.method} ${req.url}`, cookie: req.headers.cookie ?? '' });
    if (req.url !== '/') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html' }).end(hostilePage(`http://127.0.0.1:${host.port}`, host.port));
  });
  await new Promise<void>((ok) => hostile.listen(0, '127.0.0.1', ok));
  hostileBase = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
});

after(async () => {
  await browser?.close();
  hostile?.close();
  service?.close();
  await host?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a page on another 127.0.0.1 port never receives the token, nor uses the API or the feed', { timeout: 60_000 }, async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    assert.equal((await page.goto(host.url))?.status(), 200);
    assert.equal(await page.evaluate('getComputedStyle(document.body).color'), 'rgb(1, 2, 3)', 'the page got its assets');

    await page.goto(`${hostileBase}/`);
    const results = await page.waitForFunction('window.results', null, { timeout: 10_000 }).then((h) => h.jsonValue());
    const leaked = seen.filter((s) => s.cookie.includes(host.token) || s.line.includes(host.token));
    assert.deepEqual(leaked, [], 'the token reached another port');
    assert.deepEqual(results, { textPlainPost: 'refused: TypeError', corsPost: 'refused: TypeError', page: 'refused: TypeError', feed: 'refused' });

    // a form post is a navigation: the browser shows the refusal, and nothing changed
    await page.setContent(`<form method="post" enctype="text/plain" action="http://127.0.0.1:${host.port}/api/setDraft"><input name='{"draft":{"hostile":1},"x":"' value='"}'></form>`);
    const [answer] = await Promise.all([page.waitForNavigation(), page.evaluate('document.forms[0].submit()')]);
    assert.ok([401, 403, 415].includes(answer!.status()), `form post answered ${answer!.status()}`);
    const state = await service.handle('getConfig', {});
    assert.ok(state.ok);
    assert.deepEqual((state.value as { draft: unknown }).draft, { schemaVersion: 1 }, 'the draft is untouched');
  } finally {
    await context.close();
  }
});
