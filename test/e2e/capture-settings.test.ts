// The capture settings panel in real chromium on the real web host: it shows the settings as the
// service has them, checks them (each problem said beside its field, nothing sent), and saves them
// through the API; Escape closes it. Save's answer filled the whole form, over a field edited while
// it was on its way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uiHostFor } from './ui-host.ts';
import { holdAnswer } from './held-answer.ts';

const env = uiHostFor({ schemaVersion: 1, servers: [] });

test('capture settings: shown as the service has them, checked, saved through the API', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await env.ui.open();
  const before = await env.ui.service.handle('getSettings', {});
  assert.ok(before.ok);
  try {
    await page.goto(`${env.ui.host.url}#/sessions`);
    // opened, it takes the focus: Escape closes it at once
    await page.getByTestId('capture-settings-open').click();
    const panel = page.getByTestId('capture-settings');
    await panel.waitFor();
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    await page.getByTestId('capture-settings-open').click();
    await panel.getByTestId('settings-save').waitFor();
    assert.deepEqual(await Promise.all(['settings-per-message', 'settings-total', 'settings-frames'].map((id) => panel.getByTestId(id).inputValue())), ['64', '32', '5000']);
    assert.equal(await panel.getByTestId('settings-redact').isChecked(), true);
    assert.match(await panel.getByTestId('settings-headers').inputValue(), /^authorization, proxy-authorization, cookie, set-cookie, x-api-key, x-auth-token, x-switchyard-token$/);
    assert.match(await panel.getByTestId('settings-query').inputValue(), /^access_token, id_token, refresh_token, token, .*, x-amz-security-token$/);
    // what is wrong is said beside each field it concerns (marked invalid, the message its
    // description), and nothing is sent
    await panel.getByTestId('settings-frames').fill('10');
    await panel.getByTestId('settings-total').fill('');
    await panel.getByTestId('settings-headers').fill('authorization, x:y');
    await panel.getByTestId('settings-save').click();
    const said = async (id: string) => {
      const field = panel.getByTestId(id);
      assert.equal(await field.getAttribute('aria-invalid'), 'true', id);
      return page.locator(`#${await field.getAttribute('aria-describedby')}`).innerText();
    };
    assert.equal(await said('settings-frames'), 'from 100 to 1000000');
    assert.equal(await said('settings-total'), 'from 0 to 4096');
    assert.equal(await said('settings-headers'), '"x:y" is not a header name');
    assert.equal(await panel.getByTestId('settings-per-message').getAttribute('aria-invalid'), null);
    assert.equal(await panel.getByTestId('settings-error').count(), 0);
    await env.ui.shot(page, 'capture-settings-field-issues');
    assert.deepEqual(await env.ui.service.handle('getSettings', {}), before);
    // a fraction of a frame is refused (it was rounded and saved), and a NUL in a name is named
    await panel.getByTestId('settings-frames').fill('100.5');
    await panel.getByTestId('settings-headers').fill('a\u0000b');
    await panel.getByTestId('settings-save').click();
    assert.equal(await said('settings-frames'), 'a whole number, from 100 to 1000000');
    assert.equal(await said('settings-headers'), '"a\\x00b" is not a header name');
    assert.deepEqual(await env.ui.service.handle('getSettings', {}), before);
    assert.equal(await panel.getByTestId('settings-frames').inputValue(), '100.5', 'what was typed stays');
    // (editing a field ends what was said of it)
    await panel.getByTestId('settings-frames').fill('200');
    assert.equal(await panel.getByTestId('settings-frames').getAttribute('aria-invalid'), null);
    assert.equal(await panel.getByTestId('settings-total').getAttribute('aria-invalid'), 'true');
    const edits = { 'settings-frames': '2000', 'settings-total': '1', 'settings-per-message': '2', 'settings-headers': 'authorization, cookie, X-Api-Key', 'settings-query': 'token, Room' };
    for (const [id, v] of Object.entries(edits)) await panel.getByTestId(id).fill(v);
    await panel.getByTestId('settings-save').click();
    await panel.getByTestId('settings-saved').waitFor();
    await env.ui.shot(page, 'capture-settings');
    const now = await env.ui.service.handle('getSettings', {});
    assert.ok(now.ok);
    assert.deepEqual(now.value, { redact: true, redactHeaders: ['authorization', 'cookie', 'x-api-key'], redactQuery: ['token', 'room'], payloadPerMessage: 2048, payloadTotal: 1024 * 1024, framesPerSession: 2000 });
    // (after a save the focus is still in the dialog: Escape closes it)
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
  } catch (e) {
    await env.ui.shot(page, 'capture-settings-failure');
    throw e;
  } finally {
    if (before.ok) await env.ui.service.handle('setSettings', before.value);
    await context.close();
  }
});

test("a field edited while Save's answer is on its way keeps what was typed; the others show the saved settings", { timeout: 60_000 }, async () => {
  const { context, page, errors } = await env.ui.open();
  const before = await env.ui.service.handle('getSettings', {});
  try {
    const saving = await holdAnswer(page, '**/api/setSettings');
    await page.goto(`${env.ui.host.url}#/sessions`);
    await page.getByTestId('capture-settings-open').click();
    const panel = page.getByTestId('capture-settings');
    await panel.getByTestId('settings-save').waitFor();
    await panel.getByTestId('settings-headers').fill('authorization, X-Foo');
    await panel.getByTestId('settings-frames').fill('3000');
    await panel.getByTestId('settings-save').click();
    await panel.getByTestId('settings-frames').fill('4000'); // (typed on, the answer still on its way)
    await saving.release();
    await panel.getByTestId('settings-saved').waitFor();
    assert.equal(await panel.getByTestId('settings-frames').inputValue(), '4000');
    assert.equal(await panel.getByTestId('settings-headers').inputValue(), 'authorization, x-foo', 'as the service keeps them');
    const now = await env.ui.service.handle('getSettings', {});
    assert.ok(now.ok);
    assert.equal((now.value as { framesPerSession: number }).framesPerSession, 3000, 'what was saved');
    assert.deepEqual(errors, []);
  } finally {
    if (before.ok) await env.ui.service.handle('setSettings', before.value);
    await context.close();
  }
});
