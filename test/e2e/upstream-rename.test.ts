// Renaming an upstream group in real chromium on the real app: the locations that passed to the old
// name pass to nothing now (the draft does not apply), and the upstream editor, where the rename was
// made, says which and points them at the new name in one click, each keeping its URI part.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../helpers/ports.ts';
import { uiHostFor } from './ui-host.ts';

const port = await freePort();
const env = uiHostFor({
  schemaVersion: 1,
  upstreams: [{ name: 'chat', servers: [{ address: '127.0.0.1:9' }] }, { name: 'other', servers: [{ address: '127.0.0.1:10' }] }],
  servers: [{
    listen: [{ address: `127.0.0.1:${port}` }],
    locations: [{ path: '/ws/', proxyPass: 'http://chat', websocket: true }, { modifier: '^~', path: '/api/', proxyPass: 'http://CHAT/v1/' }, { path: '/', proxyPass: 'http://other' }],
  }],
});

test('a renamed upstream says which locations still pass to its old name, and points them at the new one', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await env.ui.open();
  try {
    await page.locator('[data-tab="upstreams"]').click();
    await page.getByTestId('upstream-0').click();
    await page.getByTestId('upstream-name').fill('chat2');
    const note = page.getByTestId('upstream-renamed');
    assert.equal((await note.innerText()).replace(/\s+/g, ' '), '2 locations still pass to http://chat, which no upstream is named now (/ws/, ^~ /api/). Pass them to http://chat2');
    await page.getByTestId('draft-invalid').waitFor();
    await env.ui.shot(page, 'upstream-renamed');
    await page.getByTestId('upstream-repoint').click();
    await note.waitFor({ state: 'detached' });
    await page.getByTestId('draft-dirty').waitFor();
    await page.locator('[data-tab="routes"]').click();
    assert.equal(await page.getByTestId('location-0-0').locator('.target').innerText(), 'http://chat2');
    assert.equal(await page.getByTestId('location-0-1').locator('.target').innerText(), 'http://chat2/v1/');
    assert.equal(await page.getByTestId('location-0-2').locator('.target').innerText(), 'http://other', 'another group\'s location is left as it is');
    // what is said is of the group renamed in this editor, while it is selected
    await page.locator('[data-tab="upstreams"]').click();
    await page.getByTestId('upstream-1').click();
    await page.getByTestId('upstream-name').fill('renamed');
    await note.waitFor();
    await page.getByTestId('upstream-0').click();
    assert.equal(await note.count(), 0, 'the group now selected was not renamed here');
    await page.getByTestId('revert').click();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
