// The frame log's follow-tail when the log's pane changes size: a log that says "Following" shows
// its newest frame, also after the window shrinks or a line (an invalid filter's error) takes room
// above it, with no new frame to scroll it. Real engine, web host, `ws` echo upstream and client,
// and Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import { until, poll } from '../helpers/wait.ts';
import { echoUiHost } from './echo-ui.ts';

const env = echoUiHost();

/** The log is scrolled to its end (its last row in view). */
const atEnd = (log: Locator) => log.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 10);

test('a following frame log stays at its newest frame when its pane gets smaller', { timeout: 90_000 }, async () => {
  const { context, page, errors } = await env.ui.open();
  try {
    const c = await env.counting('/ws/tail');
    for (let i = 0; i < 40; i++) c.ws.send(`message ${i}`);
    await until(() => c.echoes() === 40, 10_000);
    await page.goto(`${env.ui.host.url}#/sessions`);
    await page.locator('tbody tr').filter({ hasText: '/ws/tail' }).click();
    await page.getByTestId('frame-count').getByText('80', { exact: true }).waitFor();
    const log = page.getByTestId('frame-log');
    const follow = page.locator('[data-testid="frame-follow"][aria-pressed="true"]');
    await follow.waitFor();
    assert.ok(await poll(() => atEnd(log), (x) => x), 'at the newest frame when opened');

    // an invalid regex: its error takes a line above the log (the last good filter stays)
    await page.getByTestId('frame-filter-regex').check();
    await page.getByTestId('frame-filter-text').fill('(');
    await page.getByTestId('frame-filter-error').waitFor();
    await follow.waitFor();
    assert.ok(await poll(() => atEnd(log), (x) => x), 'still at the newest frame with the error line above the log');

    // a smaller window
    await page.setViewportSize({ width: 1280, height: 560 });
    await follow.waitFor();
    assert.ok(await poll(() => atEnd(log), (x) => x), 'still at the newest frame in a smaller window');
    await page.getByTestId('frame-log').getByText('message 39').last().waitFor();
    await env.ui.shot(page, 'follow-tail-resized');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
