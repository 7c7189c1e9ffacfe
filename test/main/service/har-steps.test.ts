// `exportHar` through the service on a real engine: the HAR is written in steps, so the proxy (which
// shares the thread) keeps relaying while a large export is being built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { SwitchyardService } from '../../../main/service/service.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { until } from '../../helpers/wait.ts';
import { value } from '../../helpers/service.ts';

const scope = testScope();

test('while a large HAR export is being built, timers fire and proxied messages are relayed, before its answer', { timeout: 120_000 }, async () => {
  const { port } = await scope.ws('echo');
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {}, limits: { payloadTotal: 8 * 1024 * 1024 } });
  scope.defer(async () => service.close());
  const open = async () => {
    const c = new WebSocket(`ws://127.0.0.1:${e.port}/ws`);
    await new Promise((r, j) => { c.once('open', r); c.once('error', j); });
    scope.defer(async () => c.terminate());
    return c;
  };
  // 8 MiB of control characters kept: about 48 Mi characters of HAR
  const fill = await open();
  let echoed = 0;
  fill.on('message', () => echoed++);
  for (let i = 0; i < 64; i++) fill.send('\x01'.repeat(64 * 1024));
  await until(() => echoed === 64, 30_000);
  const probe = await open();
  const order: string[] = [];
  setTimeout(() => order.push('timer'), 0);
  probe.once('message', () => order.push('relayed'));
  probe.send('ping');
  const har = value<string>(await service.handle('exportHar', {}));
  order.push('exported');
  assert.ok(har.length > 40 * 1024 * 1024, `${har.length} characters`);
  assert.deepEqual(order, ['timer', 'relayed', 'exported']);
});
