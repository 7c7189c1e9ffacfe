// The UI end to end: the real engine and web host (via `switchyard ui`'s uiCommand), a real `ws`
// echo upstream, and Chromium clicking through the screens. Screenshots of each screen go to
// test-results/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { uiCommand } from '../../main/cli/ui.ts';
import type { WebHost } from '../../main/web/host.ts';
import type { SwitchyardService } from '../../main/service/service.ts';
import net from 'node:net';
import { startWsUpstream, refusedPort, type Upstream } from '../helpers/upstreams.ts';
import { freePort } from '../helpers/ports.ts';
import { send } from '../helpers/client.ts';
import { buildRenderer, launchChromium, screenshotDir } from './browser.ts';

let browser: Browser;
let rendererDir: string;
let upstream: Upstream;
let host: WebHost;
let service: SwitchyardService;
let proxyPort: number;
let stopUi: AbortController;
let uiDone: Promise<number>;
let tmp: string;
let printed = '';
const shots = screenshotDir();

before(async () => {
  browser = await launchChromium(); // first: no browser, nothing else started
  [rendererDir, upstream, proxyPort] = await Promise.all([buildRenderer(), startWsUpstream('echo'), freePort()]);
  tmp = mkdtempSync(join(tmpdir(), 'switchyard-ui-'));
  const configFile = join(tmp, 'switchyard.json');
  // A server with no routes yet: the test creates the upstream and the route in the UI.
  writeFileSync(configFile, JSON.stringify({ schemaVersion: 1, upstreams: [], servers: [{ listen: [{ address: `127.0.0.1:${proxyPort}` }], locations: [] }] }));
  stopUi = new AbortController();
  const stdout = new PassThrough();
  const ready = new Promise<WebHost>((resolve) => {
    stdout.on('data', (d) => (printed += String(d)));
    uiDone = uiCommand({ config: configFile, stdout, stderr: new PassThrough(), rendererDir, signal: stopUi.signal, onReady: (h, svc) => { service = svc; resolve(h); } });
  });
  host = await Promise.race([ready, uiDone.then((code) => { throw new Error(`ui exited with ${code}`); })]);
}, { timeout: 120_000 });

after(async () => {
  await browser?.close();
  stopUi?.abort();
  await uiDone;
  await upstream?.close();
  for (const d of [rendererDir, tmp]) if (d) rmSync(d, { recursive: true, force: true });
});

/** A fresh context and page at 1280×720, 10 s per action. */
async function newPage(opts: { colorScheme?: 'light' | 'dark' } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, ...opts });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return { context, page };
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

test('create an upstream and a WebSocket route, apply, watch a session live, close it, see the HTTP log', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage({ colorScheme: 'light' });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  assert.match(printed, new RegExp(`^Switchyard UI: http://127\\.0\\.0\\.1:${host.port}/\\?token=[A-Za-z0-9_-]{43}\\n`));
  const res = await page.goto(host.url);
  assert.equal(res?.status(), 200);
  // none at all: a cookie on 127.0.0.1 on any path reaches the proxied apps' ports too
  assert.deepEqual(await context.cookies(), [], 'no Switchyard cookie is sent to the proxied apps on 127.0.0.1');
  await page.getByTestId('status-bar').getByText('live', { exact: true }).waitFor();

  // Upstreams: an empty state first, then a group pointing at the echo server.
  await page.locator('[data-tab="upstreams"]').click();
  await page.getByTestId('upstreams-empty').waitFor();
  await page.getByTestId('add-upstream').click();
  await page.getByTestId('server-address-0').fill(`127.0.0.1:${upstream.port}`);
  await page.getByTestId('upstream-name').fill('echo');

  // Routes: a location on the server; a bad path shows its error next to the field as you type.
  await page.locator('[data-tab="routes"]').click();
  await page.getByTestId('add-location-0').click();
  await page.getByTestId('loc-path').fill('ws');
  await page.locator('[data-issue="servers[0].locations[0].path"]').getByText('must start with "/"').waitFor();
  assert.ok(await page.getByTestId('apply').isDisabled(), 'Apply is off while the draft is invalid');
  await shot(page, 'routes-validation');
  await page.getByTestId('loc-path').fill('/ws/');
  await page.getByTestId('loc-target').fill('http://echo');
  await page.getByTestId('loc-websocket').check();
  await page.getByTestId('loc-host-mode').selectOption('$host');
  await page.locator('[data-issue]').first().waitFor({ state: 'detached' });
  await page.getByTestId('apply').click();
  await page.getByTestId('draft-clean').waitFor();
  await shot(page, 'routes');

  await page.locator('[data-tab="upstreams"]').click();
  await page.getByTestId('upstream-0').click();
  await page.getByTestId('upstream-server-0').getByText('up', { exact: true }).waitFor();
  await shot(page, 'upstreams');

  // A real WebSocket client through the proxy.
  await page.locator('[data-tab="sessions"]').click();
  await page.getByTestId('sessions-empty').waitFor();
  // (it suggests a URL the running config proxies as WebSocket, not a path to fill in)
  await page.getByTestId('sessions-example').getByText(`websocat ws://127.0.0.1:${proxyPort}/ws/`, { exact: true }).waitFor();
  await shot(page, 'sessions-empty');
  const client = await openWs(`ws://127.0.0.1:${proxyPort}/ws/chat`);
  const echoed = new Promise<string>((resolve) => client.once('message', (d) => resolve(String(d))));
  client.send('hello through switchyard');
  assert.equal(await echoed, 'hello through switchyard');
  const seen = upstream.seen.find((s) => s.url === '/ws/chat');
  assert.ok(seen, 'the upstream got the upgrade');

  const row = page.locator('tr[data-state="open"]').filter({ hasText: '/ws/chat' });
  await row.waitFor();
  await row.click();
  await page.getByTestId('session-detail').waitFor();
  client.send('second message');
  if (service.framesSupported) {
    await page.getByTestId('frame-log').getByText('second message').first().waitFor();
  } else {
    await page.getByTestId('frames-unavailable').waitFor();
  }
  await page.waitForTimeout(1200); // byte counters refresh about once a second
  await shot(page, 'sessions');
  await shot(page, 'session-detail');

  // Close it from the UI with a code: the client sees its connection end.
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  await page.getByTestId('close-code').fill('1001');
  await page.getByTestId('close-session').click();
  await closed;
  await page.locator('tr[data-state="closed"]').filter({ hasText: '/ws/chat' }).waitFor();
  await page.getByTestId('session-detail').getByText('code 1001').waitFor();

  // A plain HTTP request through the same route shows in the HTTP log.
  const plain = await send(`http://127.0.0.1:${proxyPort}/ws/plain?x=1`);
  assert.equal(plain.status, 200);
  await page.locator('[data-tab="http"]').click();
  const ex = page.locator('tr[data-testid^="exchange-"]').filter({ hasText: '/ws/plain?x=1' });
  await ex.waitFor();
  await ex.click();
  await page.getByTestId('exchange-detail').getByText(`127.0.0.1:${upstream.port}`).first().waitFor();
  await shot(page, 'http-log');
  // the proxy's own 404 says why once, in the "why" row (not again beside the status)
  assert.equal((await send(`http://127.0.0.1:${proxyPort}/nowhere`)).status, 404);
  await page.locator('tr[data-testid^="exchange-"]').filter({ hasText: '/nowhere' }).click();
  await page.getByTestId('exchange-detail').getByText('no location matches: 404', { exact: true }).waitFor();
  assert.equal(await page.getByTestId('exchange-status').innerText(), '404');

  // The running config as nginx.conf.
  await page.locator('[data-tab="nginx"]').click();
  await page.getByTestId('nginx-conf').getByText('location /ws/').waitFor();
  const conf = await page.getByTestId('nginx-conf').textContent();
  assert.match(conf ?? '', /upstream echo/);
  assert.match(conf ?? '', /proxy_set_header Upgrade \$http_upgrade/);
  await shot(page, 'nginx-conf');

  // Status bar: the listener is up.
  await page.getByTestId('status-bar').getByText(`127.0.0.1:${proxyPort}`).waitFor();

  // The dark theme follows the system setting.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.locator('[data-tab="routes"]').click();
  await page.getByTestId('location-0-0').click();
  await shot(page, 'routes-dark');

  // Lists work from the keyboard: ↑ from the location selects its server.
  await page.getByRole('listbox', { name: 'Servers and locations' }).focus();
  await page.keyboard.press('ArrowUp');
  await page.getByTestId('server-editor').waitFor();
  await page.keyboard.press('ArrowDown');
  await page.getByTestId('location-editor').waitFor();

  // Undo the apply: the route is gone again.
  await page.getByTestId('undo').click();
  await page.getByTestId('location-0-0').waitFor({ state: 'detached' });
  assert.equal((await send(`http://127.0.0.1:${proxyPort}/ws/plain`)).status, 404);

  assert.deepEqual(errors.filter((e) => !/Failed to load resource.*404/.test(e)), [], 'no page errors (a CSP violation would show here)');
  await context.close();
});

test('an apply whose port is in use says so, and the other listeners keep running', { timeout: 60_000 }, async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const taken = (blocker.address() as net.AddressInfo).port;
  const { context, page } = await newPage();
  try {
    await page.goto(host.url);
    await page.locator('[data-tab="routes"]').click();
    await page.reload(); // the token stays in the URL: a reload keeps working, on the same screen
    await page.getByTestId('status-bar').getByText('live', { exact: true }).waitFor();
    assert.match(page.url(), /#\/routes$/);
    await page.getByTestId('add-server').click();
    await page.getByTestId('listen-0').fill(`127.0.0.1:${taken}`);
    await page.getByTestId('apply').click();
    await page.getByTestId('listener-error').getByText('address already in use').waitFor();
    await page.getByTestId('status-bar').getByText('address already in use').waitFor();
    // and beside the listen address that names the port, in the server editor still open
    await page.getByTestId('listen-failed-0').getByText(`cannot listen on 127.0.0.1:${taken}: address already in use`).waitFor();
    await shot(page, 'apply-port-in-use');
    assert.equal((await send(`http://127.0.0.1:${proxyPort}/nothing`)).status, 404, 'the first listener still answers');
    // the port freed, Apply (with nothing changed) binds it: the failure is not a state only an edit leaves
    await new Promise((r) => blocker.close(r));
    await page.getByTestId('apply').click();
    await page.getByTestId('draft-clean').getByText('Applied', { exact: true }).waitFor();
    await page.getByTestId('status-bar').getByText(`127.0.0.1:${taken}`).waitFor();
    assert.equal(await page.getByTestId('listen-failed-0').count(), 0);
    assert.equal((await send(`http://127.0.0.1:${taken}/nothing`)).status, 404, 'the listener that had failed answers');
  } finally {
    await context.close();
    blocker.close();
  }
});

test('a wrong or missing token is refused, in the browser too', { timeout: 60_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const wrong = await page.goto(`http://127.0.0.1:${host.port}/?token=${'A'.repeat(43)}`);
  assert.equal(wrong?.status(), 403);
  const none = await page.goto(`http://127.0.0.1:${host.port}/`);
  assert.equal(none?.status(), 401);
  const api = await page.evaluate(async () => (await fetch('/api/getConfig', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status);
  assert.equal(api, 401);
  await context.close();
});

test("an upstream peer's last failure shows beside its status (nginx never marks a lone server failed)", { timeout: 60_000 }, async () => {
  const dead = await refusedPort();
  const dead2 = await refusedPort();
  const draft = {
    schemaVersion: 1,
    upstreams: [
      { name: 'gone', servers: [{ address: `127.0.0.1:${dead}` }] },
      // the same address as a backup of another group, which no request tries
      { name: 'spare', servers: [{ address: `127.0.0.1:${upstream.port}` }, { address: `127.0.0.1:${dead}`, backup: true }] },
      // a WebSocket handshake that fails over: refused by the first server, answered by the second
      { name: 'relay', servers: [{ address: `127.0.0.1:${dead2}` }, { address: `127.0.0.1:${upstream.port}` }] },
    ],
    servers: [{
      listen: [{ address: `127.0.0.1:${proxyPort}` }],
      locations: [
        { path: '/gone/', proxyPass: 'http://gone' }, { path: '/direct/', proxyPass: `http://127.0.0.1:${dead}` }, { path: '/spare/', proxyPass: 'http://spare' },
        { path: '/relay/', websocket: true, proxyPass: 'http://relay' },
      ],
    }],
  };
  const applied = await service.handle('apply', { draft });
  assert.ok(applied.ok, JSON.stringify(applied));
  assert.equal((await send(`http://127.0.0.1:${proxyPort}/gone/x`)).status, 502);
  assert.equal((await send(`http://127.0.0.1:${proxyPort}/direct/x`)).status, 502);
  const relayed = await openWs(`ws://127.0.0.1:${proxyPort}/relay/x`);
  relayed.close();
  const { context, page } = await newPage();
  try {
    await page.goto(host.url);
    await page.locator('[data-tab="upstreams"]').click();
    await page.getByTestId('upstream-0').click();
    const failure = page.getByTestId('peer-last-failure');
    await failure.waitFor();
    assert.match(await failure.innerText(), /^127\.0\.0\.1:\d+: last failure \S+ ago: upstream error \(ECONNREFUSED\) while connecting to upstream$/);
    await shot(page, 'upstream-last-failure');
    // the other group never tried its backup: the failures of `gone` and of /direct/ are not its own
    await page.getByTestId('upstream-1').click();
    await page.getByTestId('upstream-editor').locator('h2').filter({ hasText: 'spare' }).waitFor();
    assert.equal(await page.getByTestId('peer-last-failure').count(), 0);
    // a server added to the running group in the draft is not applied, as every server of a new group is
    await page.getByTestId('add-upstream-server').click();
    await page.getByTestId('server-address-2').fill('127.0.0.1:1');
    assert.equal((await page.getByTestId('server-live-2').innerText()).trim(), 'not applied');
    assert.match(await page.getByTestId('server-live-0').innerText(), /^up/, 'the running server shows its state');
    // a WebSocket handshake's failed try is its peer's last failure too
    await page.getByTestId('upstream-2').click();
    await page.getByTestId('upstream-editor').locator('h2').filter({ hasText: 'relay' }).waitFor();
    assert.match(await page.getByTestId('peer-last-failure').innerText(), new RegExp(`^127\\.0\\.0\\.1:${dead2}: last failure \\S+ ago: upstream error \\(ECONNREFUSED\\) while connecting to upstream$`));
    // a second group of a running group's name (a duplicate the draft cannot apply) runs nothing: not its peers
    await page.getByTestId('add-upstream').click();
    await page.getByTestId('upstream-name').fill('spare');
    await page.getByTestId('upstream-3').getByText('not applied').waitFor();
    assert.doesNotMatch(await page.getByTestId('upstream-3').innerText(), /\bup\b/);
    assert.match(await page.getByTestId('upstream-1').innerText(), /\b2 up\b/, 'the first of the name is the running group');
    // the session names both peers its handshake went to
    await page.locator('[data-tab="sessions"]').click();
    await page.locator('[data-testid^="session-"][data-state]').filter({ hasText: '/relay/x' }).click();
    await page.getByTestId('tab-details').click();
    assert.equal(await page.getByTestId('session-tries').innerText(), `127.0.0.1:${dead2}: upstream error (ECONNREFUSED) while connecting to upstream, upstream: 127.0.0.1:${dead2} → 127.0.0.1:${upstream.port}: status 101`);
    await shot(page, 'session-tries');
  } finally {
    await context.close();
  }
});
