// What a malicious peer controls reaches the page as text only: an upstream's headers, frames,
// subprotocol and close reason, a client's URL, headers and frames, and every string of an imported
// HAR file carry markup (a custom element and an <img onerror>) and `javascript:` URLs. Every
// screen, every row and every detail tab is shown in Chromium; no element of theirs may appear
// (in the page or a shadow root), no script of theirs run, no dialog open, no link point anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import WebSocket, { WebSocketServer } from 'ws';
import { freePort } from '../helpers/ports.ts';
import { startUiHost, type UiHost } from './ui-host.ts';

// The functions that run in Chromium are strings here: this file is type-checked without the DOM lib.

/** Markup that, parsed as HTML anywhere, leaves an element behind and sets window.__xss. */
const markup = (where: string) => `<xss-marker>${where}</xss-marker><img src=x onerror="window.__xss='${where}'"><svg onload="window.__xss='${where}'">`;
const JS_URL = 'javascript:window.__xss=1//';

/** What the page holds that it must not: elements of the peer's, the flag, links, in the page and in shadow roots. */
const INJECTED = `(() => {
  const roots = [document, ...[...document.querySelectorAll('*')].filter((e) => e.shadowRoot).map((e) => e.shadowRoot)];
  const all = (sel) => roots.flatMap((r) => [...r.querySelectorAll(sel)]);
  return { elements: all('xss-marker, img[src="x"], svg[onload], [onerror], [onload]').map((e) => e.outerHTML.slice(0, 80)), flag: window.__xss ?? null, links: all('a[href], [src^="javascript:" i]').map((e) => e.outerHTML.slice(0, 80)) };
})()`;

async function expectClean(page: Page, where: string, dialogs: string[]): Promise<void> {
  assert.deepEqual(await page.evaluate(INJECTED), { elements: [], flag: null, links: [] }, where);
  assert.deepEqual(dialogs, [], `${where}: a dialog opened`);
}

/** Every row of the list, each detail tab, each frame and each of its payload views. */
async function walk(page: Page, dialogs: string[], what: string): Promise<number> {
  let seen = 0;
  await page.locator('[data-tab="sessions"]').click();
  const sessions = page.locator('tr[data-testid^="session-"][role="option"]');
  await expectClean(page, `${what}: sessions list`, dialogs);
  for (let i = 0, n = await sessions.count(); i < n; i++) {
    await sessions.nth(i).click();
    await page.getByTestId('session-detail').waitFor();
    await page.getByTestId('frame-log').locator('[role="option"]').first().waitFor();
    await expectClean(page, `${what}: session row ${i}, its frame log`, dialogs);
    const frames = page.getByTestId('frame-log').locator('[role="option"]');
    for (let k = 0, m = await frames.count(); k < m; k++) {
      await frames.nth(k).click();
      for (const view of ['text', 'hex', 'json']) {
        const tab = page.getByTestId('frame-detail').locator(`[data-view="${view}"]`);
        if ((await tab.count()) && (await tab.isEnabled())) await tab.click();
        await expectClean(page, `${what}: session row ${i}, frame ${k}, ${view} view`, dialogs);
        seen++;
      }
    }
    await page.getByTestId('tab-details').click();
    await expectClean(page, `${what}: session row ${i}, details`, dialogs);
    await page.getByTestId('tab-messages').click();
    seen++;
  }
  await page.locator('[data-tab="http"]').click();
  const exchanges = page.locator('tr[data-testid^="exchange-"][role="option"]');
  await expectClean(page, `${what}: HTTP log`, dialogs);
  for (let i = 0, n = await exchanges.count(); i < n; i++) {
    await exchanges.nth(i).click();
    await page.getByTestId('exchange-detail').waitFor();
    await expectClean(page, `${what}: exchange row ${i}`, dialogs);
    seen++;
  }
  for (const tab of ['routes', 'upstreams', 'nginx']) {
    await page.locator(`[data-tab="${tab}"]`).click();
    await expectClean(page, `${what}: ${tab} screen`, dialogs);
  }
  return seen;
}

/** A HAR file whose every text is hostile. */
function hostileHar(): string {
  const h = (w: string) => [{ name: markup(`${w} name`).replace(/[^!#$%&'*+.^_`|~0-9A-Za-z-]/g, '-'), value: markup(`${w} value`) }, { name: 'Location', value: JS_URL }];
  const own = { clientAddress: markup('client'), upstream: markup('upstream'), upstreamPath: markup('upstreamPath'), route: markup('route'), routeName: markup('routeName'), routeWhere: markup('routeWhere'), cause: markup('cause'), note: markup('note'), tries: [{ upstream: markup('try'), outcome: markup('outcome') }], violation: markup('violation'), closeReason: markup('closeReason'), closeFrame: { from: 'upstream', code: 4000, reason: markup('closeFrame'), invalid: markup('invalid') } };
  const entry = (url: string, status: number, messages?: unknown[]) => ({
    startedDateTime: '2026-01-02T03:04:05.000Z', time: 12, serverIPAddress: markup('ip'),
    request: { method: markup('method').replace(/\s/g, ''), url, headers: h('request') }, response: { status, headers: [...h('response'), { name: 'Sec-WebSocket-Protocol', value: markup('proto') }] },
    _switchyard: own, ...(messages ? { _webSocketMessages: messages } : {}),
  });
  const msg = (type: string, opcode: number, data: string, extra: Record<string, unknown> = {}) => ({ type, time: 1767323045.5, opcode, data, _switchyard: extra });
  return JSON.stringify({
    log: {
      version: '1.2', creator: { name: markup('creator') },
      entries: [
        entry(`ws://evil.example/${markup('ws url')}?q=${JS_URL}`, 101, [
          msg('send', 1, markup('text')), msg('receive', 1, `{"k": "${markup('json').replace(/"/g, '\\"')}"}`),
          msg('receive', 2, Buffer.from(markup('binary')).toString('base64')), msg('receive', 1, markup('evicted'), { payload: 'evicted' }),
          msg('receive', 8, markup('close'), { closeCode: 4000 }), msg('error', -1, markup('error'), { decodeError: markup('decodeError'), encodedBy: markup('encodedBy') }),
        ]),
        entry(`${JS_URL}${markup('http url')}`, 502),
      ],
    },
  });
}

let ui: UiHost;

test('hostile traffic and a hostile HAR file show as text in every screen: nothing of theirs runs or is parsed as markup', { timeout: 240_000 }, async (t) => {
  // an upstream that answers everything with markup: HTTP headers and body, frames, a close reason
  const upstream = http.createServer((_req, res) => res.writeHead(200, { 'X-Evil': markup('response header'), Location: JS_URL, 'Content-Type': 'text/html' }).end(markup('body')));
  const wss = new WebSocketServer({ server: upstream });
  wss.on('connection', (ws) => {
    ws.send(markup('upstream text'));
    ws.send(`{"a": ["${markup('upstream json').replace(/"/g, '\\"')}"]}`);
    ws.send(Buffer.from(markup('upstream binary')));
    ws.ping(Buffer.from('<xss-marker>'));
    ws.on('message', () => ws.close(4000, '<xss-marker>c</xss-marker><img src=x>'));
  });
  await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
  const proxyPort = await freePort();
  ui = await startUiHost({
    schemaVersion: 1,
    upstreams: [{ name: 'evil', servers: [{ address: `127.0.0.1:${(upstream.address() as AddressInfo).port}` }] }],
    servers: [{ listen: [{ address: `127.0.0.1:${proxyPort}` }], locations: [{ name: markup('route name'), path: '/', proxyPass: 'http://evil', websocket: true }] }],
  });
  t.after(async () => {
    await ui?.close();
    wss.close();
    upstream.close();
  });
  const { page, errors } = await ui.open();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });

  // a client: its URL, headers and a frame, then the upstream's close
  const url = `ws://127.0.0.1:${proxyPort}/${encodeURIComponent(markup('client url'))}?next=${encodeURIComponent(JS_URL)}`;
  const client = new WebSocket(url, ['chat'], { headers: { 'X-Client': markup('request header'), Origin: JS_URL } });
  client.on('error', () => {});
  const closed = new Promise((done) => client.once('close', done));
  // (the upstream's first frames may come with the handshake's answer: listen before it opens)
  await new Promise((ok) => client.once('message', ok));
  client.send(markup('client text'));
  await closed;
  // raw HTTP: markup in the target (as sent, not encoded), a header and the Host
  for (const head of [`GET /<xss-marker>/${JS_URL} HTTP/1.1\r\nHost: <xss-marker>\r\nX-A: ${markup('raw header')}\r\n`, `GET /${encodeURIComponent(markup('encoded'))} HTTP/1.1\r\nHost: x\r\n`]) {
    await new Promise<void>((done) => {
      const s = net.connect(proxyPort, '127.0.0.1', () => s.end(`${head}Connection: close\r\n\r\n`));
      s.resume();
      s.on('close', () => done());
      s.on('error', () => done());
    });
  }
  await page.locator('[data-tab="http"]').click();
  await page.locator('tr[data-testid^="exchange-"][role="option"]').nth(1).waitFor();
  await page.locator('[data-tab="sessions"]').click();
  await page.locator('tr[data-testid^="session-"][data-state="closed"]').waitFor();
  assert.ok((await walk(page, dialogs, 'live traffic')) >= 6, 'the live session, its frames and the exchanges were shown');

  await page.locator('[data-tab="sessions"]').click();
  await page.getByTestId('har-import-file').setInputFiles({ name: `${markup('file')}.har`, mimeType: 'application/json', buffer: Buffer.from(hostileHar()) });
  await page.getByTestId('har-banner').waitFor();
  await expectClean(page, 'the HAR banner', dialogs);
  assert.ok((await walk(page, dialogs, 'imported HAR')) >= 6, 'the imported session, its frames and the exchange were shown');
  assert.deepEqual(errors, [], 'no page error and no CSP violation');
});
