// Injected frames waiting for a message boundary (a peer is inside a fragmented message) and what
// overtakes them: Switchyard's own Close goes at the next frame boundary all the same, and the
// peer's Close ends their wait at once. Raw peers, so the bytes on the wire are seen as sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SwitchyardService } from '../../../main/service/service.ts';
import { encodeFrame } from '../../../main/engine/ws-frames.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { startTcpServer } from '../../helpers/upstreams.ts';
import { sleep, until } from '../../helpers/wait.ts';

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

/** Engine + service in front of a raw upstream that records what reaches it after the handshake. */
async function session() {
  const upstreamGot: Buffer[] = [];
  const up = await startTcpServer((s) => {
    s.on('error', () => {});
    s.once('data', () => {
      s.write(ANSWER);
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
  client.write(HANDSHAKE);
  await until(() => head.includes('\r\n\r\n') && e.engine.liveSessions().length === 1);
  return { service, client, id: e.engine.liveSessions()[0]!.id, upstream: () => framesIn(Buffer.concat(upstreamGot)) };
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
