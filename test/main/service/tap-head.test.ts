// The frame log sees every relayed byte, including frames that arrive in the same read as the 101
// answer (an upstream that speaks first): the tap observes the engine's relay, head bytes included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import WebSocket from 'ws';
import { SwitchyardService } from '../../../main/service/service.ts';
import { encodeFrame } from '../../../main/engine/ws-frames.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import type { SessionDetail } from '../../../app/api/contract.ts';

const scope = testScope();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('frames sent together with the 101 answer are relayed and logged, and later ones stay in step', async () => {
  const peers: Socket[] = [];
  const upstream = createServer((sock) => {
    peers.push(sock);
    let head = '';
    sock.on('data', (d) => {
      if (head.includes('\r\n\r\n')) return;
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)![1]!;
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      const answer = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
      // the answer and two frames in one write: they reach the proxy with the 101
      sock.write(Buffer.concat([Buffer.from(answer, 'latin1'), encodeFrame(1, Buffer.from('early one'), false), encodeFrame(2, Buffer.from([1, 2, 3]), false)]));
      setTimeout(() => sock.write(encodeFrame(1, Buffer.from('later'), false)), 30);
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  scope.defer(async () => { for (const p of peers) p.destroy(); await new Promise((r) => upstream.close(r)); });
  const port = (upstream.address() as { port: number }).port;
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {} });
  scope.defer(async () => service.close());

  const got: string[] = [];
  const client = new WebSocket(`ws://127.0.0.1:${e.port}/ws`);
  client.on('message', (d, bin) => got.push(bin ? (d as Buffer).toString('hex') : String(d)));
  await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
  const end = Date.now() + 3000;
  while (got.length < 3 && Date.now() < end) await sleep(10);
  assert.deepEqual(got, ['early one', '010203', 'later']);
  await sleep(80);
  const id = e.engine.liveSessions()[0]!.id;
  const r = await service.handle('session', { id });
  assert.ok(r.ok);
  const frames = (r.value as SessionDetail).frames!;
  assert.deepEqual(frames.map((f) => [f.from, f.opcode, f.preview]), [['upstream', 'text', 'early one'], ['upstream', 'binary', '01 02 03'], ['upstream', 'text', 'later']]);
  client.close();
});
