// The line under a session's title (route, upstream, bytes and frames each way) in a 900 px window,
// on a route with a long name (as the first run's "Built-in echo server: …" is): the route is cut
// with an ellipsis and named whole in its tooltip, and the upstream and both counters stay in view.
// Before, the route took the line and the counters from the upstream were cut off past the edge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startWsUpstream, type Upstream } from '../helpers/upstreams.ts';
import { freePort } from '../helpers/ports.ts';
import { startUiHost, type UiHost } from './ui-host.ts';

const NAME = 'Built-in echo server: every WebSocket message comes back to the client that sent it';
let ui: UiHost | undefined;
let up: Upstream | undefined;
let proxyPort: number;

before(async () => {
  [up, proxyPort] = await Promise.all([startWsUpstream('a'), freePort()]);
  ui = await startUiHost({
    schemaVersion: 1,
    upstreams: [{ name: 'echo', servers: [{ address: `127.0.0.1:${up.port}` }] }],
    servers: [{ listen: [{ address: `127.0.0.1:${proxyPort}` }], locations: [{ name: NAME, path: '/echo', proxyPass: 'http://echo', websocket: true }] }],
  });
}, { timeout: 120_000 });

after(async () => {
  await ui?.close();
  await up?.close();
});

test('a session on a long-named route: its summary line keeps the upstream and both counters in view', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await ui!.open();
  const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}/echo`);
  try {
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    await page.setViewportSize({ width: 900, height: 700 });
    await page.getByRole('tab', { name: /Sessions/ }).click();
    await page.locator('tr[data-state="open"]').filter({ hasText: '/echo' }).click();
    const summary = page.getByTestId('session-summary');
    await summary.getByText(/^↓ /).waitFor({ state: 'attached' });
    await ui!.shot(page, 'session-summary-900');
    const edge = await summary.evaluate((el) => el.getBoundingClientRect().right);
    for (const part of [/^→ /, /^↑ /, /^↓ /]) {
      const b = await summary.getByText(part).boundingBox();
      assert.ok(b && b.width > 0 && b.x + b.width <= edge + 0.5, `${part} is whole inside the summary line (${b && Math.round(b.x + b.width)} > ${Math.round(edge)})`);
    }
    const route = summary.getByTestId('session-summary-route');
    assert.equal(await route.getAttribute('title'), `${NAME} (/echo)`, 'the cut route is named whole in its tooltip');
    assert.deepEqual(errors, []);
  } finally {
    ws.close();
    await context.close();
  }
});
