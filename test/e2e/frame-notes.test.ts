// What the frame log says about frames it does not show, in the browser: a burst the live feed
// skipped is offered as a reload (not blamed on the per-session cap), and a closed session whose
// frames went to the limit over all sessions says so (not that it logged none). Real engine, web
// host, `ws` echo upstream and clients, and Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { until } from '../helpers/wait.ts';
import { echoUiHost } from './echo-ui.ts';

const env = echoUiHost();

const client = (path: string) => env.counting(path);

/** Send `n` messages and wait for their echoes. */
async function burst(c: Awaited<ReturnType<typeof client>>, n: number, label: string): Promise<void> {
  const had = c.echoes();
  for (let i = 0; i < n; i++) c.ws.send(`${label} ${i}`);
  await until(() => c.echoes() === had + n, 30_000);
}

const openSession = (page: Page, path: string) => page.locator('tbody tr').filter({ hasText: path }).click();

async function inPage(name: string, fn: (page: Page) => Promise<void>): Promise<void> {
  const { context, page, errors } = await env.ui.open();
  try {
    await page.goto(`${env.ui.host.url}#/sessions`);
    await fn(page);
    assert.deepEqual(errors, []);
  } catch (e) {
    await env.ui.shot(page, `${name}-failure`);
    throw e;
  } finally {
    await context.close();
  }
}

test('a burst the live feed skipped is not blamed on the per-session cap: the log offers a reload, which brings it all', { timeout: 120_000 }, () => inPage('frame-notes-burst', async (page) => {
  const settings = await env.ui.service.handle('setSettings', { framesPerSession: 100_000 });
  assert.ok(settings.ok, JSON.stringify(settings));
  const c = await client('/ws/burst');
  await openSession(page, '/ws/burst');
  await page.getByTestId('frames-empty').waitFor();
  await burst(c, 20_000, 'burst'); // 40,000 rows: the feed sends the newest of each batch
  await page.getByTestId('frames-missed').getByText(/^\s*[\d,]+ frames were not sent live/).waitFor();
  assert.equal(await page.getByTestId('frames-older-dropped').count(), 0, 'no cap was passed: 40,000 rows, 100,000 kept');
  await env.ui.shot(page, 'frame-notes-burst');
  await page.getByTestId('frames-missed').getByRole('button', { name: 'Reload the log' }).click();
  await page.getByTestId('frame-count').getByText('40,000', { exact: true }).waitFor();
  assert.equal(await page.getByTestId('frames-missed').count(), 0);
  assert.equal(await page.getByTestId('frames-older-dropped').count(), 0);

  // with the cap at 100 the older rows are past it, and the note says so
  assert.ok((await env.ui.service.handle('setSettings', { framesPerSession: 100 })).ok);
  await burst(c, 100, 'more');
  await page.getByRole('listbox', { name: 'Sessions' }).press('Escape'); // (closed and opened again)
  await page.getByTestId('session-detail').waitFor({ state: 'detached' });
  await openSession(page, '/ws/burst');
  await page.getByTestId('frames-older-dropped').getByText(/^\s*40,\d\d\d older frames are not kept: past the frames kept per session \(Capture settings\), the oldest go first\.\s*$/).waitFor();
  assert.equal(await page.getByTestId('frame-count').innerText(), '100');
  await env.ui.shot(page, 'frame-notes-cap');
}));

test('a closed session whose frames went to the limit over all sessions says so, not that it logged none', { timeout: 120_000 }, () => inPage('frame-notes-evicted', async (page) => {
  assert.ok((await env.ui.service.handle('setSettings', { framesPerSession: 5000 })).ok); // (over all sessions: 50,000)
  const gone = await client('/ws/evicted');
  await burst(gone, 10, 'gone');
  await new Promise((resolve) => { gone.ws.once('close', resolve); gone.ws.close(); });
  // 11 sessions of 5,200 rows: past 50,000, closed sessions' logs go first
  await Promise.all(Array.from({ length: 11 }, async (_, i) => burst(await client(`/ws/busy-${i}`), 2600, 'busy')));
  await page.locator('tbody tr[data-state="closed"]').filter({ hasText: '/ws/evicted' }).click();
  await page.getByTestId('frames-empty').getByText(/^\s*This session's frames \(22 frames counted above\) are no longer kept: past the frames kept over all sessions, closed sessions' logs go first\.\s*$/).waitFor();
  await env.ui.shot(page, 'frame-notes-evicted');
}));
