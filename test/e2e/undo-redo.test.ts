// Undo apply of a draft with no edits, in real chromium on the real app: the config it stops running
// is kept for Restore edits, so a mistaken undo is one Restore edits and one Apply from being redone
// (it was gone: the undo had replaced it in the service, and in the workspace file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../helpers/ports.ts';
import { uiHostFor } from './ui-host.ts';
import { holdAnswer } from './held-answer.ts';

const port = await freePort();
const env = uiHostFor({
  schemaVersion: 1,
  servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ name: 'first', path: '/', proxyPass: 'http://127.0.0.1:9' }] }],
});

/** The label of the running config's location. */
async function runningLabel(): Promise<unknown> {
  const r = await env.ui.service.handlers.getConfig({});
  assert.ok(r.ok);
  return (r.value.applied as { servers: Array<{ locations: Array<{ name?: string }> }> }).servers[0]!.locations[0]!.name;
}

test('Undo apply keeps the config it undid for Restore edits: restored and applied, the apply is redone', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await env.ui.open();
  try {
    await page.getByTestId('location-0-0').click();
    const label = page.locator('#loc-name');
    await label.fill('second');
    await page.getByTestId('apply').click();
    await page.getByTestId('draft-clean').getByText('Applied', { exact: true }).waitFor();
    assert.equal(await runningLabel(), 'second');
    // undone with no edits in the draft: the first config runs again, and the second is kept
    await page.getByTestId('undo').click();
    await page.getByTestId('draft-clean').getByText('Went back to the config before the last apply').waitFor();
    assert.equal(await label.inputValue(), 'first');
    assert.equal(await runningLabel(), 'first');
    await env.ui.shot(page, 'undo-keeps-undone-config');
    await page.getByTestId('restore-edits').click();
    await page.getByTestId('draft-dirty').waitFor();
    assert.equal(await label.inputValue(), 'second');
    await page.getByTestId('apply').click();
    await page.getByTestId('draft-clean').getByText('Applied', { exact: true }).waitFor();
    assert.equal(await runningLabel(), 'second', 'the apply is redone');
    assert.equal(await page.getByTestId('undo').getAttribute('aria-disabled'), 'false', 'and can be undone again');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('typing right after Apply, while the apply\'s answer is slow to come, keeps what was typed', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await env.ui.open();
  try {
    // the feed says the apply ran, and the edit typed then is sent and answered, before the apply's
    // own answer comes back (held until then, however slow the feed is)
    const applying = await holdAnswer(page, '**/api/apply');
    await page.getByTestId('location-0-0').click();
    const label = page.locator('#loc-name');
    await label.fill('applied slowly');
    await page.getByTestId('apply').click();
    await page.getByTestId('draft-clean').waitFor();
    assert.ok(applying.asked());
    const edited = page.waitForResponse((r) => r.url().endsWith('/api/setDraft') && (r.request().postData() ?? '').includes('typed before the answer'));
    await label.fill('typed before the answer');
    await edited; // (the edit is sent to the service 300 ms after typing)
    await applying.release();
    await page.locator('[data-testid="apply"][aria-disabled="false"]').waitFor(); // (the page has the answer: Apply is no longer busy)
    assert.equal(await label.inputValue(), 'typed before the answer');
    await page.getByTestId('draft-dirty').waitFor();
    const r = await env.ui.service.handlers.getConfig({});
    assert.ok(r.ok);
    assert.equal((r.value.draft as { servers: Array<{ locations: Array<{ name?: string }> }> }).servers[0]!.locations[0]!.name, 'typed before the answer');
    await page.getByTestId('revert').click();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
