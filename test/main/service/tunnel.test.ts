// An upgrade to another protocol than WebSocket (Upgrade: foo, h2c) on a WebSocket route: nginx
// tunnels it and so does the engine, byte for byte. It has no frames: none are recorded, counted or
// called violations, inject is refused by name, and closing it ends its connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SwitchyardService } from '../../../main/service/service.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { startTcpServer } from '../../helpers/upstreams.ts';
import { poll, until } from '../../helpers/wait.ts';
import type { SessionView } from '../../../app/api/contract.ts';
import { value } from '../../helpers/service.ts';

const scope = testScope();

test('an Upgrade: foo tunnel passes its bytes, records no frames and no violation, refuses inject and closes without a Close frame', async () => {
  const fromClient: Buffer[] = [];
  const up = await startTcpServer((s) => {
    s.once('data', () => {
      s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n');
      // (bytes of the foo protocol: as WebSocket they would be a frame with RSV bits set)
      s.write('server foo line\n');
      s.on('data', (d: Buffer) => fromClient.push(d));
    });
    s.on('error', () => {});
  });
  scope.defer(async () => { up.server.close(); });
  const e = await scope.engine((p) => oneLocation(p, { path: '/foo', websocket: true, proxyPass: `http://127.0.0.1:${up.port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {} });
  scope.defer(async () => service.close());

  const sock = net.connect(e.port, '127.0.0.1');
  sock.on('error', () => {});
  scope.defer(async () => { sock.destroy(); });
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
  sock.write('GET /foo HTTP/1.1\r\nHost: t\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n');
  await until(() => got.includes('server foo line\n'));
  sock.write('HELLO foo protocol line 1\n');
  await until(() => Buffer.concat(fromClient).toString() === 'HELLO foo protocol line 1\n');
  const id = e.engine.liveSessions()[0]!.id;

  const view = value<{ session: SessionView }>(await service.handle('session', { id })).session;
  assert.deepEqual([view.framesAvailable, view.violation, view.framesFromClient, view.framesFromUpstream, view.closeFrame], [false, undefined, 0, 0, null]);
  const inject = await service.handle('injectMessage', { id, direction: 'client', opcode: 'text', data: 'x' });
  assert.ok(!inject.ok);
  assert.equal(inject.error.code, 'not_websocket');
  assert.match(inject.error.message, /switched to "foo", not WebSocket/);

  const closed = await service.handle('closeSession', { id, code: 1000, reason: 'bye' });
  assert.ok(closed.ok, JSON.stringify(closed));
  const ended = await poll(async () => value<{ session: SessionView }>(await service.handle('session', { id })).session, (s) => s.state === 'closed');
  assert.deepEqual([ended?.closedBy, ended?.closeFrame], ['proxy', null]);
  assert.match(ended?.closeReason ?? '', /“foo” tunnel, not WebSocket/);
  await until(() => sock.destroyed || sock.readableEnded);
  assert.ok(!got.slice(got.indexOf('server foo line\n') + 16).length, 'no Close frame went to the client');
});
