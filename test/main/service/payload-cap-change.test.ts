// The per-message payload cap changed while sessions are open (setSettings), on a real engine with
// real `ws` peers: the cap in force when a message starts applies to it, in every session, whether
// it opened before the change or after, compressed or not, and no byte more is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket, { WebSocketServer } from 'ws';
import { SwitchyardService } from '../../../main/service/service.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { poll, sleep, until } from '../../helpers/wait.ts';
import type { FramePayload, SessionDetail } from '../../../app/api/contract.ts';
import { value } from '../../helpers/service.ts';

const scope = testScope();

test('payloadPerMessage changed while sessions are open: each message keeps at most the cap in force when it started, in every session', async () => {
  // (the upstream compresses when the client offers it: the client of /deflated does)
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
  await new Promise((r) => wss.once('listening', r));
  const received = new Map<string, number>();
  wss.on('connection', (ws, req) => ws.on('message', () => received.set(req.url!, (received.get(req.url!) ?? 0) + 1)));
  scope.defer(async () => { for (const c of wss.clients) c.terminate(); await new Promise((r) => wss.close(r)); });
  const port = (wss.address() as { port: number }).port;
  const e = await scope.engine((p) => oneLocation(p, { path: '/', websocket: true, proxyPass: `http://127.0.0.1:${port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {}, limits: { payloadPerMessage: 65536 } });
  scope.defer(async () => service.close());
  const open = async (path: string, perMessageDeflate = false) => {
    const ws = new WebSocket(`ws://127.0.0.1:${e.port}${path}`, { perMessageDeflate: perMessageDeflate && { threshold: 0 } });
    await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
    scope.defer(async () => ws.terminate());
    return { ws, id: e.engine.liveSessions().find((s) => s.url === path)!.id };
  };
  /** The client's messages on `path`: [bytes kept, truncated] of each, once `n` reached the upstream and the log. */
  const kept = async (s: { id: number }, path: string, n: number) => {
    await until(() => received.get(path) === n);
    const read = async () => value<SessionDetail>(await service.handle('session', { id: s.id })).frames!.filter((f) => f.from === 'client' && f.opcode === 'binary');
    const rows = await poll(read, (r) => r.length === n);
    const out: Array<[number, boolean]> = [];
    for (const f of rows) {
      const p = value<FramePayload>(await service.handle('framePayload', { id: s.id, seq: f.seq }));
      out.push([p.bytes, p.truncated]);
    }
    return out;
  };
  const msg = Buffer.alloc(10_000, 7);

  const a = await open('/opened-at-64KiB');
  const z = await open('/deflated', true);
  // a message under way across the change keeps the cap it started with
  a.ws.send(msg.subarray(0, 3000), { binary: true, fin: false });
  await sleep(50); // (its first fragment went through the tap)
  value(await service.handle('setSettings', { payloadPerMessage: 1024 }));
  const b = await open('/opened-at-1KiB');
  a.ws.send(msg.subarray(3000), { binary: true, fin: true });
  for (const s of [a, b, z]) s.ws.send(msg, { binary: true });
  assert.deepEqual(await kept(a, '/opened-at-64KiB', 2), [[10_000, false], [1024, true]]);
  assert.deepEqual(await kept(b, '/opened-at-1KiB', 1), [[1024, true]]);
  assert.deepEqual(await kept(z, '/deflated', 1), [[1024, true]]);
  const zd = value<SessionDetail>(await service.handle('session', { id: z.id }));
  assert.match(zd.session.extensions ?? '', /^permessage-deflate/);
  assert.ok(zd.frames!.some((f) => f.from === 'client' && f.wireLength !== undefined && f.wireLength < 1000), 'compressed on the wire');

  value(await service.handle('setSettings', { payloadPerMessage: 65536 }));
  for (const s of [a, b, z]) s.ws.send(msg, { binary: true });
  assert.deepEqual((await kept(a, '/opened-at-64KiB', 3))[2], [10_000, false]);
  assert.deepEqual((await kept(b, '/opened-at-1KiB', 2))[1], [10_000, false]);
  assert.deepEqual((await kept(z, '/deflated', 2))[1], [10_000, false]);
});
