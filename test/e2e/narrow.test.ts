// Every screen at Chromium's default 780×600 window, light and dark: the toolbars stay inside the
// window (the lists' toolbars one row high), the apply bar's status readable, no pane scrolling
// sideways (the upstream server table fits), and a disabled Apply that does not look active.
// The real engine and web host, three real `ws` echo upstreams, a live session through the proxy.
// Screenshots go to test-results/screenshots/narrow-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { Locator, Page } from 'playwright-core';
import { startWsUpstream, type Upstream } from '../helpers/upstreams.ts';
import { freePort } from '../helpers/ports.ts';
import { send } from '../helpers/client.ts';
import { startUiHost, type UiHost } from './ui-host.ts';

const W = 780;
const H = 600;
let ui: UiHost | undefined;
let ups: Upstream[] = [];
let proxyPort: number;

before(async () => {
  [ups, proxyPort] = await Promise.all([Promise.all(['a', 'b', 'c'].map((n) => startWsUpstream(n))), freePort()]);
  ui = await startUiHost({
    schemaVersion: 1,
    // (a name as long as the first run's switchyard_echo: the list row must still fit its pane)
    upstreams: [{ name: 'switchyard_echo', method: { type: 'least_conn' }, servers: ups.map((u) => ({ address: `127.0.0.1:${u.port}` })) }],
    servers: [{ listen: [{ address: `127.0.0.1:${proxyPort}` }], locations: [{ name: 'chat', path: '/ws/', proxyPass: 'http://switchyard_echo', websocket: true }] }],
  });
}, { timeout: 120_000 });

after(async () => {
  await ui?.close();
  for (const u of ups) await u.close();
});

interface Box { what: string; left: number; right: number; width: number }

/** The visible direct children of each element `sel` matches, with their boxes (the elements in a
 * toolbar: a title, a field, a button group, a button). */
async function children(page: Page, sel: string): Promise<Box[]> {
  return page.locator(sel).evaluateAll((els) => els.flatMap((bar) => [...bar.children].map((c) => {
    const r = c.getBoundingClientRect();
    const what = `${bar.className} > ${c.tagName.toLowerCase()}${c.dataset.testid ? `[${c.dataset.testid}]` : ''} "${(c.textContent ?? '').trim().slice(0, 24)}"`;
    return { what, left: r.left, right: r.right, width: r.width };
  }).filter((b) => b.width > 0)));
}

/** Nothing in these toolbars reaches past the window's right edge. */
async function assertInside(page: Page, sel: string) {
  const boxes = await children(page, sel);
  assert.ok(boxes.length, `${sel} is on the page`);
  for (const b of boxes) {
    assert.ok(b.left >= 0 && b.right <= W + 0.5, `${b.what} is inside the ${W} px window (${Math.round(b.left)}–${Math.round(b.right)})`);
  }
}

async function box(l: Locator) {
  const b = await l.boundingBox();
  assert.ok(b, 'on screen');
  return b;
}

/** One row: a toolbar no taller than its buttons plus padding. */
async function assertOneRow(l: Locator, what: string) {
  const { height } = await box(l);
  assert.ok(height <= 32, `${what} is one row (${height} px high)`);
}

/** No sideways scrolling in this element. */
async function assertNoSideways(l: Locator, what: string) {
  const [sw, cw] = await l.evaluate((el) => [el.scrollWidth, el.clientWidth]);
  assert.ok(sw <= cw, `${what} does not scroll sideways (${sw} > ${cw})`);
}

const hasFocus = (l: Locator) => l.evaluate((el) => el === el.ownerDocument.activeElement);

/** A folded "⋯" menu by keyboard alone: Enter opens it on its first button (a disclosure: aria-expanded,
 * aria-controls naming the buttons' group), Escape closes it with the focus back on "⋯", Tab walks its
 * buttons and past the last one closes it; the last button pressed with Enter does its work, the menu
 * closes and the focus is on "⋯" again (or in the dialog the button opened), not lost on a hidden button. */
async function assertMenuByKeyboard(page: Page, testid: string, ids: string[], opensDialog?: string) {
  const more = page.getByTestId(testid);
  const menu = page.locator(`[id="${await more.getAttribute('aria-controls')}"]`);
  const first = menu.getByTestId(ids[0]!);
  assert.equal(await more.getAttribute('aria-expanded'), 'false');
  assert.equal(await more.getAttribute('aria-haspopup'), null, 'a disclosure, not an ARIA menu (no menuitems, no arrow keys)');
  await more.focus();
  await page.keyboard.press('Enter');
  assert.equal(await more.getAttribute('aria-expanded'), 'true');
  await first.waitFor();
  assert.ok(await hasFocus(first), `opening focuses ${ids[0]}`);
  await page.keyboard.press('Escape');
  assert.ok(await hasFocus(more), 'Escape puts the focus back on "⋯"');
  assert.equal(await first.isVisible(), false, 'Escape closes it');
  await page.keyboard.press('Enter');
  for (const id of ids.slice(1)) {
    await page.keyboard.press('Tab');
    assert.ok(await hasFocus(menu.getByTestId(id)), `Tab reaches ${id}`);
  }
  await page.keyboard.press('Tab');
  assert.equal(await first.isVisible(), false, 'Tab past the last button closes the menu');
  assert.equal(await more.getAttribute('aria-expanded'), 'false');
  await more.focus();
  await page.keyboard.press('Enter');
  for (const _ of ids.slice(1)) await page.keyboard.press('Tab');
  await page.keyboard.press('Enter'); // the last button
  assert.equal(await first.isVisible(), false, 'a button done closes the menu');
  // (a button that opens a dialog hands the focus to it)
  if (opensDialog) {
    const dialog = page.getByTestId(opensDialog);
    await dialog.waitFor();
    assert.ok(await hasFocus(dialog), `and the focus is in ${opensDialog}`);
  } else assert.ok(await hasFocus(more), 'and the focus is back on "⋯"');
}

/** WCAG contrast of two computed `rgb(…)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => Number(v) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}
const look = (l: Locator) => l.evaluate((el) => {
  const s = el.ownerDocument.defaultView.getComputedStyle(el);
  return { opacity: s.opacity, background: s.backgroundColor, color: s.color };
});

for (const scheme of ['light', 'dark'] as const) {
  test(`every screen at ${W}×${H} (${scheme}): toolbars inside the window, lists one row, no sideways scrolling`, { timeout: 120_000 }, async () => {
    const client = new WebSocket(`ws://127.0.0.1:${proxyPort}/ws/chat?room=narrow-${scheme}`);
    await new Promise((resolve, reject) => { client.once('open', resolve); client.once('error', reject); });
    for (let i = 0; i < 4; i++) client.send(JSON.stringify({ type: 'msg', i, scheme }));
    assert.equal((await send(`http://127.0.0.1:${proxyPort}/ws/plain?scheme=${scheme}`)).status, 200);
    const { context, page, errors } = await ui!.open({ colorScheme: scheme });
    const shot = (name: string) => ui!.shot(page, `narrow-${name}-${scheme}`);
    try {
      await page.setViewportSize({ width: W, height: H });

      // Routes, the route tester open, a clean draft: the disabled Apply does not look like the enabled one
      await page.locator('[data-tab="routes"]').click();
      await page.getByTestId('location-0-0').click();
      await page.getByTestId('open-route-tester').click();
      await page.getByTestId('rt-url').fill('/ws/chat?room=1');
      await page.getByTestId('draft-clean').waitFor();
      const apply = page.getByTestId('apply');
      assert.ok(await apply.isDisabled());
      const off = await look(apply);
      assert.equal(off.opacity, '1', 'a disabled Apply is not a see-through active one');
      assert.ok(contrast(off.color, off.background) >= 4.5, `its label stays readable (${off.color} on ${off.background})`);
      await shot('routes');
      await assertInside(page, '.toolbar');
      await assertOneRow(page.locator('.routes .left > .toolbar'), 'the Servers and locations toolbar');
      await assertNoSideways(page.locator('.routes .pane.right'), 'the location editor');

      // A change: the apply bar's status is readable whole, and Apply looks active
      await page.getByTestId('loc-path').fill('/ws2/');
      const dirty = page.getByTestId('draft-dirty');
      await dirty.waitFor();
      const [sw, cw] = await dirty.evaluate((el) => [el.scrollWidth, el.clientWidth]);
      assert.ok(sw <= cw, `"draft not applied" is not cut off (${sw} > ${cw})`);
      assert.match((await dirty.getAttribute('title')) ?? '', /Apply/, 'with a tooltip saying more');
      const on = await look(apply);
      assert.notEqual(on.background, off.background, 'enabled and disabled Apply differ in colour');
      await assertInside(page, '.toolbar.top, .apply');
      await shot('routes-dirty');
      await page.locator('.apply').getByRole('button', { name: 'Revert' }).click();
      await page.getByTestId('draft-clean').waitFor();

      // Upstreams, a group of three servers: the table fits its pane
      await page.locator('[data-tab="upstreams"]').click();
      await page.getByTestId('upstream-0').click();
      await page.getByTestId('upstream-server-2').getByText('up', { exact: true }).waitFor();
      await shot('upstreams');
      await assertInside(page, '.toolbar');
      const table = page.locator('table.servers');
      await assertNoSideways(page.locator('.pane.right'), 'the upstream editor');
      await assertNoSideways(page.getByRole('listbox', { name: 'Upstreams' }), 'the upstream list');
      assert.ok((await box(table)).x + (await box(table)).width <= W + 0.5, 'the server table ends inside the window');

      // Sessions, a live session open with its frame log, detail and composer
      await page.locator('[data-tab="sessions"]').click();
      await page.locator('tr[data-state="open"]').filter({ hasText: `narrow-${scheme}` }).click();
      await page.getByTestId('frame-log').locator('[role="option"]').nth(1).click();
      await page.getByTestId('frame-payload').getByText('"msg"').waitFor();
      const bar = page.getByTestId('sessions-filter').locator('..');
      await assertOneRow(bar, 'the Sessions toolbar');
      await assertInside(page, '.toolbar, .composer .line');
      for (const id of ['har-export', 'close-code', 'close-reason', 'close-session']) {
        const b = await box(page.getByTestId('session-detail').getByTestId(id));
        assert.ok(b.x >= 0 && b.x + b.width <= W + 0.5, `the session's ${id} is inside the window (${Math.round(b.x)}–${Math.round(b.x + b.width)})`);
      }
      await assertNoSideways(page.locator('.screen .left .list'), 'the session list');
      assert.ok((await box(page.getByTestId('sessions-filter'))).width >= 70, 'the search field keeps room to type');
      // the secondary buttons are one "⋯" away, and work from there
      assert.equal(await bar.getByTestId('har-import').isVisible(), false);
      await page.getByTestId('sessions-more').click();
      for (const id of ['har-import', 'har-export', 'capture-settings-open']) {
        const b = await box(bar.getByTestId(id));
        assert.ok(b.x >= 0 && b.x + b.width <= W, `${id} is inside the window`);
      }
      await shot('sessions-more');
      await bar.getByTestId('capture-settings-open').click();
      await page.getByTestId('capture-settings').getByTestId('settings-save').waitFor();
      assert.equal(await bar.getByTestId('har-import').isVisible(), false, 'the menu closed');
      const panel = await box(page.getByTestId('capture-settings'));
      assert.ok(panel.x >= 0 && panel.x + panel.width <= W, 'the settings panel is inside the window');
      // its text wraps inside it (the toolbar it sits in does not wrap its items) and the checkbox shows
      await assertNoSideways(page.getByTestId('capture-settings'), 'the settings panel');
      assert.ok((await box(page.getByTestId('settings-redact'))).width > 0, 'the redact checkbox is visible');
      await page.getByTestId('settings-headers').press('Escape');
      await page.getByTestId('capture-settings').waitFor({ state: 'detached' });
      await assertMenuByKeyboard(page, 'sessions-more', ['har-import', 'har-export', 'capture-settings-open'], 'capture-settings');
      await page.getByTestId('settings-headers').press('Escape'); // (the keyboard opened the panel)
      await page.getByTestId('capture-settings').waitFor({ state: 'detached' });
      // a folded button's failure is not hidden with the menu: Export HAR's message opens it again
      await page.route('**/api/exportHar', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify({ ok: false, error: { code: 'io', message: 'disk full' } }) }));
      await page.getByTestId('sessions-more').click();
      await bar.getByTestId('har-export').click();
      const failed = bar.getByTestId('har-export-error');
      await failed.waitFor();
      assert.match(await failed.innerText(), /Export failed: disk full/);
      const f = await box(failed);
      assert.ok(f.x >= 0 && f.x + f.width <= W, 'the message is inside the window');
      await shot('sessions-export-error');
      await page.keyboard.press('Escape');
      await failed.waitFor({ state: 'hidden' });
      await page.unroute('**/api/exportHar');
      await shot('sessions');

      // HTTP log, an exchange open
      await page.locator('[data-tab="http"]').click();
      await page.locator('tr[data-testid^="exchange-"]').filter({ hasText: `scheme=${scheme}` }).click();
      await page.getByTestId('exchange-timing').waitFor();
      await assertOneRow(page.getByTestId('http-filter').locator('..'), 'the HTTP log toolbar');
      assert.ok((await box(page.getByTestId('http-filter'))).width >= 80, 'the search field keeps room to type');
      await assertInside(page, '.toolbar');
      await assertNoSideways(page.locator('.screen .left .list'), 'the exchange list');
      await shot('http-log');

      // nginx.conf
      await page.locator('[data-tab="nginx"]').click();
      await page.getByTestId('nginx-conf').getByText('upstream switchyard_echo').waitFor();
      await assertInside(page, '.toolbar, .nginx .toolbar .actions');
      for (const id of ['export-source', 'export-shape']) {
        const w = (await box(page.getByTestId(id))).width;
        assert.ok(w >= 100, `the ${id} select shows its value (${w} px)`);
      }
      await shot('nginx');

      assert.deepEqual(errors, []);
    } catch (e) {
      await shot('failure');
      throw e;
    } finally {
      await context.close();
      client.close();
    }
  });
}

test("the location editor's fields keep their names beside them when its lines wrap", { timeout: 60_000 }, async () => {
  const context = await ui!.browser.newContext({ viewport: { width: W, height: H } });
  const page = await context.newPage();
  try {
    await page.goto(ui!.host.url);
    await page.getByTestId('location-0-0').click();
    // each timeout's name on the line of its field (the read field had wrapped below "read")
    for (const t of ['connect', 'send', 'read']) {
      const field = await box(page.getByTestId(`loc-${t}-timeout`));
      const name = await box(page.getByTestId(`loc-${t}-timeout`).locator('xpath=preceding-sibling::span[1]'));
      assert.ok(Math.abs(name.y + name.height / 2 - (field.y + field.height / 2)) < 4, `"${t}" is beside its field (name y ${name.y}, field y ${field.y})`);
    }
    // a checkbox's text begins on its box's line (the WebSocket switch's had wrapped below its box)
    for (const id of ['loc-websocket', 'loc-buffering']) {
      const check = await box(page.getByTestId(id));
      const text = await page.getByTestId(id).evaluate((el) => {
        const range = el.ownerDocument.createRange();
        range.selectNodeContents(el.parentElement!);
        range.setStartAfter(el);
        return range.getClientRects()[0]!.top;
      });
      assert.ok(text < check.y + check.height, `${id}'s text starts beside its box (text top ${text}, box ${check.y}–${check.y + check.height})`);
    }
    await ui!.shot(page, 'narrow-location-editor');
  } finally {
    await context.close();
  }
});

test("a server row with several names keeps its + Location button and pills in view, the names cut first", { timeout: 60_000 }, async () => {
  const r = await ui!.service.handlers.getConfig({});
  assert.ok(r.ok);
  const running = r.value.applied as { servers: Array<Record<string, unknown>> };
  const names = ['api.example.com', 'www.example.com', 'app.example.com', 'admin.example.com', '*.internal.example.com'];
  await ui!.service.handle('setDraft', { draft: { ...running, servers: [{ ...running.servers[0], serverNames: names }] } });
  const context = await ui!.browser.newContext({ viewport: { width: W, height: H } });
  const page = await context.newPage();
  try {
    await page.goto(ui!.host.url);
    const row = page.getByTestId('server-0');
    await row.waitFor();
    await assertNoSideways(page.locator('.routes .list'), 'the routes list');
    const list = await box(page.locator('.routes .list'));
    const add = await box(page.getByTestId('add-location-0'));
    assert.ok(add.x + add.width <= list.x + list.width + 0.5, `+ Location is in view (its right ${add.x + add.width}, the list's ${list.x + list.width})`);
    const listen = row.locator('.listen');
    assert.ok(await listen.evaluate((el) => el.scrollWidth <= el.clientWidth), 'the listen address is whole: the names give way first');
    assert.equal(await page.getByTestId('server-names-shown').getAttribute('title'), names.join(' '), 'the names cut are in its tooltip');
    await ui!.shot(page, 'narrow-server-names');
  } finally {
    await context.close();
    await ui!.service.handle('setDraft', { draft: running });
  }
});
