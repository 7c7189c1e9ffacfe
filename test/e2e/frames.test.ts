// The frame log end to end: the real engine and web host (`switchyard ui`'s uiCommand), a real `ws`
// echo upstream and real `ws` clients through the proxy, and Chromium: frames arriving live,
// filters, the payload views, follow-tail, inject / replay / close with a code, the sessions list
// and the HTTP log. Screenshots go to test-results/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import type { WebHost } from '../../main/web/host.ts';
import type { SwitchyardService } from '../../main/service/service.ts';
import { startWsUpstream, type Upstream } from '../helpers/upstreams.ts';
import { freePort } from '../helpers/ports.ts';
import { send } from '../helpers/client.ts';
import { startUiHost, type UiHost } from './ui-host.ts';

let ui: UiHost | undefined;
let browser: Browser;
let upstream: Upstream;
let deflating: Upstream;
let host: WebHost;
let service: SwitchyardService;
let proxyPort: number;

before(async () => {
  [upstream, deflating, proxyPort] = await Promise.all([startWsUpstream('echo'), startWsUpstream('deflate', { perMessageDeflate: true }), freePort()]);
  ui = await startUiHost({
    schemaVersion: 1,
    upstreams: [{ name: 'echo', servers: [{ address: `127.0.0.1:${upstream.port}` }] }, { name: 'deflate', servers: [{ address: `127.0.0.1:${deflating.port}` }] }],
    servers: [{
      listen: [{ address: `127.0.0.1:${proxyPort}` }],
      locations: [{ name: 'chat', path: '/ws/', proxyPass: 'http://echo', websocket: true }, { name: 'compressed', path: '/z/', proxyPass: 'http://deflate', websocket: true }],
    }],
  });
  ({ browser, host, service } = ui);
}, { timeout: 120_000 });

after(async () => {
  await ui?.close();
  await upstream?.close();
  await deflating?.close();
});

// The page's `document` for the functions that run in Chromium (page.waitForFunction): this file is
// type-checked with Node's types, without the DOM lib (a module-local declaration, not a global one).
interface PageElement { getAttribute(name: string): string | null }
declare const document: { querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>; activeElement: { closest(s: string): unknown } | null };

const shot = (page: Page, name: string) => ui!.shot(page, name);

/** A real client through the proxy that records what it receives. */
async function client(path: string, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}${path}`, options);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const got: Array<string | Buffer> = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d, isBinary) => {
    got.push(isBinary ? Buffer.from(d as Buffer) : String(d));
    for (const w of waiters.splice(0)) w();
  });
  const receive = async (pred: (m: string | Buffer) => boolean, what: string) => {
    const end = Date.now() + 10_000;
    while (!got.some(pred)) {
      if (Date.now() > end) throw new Error(`the client never received ${what}; got ${got.length} messages`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 200); });
    }
  };
  return { ws, got, receive, count: (m: string) => got.filter((x) => x === m).length };
}

const rows = (page: Page) => page.getByTestId('frame-log').locator('[role="option"]');
async function attrs(page: Page, name: string): Promise<string[]> {
  return rows(page).evaluateAll((els, n) => els.map((e) => e.getAttribute(n) ?? ''), name);
}

test('frames live, filters, payload views, follow-tail, inject, replay and close with a code', { timeout: 180_000 }, async () => {
  assert.ok(service.framesSupported, 'the frame tap is part of this build');
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 }, colorScheme: 'light' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  try {
    await walkThrough(page);
  } catch (e) {
    await shot(page, 'frames-failure'); // what the page showed when it failed
    throw e;
  }
  assert.deepEqual(errors.filter((e) => !/Failed to load resource.*404/.test(e)), [], 'no page errors (a CSP violation would show here)');
  await context.close();
});

/** A fresh page (light, 1280×760) for `fn`, closed after; its screenshot `NAME-failure` if `fn` throws. */
async function inPage(name: string, fn: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 }, colorScheme: 'light' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  try {
    await fn(page);
  } catch (e) {
    await shot(page, `${name}-failure`);
    throw e;
  } finally {
    await context.close();
  }
}

test('a compressed session: messages show their inflated size and their size on the wire', { timeout: 60_000 }, () => inPage('frame-compressed', async (page) => {
  const c = await client('/z/compressed', { perMessageDeflate: true });
  const text = JSON.stringify({ rows: Array.from({ length: 2000 }, (_, i) => ({ id: i, state: 'ok' })) });
  c.ws.send(text);
  await c.receive((m) => m === text, 'the echo');
  await page.goto(`${host.url}#/sessions`);
  await page.locator('tr[data-state="open"]').filter({ hasText: '/z/compressed' }).click();
  const row = rows(page).and(page.locator('[data-from="client"]')).first();
  await row.waitFor();
  const size = `${(text.length / 1024).toFixed(1)} KiB`;
  assert.equal(await row.locator('.len').innerText(), size, 'the message as the application sent it');
  const wire = await row.locator('.len').getAttribute('title');
  assert.match(wire ?? '', /^compressed: \d+(\.\d)? (B|KiB) on the wire$/);
  await row.click();
  await page.getByTestId('frame-detail').getByText(`${size} (${wire!.replace(/^compressed: | on the wire$/g, '')} compressed)`).waitFor();
  await page.getByTestId('frame-payload').getByText('{"rows":[{"id":0,"state":"ok"}', { exact: false }).waitFor();
  await shot(page, 'frame-compressed');
  c.ws.close();
}));

test('a ping whose payload is not UTF-8 shows as hex bytes, one that is as text', { timeout: 60_000 }, () => inPage('frame-ping', async (page) => {
  const c = await client('/ws/pings');
  const pongs = new Promise<void>((resolve) => { let n = 0; c.ws.on('pong', () => { if (++n === 2) resolve(); }); });
  c.ws.ping(Buffer.from([0x00, 0xff, 0xfe, 0x80]));
  c.ws.ping('are you there');
  await pongs;
  await page.goto(`${host.url}#/sessions`);
  await page.locator('tr[data-state="open"]').filter({ hasText: '/ws/pings' }).click();
  const pings = rows(page).and(page.locator('[data-opcode="ping"]'));
  await pings.filter({ hasText: '00 ff fe 80' }).click();
  await page.locator('[data-testid="frame-payload"][data-tab="hex"]').locator('.hexrow').first().getByText('00 ff fe 80').waitFor();
  assert.equal(await pings.filter({ hasText: '00 ff fe 80' }).getByTestId('frame-invalid-utf8').count(), 0, 'a ping need not be text');
  await shot(page, 'frame-ping-hex');
  await pings.filter({ hasText: 'are you there' }).click();
  await page.locator('[data-testid="frame-payload"][data-tab="text"]').getByText('are you there').waitFor();
  // a ping cannot be replayed: the button keeps the focus and says why when pressed, not only in its tooltip
  await page.getByTestId('replay').focus();
  await page.getByTestId('replay').press('Enter');
  await page.getByTestId('compose-error').getByText('Cannot replay: A ping frame cannot be replayed: only text and binary messages').waitFor();
  assert.ok(await page.getByTestId('replay').evaluate((el) => el === el.ownerDocument.activeElement));
  // said of the frame selected then: another selection clears it
  await pings.filter({ hasText: '00 ff fe 80' }).click();
  await page.getByTestId('compose-error').waitFor({ state: 'detached' });
  c.ws.close();
}));

test('a message its client hung up inside shows what came of it, tagged unfinished', { timeout: 60_000 }, () => inPage('frame-unfinished', async (page) => {
  const c = await client('/ws/hangs-up');
  c.ws.send('half a mess', { fin: false });
  await new Promise((r) => setTimeout(r, 200));
  c.ws.terminate();
  await page.goto(`${host.url}#/sessions`);
  await page.locator('tr[data-state="closed"]').filter({ hasText: '/ws/hangs-up' }).click();
  const row = rows(page).and(page.locator('[data-from="client"]')).filter({ hasText: 'half a mess' });
  await row.getByText('unfinished').waitFor();
  await row.click();
  await Promise.all([page.getByTestId('frame-detail').getByText('unfinished').waitFor(), page.getByTestId('frame-payload').getByText('half a mess').waitFor()]);
  await shot(page, 'frame-unfinished');
}));

async function walkThrough(page: Page) {
  await page.goto(`${host.url}#/sessions`);
  await page.getByTestId('sessions-empty').waitFor();

  // Three real sessions: one to inspect, one left open, one closed by its client.
  const c = await client('/ws/chat?room=1');
  const other = await client('/ws/other');
  const gone = await client('/ws/gone');
  other.ws.send('hi from the other session');
  gone.ws.close(1000, 'bye');
  const json = JSON.stringify({ type: 'greeting', user: { id: 7, name: 'Ada' }, tags: ['a', 'b'] });
  c.ws.send('hello 1');
  c.ws.send(json);
  c.ws.send(Buffer.from([0x00, 0x01, 0x02, 0xff, 0x41, 0x42]), { binary: true });
  await c.receive((m) => Buffer.isBuffer(m), 'the binary echo');

  // The sessions list: filters on state and text.
  const row = page.locator('tr[data-state="open"]').filter({ hasText: '/ws/chat?room=1' });
  await row.waitFor();
  await page.locator('tr[data-state="closed"]').filter({ hasText: '/ws/gone' }).waitFor();
  await page.getByTestId('sessions-show-live').click();
  await page.locator('tr[data-state="closed"]').waitFor({ state: 'detached' });
  await page.getByTestId('sessions-show-closed').click();
  await page.locator('tr[data-state="open"]').first().waitFor({ state: 'detached' });
  await page.getByTestId('sessions-show-all').click();
  await page.getByTestId('sessions-filter').fill('room=1');
  assert.equal(await page.locator('tbody tr').count(), 1);
  await page.getByTestId('sessions-filter').fill('');
  await page.waitForTimeout(1100); // byte and frame counts refresh about once a second
  await row.locator('td').nth(7).getByText('3').waitFor(); // ↑ frames: the three messages the client sent
  await shot(page, 'sessions-list');

  // Open the session: frames that already passed, then new ones arriving live.
  await row.click();
  await page.getByTestId('session-detail').waitFor();
  const log = page.getByTestId('frame-log');
  await log.getByText('hello 1').first().waitFor();
  c.ws.send('arrives live');
  await log.getByText('arrives live').first().waitFor();
  await page.locator('[data-from="upstream"]').filter({ hasText: 'arrives live' }).waitFor(); // the echo
  assert.deepEqual([...new Set(await attrs(page, 'data-from'))].sort(), ['client', 'upstream'], 'messages and their echoes');
  // Selecting an older frame pauses follow, but while the newest rows are in view there is nothing to jump to
  await rows(page).filter({ hasText: 'hello 1' }).first().click();
  await page.locator('[data-testid="frame-follow"][aria-pressed="false"]').waitFor();
  c.ws.send('in view');
  await page.locator('[data-from="upstream"]').filter({ hasText: 'in view' }).waitFor();
  assert.ok(await log.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 10), 'the whole log fits in the pane');
  await page.waitForTimeout(200);
  assert.equal(await page.getByTestId('frame-new').count(), 0, 'no "↓ N new" for rows already in view');
  await page.getByTestId('frame-follow').click();

  // Filters: direction, opcode, text, regex (an invalid one says why and keeps the list).
  await page.getByTestId('frame-filter-direction').selectOption('client');
  await page.getByTestId('frame-count').getByText('/').waitFor();
  assert.deepEqual([...new Set(await attrs(page, 'data-from'))], ['client']);
  await page.getByTestId('frame-filter-direction').selectOption('all');
  await page.getByTestId('frame-filter-opcode').selectOption('binary');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="frame-log"] [role="option"]')].every((e) => e.getAttribute('data-opcode') === 'binary'));
  assert.equal(await rows(page).count(), 2, 'the binary message and its echo');
  await page.getByTestId('frame-filter-opcode').selectOption('all');
  await page.getByTestId('frame-filter-text').fill('GREETING');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="frame-log"] [role="option"]').length === 2);
  await page.getByTestId('frame-filter-regex').check();
  await page.getByTestId('frame-filter-text').fill('hello (');
  await page.getByTestId('frame-filter-error').getByText('invalid regular expression').waitFor();
  assert.equal(await rows(page).count(), 2, 'the last valid filter stays');
  await page.getByTestId('frame-filter-text').fill('^(hello|arrives) \\w+$');
  await page.getByTestId('frame-filter-error').waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="frame-log"] [role="option"]').length === 4);
  await page.getByTestId('frame-filter-text').fill('');
  await page.getByTestId('frame-filter-regex').uncheck();

  // The JSON message: text, pretty JSON and hex views of its full payload.
  await rows(page).filter({ hasText: '"greeting"' }).first().click();
  const payload = page.getByTestId('frame-payload');
  await payload.getByText(json, { exact: true }).waitFor();
  await page.getByTestId('frame-detail').locator('[data-view="json"]').click();
  await payload.getByText('"name": "Ada"').waitFor();
  // JSON picked stays for the next JSON message; a text message that is not JSON shows as Text meanwhile
  await rows(page).filter({ hasText: 'hello 1' }).first().click();
  await page.locator('[data-testid="frame-payload"][data-tab="text"]').waitFor();
  assert.ok(await page.getByTestId('frame-detail').locator('[data-view="json"]').isDisabled());
  assert.equal(await page.getByTestId('frame-detail').locator('[aria-selected="true"]').getAttribute('data-view'), 'text');
  await rows(page).filter({ hasText: '"greeting"' }).first().click();
  await payload.getByText('"name": "Ada"').waitFor();
  await page.getByTestId('frame-detail').locator('[data-view="hex"]').click();
  await payload.locator('.hexrow').first().getByText('00000000').waitFor();
  assert.match(await payload.locator('.hexrow').first().innerText(), /7b 22 74 79 70 65 22 3a\s+22 67 72 65 65 74 69 6e[\s\S]*\{"type":"greetin/);
  await shot(page, 'frame-log-light');
  // The binary message in hex; JSON is off for it.
  await rows(page).filter({ hasText: '00 01 02 ff 41 42' }).first().click();
  await payload.locator('.hexrow').first().getByText('00 01 02 ff 41 42').waitFor();
  assert.ok(await page.getByTestId('frame-detail').locator('[data-view="json"]').isDisabled());
  await page.getByTestId('frame-detail').locator('[data-view="text"]').click();

  // Keyboard: End selects the newest frame, ↑ an older one (pausing follow), Enter moves to the detail.
  await log.focus();
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowUp');
  await page.locator('[data-testid="frame-follow"][aria-pressed="false"]').waitFor();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-testid="frame-detail"]') !== null), true, 'Enter focuses the detail pane');
  await page.keyboard.press('ArrowRight'); // the views' tabs: Text → Hex (JSON is off: the frame is not JSON)
  await page.locator('[data-testid="frame-payload"][data-tab="hex"]').waitFor();
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-testid="frame-log"]') !== null), true, 'Esc goes back to the list');
  await page.getByTestId('frame-follow').click();
  await page.locator('[data-testid="frame-follow"][aria-pressed="true"]').waitFor();

  // Follow-tail: a long log follows the newest frame; scrolling up pauses it and counts what arrives.
  for (let i = 0; i < 150; i++) c.ws.send(`burst ${i}`);
  await c.receive((m) => m === 'burst 149', 'the last echo');
  await page.locator('[data-from="upstream"]').filter({ hasText: 'burst 149' }).waitFor();
  await log.evaluate((el) => { el.scrollTop = 0; });
  await page.locator('[data-testid="frame-follow"][aria-pressed="false"]').waitFor();
  for (let i = 0; i < 5; i++) c.ws.send(`while paused ${i}`);
  await page.getByTestId('frame-new').getByText('↓ 10 new').waitFor();
  assert.equal(await log.getByText('while paused 4').count(), 0, 'a paused log stays where the user is');
  await page.getByTestId('frame-new').click();
  await log.getByText('while paused 4').last().waitFor();
  await page.locator('[data-testid="frame-follow"][aria-pressed="true"]').waitFor();

  // Inject toward the client: text, then binary typed as hex; a bad hex input is refused inline.
  await page.getByTestId('compose-direction').selectOption('client');
  await page.getByTestId('compose-message').fill('from switchyard');
  await page.getByTestId('compose-send').click();
  await c.receive((m) => m === 'from switchyard', 'the injected text');
  await page.locator('[data-injected="true"]').filter({ hasText: 'from switchyard' }).waitFor();
  await page.getByTestId('compose-format').selectOption('hex');
  await page.getByTestId('compose-message').fill('01 02 zz');
  await page.getByTestId('compose-send').click();
  await page.getByTestId('compose-error').getByText('"z" in "zz" is not a hex digit').waitFor();
  await page.getByTestId('compose-message').fill('de ad be ef');
  await page.getByTestId('compose-send').press('Enter'); // from the keyboard: the focus stays on Send while busy and after
  await c.receive((m) => Buffer.isBuffer(m) && m.equals(Buffer.from([0xde, 0xad, 0xbe, 0xef])), 'the injected binary');
  await page.getByTestId('compose-info').getByText('Sent 4 B to the client').waitFor();
  assert.ok(await page.getByTestId('compose-send').evaluate((el) => el === el.ownerDocument.activeElement), 'Send keeps the focus');

  // Replay a logged client message: it goes to the upstream again, whose echo reaches the client.
  assert.equal(c.count('hello 1'), 1);
  await page.getByTestId('frame-filter-text').fill('hello 1');
  await rows(page).filter({ hasText: 'hello 1' }).and(page.locator('[data-from="client"]')).first().click();
  await page.getByTestId('replay').click();
  await c.receive(() => c.count('hello 1') === 2, 'the replayed message\'s echo');
  await page.getByTestId('compose-info').getByText('Replayed frame').waitFor();
  await page.getByTestId('frame-filter-text').fill('');
  await page.getByTestId('frame-filter-text').press('Escape');

  // Dark theme screenshot of the same screen, with the JSON frame selected.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByTestId('frame-filter-text').fill('greeting');
  await page.getByTestId('frame-count').getByText(/^2 \//).waitFor();
  await rows(page).first().click();
  await page.getByTestId('frame-detail').locator('[data-view="json"]').click();
  await payload.getByText('"name": "Ada"').waitFor();
  await page.getByTestId('frame-filter-text').fill('');
  await page.waitForTimeout(300);
  await shot(page, 'frame-log-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Close with a code and reason: the real client sees them. The code is typed, one not in the
  // list to pick from (an application's own); one that is not a code, or that a Close frame may not
  // carry, is refused with a message and the session stays open.
  const closed = new Promise<[number, string]>((resolve) => c.ws.once('close', (code, why) => resolve([code, why.toString()])));
  await page.getByTestId('close-code').fill('40x1');
  await page.getByTestId('close-session').click();
  await page.getByRole('alert').getByText('Close code: "40x1" is not one (pick one').waitFor();
  // (a number of six digits, or below zero, is no close code either, and said so: not "not a number")
  for (const typed of ['123456', '-1']) {
    await page.getByTestId('close-code').fill(typed);
    await page.getByTestId('close-session').click();
    await page.getByRole('alert').getByText(`Close code: "${typed}" is not one (pick one`).waitFor();
  }
  await page.getByTestId('close-code').fill('  ');
  await page.getByTestId('close-session').click();
  await page.getByRole('alert').getByText('Close code: none typed (pick one').waitFor();
  await page.getByTestId('close-code').fill('1005');
  await page.getByTestId('close-session').click();
  // (said in the words of the others, and the field marked, the message its description)
  await page.getByRole('alert').getByText('Close code: 1005 is not one a peer may send (pick one, or type one of 1000-1003, 1007-1014, or 3000-4999)').waitFor();
  assert.deepEqual([await page.getByTestId('close-code').getAttribute('aria-invalid'), await page.getByTestId('close-code').getAttribute('aria-describedby')], ['true', 'close-code-problem']);
  assert.equal(c.ws.readyState, c.ws.OPEN, 'a refused close code closes nothing');
  await page.getByTestId('close-code').fill('4001');
  assert.equal(await page.getByRole('alert').count(), 0, 'the refusal goes once the code is edited');
  assert.equal(await page.getByTestId('close-code').getAttribute('aria-invalid'), null);
  // a reason is counted in UTF-8 bytes as it is typed (42 euro signs pass maxlength, 126 bytes do not fit)
  await page.getByTestId('close-reason').fill('€'.repeat(41));
  assert.equal(await page.getByTestId('close-reason-long').count(), 0, '123 bytes fit');
  await page.getByTestId('close-reason').fill('€'.repeat(42));
  assert.equal(await page.getByTestId('close-reason-long').innerText(), '126/123 bytes');
  assert.equal(await page.getByTestId('close-reason').getAttribute('aria-invalid'), 'true');
  await shot(page, 'close-reason-long');
  await page.getByTestId('close-reason').fill('bye from the test');
  assert.equal(await page.getByTestId('close-reason-long').count(), 0);
  await page.getByTestId('close-session').click();
  assert.deepEqual(await closed, [4001, 'bye from the test']);
  await page.getByTestId('session-state').getByText('closed').waitFor();
  await page.getByTestId('composer-closed').waitFor();
  await page.getByTestId('frame-new').click(); // the log was paused on the selected JSON frame
  await page.locator('[data-opcode="close"][data-injected="true"]').first().waitFor();
  await shot(page, 'frame-log-closed'); // the newest rows: the injected ones and Switchyard's Close, with their badges
  await page.getByTestId('tab-details').click();
  await page.getByTestId('session-close-frame').getByText('Switchyard sent Close 4001 “bye from the test”').waitFor();
  await shot(page, 'session-closed');
  await page.getByTestId('tab-messages').click();

  // The HTTP log: method/status/text filters, timings and headers.
  assert.equal((await send(`http://127.0.0.1:${proxyPort}/ws/plain?x=1`)).status, 200);
  assert.equal((await send(`http://127.0.0.1:${proxyPort}/ws/posted`, { method: 'POST', body: 'x=1' })).status, 200);
  assert.equal((await send(`http://127.0.0.1:${proxyPort}/nowhere`)).status, 404);
  await page.locator('[data-tab="http"]').click();
  await page.locator('tr[data-testid^="exchange-"]').filter({ hasText: '/nowhere' }).waitFor();
  await page.getByTestId('http-status').selectOption('4xx');
  await page.waitForFunction(() => [...document.querySelectorAll('tr[data-testid^="exchange-"]')].every((e) => e.getAttribute('data-status') === '404'));
  await page.getByTestId('http-status').selectOption('all');
  await page.getByTestId('http-method').selectOption('POST');
  await page.waitForFunction(() => document.querySelectorAll('tr[data-testid^="exchange-"]').length === 1);
  await page.getByTestId('http-method').selectOption('all');
  await page.getByTestId('http-filter').fill('plain');
  const ex = page.locator('tr[data-testid^="exchange-"]').filter({ hasText: '/ws/plain?x=1' });
  await ex.click();
  await page.getByTestId('exchange-timing').getByText('first byte').waitFor();
  await page.getByTestId('exchange-detail').getByText('content-type', { exact: false }).first().waitFor();
  await page.getByTestId('http-filter').fill('');
  await shot(page, 'http-log-filters');

  other.ws.close();
}
