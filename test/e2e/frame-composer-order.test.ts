// The frame composer in real chromium, its answers held back by page.route: a replay's answer that
// came after another frame was selected said where the new frame would go, not where the replayed
// one went ("Replayed frame #0 to the client" for a client message, sent upstream); a message's,
// after the direction was switched, the direction switched to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { until } from '../helpers/wait.ts';
import { echoUiHost } from './echo-ui.ts';
import { holdAnswer } from './held-answer.ts';

const env = echoUiHost();

test("a replay's late answer names where the replayed message went, another frame selected meanwhile", { timeout: 60_000 }, async () => {
  const { context, page, errors } = await env.ui.open();
  try {
    const c = await env.counting('/ws/replay');
    c.ws.send('hello');
    await until(() => c.echoes() === 1, 10_000);
    await page.goto(`${env.ui.host.url}#/sessions`);
    await page.locator('tbody tr').filter({ hasText: '/ws/replay' }).click();
    const rows = page.getByTestId('frame-log').locator('[role="option"]');
    const replay = await holdAnswer(page, '**/api/replayFrame');
    await rows.and(page.locator('[data-from="client"]')).first().click();
    await page.getByTestId('replay').click();
    await until(() => c.echoes() === 2, 10_000); // (replayed upstream: its echo came back)
    await rows.and(page.locator('[data-from="upstream"]')).first().click();
    await replay.release();
    await page.getByTestId('compose-info').getByText(/^Replayed frame #0 to the upstream/).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("a message's late answer names where it was sent, the direction switched meanwhile", { timeout: 60_000 }, async () => {
  const { context, page, errors } = await env.ui.open();
  try {
    const c = await env.counting('/ws/inject');
    await page.goto(`${env.ui.host.url}#/sessions`);
    await page.locator('tbody tr').filter({ hasText: '/ws/inject' }).click();
    const sent = await holdAnswer(page, '**/api/injectMessage');
    await page.getByTestId('compose-direction').selectOption('client');
    await page.getByTestId('compose-message').fill('from switchyard');
    await page.getByTestId('compose-send').click();
    await until(() => c.echoes() === 1, 10_000); // (it reached the client)
    await page.getByTestId('compose-direction').selectOption('upstream');
    await sent.release();
    await page.getByTestId('compose-info').getByText(/^Sent 15 B to the client/).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
