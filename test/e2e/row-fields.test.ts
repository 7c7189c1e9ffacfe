// The fields of an editor's rows (an upstream's servers, a location's headers, a server's listen
// addresses) in real chromium: each invalid field is described by its own messages, not by every
// message of its row (a screen reader at "weight" read the max_fails and port messages too), and
// each row's ✕ button and the frame log's regex switch have a name that says what they do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import { echoUiHost } from './echo-ui.ts';

const env = echoUiHost();

/** The text of the elements a field names in its aria-describedby. */
const description = (field: Locator): Promise<string> =>
  field.evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id: string) => el.ownerDocument.getElementById(id)?.textContent ?? '').join(' | '));

/** A page on the running config as the draft (each test starts from it, not from the last one's edits). */
async function fresh() {
  const r = await env.ui.service.handlers.getConfig({});
  assert.ok(r.ok);
  await env.ui.service.handle('setDraft', { draft: r.value.applied });
  return env.ui.open();
}

test('each invalid field of a row is described by its own messages only', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await fresh();
  try {
    await page.locator('[data-tab="upstreams"]').click();
    await page.getByTestId('upstream-0').click();
    await page.getByTestId('add-upstream-server').click();
    const weight = page.getByLabel('weight of server 2');
    const maxFails = page.getByLabel('max_fails of server 2');
    const address = page.getByLabel('address of server 2');
    await weight.fill('0');
    await maxFails.fill('x');
    await address.fill('127.0.0.1:99999');
    await page.locator('[data-issue="upstreams[0].servers[1].address"]').waitFor();
    await env.ui.shot(page, 'row-fields-upstream');
    assert.equal(await weight.getAttribute('aria-invalid'), 'true');
    assert.equal(await description(weight), 'weight is 1-1000 (nginx refuses weight=0)');
    assert.equal(await description(maxFails), 'max_fails is a whole number');
    assert.equal(await description(address), 'port must be 1-65535');
    // the row's messages are all still said below it, in one place
    assert.equal(await page.locator('[data-issue^="upstreams[0].servers[1]."]').count(), 3);

    await page.locator('[data-tab="routes"]').click();
    await page.getByTestId('location-0-0').click();
    await page.getByRole('button', { name: '+ Header' }).click();
    const name = page.getByLabel('Header 1 name');
    const value = page.getByLabel('Header 1 value');
    await name.fill('X Bad');
    await value.fill('$no_such_var');
    await page.locator('[data-issue="servers[0].locations[0].proxySetHeader[0].value"]').waitFor();
    assert.match(await description(name), /^header names are HTTP tokens/);
    assert.equal(await description(value), 'unknown variable "$no_such_var"');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("each row's ✕ button is named for what it removes (not \"✕\", its title being no name beside its text), and each listen row's default_server box for its address", { timeout: 60_000 }, async () => {
  const { context, page, errors } = await fresh();
  try {
    await page.locator('[data-tab="upstreams"]').click();
    await page.getByTestId('upstream-0').click();
    await page.getByTestId('add-upstream-server').click();
    await page.getByLabel('address of server 2').fill('127.0.0.1:9');
    await page.getByRole('button', { name: 'Remove server 2' }).click();
    await page.getByLabel('address of server 2').waitFor({ state: 'detached' });

    await page.locator('[data-tab="routes"]').click();
    await page.getByTestId('location-0-0').click();
    await page.getByRole('button', { name: '+ Header' }).click();
    await page.getByRole('button', { name: 'Remove header 1' }).click();
    await page.getByLabel('Header 1 name').waitFor({ state: 'detached' });

    await page.getByTestId('server-0').click();
    assert.equal(await page.getByRole('button', { name: 'Remove listen address 1' }).count(), 1);
    // each listen row's default_server box says which address it is for
    await page.getByRole('button', { name: '+ Listen' }).click();
    assert.equal(await page.getByRole('checkbox', { name: 'default_server for listen address 2', exact: true }).count(), 1);
    assert.equal(await page.getByRole('checkbox', { name: 'default_server', exact: true }).count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("the frame log's regex switch is named for what it does", { timeout: 60_000 }, async () => {
  const ws = await env.open('/ws/named');
  ws.send('hello');
  const { context, page, errors } = await fresh();
  try {
    await page.locator('[data-tab="sessions"]').click();
    await page.getByText('/ws/named').click();
    await page.getByTestId('frame-log').getByText('hello').first().waitFor();
    const regex = page.getByRole('checkbox', { name: 'Regular expression' });
    await regex.check();
    assert.match((await page.getByTestId('frame-filter-text').getAttribute('placeholder')) ?? '', /^Regular expression/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a number box keeps what is typed, key by key: "3.00" is not read as 30', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await fresh();
  try {
    await page.locator('[data-tab="upstreams"]').click();
    await page.getByTestId('upstream-0').click();
    const weight = page.getByLabel('weight of server 1');
    for (const typed of ['1.05', '3.00']) {
      await weight.fill('');
      await weight.pressSequentially(typed, { delay: 30 });
      // ("3.0" was made 3 and shown as "3", so the last "0" made 30: a valid weight, no word said)
      assert.equal(await weight.inputValue(), typed);
      await page.locator('[data-issue="upstreams[0].servers[0].weight"]').filter({ hasText: 'weight is a whole number' }).waitFor();
      assert.equal(await page.getByTestId('apply').getAttribute('aria-disabled'), 'true');
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("in a 900 px window each header row's ✕ stays on its row, beside the fields it removes (not wrapped under them, next to the row below)", { timeout: 60_000 }, async () => {
  const { context, page, errors } = await fresh();
  try {
    await page.setViewportSize({ width: 900, height: 700 });
    await page.locator('[data-tab="routes"]').click();
    await page.getByTestId('location-0-0').click();
    await page.getByRole('button', { name: '+ Header' }).click();
    await page.getByRole('button', { name: '+ Header' }).click();
    await env.ui.shot(page, 'row-fields-headers-900');
    for (const n of [1, 2]) {
      const name = await page.getByLabel(`Header ${n} name`).boundingBox();
      const value = await page.getByLabel(`Header ${n} value`).boundingBox();
      const remove = await page.getByRole('button', { name: `Remove header ${n}` }).boundingBox();
      assert.ok(name && value && remove, 'on screen');
      const middle = (b: { y: number; height: number }) => b.y + b.height / 2;
      assert.ok(Math.abs(middle(value) - middle(name)) < 2, `header ${n}'s value is beside its name (${middle(value)} vs ${middle(name)})`);
      assert.ok(Math.abs(middle(remove) - middle(name)) < 2, `header ${n}'s ✕ is on its row (${middle(remove)} vs ${middle(name)})`);
      assert.ok(remove.x >= value.x + value.width, `header ${n}'s ✕ is after its value`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
