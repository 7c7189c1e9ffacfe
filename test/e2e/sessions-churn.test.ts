// The sessions list under churn, in the browser: rows stay still under the pointer while new
// sessions open (they wait behind "↑ N new sessions"; the counts elsewhere stay live) or end (in
// the live list), and a click selects the session aimed at; the open session stays past the closed
// sessions kept. Real engine, web host, `ws` echo upstream and clients, and Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type WebSocket from 'ws';
import type { Page } from 'playwright-core';
import { poll, sleep } from '../helpers/wait.ts';
import { echoUiHost } from './echo-ui.ts';

const env = echoUiHost();

/** A client through the proxy, open. */
const client = (path: string): Promise<WebSocket> => env.open(path);

/** Open a session every `everyMs` until stopped (the stop waits for the last one). */
function stream(prefix: string, everyMs: number): { stop: () => Promise<number> } {
  let n = 0;
  let going = true;
  const done = (async () => {
    while (going) {
      await client(`/ws/${prefix}-${n++}`);
      await sleep(everyMs);
    }
  })();
  return { stop: async () => { going = false; await done; return n; } };
}

/** The session row (its data-testid) under the page point (x, y). */
const rowAt = (page: Page, x: number, y: number) => page.evaluate(`document.elementFromPoint(${x}, ${y})?.closest('tr')?.dataset.testid ?? null`);
const liveCount = (page: Page) => page.getByTestId('live-count').innerText();
/** The session rows rendered (the list is virtual: those in view, and a few more). */
const rowsOf = (page: Page) => page.locator('tbody tr[role="option"]');

test('new sessions wait while the pointer is over the list: the row under it stays, a click selects it', { timeout: 120_000 }, async () => {
  const first: WebSocket[] = [];
  for (let i = 0; i < 8; i++) first.push(await client(`/ws/first-${i}`));
  const { context, page, errors } = await env.ui.open();
  let churn: ReturnType<typeof stream> | undefined;
  try {
    await page.goto(`${env.ui.host.url}#/sessions`);
    const target = rowsOf(page).filter({ hasText: '/ws/first-5' });
    await target.waitFor();
    const box = (await target.boundingBox())!;
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    const aimed = await target.getAttribute('data-testid');
    await page.mouse.move(x, y);
    assert.equal(await rowAt(page, x, y), aimed);

    // 5 sessions a second open while the pointer rests on the row: it stays where it was
    churn = stream('churn', 200);
    assert.match(await poll(() => liveCount(page), (t) => /^1[1-9] live sessions$/.test(t)), /^1[1-9] live sessions$/, 'the status bar counts them at once');
    assert.equal(await rowAt(page, x, y), aimed, 'the row under the pointer is the one it was on');
    assert.deepEqual(await target.boundingBox(), box);
    await page.getByTestId('sessions-new').getByText(/↑ [3-9] new sessions/).waitFor();
    assert.match(await page.getByTestId('sessions-count').innerText(), /^1[1-9] \/ 1[1-9]$/);
    await env.ui.shot(page, 'sessions-churn-held');
    // a click (still during the churn) selects the session aimed at
    await page.mouse.click(x, y);
    await page.getByTestId('session-detail').locator('h2').filter({ hasText: '/ws/first-5' }).waitFor();
    assert.equal(await page.locator('tbody tr[aria-selected="true"]').getAttribute('data-testid'), aimed);
    const opened = await churn.stop();

    // (the list narrowed for the detail pane: the pointer may have left it) back on the list, the
    // button shows the sessions that wait; so does the pointer leaving the list
    await rowsOf(page).first().hover();
    await client('/ws/while-pointing');
    await page.getByTestId('sessions-new').click();
    await page.getByTestId('sessions-new').waitFor({ state: 'detached' });
    await rowsOf(page).filter({ hasText: '/ws/while-pointing' }).waitFor();
    await client('/ws/late');
    await page.getByTestId('sessions-new').getByText('↑ 1 new session').waitFor();
    await page.getByTestId('status-bar').hover();
    await rowsOf(page).filter({ hasText: '/ws/late' }).waitFor();
    assert.equal(await page.getByTestId('sessions-new').count(), 0);
    const all = 8 + opened + 2;
    assert.equal(await page.getByTestId('sessions-count').innerText(), `${all} / ${all}`, 'every session is listed');

    // the same while the keyboard moves through the list (the pointer elsewhere), until focus leaves it
    await page.getByRole('listbox', { name: 'Sessions' }).press('ArrowDown');
    await client('/ws/while-keying');
    await page.getByTestId('sessions-new').getByText('↑ 1 new session').waitFor();
    await page.getByTestId('sessions-filter').focus();
    await rowsOf(page).filter({ hasText: '/ws/while-keying' }).waitFor();
    assert.equal(await page.getByTestId('sessions-new').count(), 0);

    // among the live sessions, one that ends above the pointer keeps its row until the pointer leaves
    await page.getByTestId('sessions-show-live').click();
    const row = (path: string) => rowsOf(page).filter({ hasText: path });
    const liveBox = (await row('/ws/first-3').boundingBox())!;
    const [lx, ly] = [liveBox.x + liveBox.width / 2, liveBox.y + liveBox.height / 2];
    await page.mouse.move(lx, ly);
    const was = await liveCount(page);
    first[6]!.close();
    await poll(() => liveCount(page), (t) => t !== was);
    await row('/ws/first-6').and(page.locator('[data-state="closed"]')).waitFor();
    assert.equal(await rowAt(page, lx, ly), await row('/ws/first-3').getAttribute('data-testid'), 'the row under the pointer stays');
    await env.ui.shot(page, 'sessions-churn-live-ended');
    await page.getByTestId('status-bar').hover();
    await row('/ws/first-6').waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
  } catch (e) {
    await env.ui.shot(page, 'sessions-churn-failure');
    throw e;
  } finally {
    await churn?.stop();
    await context.close();
  }
});

test('the open session stays while the list drops old closed sessions (past the 500 kept)', { timeout: 120_000 }, async () => {
  const pinned = await client('/ws/pinned');
  pinned.send('kept');
  const { context, page, errors } = await env.ui.open();
  try {
    await page.goto(`${env.ui.host.url}#/sessions`);
    pinned.close();
    await page.locator('tbody tr[data-state="closed"]').filter({ hasText: '/ws/pinned' }).click();
    const title = page.getByTestId('session-detail').locator('h2').filter({ hasText: '/ws/pinned' });
    await title.waitFor();
    await page.getByTestId('frame-log').locator('[role="option"]').first().waitFor();
    await page.getByTestId('sessions-show-closed').click(); // (and the pointer is off the list: new sessions come in at once)
    const closedCount = () => page.getByTestId('sessions-count').innerText();
    await closeSessions('filler', 510);
    const shown = await poll(closedCount, (t) => t.startsWith('501 /'), 15_000);
    assert.match(shown, /^501 \/ 5\d\d$/, 'the 500 newest closed sessions, and the open one');
    assert.equal(await title.count(), 1, 'its detail is still shown');
    // (the oldest row: at the end of the list, rendered once scrolled to)
    await page.evaluate(`document.querySelector('[role="listbox"][aria-label="Sessions"]').scrollTop = 1e9`);
    await page.locator('tbody tr[aria-selected="true"]').filter({ hasText: '/ws/pinned' }).waitFor();
    assert.ok(await page.getByTestId('frame-log').locator('[role="option"]').count() > 0, 'with its frames');
    await env.ui.shot(page, 'sessions-pinned-past-limit');

    // closed, it goes with the next session that ends
    await page.getByRole('listbox', { name: 'Sessions' }).press('Escape');
    await page.getByTestId('session-detail').waitFor({ state: 'detached' });
    await closeSessions('after', 1);
    assert.match(await poll(closedCount, (t) => t.startsWith('500 /'), 10_000), /^500 \//);
    await page.evaluate(`document.querySelector('[role="listbox"][aria-label="Sessions"]').scrollTop = 1e9`);
    await page.locator('tbody tr:last-child[role="option"]').waitFor(); // (the rows at the end are rendered: no spacer after them)
    assert.equal(await rowsOf(page).filter({ hasText: '/ws/pinned' }).count(), 0);
    assert.deepEqual(errors, []);
  } catch (e) {
    await env.ui.shot(page, 'sessions-pinned-failure');
    throw e;
  } finally {
    await context.close();
  }
});

test('the one live session ending under the pointer keeps its row, and no "no session matches" beside it', { timeout: 60_000 }, async () => {
  const solo = await client('/ws/solo-one');
  const { context, page, errors } = await env.ui.open();
  try {
    await page.goto(`${env.ui.host.url}#/sessions`);
    await page.getByTestId('sessions-show-live').click();
    await page.getByTestId('sessions-filter').fill('solo-one');
    const row = rowsOf(page).filter({ hasText: '/ws/solo-one' });
    await row.hover();
    solo.close();
    await row.and(page.locator('[data-state="closed"]')).waitFor();
    assert.equal(await page.getByTestId('sessions-no-match').count(), 0);
    await page.getByTestId('status-bar').hover();
    await page.getByTestId('sessions-no-match').waitFor();
    assert.equal(await row.count(), 0);
    // a matching session that opens while the pointer is over the empty list waits behind its button, and no notice says none matches
    await page.getByTestId('sessions-filter').fill('solo-two');
    await page.getByTestId('sessions-no-match').hover();
    await client('/ws/solo-two');
    await page.getByTestId('sessions-new').waitFor();
    assert.equal(await page.getByTestId('sessions-no-match').count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

/** `n` sessions opened and closed, 50 at a time. */
async function closeSessions(prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, n - i) }, async (_, j) => {
      const ws = await client(`/ws/${prefix}-${i + j}`);
      await new Promise((resolve) => { ws.once('close', resolve); ws.close(); });
    }));
  }
}
