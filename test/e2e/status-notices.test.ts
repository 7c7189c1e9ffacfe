// What the page says of the app's state beyond the screen it shows: what could not be loaded or
// saved (main/persist reports it to the engine's log) in the status bar, until a save succeeds again
// or it is dismissed; sessions that stay on the routes of an earlier apply; a web host gone. Real
// chromium on the real web host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket, { WebSocketServer } from 'ws';
import { uiHostFor } from './ui-host.ts';
import { freePort } from '../helpers/ports.ts';

const env = uiHostFor({ schemaVersion: 1, servers: [] });

const log = (level: 'info' | 'warn' | 'error', code: string, message: string) => env.ui.service.engine.emit('log', { time: Date.now(), level, code, message });

test('a save that failed shows in the status bar until the next save succeeds; a load problem until dismissed', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await env.ui.open();
  const problem = page.getByTestId('persist-problem');
  assert.equal(await problem.count(), 0);
  log('info', 'apply_ok', 'unrelated');
  log('error', 'write_failed', 'the applied config was not saved: cannot save /w/work.json: ENOSPC');
  await problem.waitFor();
  assert.match(await problem.innerText(), /not saved: cannot save \/w\/work\.json: ENOSPC/);
  await env.ui.shot(page, 'persist-problem');
  // the log keeps its last 1,000 lines: the notice outlives the line it came from
  for (let i = 0; i < 1100; i++) log('warn', 'upstream_error', `upstream ${i} refused`);
  await page.waitForFunction('document.querySelector(\'[data-testid="status-bar"]\') && true');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await env.ui.service.handle('logs', {}) as { value: Array<{ code: string }> }).value.some((l) => l.code === 'write_failed'), false, 'the line itself is gone from the log');
  await problem.waitFor();
  // a state file saved is not the config saved
  log('info', 'saved', 'saved /w/state.json');
  log('error', 'state_not_saved', 'cannot save state.json: EPERM');
  await problem.getByText('cannot save state.json').waitFor();
  log('info', 'saved', 'saved /w/work.json');
  await new Promise((r) => setTimeout(r, 300));
  await problem.getByText('cannot save state.json').waitFor();
  await page.getByRole('button', { name: 'Dismiss this notice' }).click();
  await problem.waitFor({ state: 'detached' });
  // one of each kind: a config saved again leaves the state file's problem showing
  log('error', 'state_not_saved', 'cannot save state.json: EROFS');
  log('error', 'write_failed', 'the applied config was not saved: cannot save /w/work.json: ENOSPC');
  await problem.getByText('ENOSPC').waitFor();
  log('info', 'saved', 'saved /w/work.json');
  await problem.getByText('cannot save state.json: EROFS').waitFor();
  await page.getByRole('button', { name: 'Dismiss this notice' }).click();
  await problem.waitFor({ state: 'detached' });
  log('error', 'write_failed', 'the applied config was not saved: cannot save /w/work.json: ENOSPC');
  await problem.waitFor();
  log('info', 'saved', 'saved /w/work.json');
  await problem.waitFor({ state: 'detached' });

  log('warn', 'workspace_not_opened', 'opened /ud/config.json instead of /w/work.json: fix that file and open it again');
  await problem.waitFor();
  await page.getByRole('button', { name: 'Dismiss this notice' }).click();
  await problem.waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('an apply while a session is open: the top bar says it stays on the old routes, until it closes', { timeout: 60_000 }, async () => {
  const echo = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => echo.once('listening', r));
  echo.on('connection', (ws) => ws.on('message', (d) => ws.send(d)));
  const port = await freePort();
  const config = (header: string) => ({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/ws/', websocket: true, proxyPass: `http://127.0.0.1:${(echo.address() as { port: number }).port}`, proxySetHeader: [{ name: 'X-Version', value: header }] }] }],
  });
  try {
    assert.ok((await env.ui.service.handle('apply', { draft: config('1') })).ok);
    const client = new WebSocket(`ws://127.0.0.1:${port}/ws/a`);
    await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
    const { context, page, errors } = await env.ui.open();
    const pill = page.getByTestId('draft-clean');
    await pill.getByText('Applied', { exact: true }).waitFor();
    await new Promise((r) => setTimeout(r, 20));
    assert.ok((await env.ui.service.handle('apply', { draft: config('2') })).ok);
    await pill.getByText('Applied · 1 on the old routes').waitFor();
    assert.match((await pill.getAttribute('title')) ?? '', /1 session open from before stays on the route and upstream it opened with, until it closes; new requests take this config/);
    client.close();
    await pill.getByText('Applied', { exact: true }).waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    for (const c of echo.clients) c.terminate();
    await new Promise((r) => echo.close(r));
  }
});

test('the web host gone under an open page: the page says it is not connected; started again with a new token: it says to open the new URL', { timeout: 60_000 }, async () => {
  const { startWebHost } = await import('../../main/web/host.ts');
  const { context, page, errors } = await env.ui.open();
  const banner = page.getByTestId('connection-lost');
  assert.equal(await banner.count(), 0);
  const port = env.ui.host.port;
  await env.ui.host.close();
  await banner.waitFor();
  assert.match(await banner.innerText(), /Not connected to Switchyard since .* nothing you do here reaches the proxy/);
  await env.ui.shot(page, 'connection-lost');
  const again = await startWebHost({ service: env.ui.service, port });
  try {
    await page.getByTestId('connection-lost').getByText('Open the URL that switchyard ui printed', { exact: false }).waitFor({ timeout: 20_000 });
  } finally {
    await again.close();
  }
  // (the reconnects' failures are the browser's console errors here, not the page's)
  assert.deepEqual(errors.filter((e) => !/WebSocket|Failed to load resource|ERR_CONNECTION_REFUSED/i.test(e)), []);
  await context.close();
});
