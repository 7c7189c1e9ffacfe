// A valid config the engine cannot run (an upstream name that does not resolve, as nginx -t refuses
// it too): the UI opens with the draft unapplied and says why in its status bar, rather than asking
// for a server the draft has. Real engine and web host, Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../helpers/ports.ts';
import { startUiHost, type UiHost } from './ui-host.ts';

let ui: UiHost | undefined;

before(async () => {
  ui = await startUiHost({
    schemaVersion: 1,
    upstreams: [{ name: 'app', servers: [{ address: 'nosuchhost.invalid:80' }] }],
    servers: [{ listen: [{ address: `127.0.0.1:${await freePort()}` }], locations: [{ path: '/', proxyPass: 'http://app' }] }],
  });
}, { timeout: 120_000 });

after(async () => {
  await ui?.close();
});

test('an apply that failed at start is in the status bar, with where and why', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await ui!.open();
  try {
    await page.goto(`${ui!.host.url}#/routes`);
    const status = page.getByTestId('status-apply-failed');
    await status.waitFor();
    assert.match(await status.innerText(), /^.*switchyard\.json was not applied: upstreams\[0\]\.servers\[0\]\.address: host not found in upstream "nosuchhost\.invalid:80"/);
    assert.equal(await page.getByTestId('status-bar').getByText('add a server on Routes').count(), 0);
    await ui!.shot(page, 'start-failure');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
