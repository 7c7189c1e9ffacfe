// Switchyard's own messages in a permessage-deflate session, as third-party peers take them: Python's
// `websockets` echo server (test/fixtures/python/ws_peer.py, window bits 12, context takeover) as
// the upstream and a `ws` client, both compressing every message. An injected or replayed message
// goes uncompressed (RSV1 clear) between compressed ones: the client reads it as is, the Python
// server takes it and echoes it (compressed), and both peers' compressed messages after it still
// refer back into the ones before it (neither peer's nor the tap's context is touched by it).
// Needs python3-websockets; fails without it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { SwitchyardService } from '../../main/service/service.ts';
import { oneLocation } from '../helpers/engine.ts';
import { testScope } from '../helpers/scope.ts';
import { poll, until } from '../helpers/wait.ts';
import { value } from '../helpers/service.ts';
import type { FrameView, SessionDetail } from '../../app/api/contract.ts';

const scope = testScope();
const PEER = fileURLToPath(new URL('../fixtures/python/ws_peer.py', import.meta.url));

/** The Python echo server's port; it runs until the file's tests end. */
async function pythonServer(): Promise<number> {
  const server = spawn('/usr/bin/python3', [PEER, 'server']);
  after(() => { server.stdin.end(); server.kill(); });
  let err = '';
  server.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolve, reject) => {
    createInterface({ input: server.stdout }).once('line', (l) => resolve(Number(l)));
    server.once('exit', (code) => reject(new Error(`the Python server exited with ${code}: ${err}`)));
  });
}

/** Each frame header's first byte (FIN, RSV1-3, opcode) in what the server sent, in order. */
function frameHeads(): { heads: number[]; feed(chunk: Buffer): void } {
  let buf = Buffer.alloc(0);
  const heads: number[] = [];
  return {
    heads,
    feed(chunk) {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (buf.length < 2) return;
        const n = buf[1]! & 127;
        const at = n === 126 ? 4 : n === 127 ? 10 : 2;
        if (buf.length < at) return;
        const len = n === 126 ? buf.readUInt16BE(2) : n === 127 ? Number(buf.readBigUInt64BE(2)) : n;
        if (buf.length < at + len) return;
        heads.push(buf[0]!);
        buf = buf.subarray(at + len);
      }
    },
  };
}

test('injected and replayed messages go uncompressed into a compressed session; third-party peers take them and keep their contexts', { timeout: 60_000 }, async () => {
  const upstream = await pythonServer();
  const e = await scope.engine((p) => oneLocation(p, { path: '/live', websocket: true, proxyPass: `http://127.0.0.1:${upstream}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {} });
  scope.defer(async () => service.close());
  const client = new WebSocket(`ws://127.0.0.1:${e.port}/live`, ['chat.v1'], { perMessageDeflate: { threshold: 0 } });
  await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
  assert.match(client.extensions, /^permessage-deflate/);
  const wire = frameHeads();
  // (after 'open': the 101's head is read; what comes now is frames, in the order ws reads them)
  (client as unknown as { _socket: NodeJS.EventEmitter })._socket.on('data', (c: Buffer) => wire.feed(c));
  const got: string[] = [];
  client.on('message', (d) => got.push(String(d)));
  const id = e.engine.liveSessions()[0]!.id;

  const first = 'the quick brown fox jumps over the lazy dog, the quick brown fox';
  client.send(first);
  await until(() => got.length === 1);
  const toClient = value<FrameView>(await service.handle('injectMessage', { id, direction: 'client', opcode: 'text', data: 'from Switchyard to the client' }));
  const toUpstream = value<FrameView>(await service.handle('injectMessage', { id, direction: 'upstream', opcode: 'text', data: 'from Switchyard to the server' }));
  await until(() => got.length === 3);
  const frames = value<SessionDetail>(await service.handle('session', { id })).frames!;
  const replayed = value<FrameView>(await service.handle('replayFrame', { id, seq: frames.find((f) => f.from === 'client' && f.opcode === 'text')!.seq }));
  await until(() => got.length === 4);
  // compressed under context takeover: this one refers back into the first message
  client.send(`${first}, again`);
  await until(() => got.length === 5);

  assert.deepEqual(got, [first, 'from Switchyard to the client', 'from Switchyard to the server', first, `${first}, again`],
    'the client read the injected message, and the server echoed the injected and the replayed one');
  const rsv1 = wire.heads.map((h) => (h & 0x40) !== 0);
  assert.deepEqual(rsv1, [true, false, true, true, true], 'only the injected message toward the client went uncompressed (RSV1 clear)');
  assert.ok(toClient.injected && toUpstream.injected && replayed.injected);

  client.close(4003, 'bye');
  const detail = await poll(async () => value<SessionDetail>(await service.handle('session', { id })), (d) => d.session.state === 'closed' && d.frames!.filter((f) => f.opcode === 'text').length === 9);
  const texts = detail.frames!.filter((f) => f.opcode === 'text');
  assert.equal(detail.session.violation, undefined, String(detail.session.violation));
  assert.deepEqual(texts.filter((f) => f.decodeError !== undefined), [], 'every compressed message inflated');
  assert.deepEqual(texts.map((f) => [f.from, f.preview, f.injected === true, f.wireLength !== undefined]), [
    ['client', first, false, true],
    ['upstream', first, false, true],
    ['upstream', 'from Switchyard to the client', true, false],
    ['client', 'from Switchyard to the server', true, false],
    ['upstream', 'from Switchyard to the server', false, true],
    ['client', first, true, false],
    ['upstream', first, false, true],
    ['client', `${first}, again`, false, true],
    ['upstream', `${first}, again`, false, true],
  ]);
  assert.deepEqual([detail.session.framesFromClient, detail.session.framesFromUpstream, detail.session.framesInjected], [3, 5, 3]);
  assert.deepEqual(detail.session.closeFrame, { from: 'client', code: 4003, reason: 'bye' });
});
