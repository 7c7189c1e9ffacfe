// injectMessage / replayFrame wait for a message boundary, but not forever: while a real `ws` peer
// keeps a fragmented message open, they fail with 'busy' after the service's wait, nothing is sent,
// the other direction is not held up, and injecting works again once the message ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket, { WebSocketServer } from 'ws';
import { SwitchyardService } from '../../../main/service/service.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { sleep, until } from '../../helpers/wait.ts';
import type { FrameView, SessionDetail } from '../../../app/api/contract.ts';

const scope = testScope();

test('injecting into a direction held inside a fragmented message fails with busy after the wait, sends nothing', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  scope.defer(async () => { for (const c of wss.clients) c.terminate(); await new Promise((r) => wss.close(r)); });
  const port = (wss.address() as { port: number }).port;
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${port}` }));
  const WAIT = 300;
  const service = await SwitchyardService.create(e.engine, { initialDraft: {}, injectWaitMs: WAIT });
  scope.defer(async () => service.close());
  const serverSide = new Promise<WebSocket>((r) => wss.once('connection', (ws) => r(ws)));
  const client = new WebSocket(`ws://127.0.0.1:${e.port}/ws`);
  await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
  const server = await serverSide;
  const id = e.engine.liveSessions()[0]!.id;
  const atServer: string[] = [];
  const atClient: string[] = [];
  server.on('message', (d) => atServer.push(String(d)));
  client.on('message', (d) => atClient.push(String(d)));

  client.send('hello');
  await until(() => atServer.length === 1);
  await sleep(80); // the row reaches the frame log
  const detail = await service.handle('session', { id });
  assert.ok(detail.ok);
  const hello = (detail.value as SessionDetail).frames!.find((f) => f.preview === 'hello')!;

  client.send('part one, ', { fin: false }); // a fragmented message starts and stays open
  await sleep(50);
  const started = Date.now();
  const [inject, replay, other] = await Promise.all([
    service.handle('injectMessage', { id, direction: 'upstream', opcode: 'text', data: 'never sent' }),
    service.handle('replayFrame', { id, seq: hello.seq, direction: 'upstream' }),
    service.handle('injectMessage', { id, direction: 'client', opcode: 'text', data: 'to the client' }),
  ]);
  const waited = Date.now() - started;
  assert.ok(!inject.ok && inject.error.code === 'busy', JSON.stringify(inject));
  assert.match(inject.error.message, /fragmented message/);
  assert.ok(!replay.ok && replay.error.code === 'busy', JSON.stringify(replay));
  assert.ok(waited >= WAIT - 20 && waited < WAIT + 2000, `waited ${waited} ms`);
  assert.ok(other.ok, 'the other direction is not held up');
  await until(() => atClient.length === 1);
  assert.deepEqual(atClient, ['to the client']);

  client.send('part two', { fin: true });
  await until(() => atServer.length === 2);
  const after = await service.handle('injectMessage', { id, direction: 'upstream', opcode: 'text', data: 'after' });
  assert.ok(after.ok, JSON.stringify(after));
  assert.equal((after.value as FrameView).injected, true);
  await until(() => atServer.length === 3);
  await sleep(50);
  assert.deepEqual(atServer, ['hello', 'part one, part two', 'after'], 'the busy frames were never sent');
  client.close();
});
