// Who started a WebSocket session's closing handshake, as the engine records it, on real loopback
// sockets with the `ws` library on both ends (Switchyard's own close: ws-inject.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { SessionRecord } from '../../../main/engine/events.ts';
import { until } from '../../helpers/wait.ts';
import type { Upstream } from '../../helpers/upstreams.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';

const scope = testScope();
const wsUp = scope.ws;
const engine = scope.engine;
const wsLoc = (u: Upstream) => ({ path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${u.port}` });
function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}
function echo(ws: WebSocket, data: string): Promise<WebSocket.RawData> {
  return new Promise((resolve) => { ws.once('message', (d) => resolve(d)); ws.send(data); });
}

test('an upstream that starts the closing handshake is recorded as such, with its code and reason', async () => {
  const u = await wsUp('u');
  u.wss.on('connection', (peer) => peer.on('message', (m) => { if (String(m) === 'go away') peer.close(4002, 'server says bye'); }));
  const e = await engine((p) => oneLocation(p, wsLoc(u)));
  const closed: SessionRecord[] = [];
  e.engine.on('session-close', (s) => closed.push(s));
  const ws = await open(`ws://127.0.0.1:${e.port}/ws`);
  const seen = new Promise<[number, string]>((r) => ws.once('close', (code, why) => r([code, why.toString()])));
  ws.send('go away');
  assert.deepEqual(await seen, [4002, 'server says bye']);
  await until(() => closed.length === 1);
  assert.deepEqual(closed[0]!.closeFrame, { from: 'upstream', code: 4002, reason: 'server says bye' });
});

test('a client that drops the connection without a close frame leaves no close frame on record', async () => {
  const u = await wsUp('u');
  const e = await engine((p) => oneLocation(p, wsLoc(u)));
  const closed: SessionRecord[] = [];
  e.engine.on('session-close', (s) => closed.push(s));
  const ws = await open(`ws://127.0.0.1:${e.port}/ws`);
  assert.equal(String(await echo(ws, 'hi')), 'hi');
  ws.terminate();
  await until(() => closed.length === 1);
  assert.equal(closed[0]!.closeFrame, null);
  assert.equal(closed[0]!.closedBy, 'client');
});
