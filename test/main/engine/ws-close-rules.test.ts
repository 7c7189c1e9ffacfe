// What the proxy may still send once a closing handshake has begun (RFC 6455 §5.5.1: nothing after
// a Close frame; §5.4: a control frame may go between the fragments of a message). Raw TCP peers on
// loopback, so each side's frames are read exactly as they arrived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { encodeFrame } from '../../../main/engine/ws-frames.ts';
import type { LiveSession } from '../../../main/engine/ws-session.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { startTcpServer } from '../../helpers/upstreams.ts';
import { sleep, until } from '../../helpers/wait.ts';

const scope = testScope();

const HANDSHAKE = 'GET /ws HTTP/1.1\r\nHost: close.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const ANSWER = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

interface Frame { fin: boolean; opcode: number; payload: Buffer; at: number }

/** The frames arriving on `s` (after the HTTP head when `head`), unmasked for reading. */
function frames(s: net.Socket, head: boolean): Frame[] {
  const out: Frame[] = [];
  let buf = Buffer.alloc(0);
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    if (head) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      head = false;
      buf = buf.subarray(end + 4);
    }
    for (;;) {
      if (buf.length < 2) return;
      const masked = (buf[1]! & 0x80) !== 0;
      const n = buf[1]! & 0x7f;
      const at = n === 126 ? 4 : n === 127 ? 10 : 2;
      if (buf.length < at) return;
      const len = n === 126 ? buf.readUInt16BE(2) : n === 127 ? Number(buf.readBigUInt64BE(2)) : n;
      const start = at + (masked ? 4 : 0);
      if (buf.length < start + len) return;
      const payload = Buffer.from(buf.subarray(start, start + len));
      if (masked) for (let i = 0; i < len; i++) payload[i]! ^= buf[at + (i & 3)]!;
      out.push({ fin: (buf[0]! & 0x80) !== 0, opcode: buf[0]! & 0x0f, payload, at: Date.now() });
      buf = buf.subarray(start + len);
    }
  });
  s.on('error', () => {});
  return out;
}

const closeCode = (f: Frame | undefined) => (f && f.opcode === 8 && f.payload.length >= 2 ? f.payload.readUInt16BE(0) : null);

/** A session between two raw peers: the upstream's socket, the client's, what each received, the engine's live session. */
async function session() {
  let up!: net.Socket;
  const server = await startTcpServer((s) => {
    up = s;
    s.once('data', () => s.write(ANSWER));
    s.on('error', () => {});
  });
  scope.defer(server.close);
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${server.port}` }));
  const client = net.connect(e.port, '127.0.0.1');
  scope.defer(async () => { client.destroy(); });
  const toClient = frames(client, true);
  client.write(HANDSHAKE);
  await until(() => client.bytesRead > 0 && up !== undefined);
  const toUpstream = frames(up, false);
  const live: LiveSession = e.engine.liveSession(e.engine.liveSessions()[0]!.id)!;
  return { up, client, toClient, toUpstream, live };
}

const clientSends = (c: net.Socket, opcode: number, payload: Buffer, fin = true) => {
  const f = encodeFrame(opcode, payload, true);
  if (!fin) f[0] = f[0]! & 0x7f;
  c.write(f);
};
const bye = (code: number, why = '') => Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(why)]);

test("after a peer's Close nothing is injected behind it toward the other peer; the other way still works", async () => {
  const { up, toClient, toUpstream, live } = await session();
  up.write(encodeFrame(8, bye(1001, 'going away'), false));
  await until(() => toClient.length === 1);
  await assert.rejects(live.inject('client', 'text', Buffer.from('after close')), (e: Error & { code?: string }) => e.code === 'peer_closed' && /upstream has sent its Close frame/.test(e.message));
  // the client has not answered yet: it may still be sent data, and so may the upstream from it
  await live.inject('upstream', 'text', Buffer.from('still fine'));
  await until(() => toUpstream.length === 1);
  await sleep(50);
  assert.deepEqual(toClient.map((f) => [f.opcode, closeCode(f)]), [[8, 1001]]);
  assert.equal(toUpstream[0]!.payload.toString(), 'still fine');
});

test('closing after the client sent Close: the upstream gets no second Close, the client gets the proxy\'s, the client is recorded as the one who began and Switchyard as the one who ended the connections', async () => {
  const { client, toClient, toUpstream, live } = await session();
  clientSends(client, 8, bye(1000, 'client done'));
  await until(() => toUpstream.length === 1);
  const sent: string[] = [];
  const closing = live.close('closed by test', { code: 4000, reason: 'x' }, (to) => sent.push(to));
  await until(() => toClient.length === 1);
  assert.deepEqual(sent, ['client']);
  assert.equal(closeCode(toClient[0]), 4000);
  await Promise.race([closing, sleep(1500)]);
  assert.deepEqual(toUpstream.map((f) => closeCode(f)), [1000], 'one Close: the client\'s');
  assert.equal(live.record.closedBy, 'proxy');
  assert.deepEqual(live.record.closeFrame, { from: 'client', code: 1000, reason: 'client done' });
});

test('a Close goes in between the fragments of a message that stays open, not after the grace period', async () => {
  const { client, up, toUpstream, live } = await session();
  clientSends(client, 2, Buffer.alloc(10, 7), false);
  await until(() => toUpstream.length === 1);
  const t0 = Date.now();
  const sent: string[] = [];
  const closing = live.close('closed by test', { code: 4001, reason: 'now' }, (to) => sent.push(to));
  await until(() => toUpstream.length === 2);
  assert.ok(Date.now() - t0 < 500, `the Close came after ${Date.now() - t0} ms`);
  assert.deepEqual(toUpstream.map((f) => [f.fin, f.opcode, closeCode(f)]), [[false, 2, null], [true, 8, 4001]]);
  // the rest of the client's message is not relayed after the Close; the peers' answers end it
  clientSends(client, 0, Buffer.alloc(5, 8));
  clientSends(client, 8, bye(4001));
  up.write(encodeFrame(8, bye(4001), false));
  await closing;
  assert.deepEqual(sent.sort(), ['client', 'upstream']);
  assert.equal(toUpstream.length, 2);
});

test('a second close while one is under way is refused, and each peer gets one Close', async () => {
  const { client, up, toClient, toUpstream, live } = await session();
  const first = live.close('one', { code: 4001 });
  await assert.rejects(live.close('two', { code: 4002 }), (e: Error & { code?: string }) => e.code === 'closing');
  await until(() => toClient.length === 1 && toUpstream.length === 1);
  clientSends(client, 8, bye(4001));
  up.write(encodeFrame(8, bye(4001), false));
  await first;
  assert.deepEqual([toClient.map(closeCode), toUpstream.map(closeCode)], [[4001], [4001]]);
});

test('both peers inside a frame for the whole grace time: no Close goes, the connections end, and the session records none of the proxy\'s', async () => {
  const { client, up, toClient, toUpstream, live } = await session();
  // each peer starts a 100,000-byte frame and sends 1,000 bytes of it
  const [upRead, clientRead] = [up.bytesRead, client.bytesRead];
  client.write(encodeFrame(2, Buffer.alloc(100_000, 1), true).subarray(0, 1000));
  up.write(encodeFrame(2, Buffer.alloc(100_000, 2), false).subarray(0, 1000));
  await until(() => up.bytesRead === upRead + 1000 && client.bytesRead === clientRead + 1000);
  const sent: string[] = [];
  const ended = Promise.all([new Promise((r) => client.once('close', r)), new Promise((r) => up.once('close', r))]);
  await live.close('closed from Switchyard (code 4321: stop)', { code: 4321, reason: 'stop' }, (to) => sent.push(to));
  await ended;
  assert.deepEqual([sent, toClient, toUpstream], [[], [], []], 'no Close frame went either way');
  assert.equal(live.record.closeFrame, null);
  assert.equal(live.record.closedBy, 'proxy');
  assert.equal(live.record.closeReason, 'closed from Switchyard (code 4321: stop); no Close frame went: the frames under way did not end within 1 s');
});
