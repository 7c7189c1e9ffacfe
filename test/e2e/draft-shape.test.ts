// A hand-written config that is JSON but not of the shape the editors read (`"servers": [null]`,
// a listen that is text) opens as a draft in real chromium: every screen renders without a page
// error, the route and upstream screens say which entries they cannot show, and taking those out
// keeps the rest of the draft, which then applies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../helpers/ports.ts';
import { poll } from '../helpers/wait.ts';
import { startUiHost, type UiHost } from './ui-host.ts';
import type { ConfigState } from '../../app/api/views.ts';

let ui: UiHost;
let port: number;

before(async () => {
  port = await freePort();
  ui = await startUiHost({
    schemaVersion: 1,
    upstreams: [null, { name: 'app', method: 'hash', servers: [{ address: '127.0.0.1:9201' }] }],
    servers: [
      null,
      { listen: [{ address: `127.0.0.1:${port}` }], serverNames: ['a.test'], locations: [{ path: '/', proxyPass: 'http://app', proxySetHeader: [7, { name: 'Host', value: '$host' }] }] },
      { listen: '8080', locations: [] },
    ],
  });
}, { timeout: 180_000 });

after(async () => {
  await ui?.close();
});

test('a draft of entries the editors cannot show: each screen renders, says where, and taking them out keeps the rest', { timeout: 90_000 }, async () => {
  const { context, page, errors } = await ui.open();
  const repair = page.getByTestId('shape-repair');
  await repair.waitFor();
  const breaks = async () => repair.locator('[data-break]').evaluateAll((els) => els.map((e) => e.getAttribute('data-break')));
  assert.deepEqual(await breaks(), ['servers[0]', 'servers[1].locations[0].proxySetHeader[0]', 'servers[2].listen']);
  assert.match(await repair.innerText(), /servers\[2\]\.listen: a string, where a list goes/);
  assert.match(await repair.innerText(), /5 such entries in all, on the other screen too/);
  assert.ok(await page.getByTestId('add-server').isDisabled(), '+ Server is off while the list cannot be shown');
  await ui.shot(page, 'draft-shape-routes');

  await page.locator('[data-tab="upstreams"]').click();
  await repair.waitFor();
  assert.deepEqual(await breaks(), ['upstreams[0]', 'upstreams[1].method']);
  for (const tab of ['sessions', 'http', 'nginx']) {
    await page.locator(`[data-tab="${tab}"]`).click();
    await page.locator(`[data-tab="${tab}"][aria-selected="true"]`).waitFor();
  }
  await page.locator('[data-tab="routes"]').click();
  assert.ok(await page.getByTestId('apply').isDisabled(), 'nothing applies while the draft is invalid');

  await page.getByTestId('shape-take-out').click();
  await repair.waitFor({ state: 'detached' });
  // what was kept: the good server, now the first, with its location and its Host header; the one
  // whose listen was text stays, without a listen, which validation names
  await page.getByTestId('server-0').waitFor();
  assert.match(await page.getByTestId('server-1').innerText(), /\(no listen\)/);
  await page.getByTestId('server-1').click();
  await page.locator('[data-issue="servers[1].listen"]').waitFor();
  await page.getByRole('button', { name: 'Delete server' }).click();
  await page.getByTestId('server-1').waitFor({ state: 'detached' });
  await page.getByTestId('location-0-0').click();
  assert.equal(await page.getByTestId('location-editor').locator('input[aria-label="Header 1 name"]').inputValue(), 'Host');
  await page.locator('[data-tab="upstreams"]').click();
  await page.getByTestId('upstream-0').waitFor();
  assert.match(await page.getByTestId('upstream-0').innerText(), /app\s+round_robin/);

  await page.getByTestId('apply').click();
  const state = await poll(async () => (await ui.service.handle('getConfig', {})) as { ok: boolean; value?: ConfigState }, (r) => r.ok && r.value?.applied !== null);
  const applied = state.value!.applied as { servers: Array<{ listen: Array<{ address: string }> }>; upstreams: Array<{ name: string; method?: unknown }> };
  assert.deepEqual(applied.servers.map((s) => s.listen[0]!.address), [`127.0.0.1:${port}`]);
  // the method that was text is gone: the upstream runs nginx's default, round robin
  assert.deepEqual(applied.upstreams.map((u) => [u.name, u.method]), [['app', undefined]]);
  await ui.shot(page, 'draft-shape-repaired');
  assert.deepEqual(errors, []);
  await context.close();
});

test('upstreams the editors cannot show do not stop the route editor: its targets are the upstreams named in text, and + Location works', { timeout: 60_000 }, async () => {
  await ui.service.handle('setDraft', { draft: {
    schemaVersion: 1,
    upstreams: [null, { name: 'app', servers: [{ address: '127.0.0.1:9201' }] }, { name: 'a\tb', servers: [{ address: '127.0.0.1:9202' }] }],
    servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', proxyPass: 'http://app' }] }],
  } });
  const { context, page, errors } = await ui.open();
  await page.getByTestId('location-0-0').click();
  await page.getByTestId('location-editor').waitFor();
  const targets = await page.locator('datalist option').evaluateAll((els) => els.map((e) => e.getAttribute('value')));
  assert.deepEqual(targets, ['http://app', 'http://a\tb']);
  await page.getByTestId('add-location-0').click();
  await page.locator('[data-issue="servers[0].locations[1].proxyPass"]').waitFor();
  await page.locator('[data-tab="upstreams"]').click();
  await page.getByTestId('shape-repair').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a draft that is no object (a list, a number, null) is named on the route screen, and taking it out leaves an empty config', { timeout: 60_000 }, async () => {
  for (const [draft, found] of [[[{ servers: [] }], 'a list'], [5, 'a number'], [null, 'null']] as const) {
    await ui.service.handle('setDraft', { draft });
    const { context, page, errors } = await ui.open();
    const repair = page.getByTestId('shape-repair');
    await repair.waitFor();
    assert.match(await repair.innerText(), new RegExp(`\\(document\\): ${found}, where an object goes`));
    assert.ok(await page.getByTestId('apply').isDisabled());
    await page.getByTestId('shape-take-out').click();
    await page.getByTestId('routes-empty').waitFor();
    const state = await poll(async () => (await ui.service.handle('getConfig', {})) as { value?: ConfigState }, (r) => JSON.stringify(r.value?.draft) === '{"schemaVersion":1,"upstreams":[],"servers":[]}');
    assert.deepEqual(state.value?.draft, { schemaVersion: 1, upstreams: [], servers: [] });
    assert.deepEqual(errors, []);
    await context.close();
  }
});
