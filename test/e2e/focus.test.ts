// A keyboard user keeps the focus: buttons that work for a while (Apply, Export HAR) keep it, a
// button that turns into another (Revert / Restore edits) keeps it, a panel closed with Escape
// gives it back to its opener, a removed or disabled control hands it to its neighbour, and a
// session's controls that vanish as it closes leave it in the detail, never on the page's body
// (Chromium blurs a focused button as it is disabled or removed). Real engine, web host, `ws`
// echo upstream and client, and Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { Page } from 'playwright-core';
import { startWsUpstream, type Upstream } from '../helpers/upstreams.ts';
import { freePort } from '../helpers/ports.ts';
import { poll } from '../helpers/wait.ts';
import { startUiHost, type UiHost } from './ui-host.ts';

let ui: UiHost | undefined;
let upstream: Upstream;
let proxyPort: number;

before(async () => {
  [upstream, proxyPort] = await Promise.all([startWsUpstream('echo'), freePort()]);
  ui = await startUiHost({
    schemaVersion: 1,
    upstreams: [{ name: 'echo', servers: [{ address: `127.0.0.1:${upstream.port}` }] }],
    servers: [{
      listen: [{ address: `127.0.0.1:${proxyPort}` }],
      locations: [{ path: '/ws/', proxyPass: 'http://echo', websocket: true }, { modifier: '~', path: '^/a' }, { path: '/' }, { modifier: '~', path: '^/b' }]
        .map((l) => ({ proxyPass: 'http://echo', ...l })),
    }],
  });
}, { timeout: 120_000 });

after(async () => {
  await ui?.close();
  await upstream?.close();
});

/** The focused element's data-testid ('BODY' for the page itself). */
const focused = (page: Page) => page.evaluate('document.activeElement === document.body ? "BODY" : (document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName)') as Promise<string>;
/** Whether the focus is inside the element `testid` names. */
const focusIn = (page: Page, testid: string) => page.getByTestId(testid).evaluate((el) => el.contains(el.ownerDocument.activeElement));

/** A WebSocket session through the proxy, open. */
async function openSession(path: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}${path}`);
  ws.on('error', () => {});
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return ws;
}

/** A fresh page on the UI, driven by `fn`; no console or page error may come of it. */
async function withPage(fn: (page: Page) => Promise<void>): Promise<void> {
  const { context, page, errors } = await ui!.open();
  try {
    await fn(page);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
}

test('keyboard: Apply and Undo keep the focus while they work and after; Revert becomes Restore edits under it', async () => {
  await withPage(async (page) => {
    await page.locator('[data-tab="routes"]').click();
    await page.getByTestId('location-0-0').click();
    await page.getByTestId('loc-path').fill('/ws2/');
    const apply = page.getByTestId('apply');
    await apply.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('draft-clean').waitFor();
    assert.equal(await focused(page), 'apply', 'the focus stays on Apply once it is done');
    assert.equal(await apply.getAttribute('aria-disabled'), 'true', 'Apply says there is nothing to apply');
    await page.keyboard.press('Enter'); // nothing to apply: nothing happens
    assert.equal(await focused(page), 'apply');
    // its ring shows outside the accent button
    assert.equal(await apply.evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).outlineOffset), '2px');
    await ui!.shot(page, 'focus-apply');

    await page.getByTestId('undo').focus();
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('loc-path').inputValue(), (v) => v === '/ws/');
    assert.equal(await focused(page), 'undo', 'the focus stays on Undo apply');

    await page.getByTestId('loc-path').fill('/edited/');
    await page.getByTestId('revert').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('restore-edits').waitFor();
    assert.equal(await focused(page), 'restore-edits', 'Revert turned into Restore edits under the focus');
    await page.keyboard.press('Enter');
    await page.getByTestId('revert').waitFor();
    assert.equal(await focused(page), 'revert');
    assert.equal(await page.getByTestId('loc-path').inputValue(), '/edited/');
    await page.keyboard.press('Enter');
    await page.getByTestId('restore-edits').waitFor();
  });
});

test('keyboard: a removed or disabled control hands the focus to its neighbour; a moved regex keeps it on its arrow', async () => {
  await withPage(async (page) => {
    await page.locator('[data-tab="routes"]').click();
    await page.getByTestId('server-0').click();
    await page.getByRole('button', { name: '+ Listen' }).click();
    await page.getByTestId('listen-1').fill('127.0.0.1:1');
    const remove = page.getByTitle('Remove', { exact: true }).first();
    await remove.focus();
    await page.keyboard.press('Enter'); // the first listen's ✕: the one left is disabled now
    await page.getByTestId('listen-1').waitFor({ state: 'detached' });
    await poll(() => focused(page), (f) => f !== 'BODY');
    assert.equal(await focused(page), 'listen-0', 'the focus went to the row\'s address, not the page');

    // with the mouse, a removed row's focus is left alone (no key meant for nothing lands in a field)
    await page.getByTestId('location-0-1').click();
    await page.getByRole('button', { name: '+ Header' }).click();
    await page.getByRole('button', { name: '+ Header' }).click();
    await page.getByLabel('Header 1 name').fill('Keep');
    await page.getByTitle('Remove header').nth(1).click();
    await page.getByLabel('Header 2 name').waitFor({ state: 'detached' });
    await page.keyboard.press('Backspace');
    assert.equal(await page.getByLabel('Header 1 name').inputValue(), 'Keep');
    assert.equal(await focused(page), 'BODY');
    await page.getByTitle('Remove header').click();
    // a held Enter on the last row's ✕ removes that row; its repeats press nothing the focus went to
    await page.getByRole('button', { name: '+ Header' }).click();
    await page.getByTitle('Remove header').focus();
    for (let i = 0; i < 6; i++) {
      await page.keyboard.down('Enter');
      await new Promise((r) => setTimeout(r, 40));
    }
    await page.keyboard.up('Enter');
    assert.equal(await page.getByTitle('Remove header').count(), 0, 'no header was added back by the held key');

    // ^/a moves past "/" and "^/b" is next: the focus follows the moved location's ↓
    await page.getByTestId('location-0-1').click();
    await page.getByTestId('location-0-1').getByRole('button', { name: 'Try ^/a later' }).focus();
    await page.keyboard.press('Enter');
    await poll(() => page.evaluate('document.activeElement?.getAttribute("aria-label")'), (f) => f === 'Try ^/a earlier');
    assert.ok(await page.getByTestId('location-0-3').getByRole('button', { name: 'Try ^/a earlier' }).evaluate((el) => el === el.ownerDocument.activeElement),
      'last of the regexes, it can only go back: the focus is on its other arrow');
    await page.getByTestId('revert').click();
  });
});

test('keyboard: Escape closes Capture settings and the route tester with the focus back on their openers; Export HAR keeps it on failure', async () => {
  await withPage(async (page) => {
    await page.locator('[data-tab="routes"]').click();
    await page.getByTestId('open-route-tester').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('route-tester').waitFor();
    assert.ok(await focusIn(page, 'route-tester'), 'the tester takes the focus');
    await page.keyboard.press('Escape');
    await page.getByTestId('route-tester').waitFor({ state: 'detached' });
    assert.equal(await focused(page), 'open-route-tester');

    await page.locator('[data-tab="sessions"]').click();
    await page.getByTestId('capture-settings-open').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('settings-save').waitFor();
    await page.getByTestId('settings-save').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('settings-saved').waitFor();
    assert.equal(await focused(page), 'settings-save', 'Save keeps the focus while it works');
    await page.keyboard.press('Escape');
    await page.getByTestId('capture-settings').waitFor({ state: 'detached' });
    assert.equal(await focused(page), 'capture-settings-open');

    // Alt+N from inside a screen: the focus goes to the new screen's tab, not the page
    await page.getByTestId('sessions-filter').focus();
    await page.keyboard.press('Alt+1');
    await page.getByTestId('add-server').waitFor();
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("data-tab")'), 'routes');
    await page.keyboard.press('Alt+3');
    await page.getByTestId('sessions-filter').waitFor();

    await page.route('**/api/exportHar', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify({ ok: false, error: { code: 'io', message: 'disk full' } }) }));
    await page.getByTestId('har-export').first().focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('har-export-error').first().waitFor();
    assert.equal(await focused(page), 'har-export', 'Export HAR kept the focus while it worked');
  });
});

test('keyboard: a session the peer closes while its close reason is typed takes the typing with it; no key lands on another control', async () => {
  const ws = await openSession('/ws/typing');
  await withPage(async (page) => {
    let exports = 0;
    await page.route('**/api/exportHar', (r) => (exports++, r.fulfill({ contentType: 'application/json', body: JSON.stringify({ ok: false, error: { code: 'io', message: 'no' } }) })));
    await page.locator('[data-tab="sessions"]').click();
    await page.locator('tbody tr').filter({ hasText: '/ws/typing' }).click();
    await page.getByTestId('close-reason').click();
    await page.keyboard.type('bye ');
    ws.close();
    await page.getByTestId('close-reason').waitFor({ state: 'detached' });
    await page.keyboard.type(' now  ');
    await page.keyboard.press('Enter');
    assert.equal(exports, 0, 'no button was pressed by the typing');
    assert.equal(await focused(page), 'BODY');
  });
});

test('keyboard: closing a session from its controls leaves the focus in the session, not on the page', async () => {
  const ws = await openSession('/ws/focus');
  try {
    await withPage(async (page) => {
      await page.locator('[data-tab="sessions"]').click();
      await page.locator('tbody tr').filter({ hasText: '/ws/focus' }).click();
      // the list names its selected row to a screen reader
      const active = await page.getByRole('listbox', { name: 'Sessions' }).getAttribute('aria-activedescendant');
      assert.match(await page.locator(`[id="${active}"]`).innerText(), /\/ws\/focus/);
      // its rows are its options (the table only lays them out), each named by its text
      const tree = await page.getByRole('listbox', { name: 'Sessions' }).ariaSnapshot();
      assert.match(tree, /^- listbox "Sessions":\n {2}- option ".*\/ws\/focus.*"/, tree);
      assert.doesNotMatch(tree, /- (table|row|rowgroup|columnheader|cell)\b/, tree);
      await page.getByTestId('close-reason').fill('bye');
      await page.getByTestId('close-session').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('close-session').waitFor({ state: 'detached' });
      await poll(() => focused(page), (f) => f !== 'BODY');
      assert.ok(await focusIn(page, 'session-detail'), `the focus is in the session's detail (${await focused(page)})`);
    });
  } finally {
    ws.terminate();
  }
});

test('keyboard: tab lists move with the arrow keys, Home and End, select as they move, and keep one tab in the Tab order', async () => {
  const ws = await openSession('/ws/tabs');
  try {
    await withPage(async (page) => {
      const tab = (id: string) => page.locator(`[data-tab="${id}"]`);
      /** The selected screen tab, whether it has the focus, and the tabs in the Tab order. */
      const screens = () => page.evaluate(`(() => { const tabs = [...document.querySelectorAll('[role="tablist"][aria-label="Screens"] [role="tab"]')];
        const sel = tabs.find((t) => t.getAttribute('aria-selected') === 'true');
        return [sel.dataset.tab, sel === document.activeElement, tabs.filter((t) => t.tabIndex === 0).map((t) => t.dataset.tab).join()]; })()`) as Promise<[string, boolean, string]>;
      await tab('routes').click();
      assert.deepEqual(await screens(), ['routes', true, 'routes']);
      await page.keyboard.press('ArrowRight');
      assert.deepEqual(await screens(), ['upstreams', true, 'upstreams']);
      await page.keyboard.press('End');
      assert.deepEqual(await screens(), ['nginx', true, 'nginx']);
      await page.keyboard.press('ArrowRight');
      assert.deepEqual(await screens(), ['routes', true, 'routes'], 'Right from the last wraps to the first');
      await page.keyboard.press('ArrowLeft');
      assert.deepEqual(await screens(), ['nginx', true, 'nginx']);
      await page.keyboard.press('Home');
      assert.deepEqual(await screens(), ['routes', true, 'routes']);

      // the sessions list's all / live / closed: one stop in the Tab order, the checked one; the arrows move and check
      await tab('sessions').click();
      await page.getByTestId('sessions-filter').focus();
      await page.keyboard.press('Tab');
      assert.equal(await focused(page), 'sessions-show-all');
      await page.keyboard.press('ArrowRight');
      assert.equal(await focused(page), 'sessions-show-live');
      assert.equal(await page.getByTestId('sessions-show-live').getAttribute('aria-checked'), 'true');
      await page.keyboard.press('ArrowUp');
      assert.equal(await focused(page), 'sessions-show-all');
      await page.keyboard.press('End');
      assert.equal(await page.getByTestId('sessions-show-closed').getAttribute('aria-checked'), 'true');
      await page.keyboard.press('Home');
      await page.keyboard.press('Tab');
      assert.ok(!(await focused(page)).startsWith('sessions-show-'), `Tab leaves the group (${await focused(page)})`);

      // a session's tabs; the nginx.conf screen's View, whose disabled "Changes" tab is passed over
      await tab('sessions').click();
      await page.locator('tbody tr').filter({ hasText: '/ws/tabs' }).click();
      await page.getByTestId('tab-messages').focus();
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.getByTestId('tab-details').getAttribute('aria-selected'), 'true');
      assert.equal(await focused(page), 'tab-details');
      await page.keyboard.press('ArrowRight');
      assert.equal(await focused(page), 'tab-messages');
      assert.equal(await page.getByTestId('tab-messages').getAttribute('aria-selected'), 'true');
      await tab('nginx').click();
      await page.getByTestId('view-file').focus();
      assert.equal(await page.getByTestId('view-diff').isDisabled(), true, 'nothing exported yet');
      await page.keyboard.press('ArrowRight');
      assert.equal(await focused(page), 'view-file');
      assert.equal(await page.getByTestId('view-file').getAttribute('aria-selected'), 'true');
    });
  } finally {
    ws.terminate();
  }
});
