// Moving between sessions in the browser: nothing typed for one session carries over to the next,
// a binary message opens in Hex even after JSON was picked for a text one, a row says when its
// text is not UTF-8, and the log says when older frames were dropped at the per-session cap. Real
// engine, web host, `ws` echo upstream and clients, and Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { Page } from 'playwright-core';
import net from 'node:net';
import { refusedPort, startTcpServer, startWsUpstream, type TcpServer, type Upstream } from '../helpers/upstreams.ts';
import { freePort } from '../helpers/ports.ts';
import { until } from '../helpers/wait.ts';
import { startUiHost, type UiHost } from './ui-host.ts';

let ui: UiHost | undefined;
let upstream: Upstream;
/** An upstream that switches to another protocol than WebSocket (Upgrade: foo) and writes a line. */
let fooUpstream: TcpServer;
let proxyPort: number;
const clients: WebSocket[] = [];

before(async () => {
  const [up, port, dead] = await Promise.all([startWsUpstream('echo'), freePort(), refusedPort()]);
  [upstream, proxyPort] = [up, port];
  fooUpstream = await startTcpServer((s) => {
    s.on('error', () => {});
    s.once('data', () => s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\nfoo hello\n'));
  });
  ui = await startUiHost({
    schemaVersion: 1,
    upstreams: [{ name: 'echo', servers: [{ address: `127.0.0.1:${upstream.port}` }] }],
    servers: [{
      listen: [{ address: `127.0.0.1:${proxyPort}` }],
      locations: [
        { path: '/ws/', proxyPass: 'http://echo', websocket: true }, { path: '/dead/', proxyPass: `http://127.0.0.1:${dead}`, websocket: true },
        { path: '/foo/', proxyPass: `http://127.0.0.1:${fooUpstream.port}`, websocket: true },
      ],
    }],
  });
}, { timeout: 120_000 });

after(async () => {
  for (const c of clients) c.terminate();
  await ui?.close();
  await upstream?.close();
  fooUpstream?.server.close();
});

/** A client through the proxy; resolves once `echoes` messages came back. */
async function client(path: string): Promise<{ ws: WebSocket; echoes: () => number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}${path}`);
  clients.push(ws);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let n = 0;
  ws.on('message', () => n++);
  ws.on('error', () => {});
  return { ws, echoes: () => n };
}

const rows = (page: Page) => page.getByTestId('frame-log').locator('[role="option"]');
const openSession = (page: Page, path: string) => page.locator('tbody tr').filter({ hasText: path }).click();

test('switching sessions: composer, close form, payload view, UTF-8 flag, frames past the cap', { timeout: 120_000 }, async () => {
  const { service } = ui!;
  const settings = await service.handle('setSettings', { framesPerSession: 100 });
  assert.ok(settings.ok, JSON.stringify(settings));
  const a = await client('/ws/a');
  a.ws.send(JSON.stringify({ kind: 'hello', n: 1 }));
  a.ws.send(Buffer.from([0x00, 0x9f, 0xff, 0x41]), { binary: true });
  const b = await client('/ws/b');
  for (let i = 0; i < 150; i++) b.ws.send(`b message ${i}`);
  const c = await client('/ws/c');
  c.ws.send(Buffer.from([0x68, 0x69, 0xff, 0xfe, 0x21]), { binary: false }); // text that is not UTF-8
  await until(() => a.echoes() === 2 && b.echoes() === 150, 10_000);

  const { context, page, errors } = await ui!.open();
  try {
    await page.goto(`${ui!.host.url}#/sessions`);
    // A: type a message and a close reason, pick the other direction; then B shows none of it
    await openSession(page, '/ws/a');
    await rows(page).first().waitFor();
    await page.getByTestId('compose-direction').selectOption('upstream');
    await page.getByTestId('compose-format').selectOption('hex');
    await page.getByTestId('compose-message').fill('de ad');
    await page.getByTestId('close-reason').fill('meant for a');
    await openSession(page, '/ws/b');
    await page.getByTestId('session-detail').locator('h2').filter({ hasText: '/ws/b' }).waitFor();
    assert.equal(await page.getByTestId('compose-message').inputValue(), '');
    assert.equal(await page.getByTestId('compose-direction').inputValue(), 'client');
    assert.equal(await page.getByTestId('compose-format').inputValue(), 'text');
    assert.equal(await page.getByTestId('close-reason').inputValue(), '');

    // B logged 300 frames (150 each way); 100 are kept, and the log says the older 200 are not
    await page.getByTestId('frames-older-dropped').getByText(/^\s*200 older frames are not kept/).waitFor();
    assert.equal(await page.getByTestId('frame-count').innerText(), '100');
    await ui!.shot(page, 'session-switch-capped');

    // A again: JSON picked for its text message; its binary message then opens in Hex
    await openSession(page, '/ws/a');
    await page.getByTestId('session-detail').locator('h2').filter({ hasText: '/ws/a' }).waitFor();
    await rows(page).and(page.locator('[data-opcode="text"][data-from="client"]')).click();
    await page.getByTestId('frame-detail').locator('[data-view="json"]').click();
    await page.locator('[data-testid="frame-payload"][data-tab="json"]').waitFor();
    await rows(page).and(page.locator('[data-opcode="binary"][data-from="client"]')).click();
    await page.locator('[data-testid="frame-payload"][data-tab="hex"]').getByText('00 9f ff 41').waitFor();

    // C: the text message that is not UTF-8 is flagged on its row
    await openSession(page, '/ws/c');
    const bad = rows(page).and(page.locator('[data-opcode="text"][data-from="client"]'));
    await bad.getByTestId('frame-invalid-utf8').waitFor();
    assert.match((await bad.getByTestId('frame-invalid-utf8').getAttribute('title')) ?? '', /from byte 2\b/);
    await ui!.shot(page, 'session-switch-invalid-utf8');

    // a refused handshake says so, rather than that frames were not recorded (the pointer off the
    // list: while it is over it, new sessions wait behind "↑ N new sessions")
    await page.getByTestId('status-bar').hover();
    const refused = new WebSocket(`ws://127.0.0.1:${proxyPort}/dead/x`);
    await new Promise<void>((resolve) => { refused.once('error', () => resolve()); refused.once('unexpected-response', () => resolve()); });
    refused.terminate();
    await openSession(page, '/dead/x');
    await page.getByTestId('frames-unavailable').getByText('The handshake was refused (502): no WebSocket frames were exchanged.', { exact: false }).waitFor();
    assert.deepEqual(errors, []);
  } catch (e) {
    await ui!.shot(page, 'session-switch-failure');
    throw e;
  } finally {
    await context.close();
  }
});

test('a tunnel to another protocol (Upgrade: foo) says so: no frames, no composer, a close without a code', { timeout: 120_000 }, async () => {
  const sock = net.connect(proxyPort, '127.0.0.1');
  sock.on('error', () => {});
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
  sock.write('GET /foo/x HTTP/1.1\r\nHost: t\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n');
  await until(() => got.includes('foo hello\n'), 10_000);
  const { context, page, errors } = await ui!.open();
  try {
    await page.goto(`${ui!.host.url}#/sessions`);
    await openSession(page, '/foo/x');
    await page.getByTestId('frames-unavailable').getByText('This session switched to “foo”, not WebSocket', { exact: false }).waitFor();
    // (its list row counts no frames: a dash each way)
    assert.deepEqual(await page.locator('tbody tr').filter({ hasText: '/foo/x' }).locator('td.num').allInnerTexts().then((t) => t.slice(-2)), ['–', '–']);
    assert.equal(await page.getByTestId('compose-message').count(), 0, 'nothing to send into');
    assert.equal(await page.getByTestId('close-code').count(), 0, 'no close code to pick');
    await ui!.shot(page, 'session-tunnel');
    await page.getByTestId('close-session').click();
    await until(() => sock.destroyed || sock.readableEnded, 10_000);
    await page.getByTestId('session-state').getByText('closed').waitFor();
    assert.deepEqual(errors, []);
  } catch (e) {
    await ui!.shot(page, 'session-tunnel-failure');
    throw e;
  } finally {
    sock.destroy();
    await context.close();
  }
});

test('a reload opens the live session or exchange that was selected (kept in the URL hash); a number that is gone opens none', { timeout: 120_000 }, async () => {
  const a = await client('/ws/reload');
  a.ws.send('before the reload');
  await until(() => a.echoes() === 1, 10_000);
  const res = await fetch(`http://127.0.0.1:${proxyPort}/ws/plain-request`);
  await res.arrayBuffer();
  const { context, page, errors } = await ui!.open();
  try {
    await page.goto(`${ui!.host.url}#/sessions`);
    await openSession(page, '/ws/reload');
    await page.waitForURL(/#\/sessions\/\d+$/);
    const id = /#\/sessions\/(\d+)$/.exec(page.url())![1];
    await page.reload();
    await page.getByTestId('session-detail').locator('h2').filter({ hasText: `#${id} /ws/reload` }).waitFor();
    await rows(page).filter({ hasText: 'before the reload' }).first().waitFor();
    // (the page has the feed send the open session's frames only)
    await until(() => ui!.service.feed.wantsFrames(Number(id)), 5000);
    assert.equal(ui!.service.feed.wantsFrames(Number(id) - 1), false, "no other session's frames");

    await page.locator('[data-tab="http"]').click();
    await page.locator('tr[data-testid^="exchange-"]').filter({ hasText: '/ws/plain-request' }).click();
    await page.waitForURL(/#\/http\/\d+$/);
    await page.reload();
    assert.equal(await page.getByTestId('exchange-request-line').innerText(), 'GET /ws/plain-request HTTP/1.1');

    // (a session the service no longer has: the list, nothing selected, no error)
    await page.goto(`${ui!.host.url}#/sessions/999999`);
    await page.reload();
    await page.locator('tbody tr').filter({ hasText: '/ws/reload' }).waitFor();
    assert.equal(await page.getByTestId('session-detail').count(), 0);
    assert.deepEqual(errors, []);
  } catch (e) {
    await ui!.shot(page, 'reload-selection-failure');
    throw e;
  } finally {
    await context.close();
  }
});
