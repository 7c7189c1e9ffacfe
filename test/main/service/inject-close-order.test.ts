// Injected frames waiting for a message boundary (a peer is inside a fragmented message) and what
// overtakes them: Switchyard's own Close goes at the next frame boundary all the same, and the
// peer's Close ends their wait at once; and an upgrade to another protocol (Upgrade: foo, which nginx
// tunnels too) has no frames: none recorded, inject refused, a close that ends its connections. Raw
// peers, so the bytes on the wire are seen as sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SwitchyardService } from '../../../main/service/service.ts';
import { encodeFrame } from '../../../main/engine/ws-frames.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { startTcpServer } from '../../helpers/upstreams.ts';
import { poll, sleep, until } from '../../helpers/wait.ts';
import { value } from '../../helpers/service.ts';
import type { SessionView } from '../../../app/api/contract.ts';

const scope = testScope();
const ANSWER = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
const HANDSHAKE = 'GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

/** A client frame (masked), FIN as given. */
function clientFrame(opcode: number, fin: boolean, payload: Buffer | string): Buffer {
  const f = encodeFrame(opcode, Buffer.from(payload), true);
  if (!fin) f[0] = f[0]! & 0x7f;
  return f;
}

/** The frames in `bytes` (a stream of whole frames): opcode, FIN, payload unmasked. */
function framesIn(bytes: Buffer): Array<{ opcode: number; fin: boolean; payload: Buffer }> {
  const out = [];
  let i = 0;
  while (i + 2 <= bytes.length) {
    const fin = (bytes[i]! & 0x80) !== 0;
    const opcode = bytes[i]! & 0x0f;
    const masked = (bytes[i + 1]! & 0x80) !== 0;
    let len = bytes[i + 1]! & 0x7f;
    let at = i + 2;
    if (len === 126) { len = bytes.readUInt16BE(at); at += 2; } else if (len === 127) { len = Number(bytes.readBigUInt64BE(at)); at += 8; }
    const key = masked ? bytes.subarray(at, at + 4) : null;
    if (masked) at += 4;
    const payload = Buffer.from(bytes.subarray(at, at + len));
    if (key) for (let k = 0; k < payload.length; k++) payload[k]! ^= key[k % 4]!;
    out.push({ opcode, fin, payload });
    i = at + len;
  }
  return out;
}

/** Engine + service in front of a raw upstream that answers `answer` and records what reaches it
 * after the handshake; a raw client that sent `request` and got the answer's head. */
async function session(answer = ANSWER, request = HANDSHAKE) {
  const upstreamGot: Buffer[] = [];
  const up = await startTcpServer((s) => {
    s.on('error', () => {});
    s.once('data', () => {
      s.write(answer);
      s.on('data', (d: Buffer) => upstreamGot.push(d));
    });
  });
  scope.defer(up.close);
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${up.port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {} });
  scope.defer(async () => service.close());
  const client = net.connect(e.port, '127.0.0.1');
  client.on('error', () => {});
  scope.defer(async () => { client.destroy(); });
  let head = '';
  client.on('data', (d: Buffer) => (head += d.toString('latin1')));
  client.write(request);
  await until(() => head.includes('\r\n\r\n') && e.engine.liveSessions().length === 1);
  return { service, client, id: e.engine.liveSessions()[0]!.id, upstream: () => framesIn(Buffer.concat(upstreamGot)), upstreamBytes: () => Buffer.concat(upstreamGot), fromUpstream: () => head };
}

test("a Close is not held behind an injected message waiting for the client's fragmented message to end", async () => {
  const { service, client, id, upstream } = await session();
  client.write(clientFrame(1, false, 'half-'));
  await until(() => upstream().length === 1);
  const injected = service.handle('injectMessage', { id, direction: 'upstream', opcode: 'text', data: 'X' });
  await sleep(50);
  const closed = await service.handle('closeSession', { id, code: 4000, reason: 'bye' });
  assert.ok(closed.ok, JSON.stringify(closed));
  // the upstream gets the fragment, then the Close at once (between fragments, as RFC 6455 §5.4 allows)
  await until(() => upstream().length === 2, 2000);
  const [fragment, close] = upstream();
  assert.deepEqual([fragment!.opcode, fragment!.fin, String(fragment!.payload)], [1, false, 'half-']);
  assert.deepEqual([close!.opcode, close!.payload.readUInt16BE(0), String(close!.payload.subarray(2))], [8, 4000, 'bye']);
  const r = await injected;
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.code, 'closing', JSON.stringify(r));
});

test("an injected message waiting inside the client's fragmented message fails as peer_closed when the client's Close comes", async () => {
  const { service, client, id, upstream } = await session();
  client.write(clientFrame(1, false, 'half-'));
  await until(() => upstream().length === 1);
  const started = Date.now();
  const injected = service.handle('injectMessage', { id, direction: 'upstream', opcode: 'text', data: 'X' });
  await sleep(50);
  const code = Buffer.alloc(2);
  code.writeUInt16BE(1000);
  client.write(clientFrame(8, true, code));
  const r = await injected;
  assert.equal(!r.ok && r.error.code, 'peer_closed', JSON.stringify(r));
  assert.ok(Date.now() - started < 1000, 'at once, not after the wait for a boundary');
  await until(() => upstream().length === 2);
  assert.deepEqual(upstream().map((f) => f.opcode), [1, 8], 'nothing of it went after the Close');
});

test('an Upgrade: foo tunnel passes its bytes, records no frames and no violation, refuses inject and closes without a Close frame', async () => {
  // (bytes of the foo protocol after the 101: as WebSocket they would be a frame with RSV bits set)
  const s = await session('HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\nserver foo line\n', 'GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n');
  const { service, client, id } = s;
  await until(() => s.fromUpstream().includes('server foo line\n'));
  client.write('HELLO foo protocol line 1\n');
  await until(() => s.upstreamBytes().toString() === 'HELLO foo protocol line 1\n');

  const view = value<{ session: SessionView }>(await service.handle('session', { id })).session;
  assert.deepEqual([view.framesAvailable, view.violation, view.framesFromClient, view.framesFromUpstream, view.closeFrame], [false, undefined, 0, 0, null]);
  const inject = await service.handle('injectMessage', { id, direction: 'client', opcode: 'text', data: 'x' });
  assert.ok(!inject.ok);
  assert.equal(inject.error.code, 'not_websocket');
  assert.match(inject.error.message, /switched to "foo", not WebSocket/);

  const closed = await service.handle('closeSession', { id, code: 1000, reason: 'bye' });
  assert.ok(closed.ok, JSON.stringify(closed));
  const ended = await poll(async () => value<{ session: SessionView }>(await service.handle('session', { id })).session, (v) => v.state === 'closed');
  assert.deepEqual([ended?.closedBy, ended?.closeFrame], ['proxy', null]);
  assert.match(ended?.closeReason ?? '', /“foo” tunnel, not WebSocket/);
  await until(() => client.destroyed || client.readableEnded);
  const got = s.fromUpstream();
  assert.equal(got.slice(got.indexOf('server foo line\n') + 16), '', 'no Close frame went to the client');
});
