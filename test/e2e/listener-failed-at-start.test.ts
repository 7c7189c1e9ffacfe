// A config whose only listener cannot bind as the app starts (port 8080 taken on a first run, say):
// the top bar says the listener failed, as it does after an Apply, and the empty screens do not
// suggest an address that reaches whatever holds the port; the Routes list marks the server whose
// listener failed. Real web host, engine and Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startUiHost } from './ui-host.ts';
import { freePort } from '../helpers/ports.ts';

test('a listener that failed as the app started: "Applied, but 1 listener failed", its error, and no example address', { timeout: 120_000 }, async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const taken = (blocker.address() as net.AddressInfo).port;
  const ui = await startUiHost({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${taken}` }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9', websocket: true }] }],
  });
  try {
    const { context, page, errors } = await ui.open();
    await page.getByTestId('draft-clean').getByText('Applied, but 1 listener failed').waitFor();
    assert.equal(await page.getByTestId('draft-clean').getAttribute('class'), 'pill warn');
    await page.getByTestId('listener-error').getByText('address already in use').waitFor();
    // the Routes screen, where the address is changed, marks the server whose listener failed, with why
    const marked = page.getByTestId('server-0').getByTestId('server-0-listen-failed');
    assert.equal(await marked.innerText(), 'listen failed');
    assert.equal(await marked.getAttribute('title'), `cannot listen on 127.0.0.1:${taken}: address already in use`);
    // started with --config FILE: applies are not saved to it, and the top bar says so
    await page.getByTestId('read-only-file').getByText('applies not saved to switchyard.json').waitFor();
    assert.match((await page.getByTestId('read-only-file').getAttribute('title')) ?? '', /^Started with --config \/.*\/switchyard\.json: Switchyard reads that file and never writes it/);
    await page.locator('[data-tab="sessions"]').click();
    assert.match(await page.getByTestId('no-listener').innerText(), new RegExp(`^No listener is running \\(.*127\\.0\\.0\\.1:${taken}.*in use.*\\): change its address on the Routes screen and Apply\\.$`));
    assert.doesNotMatch(await page.getByTestId('sessions-empty').innerText(), /websocat/);
    await ui.shot(page, 'listener-failed-at-start');
    await page.locator('[data-tab="http"]').click();
    await page.getByTestId('http-empty').getByTestId('no-listener').waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await ui.close();
    blocker.close();
  }
});

test('a config refused as the app started (a name that does not resolve): no example address either', { timeout: 120_000 }, async () => {
  const ui = await startUiHost({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${await freePort()}` }], locations: [{ path: '/', proxyPass: 'http://no-such-host.invalid:9', websocket: true }] }],
  });
  try {
    const { context, page, errors } = await ui.open();
    await page.locator('[data-tab="sessions"]').click();
    assert.equal(await page.getByTestId('no-listener').innerText(), 'No listener is running (the running config has none, or none was applied: the status bar says why).');
    assert.doesNotMatch(await page.getByTestId('sessions-empty').innerText(), /websocat/);
    await page.getByTestId('status-apply-failed').waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await ui.close();
  }
});
