// The editors' validation in real chromium on the real app: typing an invalid value shows the shared
// schema's message (app/config) next to that field, marks the field, keeps Apply off, and fixing
// the value clears it. Location, server and upstream editors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { freePort } from '../helpers/ports.ts';
import { poll } from '../helpers/wait.ts';
import { startUiHost, type UiHost } from './ui-host.ts';

let ui: UiHost;
let initial: unknown;

before(async () => {
  const port = await freePort();
  initial = {
    schemaVersion: 1,
    upstreams: [{ name: 'app', servers: [{ address: '127.0.0.1:9201' }, { address: '127.0.0.1:9202' }] }],
    servers: [{
      listen: [{ address: `127.0.0.1:${port}` }],
      serverNames: ['app.test'],
      locations: [{ path: '/', proxyPass: 'http://app' }, { path: '/api/', proxyPass: 'http://127.0.0.1:9200' }],
    }],
  };
  ui = await startUiHost(initial);
}, { timeout: 180_000 });

/** Each test starts from the config file's draft. */
async function openFresh(opts?: Parameters<UiHost['open']>[0]) {
  await ui.service.handle('setDraft', { draft: initial });
  return ui.open(opts);
}

/** The Upstreams screen with the first upstream's editor open. */
async function openUpstream(page: Page): Promise<void> {
  await page.locator('[data-tab="upstreams"]').click();
  await page.getByTestId('upstream-0').click();
}

after(async () => {
  await ui?.close();
});

/** The message for `path` is shown (with the schema's code) right below or beside `field`, which is marked invalid. */
async function shows(page: Page, field: Locator, path: string, message: string | RegExp, code: string): Promise<void> {
  const issue = page.locator(`[data-issue="${path}"]`).filter({ hasText: message });
  await issue.waitFor();
  assert.equal(await issue.getAttribute('data-code'), code);
  assert.ok(await field.evaluate((el) => el.classList.contains('invalid')), `${path}: the field is marked`);
  assert.equal(await field.getAttribute('aria-invalid'), 'true', `${path}: marked for a screen reader too`);
  const described = await field.evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id: string) => el.ownerDocument.getElementById(id)?.textContent ?? '').join(' '));
  assert.ok(typeof message === 'string' ? described.includes(message) : message.test(described), `${path}: a screen reader reads the message with the field (its description: "${described}")`);
  const f = (await field.boundingBox())!;
  const i = (await issue.boundingBox())!;
  assert.ok(i.y >= f.y - 2 && i.y <= f.y + f.height + 40, `${path}: the message is next to the field (field y ${f.y}, message y ${i.y})`);
  assert.ok(i.x < f.x + f.width && i.x + i.width > f.x, `${path}: the message is in the field's column`);
  assert.ok(await page.getByTestId('apply').isDisabled(), 'Apply is off while the draft is invalid');
}

/** Fixing the value clears the message and the mark. */
async function clears(page: Page, field: Locator, path: string): Promise<void> {
  await page.locator(`[data-issue="${path}"]`).first().waitFor({ state: 'detached' });
  assert.ok(!(await field.evaluate((el) => el.classList.contains('invalid'))), `${path}: the mark is gone`);
  assert.equal(await field.getAttribute('aria-invalid'), null, `${path}: for a screen reader too`);
  assert.equal(await field.getAttribute('aria-describedby'), null);
}

const L = (n: number, field: string) => `servers[0].locations[${n}].${field}`;

test('location editor: bad path for "=", invalid regex, bad time, unknown upstream, duplicate location', { timeout: 90_000 }, async () => {
  const { context, page, errors } = await openFresh();
  await page.getByTestId('location-0-1').click();
  const path = page.getByTestId('loc-path');
  const target = page.getByTestId('loc-target');
  const read = page.getByTestId('loc-read-timeout');

  // two of nginx's rules at once
  await page.getByTestId('loc-modifier').selectOption('=');
  await path.fill('exact');
  await target.fill('http://nope');
  await shows(page, path, L(1, 'path'), 'a prefix or exact location must start with "/"', 'invalid_location_path');
  await shows(page, target, L(1, 'proxyPass'), 'no upstream named "nope": define it, or use an address with a port', 'unknown_upstream');
  await page.getByTestId('draft-invalid').getByText('2 problems in draft').waitFor();
  await ui.shot(page, 'editor-errors-location');
  await path.fill('/exact');
  await clears(page, path, L(1, 'path'));
  await target.fill('http://app');
  await clears(page, target, L(1, 'proxyPass'));

  // a label longer than nginx reads as its comment
  const label = page.getByTestId('loc-name');
  await label.fill('x'.repeat(5000));
  await shows(page, label, L(1, 'name'), /bytes as the comment "# route: …" in nginx\.conf/, 'too_long');
  await label.fill('');
  await clears(page, label, L(1, 'name'));

  // the schema's time syntax
  await read.fill('5 minutes');
  await shows(page, read, L(1, 'proxyReadTimeout'), 'proxy_read_timeout: not an nginx time: use e.g. "60s", "500ms", "1h 30m"', 'invalid_duration');
  // the other fields still show their defaults meanwhile
  assert.equal(await page.locator('#loc-httpv').inputValue(), '1.0');
  assert.equal(await page.getByTestId('loc-send-timeout').getAttribute('placeholder'), '60s');
  await read.fill('5m');
  await clears(page, read, L(1, 'proxyReadTimeout'));
  // emptied, a field is back to its default (not "", which is no time)
  await read.fill('');
  await page.waitForTimeout(500);
  assert.equal(await page.locator(`[data-issue="${L(1, 'proxyReadTimeout')}"]`).count(), 0);
  assert.equal(await read.getAttribute('placeholder'), '60s');

  // a regex nginx's PCRE would refuse
  await page.getByTestId('loc-modifier').selectOption('~');
  await path.fill('^/api/(v1|v2');
  await shows(page, path, L(1, 'path'), /.+/, 'invalid_regex');
  await path.fill('^/api/(v1|v2)/');
  await clears(page, path, L(1, 'path'));

  // the same prefix twice in one server
  await page.getByTestId('loc-modifier').selectOption('');
  await path.fill('/');
  await shows(page, path, L(1, 'path'), /^duplicate location "\/": the same as locations\[0\] of this server \(\/ → http:\/\/.+\); nginx refuses two$/, 'duplicate_location');
  await path.fill('/api/');
  await clears(page, path, L(1, 'path'));

  // a header value with an unknown variable
  await page.getByRole('button', { name: '+ Header' }).click();
  const value = page.locator('input.hvalue').last();
  await value.fill('$no_such_var');
  await shows(page, value, 'servers[0].locations[1].proxySetHeader[0].value', 'unknown variable "$no_such_var"', 'unknown_variable');
  await value.fill('$remote_addr');
  await clears(page, value, 'servers[0].locations[1].proxySetHeader[0].value');

  await page.getByTestId('draft-dirty').waitFor();
  assert.ok(await page.getByTestId('apply').isEnabled(), 'Apply is back once every problem is fixed');
  assert.deepEqual(errors, []);
  await context.close();
});

test('server editor: invalid listen address, port out of range, bad server_name', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openFresh({ colorScheme: 'dark' });
  await page.getByTestId('server-0').click();
  const listen = page.getByTestId('listen-0');
  const original = await listen.inputValue();
  await listen.fill('127.0.0.1:70000');
  await shows(page, listen, 'servers[0].listen[0].address', 'port must be 1-65535', 'invalid_port');
  await listen.fill('localhost:http');
  await shows(page, listen, 'servers[0].listen[0].address', 'expected "ip:port", "port" or "[ipv6]:port"', 'invalid_listen');
  const names = page.getByTestId('server-names');
  await names.fill('app.test bad;name');
  await names.press('Tab');
  await shows(page, names, 'servers[0].serverNames[1]', 'server names cannot contain spaces, quotes, ";", "{" or "}"', 'invalid_server_name');
  await ui.shot(page, 'editor-errors-server-dark');
  await listen.fill(original);
  await clears(page, listen, 'servers[0].listen[0].address');
  await names.fill('app.test *.app.test');
  await names.press('Tab');
  await clears(page, names, 'servers[0].serverNames[1]');
  assert.deepEqual(errors, []);
  await context.close();
});

test('server_name goes into the draft as it is typed: checked at once, spaces between names kept, not lost to a reload', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openFresh();
  await page.getByTestId('server-0').click();
  const names = page.getByTestId('server-names');
  await names.fill('');
  await names.pressSequentially('app.test ~^(bad'); // key by key, the focus staying in the field
  assert.equal(await names.inputValue(), 'app.test ~^(bad', 'the space typed between the names stays');
  await shows(page, names, 'servers[0].serverNames[1]', /invalid regular expression/, 'invalid_regex');
  assert.ok(await names.evaluate((el) => el === el.ownerDocument.activeElement), 'checked without leaving the field');
  await names.fill('app.test other.test');
  await page.getByTestId('draft-dirty').waitFor(); // the apply bar knows of the edit while the field has the focus
  await page.reload(); // within the 300 ms the draft waits for more typing, the focus still in the field
  await page.getByTestId('server-0').click();
  assert.equal(await page.getByTestId('server-names').inputValue(), 'app.test other.test');
  const draft = (await ui.service.handle('getConfig', {})) as { ok: true; value: { draft: { servers: Array<{ serverNames?: string[] }> } } };
  assert.deepEqual(draft.value.draft.servers[0]!.serverNames, ['app.test', 'other.test']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('upstream editor: weight 0, fail_timeout in ms, invalid name and address', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openFresh();
  await openUpstream(page);
  const weight = page.getByTestId('server-weight-1');
  const failTimeout = page.getByTestId('server-fail-timeout-1');
  const address = page.getByTestId('server-address-0');
  await weight.fill('0');
  await failTimeout.fill('500ms');
  await address.fill('127.0.0.1 9201');
  await shows(page, weight, 'upstreams[0].servers[1].weight', 'weight is 1-1000 (nginx refuses weight=0)', 'too_small');
  await shows(page, failTimeout, 'upstreams[0].servers[1].failTimeout', 'fail_timeout: takes no "ms" (fail_timeout counts whole seconds): use e.g. "1s"', 'invalid_duration');
  await shows(page, address, 'upstreams[0].servers[0].address', 'expected host:port, e.g. "127.0.0.1:9001"', 'invalid_address');
  await ui.shot(page, 'editor-errors-upstream');
  await page.emulateMedia({ colorScheme: 'dark' });
  await ui.shot(page, 'editor-errors-upstream-dark');
  // nginx's port rule shows while the schema errors on the other server are still there
  await address.fill('127.0.0.1:99999');
  await shows(page, address, 'upstreams[0].servers[0].address', 'port must be 1-65535', 'invalid_port');
  await shows(page, weight, 'upstreams[0].servers[1].weight', 'weight is 1-1000 (nginx refuses weight=0)', 'too_small');
  // text that is no number stays in the draft as typed and is named, not dropped for the default
  await weight.fill('3e');
  await shows(page, weight, 'upstreams[0].servers[1].weight', 'weight is a whole number', 'invalid_type');
  await weight.fill('');
  await clears(page, weight, 'upstreams[0].servers[1].weight'); // emptied: the default weight, 1
  await failTimeout.fill('30s');
  await clears(page, failTimeout, 'upstreams[0].servers[1].failTimeout');
  await address.fill('127.0.0.1:9201');
  await clears(page, address, 'upstreams[0].servers[0].address');

  // the name: its own rule, and the routes that use it
  const name = page.getByTestId('upstream-name');
  await name.fill('app backend');
  await shows(page, name, 'upstreams[0].name', 'upstream names use letters, digits, "_", "." and "-"', 'invalid_name');
  await name.fill('backend');
  await clears(page, name, 'upstreams[0].name');
  await page.locator('[data-tab="routes"]').click();
  await page.getByTestId('location-0-0').click();
  await shows(page, page.getByTestId('loc-target'), L(0, 'proxyPass'), 'no upstream named "app": define it, or use an address with a port', 'unknown_upstream');
  await page.getByTestId('loc-target').fill('http://backend');
  await clears(page, page.getByTestId('loc-target'), L(0, 'proxyPass'));
  assert.deepEqual(errors, []);
  await context.close();
});

test('a problem no editor shows (a missing schemaVersion) is said in the apply bar, not only counted', { timeout: 60_000 }, async () => {
  const { schemaVersion: _, ...withoutVersion } = initial as Record<string, unknown>;
  await ui.service.handle('setDraft', { draft: withoutVersion });
  const { context, page, errors } = await ui.open();
  await page.getByTestId('draft-invalid').getByText('1 problem in draft').waitFor();
  const said = page.getByTestId('draft-document-issue');
  await said.waitFor();
  assert.equal(await said.getAttribute('data-code'), 'required');
  assert.match(await said.innerText(), /^schemaVersion: .*required/);
  assert.match((await page.getByTestId('draft-invalid').getAttribute('title')) ?? '', /^schemaVersion: /m, 'the count lists its problems');
  await ui.shot(page, 'editor-errors-document');
  // several: one pill that counts them (the top bar has room for one), each in its tooltip
  await ui.service.handle('setDraft', { draft: { ...withoutVersion, bogus: 1 } });
  const several = page.getByTestId('draft-document-issues');
  await several.getByText('2 problems in the document (not in a server or upstream)').waitFor();
  assert.equal(await page.getByTestId('draft-document-issue').count(), 0);
  assert.deepEqual(((await several.getAttribute('title')) ?? '').split('\n'), ['schemaVersion: "schemaVersion" is required', 'bogus: unknown field "bogus"']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an edit made just before a reload is kept (the draft is sent as the page goes, not lost with its timer)', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openFresh();
  await page.getByTestId('location-0-0').click();
  await page.locator('#loc-name').fill('renamed right before the reload');
  await page.reload(); // within the 300 ms the draft waits for more typing
  await page.getByTestId('location-0-0').click();
  assert.equal(await page.locator('#loc-name').inputValue(), 'renamed right before the reload');
  const draft = (await ui.service.handle('getConfig', {})) as { ok: true; value: { draft: { servers: Array<{ locations: Array<{ name?: string }> }> } } };
  assert.equal(draft.value.draft.servers[0]!.locations[0]!.name, 'renamed right before the reload');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Revert drops the draft\'s edits, and "Restore edits" brings them back until the draft is edited again', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openFresh();
  await page.getByTestId('location-0-0').click();
  const label = page.locator('#loc-name');
  const before = await label.inputValue();
  await label.fill('an edit to keep');
  await page.getByTestId('draft-dirty').waitFor();
  await page.getByTestId('revert').click();
  await page.getByTestId('draft-clean').waitFor();
  assert.equal(await label.inputValue(), before);
  await ui.shot(page, 'editor-revert-restore');
  await page.getByTestId('restore-edits').click();
  await page.getByTestId('draft-dirty').waitFor();
  assert.equal(await label.inputValue(), 'an edit to keep');
  await page.getByTestId('revert').click();
  await label.fill(`${before} (another)`);
  await page.getByTestId('draft-dirty').waitFor();
  assert.equal(await page.getByTestId('restore-edits').count(), 0, 'a new edit ends what Revert kept');
  await page.getByTestId('revert').click();
  assert.deepEqual(errors, []);
  await context.close();
});

test('Undo apply keeps the draft\'s edits that were not applied for "Restore edits", as Revert does', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openFresh();
  await page.getByTestId('location-0-0').click();
  const label = page.locator('#loc-name');
  const before = await label.inputValue();
  await label.fill('applied, then undone');
  await page.getByTestId('apply').click();
  await page.getByTestId('draft-clean').waitFor();
  await label.fill('typed after the apply');
  await page.getByTestId('draft-dirty').waitFor();
  await page.getByTestId('undo').click();
  await page.getByTestId('draft-clean').getByText('Went back to the config before the last apply').waitFor();
  assert.equal(await label.inputValue(), before, 'the draft is the config that runs again');
  await page.getByTestId('restore-edits').click();
  await page.getByTestId('draft-dirty').waitFor();
  assert.equal(await label.inputValue(), 'typed after the apply');
  assert.deepEqual(errors, []);
  await context.close();
});

test('deleting a location or an upstream from the keyboard leaves the focus on its list, not the page', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openFresh();
  const hasFocus = (l: Locator) => l.evaluate((el) => el === el.ownerDocument.activeElement);
  await page.getByTestId('add-location-0').click();
  await page.getByRole('button', { name: 'Delete location' }).focus();
  await page.keyboard.press('Enter');
  const routes = page.getByRole('listbox', { name: 'Servers and locations' });
  assert.ok(await poll(() => hasFocus(routes), (f) => f), 'the routes list has the focus');
  await openUpstream(page);
  await page.getByRole('button', { name: 'Delete upstream' }).focus();
  page.once('dialog', (d) => void d.accept()); // (a location passes to it: asked first)
  await page.keyboard.press('Enter');
  assert.ok(await poll(() => hasFocus(page.getByRole('listbox', { name: 'Upstreams' })), (f) => f), 'the upstream list has the focus');
  await page.getByTestId('revert').click();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a server name an earlier server on the same socket has is a warning next to server_name; Apply stays on', { timeout: 60_000 }, async () => {
  const base = initial as { servers: Array<Record<string, unknown>> };
  const twice = { ...base, servers: [...base.servers, { ...base.servers[0], locations: [{ path: '/', proxyPass: 'http://app' }] }] };
  await ui.service.handle('setDraft', { draft: twice });
  const { context, page, errors } = await ui.open();
  try {
    await page.getByTestId('server-1').click();
    const warning = page.locator('[data-warning="servers[1].serverNames[0]"]');
    await warning.waitFor();
    assert.match(await warning.innerText(), /^conflicting server name "app\.test" on 127\.0\.0\.1:\d+: servers\[0\] has it already, so nginx ignores it here/);
    assert.equal(await warning.getAttribute('data-code'), 'conflicting_server_name');
    assert.equal(await page.locator('[data-issue]').count(), 0, 'no error');
    assert.ok(!(await page.getByTestId('server-names').evaluate((el) => el.classList.contains('invalid'))), 'the field is not marked invalid');
    assert.ok(await page.getByTestId('apply').isEnabled(), 'Apply is on: nginx takes this config');
    await ui.shot(page, 'editor-warning-conflicting-name');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('an apply refused for a host name that does not resolve marks the field and its route, and may be tried again', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openFresh();
  await page.locator('[data-tab="routes"]').click();
  await page.getByTestId('location-0-1').click();
  const target = page.getByTestId('loc-target');
  await target.fill('http://chat-backend.invalid:9301');
  await page.getByTestId('apply').click();
  const pill = page.getByTestId('apply-error');
  await pill.getByText(/^Not applied: a problem at the marked field \(host not found in upstream "chat-backend\.invalid:9301"/).waitFor();
  assert.match((await pill.getAttribute('title')) ?? '', /^servers\[0\]\.locations\[1\]\.proxyPass: host not found/);
  const issue = page.locator(`[data-issue="${L(1, 'proxyPass')}"]`);
  await issue.waitFor();
  assert.equal(await issue.getAttribute('data-code'), 'resolve_failed');
  assert.ok(await target.evaluate((el) => el.classList.contains('invalid')), 'the field is marked');
  await page.getByTestId('location-0-1').locator('.pill.err').getByText('!').waitFor(); // the route's row is marked
  assert.equal(await page.getByTestId('apply').getAttribute('aria-disabled'), 'false', 'Apply may be tried again as it is');
  await ui.shot(page, 'apply-refused-resolve');
  // an edit of the draft takes the marks away (the refusal was of the draft before it)
  await target.fill('http://127.0.0.1:9301');
  await issue.waitFor({ state: 'detached' });
  assert.ok(!(await target.evaluate((el) => el.classList.contains('invalid'))));
  assert.deepEqual(errors, []);
  await context.close();
});

test('deleting an upstream that locations pass to asks first, naming them', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openFresh();
  await openUpstream(page);
  const asked: string[] = [];
  page.once('dialog', (d) => { asked.push(d.message()); void d.dismiss(); });
  await page.getByRole('button', { name: 'Delete upstream' }).click();
  assert.equal(asked.length, 1);
  assert.match(asked[0]!, /^A location passes to "app":\n {2}\/\nDeleted, the upstream leaves it with a target nothing defines/);
  await page.getByTestId('upstream-0').waitFor(); // kept
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Delete upstream' }).click();
  await page.getByTestId('upstream-0').waitFor({ state: 'detached' });
  await page.getByTestId('draft-invalid').waitFor(); // the location's target names no upstream now
  assert.deepEqual(errors, []);
  await context.close();
  // an upstream broken in the draft (no name) still deletes
  await ui.service.handle('setDraft', { draft: { ...initial as object, upstreams: [{ servers: [{ address: '127.0.0.1:9201' }] }] } });
  const again = await ui.open();
  await again.page.locator('[data-tab="upstreams"]').click();
  await again.page.getByTestId('upstream-0').click();
  await again.page.getByRole('button', { name: 'Delete upstream' }).click();
  await again.page.getByTestId('upstream-0').waitFor({ state: 'detached' });
  assert.deepEqual(again.errors, []);
  await again.context.close();
});
