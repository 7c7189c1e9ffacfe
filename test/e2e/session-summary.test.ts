// The line under a session's title (route, upstream, bytes and frames each way) in a 900 px window,
// on a route with a long name (as the first run's "Built-in echo server: …" is): the route is cut
// with an ellipsis and named whole in its tooltip, and the upstream and both counters stay in view.
// Before, the route took the line and the counters from the upstream were cut off past the edge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { echoUiHost } from './echo-ui.ts';

const NAME = 'Built-in echo server: every WebSocket message comes back to the client that sent it';
const env = echoUiHost({ name: NAME });

test('a session on a long-named route: its summary line keeps the upstream and both counters in view', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await env.ui.open();
  try {
    await env.open('/ws/');
    await page.setViewportSize({ width: 900, height: 700 });
    await page.getByRole('tab', { name: /Sessions/ }).click();
    await page.locator('tr[data-state="open"]').filter({ hasText: '/ws/' }).click();
    const summary = page.getByTestId('session-summary');
    await summary.getByText(/^↓ /).waitFor({ state: 'attached' });
    await env.ui.shot(page, 'session-summary-900');
    const edge = await summary.evaluate((el) => el.getBoundingClientRect().right);
    for (const part of [/^→ /, /^↑ /, /^↓ /]) {
      const b = await summary.getByText(part).boundingBox();
      assert.ok(b && b.width > 0 && b.x + b.width <= edge + 0.5, `${part} is whole inside the summary line (${b && Math.round(b.x + b.width)} > ${Math.round(edge)})`);
    }
    const route = summary.getByTestId('session-summary-route');
    assert.equal(await route.getAttribute('title'), `${NAME} (/ws/)`, 'the cut route is named whole in its tooltip');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
