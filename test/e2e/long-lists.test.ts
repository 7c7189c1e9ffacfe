// The sessions list and the HTTP log hold up to 500 closed sessions and 2,000 exchanges, and render
// only the rows in view (util/virtual-table.ts): every row is still reached by scrolling and by the
// keyboard, the row moved to is in view below the sticky header, and the list's active descendant
// names it. Real engine, web host, `ws` echo upstream (plain GETs through its route are exchanges
// too), and Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Page } from 'playwright-core';
import { poll } from '../helpers/wait.ts';
import { echoUiHost } from './echo-ui.ts';

const env = echoUiHost();

/** The rendered row under the centre of the selected row, and the list's active descendant. */
async function selectedInView(page: Page, list: string): Promise<{ selected: string | null; underIt: string | null; active: string | null }> {
  return JSON.parse(await page.evaluate(`(() => {
    const list = document.querySelector('[role="listbox"][aria-label="${list}"]');
    const row = list.querySelector('tbody tr[aria-selected="true"]');
    const box = row?.getBoundingClientRect();
    const hit = box ? document.elementFromPoint(box.left + 30, box.top + box.height / 2)?.closest('tr') : null;
    return JSON.stringify({ selected: row?.id ?? null, underIt: hit?.id ?? null, active: list.getAttribute('aria-activedescendant') });
  })()`) as string) as { selected: string | null; underIt: string | null; active: string | null };
}

/** The row drawn just below the list's header, wherever the list is scrolled to. */
const topRow = (page: Page, list: string) => page.evaluate(`(() => {
  const el = document.querySelector('[role="listbox"][aria-label="${list}"]');
  const head = el.querySelector('th').getBoundingClientRect(); // (the header cells are sticky)
  return document.elementFromPoint(head.left + 30, head.bottom + 5)?.closest('tr[role="option"]')?.id ?? null;
})()`) as Promise<string | null>;

/** Home, End, PageDown and ↑ reach the list's first and last rows: each selected row is in view, clear of the header. */
async function keyboardReaches(page: Page, list: string, first: string, last: string) {
  const box = page.getByRole('listbox', { name: list });
  for (const [key, want] of [['End', last], ['Home', first], ['End', last], ['PageUp', null], ['ArrowUp', null], ['Home', first]] as const) {
    await box.press(key);
    const at = await poll(() => selectedInView(page, list), (s) => s.selected !== null && s.underIt === s.selected);
    assert.equal(at.underIt, at.selected, `after ${key}, the selected row is in view, not under the header`);
    assert.equal(at.active, at.selected, `after ${key}, the list's active descendant is the selected row`);
    if (want) assert.equal(at.selected, want, `${key} selects the ${want === first ? 'first' : 'last'} row`);
  }
}

/** A page on the `screen` list ('sessions' or 'http') once it counts `n` of `n`, which renders only
 * the rows in view of them (and a few more). */
async function openFull(screen: 'sessions' | 'http', n: number) {
  const opened = await env.ui.open();
  await opened.page.goto(`${env.ui.host.url}#/${screen}`);
  await opened.page.getByTestId(`${screen}-count`).getByText(`${n} / ${n}`).waitFor();
  const rows = opened.page.locator('tbody tr[role="option"]');
  const rendered = await rows.count();
  assert.ok(rendered > 20 && rendered < 80, `${rendered} of ${n} rows rendered: those in view`);
  return { ...opened, rows };
}

test('the sessions list renders the rows in view of 500, and reaches every one by scroll and keyboard', { timeout: 120_000 }, async () => {
  for (let i = 0; i < 520; i += 40) {
    await Promise.all(Array.from({ length: Math.min(40, 520 - i) }, async () => {
      const ws = await env.open('/ws/old');
      await new Promise((resolve) => { ws.once('close', resolve); ws.close(); });
    }));
  }
  await env.open('/ws/newest');
  const { context, page, errors, rows } = await openFull('sessions', 501);
  try {
    const ids = env.ui.service.snapshot().sessions.map((s) => `session-row-${s.id}`).sort((a, b) => Number(a.slice(12)) - Number(b.slice(12)));
    assert.equal(ids.length, 501);
    const [newest, oldest] = [ids.at(-1)!, ids[0]!];
    assert.equal(await rows.first().getAttribute('id'), newest, 'the newest on top');

    // scrolled, the rows drawn are the ones at that place: never a blank list
    for (const at of [0.5, 1]) {
      await page.evaluate(`(() => { const el = document.querySelector('[role="listbox"][aria-label="Sessions"]'); el.scrollTop = ${at} * (el.scrollHeight - el.clientHeight); })()`);
      assert.match(await poll(() => topRow(page, 'Sessions'), (id) => id !== null) ?? '', /^session-row-\d+$/, `a row below the header at ${at * 100}%`);
    }
    await page.locator(`#${oldest}`).waitFor();
    await env.ui.shot(page, 'sessions-long-scrolled');

    await keyboardReaches(page, 'Sessions', newest, oldest);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the HTTP log renders the rows in view of 2,000, filters all of them, and reaches every one by keyboard', { timeout: 120_000 }, async () => {
  const port = env.ui.service.snapshot().listeners[0]!.port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const get = (path: string) => new Promise<void>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
  for (let i = 0; i < 2100; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => get(`/ws/get-${i + j}`)));
  agent.destroy();
  const { context, page, errors, rows } = await openFull('http', 2000);
  try {
    await rows.first().filter({ hasText: '/ws/get-2099' }).waitFor();

    // a filter runs over every row, rendered or not
    await page.getByTestId('http-filter').fill('get-100');
    await page.getByTestId('http-count').getByText('1 / 2000').waitFor(); // (get-100: get-1000.. went out of the 2,000 kept)
    await page.getByTestId('http-filter').fill('get-1');
    await page.getByTestId('http-count').getByText(/^\d+ \/ 2000$/).waitFor();
    const shown = Number((await page.getByTestId('http-count').innerText()).split(' ')[0]);
    assert.ok(shown > 1000, `${shown} rows match "get-1"`);
    await page.getByTestId('http-filter').fill('');
    await page.getByTestId('http-count').getByText('2000 / 2000').waitFor();

    const kept = env.ui.service.snapshot().exchanges.map((e) => e.id).sort((a, b) => a - b);
    assert.equal(kept.length, 2000);
    await keyboardReaches(page, 'HTTP exchanges', `exchange-row-${kept.at(-1)}`, `exchange-row-${kept[0]}`);
    await env.ui.shot(page, 'http-long-end');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the list keeps the closed sessions the service keeps: the last 500 to end, a long-lived one among them', { timeout: 120_000 }, async () => {
  const long = await env.open('/ws/long-lived');
  const { context, page, errors } = await env.ui.open();
  try {
    await page.goto(`${env.ui.host.url}#/sessions`);
    await page.getByTestId('sessions-show-closed').click();
    for (let i = 0; i < 510; i += 51) {
      await Promise.all(Array.from({ length: 51 }, async () => {
        const ws = await env.open('/ws/short');
        await new Promise((resolve) => { ws.once('close', resolve); ws.close(); });
      }));
    }
    await new Promise((resolve) => { long.once('close', resolve); long.close(); });
    await page.getByTestId('sessions-count').getByText(/^500 \/ 5\d\d$/).waitFor();
    const service = env.ui.service.snapshot().sessions.filter((s) => s.state === 'closed').map((s) => `session-row-${s.id}`).sort();
    const longId = env.ui.service.snapshot().sessions.find((s) => s.url.includes('long-lived'))!.id;
    // (it opened first: its row is at the end of the list, newest first)
    await page.evaluate(`document.querySelector('[role="listbox"][aria-label="Sessions"]').scrollTop = 1e9`);
    await page.locator(`#session-row-${longId}[data-state="closed"]`).waitFor();
    assert.equal(service.length, 500);
    assert.ok(service.includes(`session-row-${longId}`), 'the service keeps it: it ended last');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
