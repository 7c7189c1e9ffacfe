// The nginx.conf screen in real chromium, a request or answer held back by page.route. The screen
// asks for the last export as it opens, and a Mark as exported made before that answer came was
// replaced by it (the export before, or none: "Changes since export" compared with the old text, or
// went off). The draft is exported as the service has it, and the page sends an edit 300 ms after
// the typing: a Mark (Copy, Save) of the draft right after an edit took the draft before it. An
// export asked for before the shape was switched, answered after, was taken as the new shape's: a
// Save right then downloaded the full file under the snippet's name.
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { freePort } from '../helpers/ports.ts';
import { until } from '../helpers/wait.ts';
import { uiHostFor } from './ui-host.ts';
import { holdAnswer } from './held-answer.ts';

const env = uiHostFor({
  schemaVersion: 1,
  upstreams: [],
  servers: [{ listen: [{ address: `127.0.0.1:${await freePort()}`, defaultServer: true }], locations: [{ name: 'site', path: '/', proxyPass: 'http://127.0.0.1:9100' }] }],
});

test("Mark as exported before the last export's answer came: the mark stays the last export", { timeout: 60_000 }, async () => {
  const marked = await env.ui.service.handle('markExported', { text: 'an older export\n', how: 'copy', source: 'applied', shape: 'full' });
  assert.ok((marked as { ok: boolean }).ok);
  const { context, page, errors } = await env.ui.open();
  try {
    const last = await holdAnswer(page, '**/api/lastExport'); // (the service answers at once: the older export)
    await page.locator('[data-tab="nginx"]').click();
    await page.getByTestId('nginx-conf').getByText('proxy_pass').first().waitFor();
    await page.getByTestId('mark-exported').click();
    await page.getByTestId('export-notice').getByText('Marked as exported').waitFor();
    await last.release();
    await page.waitForTimeout(200);
    assert.match(await page.getByTestId('view-diff').getAttribute('title') ?? '', /^Changes since the export you marked as exported at /);
    await page.getByTestId('view-diff').click();
    await page.getByTestId('diff-same').waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('Mark as exported of the draft right after an edit, its setDraft slow: the mark is of the edited draft', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await env.ui.open();
  try {
    await page.route('**/api/setDraft', async (route) => {
      await new Promise((r) => setTimeout(r, 1000));
      await route.continue();
    });
    await page.getByTestId('location-0-0').click();
    await page.locator('#loc-name').fill('renamed');
    await page.locator('[data-tab="nginx"]').click();
    await page.getByTestId('export-source').selectOption('draft');
    await page.getByTestId('mark-exported').click();
    await page.getByTestId('export-notice').getByText('Marked as exported').waitFor();
    const last = await env.ui.service.handle('lastExport', {}) as { ok: true; value: { text: string; source: string } };
    assert.equal(last.value.source, 'draft');
    assert.match(last.value.text, /# route: renamed/);
    await page.getByTestId('nginx-conf').getByText('# route: renamed').waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("Save right after switching the shape, an export asked for before the switch answered after it: the shape chosen is saved", { timeout: 60_000 }, async () => {
  const { context, page, errors } = await env.ui.open();
  try {
    await page.locator('[data-tab="nginx"]').click();
    await page.getByTestId('nginx-conf').getByText('events {}').waitFor();
    const snippet = await holdAnswer(page, '**/api/exportNginx');
    await page.getByTestId('export-shape').selectOption('snippet');
    await until(snippet.asked);
    await page.getByTestId('export-shape').selectOption('full');
    await snippet.release();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save').click()]);
    assert.equal(download.suggestedFilename(), 'nginx.conf');
    assert.match(readFileSync((await download.path())!, 'utf8'), /^events \{\}/m, 'the full file, not the snippet');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('Mark as exported pressed twice while the export is on its way: both end, with one export each', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await env.ui.open();
  try {
    await page.locator('[data-tab="nginx"]').click();
    await page.getByTestId('export-source').selectOption('draft');
    await page.getByTestId('nginx-conf').getByText('proxy_pass').first().waitFor();
    await page.waitForTimeout(600); // (the export of the switch to the draft has come)
    let exports = 0;
    page.on('request', (r) => void (r.url().endsWith('/api/exportNginx') && exports++));
    const first = await holdAnswer(page, '**/api/exportNginx');
    await page.getByTestId('mark-exported').click();
    await until(first.asked);
    await page.getByTestId('mark-exported').click();
    await first.release();
    await page.getByTestId('export-notice').getByText('Marked as exported').waitFor();
    await page.waitForTimeout(500);
    assert.ok(exports <= 3, `the two marks asked for ${exports} exports`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
