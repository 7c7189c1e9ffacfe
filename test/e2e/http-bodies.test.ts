// HTTP bodies in the HTTP log detail, end to end: a JSON POST through the real engine, its request
// body pretty-printed as JSON in the detail (fetched on demand with `exchangeBody`), the response's
// gzip decoded for display, a capped body's "first K of M" note, and the bodies from an imported HAR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startHttpUpstream, type Upstream } from '../helpers/upstreams.ts';
import { freePort } from '../helpers/ports.ts';
import { send } from '../helpers/client.ts';
import { startUiHost, type UiHost } from './ui-host.ts';

let ui: UiHost | undefined;
let upstream: Upstream;
let proxyPort: number;

before(async () => {
  upstream = await startHttpUpstream('api', (req, res, seen) => {
    if (req.url === '/big') return res.writeHead(200, { 'Content-Type': 'text/plain' }).end('z'.repeat(5000));
    if (req.url === '/wide') return res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' }).end(gzipSync('w'.repeat(1_000_000)));
    res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }).end(gzipSync(JSON.stringify({ created: JSON.parse(seen.body) })));
  });
  proxyPort = await freePort();
  const refusing = await freePort();
  ui = await startUiHost({ schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${proxyPort}` }], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${upstream.port}` }, { path: '/down/', proxyPass: `http://127.0.0.1:${refusing}` }] }] });
}, { timeout: 180_000 });

after(async () => {
  await ui?.close();
  await upstream?.close();
});

test('the HTTP log detail shows a JSON POST\'s body as JSON, the gzip answer decoded, a capped body noted', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await ui!.open();
  try {
    const json = JSON.stringify({ user: 'ada', roles: ['admin', 'ops'], active: true });
    await send(`http://127.0.0.1:${proxyPort}/api/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: json });
    await page.goto(`${ui!.host.url}#/http`);
    await page.locator('tr[data-testid^="exchange-"]').filter({ hasText: '/api/users' }).click();
    const req = page.getByTestId('exchange-request-body-view');
    // (the view is there, as "Loading…" in Text, from the click on: the body is fetched, then shown)
    await req.locator('pre').waitFor();
    assert.equal(await req.getAttribute('data-tab'), 'json');
    assert.equal(await req.locator('pre').innerText(), JSON.stringify(JSON.parse(json), null, 2));
    const res = page.getByTestId('exchange-response-body-view');
    assert.match(await res.locator('pre').innerText(), /"created": \{\n\s+"user": "ada"/);
    assert.match(await page.getByTestId('exchange-response-body-note').innerText(), /Decoded from gzip for display/);
    await ui!.shot(page, 'http-body-json');
    // a body over the per-message cap: its first bytes, said so
    const settings = await ui!.service.handle('setSettings', { payloadPerMessage: 1024 });
    assert.ok(settings.ok);
    await send(`http://127.0.0.1:${proxyPort}/big`);
    await page.locator('tr[data-testid^="exchange-"]').filter({ hasText: '/big' }).click();
    await page.getByTestId('exchange-response-body-note').getByText('First 1.0 KiB of 4.9 KiB kept (per-message cap).').waitFor();
    assert.equal((await page.getByTestId('exchange-response-body-view').locator('pre').innerText()).length, 1024);
    // the bodies survive a HAR export and its import, shown from the file
    const har = await ui!.service.handle('exportHar', {});
    assert.ok(har.ok);
    await page.locator('[data-tab="sessions"]').click();
    await page.getByTestId('har-import-file').setInputFiles({ name: 'bodies.har', mimeType: 'application/json', buffer: Buffer.from(har.value as string) });
    await page.getByTestId('har-banner').waitFor();
    await page.locator('[data-tab="http"]').click();
    await page.locator('tr[data-testid^="exchange-"]').filter({ hasText: '/api/users' }).click();
    assert.equal(await page.getByTestId('exchange-request-body-view').locator('pre').innerText(), JSON.stringify(JSON.parse(json), null, 2));
    assert.match(await page.getByTestId('exchange-response-body-view').locator('pre').innerText(), /"created": \{/);
    await ui!.shot(page, 'http-body-har');
    assert.deepEqual(errors, []);
  } catch (e) {
    await ui!.shot(page, 'http-body-failure');
    throw e;
  } finally {
    await context.close();
  }
});

test('a long body shows its first 256 Ki characters at once, the rest on "Show all"', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await ui!.open();
  try {
    await send(`http://127.0.0.1:${proxyPort}/wide`);
    await page.goto(`${ui!.host.url}#/http`);
    await page.locator('tr[data-testid^="exchange-"]').filter({ hasText: '/wide' }).click();
    const res = page.getByTestId('exchange-response-body-view');
    const cut = res.getByTestId('payload-text-cut');
    await cut.waitFor();
    assert.equal((await res.locator('pre').innerText()).length, 256 * 1024);
    assert.match(await cut.innerText(), /… 737,856 more characters not shown/);
    await cut.getByRole('button', { name: 'Show all' }).click();
    await cut.waitFor({ state: 'detached' });
    assert.equal((await res.locator('pre').innerText()).length, 1_000_000);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a 502 of Switchyard\'s own: its page is said to be the proxy\'s, not a body that capture missed; the request body still shows', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await ui!.open();
  try {
    assert.equal((await send(`http://127.0.0.1:${proxyPort}/down/a`)).status, 502);
    assert.equal((await send(`http://127.0.0.1:${proxyPort}/down/b`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'kept' })).status, 502);
    await page.goto(`${ui!.host.url}#/http`);
    const own = "Switchyard's own page (the status above says why): the log keeps the bodies it relays, not its own.";
    for (const path of ['/down/a', '/down/b']) {
      await page.locator('tr[data-testid^="exchange-"]').filter({ hasText: path }).click();
      await page.getByTestId('exchange-response-body-note').getByText(own, { exact: true }).waitFor();
      assert.equal(await page.getByTestId('exchange-response-body-view').count(), 0);
    }
    assert.equal(await page.getByTestId('exchange-request-body-view').locator('pre').innerText(), 'kept');
    await ui!.shot(page, 'http-body-own-page');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
