// The total payload cap bounds captures in progress too: a message still arriving holds room in the
// cap as it is captured (the oldest kept payloads go to make room), and one the cap has no room for
// is relayed whole but recorded as evicted (its row's preview captured all the same). Real sockets, a raw client sending partial frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import { SwitchyardService } from '../../../main/service/service.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { until } from '../../helpers/wait.ts';
import type { SessionDetail } from '../../../app/api/contract.ts';
import { value } from '../../helpers/service.ts';

const scope = testScope();
const KEY = Buffer.from([0x11, 0x22, 0x33, 0x44]);

/** A masked text frame's header for `length` bytes (16-bit length form), and its masked payload. */
function frame(text: string): { head: Buffer; body: Buffer } {
  const payload = Buffer.from(text);
  const head = Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff, ...KEY]);
  return { head, body: Buffer.from(payload.map((b, i) => b ^ KEY[i % 4]!)) };
}

/** A raw WebSocket client through the engine, once the 101 is in (`extra`: header lines to add). */
async function rawClient(port: number, extra = ''): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  scope.defer(async () => { sock.destroy(); });
  sock.write(`GET /ws HTTP/1.1\r\nHost: a.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`);
  let head = '';
  await new Promise<void>((resolve, reject) => {
    sock.on('data', function onData(d) {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        sock.off('data', onData);
        if (head.startsWith('HTTP/1.1 101')) resolve();
        else reject(new Error(head));
      }
    });
    sock.once('error', reject);
  });
  return sock;
}

/** The engine with a service (4 KiB kept per message, 10,000 bytes in all) in front of an upstream
 * that only listens: what clients send is all there is to record; `got` is what reached it. */
async function proxied() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const got: Buffer[] = [];
  wss.on('connection', (ws) => ws.on('message', (d) => got.push(d as Buffer)).on('error', () => {}));
  scope.defer(async () => { for (const c of wss.clients) c.terminate(); await new Promise((r) => wss.close(r)); });
  const upstreamPort = (wss.address() as { port: number }).port;
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${upstreamPort}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {}, limits: { payloadPerMessage: 4096, payloadTotal: 10_000 } });
  scope.defer(async () => service.close());
  return { e, service, store: service.traffic.payloads, got };
}

test('captures in progress count against the total cap: the oldest kept payloads go for them, and a message the cap has no room for is recorded as evicted, with its preview', async () => {
  const { e, service, store, got } = await proxied();
  
  // one message kept whole: 3,000 bytes of the cap
  const a = await rawClient(e.port);
  const first = frame('a'.repeat(3000));
  a.write(Buffer.concat([first.head, first.body]));
  await until(() => store.bytes === 3000);

  // three messages of 4,000 bytes start and stop after their first 10 bytes
  const texts = ['b', 'c', 'd'].map((ch) => ch.repeat(4000));
  const socks: net.Socket[] = [];
  for (const [i, text] of texts.entries()) {
    const s = await rawClient(e.port);
    socks.push(s);
    const f = frame(text);
    s.write(Buffer.concat([f.head, f.body.subarray(0, 10)]));
    // (the tap reserves a single-frame message's room from its header: wait until it has, or has not)
    await until(() => i < 2 ? store.reserved === 4000 * (i + 1) : got.length === 1 && e.engine.liveSessions().length === 4);
  }
  await new Promise((r) => setTimeout(r, 100));
  // the first kept payload went to make room for the second capture; the third found none
  assert.equal(store.reserved, 8000);
  assert.equal(store.bytes, 0);
  assert.ok(store.bytes + store.reserved <= 10_000);

  for (const [i, s] of socks.entries()) s.write(frame(texts[i]!).body.subarray(10));
  await until(() => got.length === 4);
  assert.deepEqual(got.map((m) => m.length), [3000, 4000, 4000, 4000], 'every message is relayed whole');
  await until(() => store.reserved === 0 && store.bytes === 8000);

  const ids = e.engine.liveSessions().map((s) => s.id).sort((x, y) => x - y);
  const rowOf = async (id: number) => {
    await until(() => (service.traffic.framesOf(id)?.length ?? 0) >= 1);
    return value<SessionDetail>(await service.handle('session', { id })).frames![0]!;
  };
  assert.equal((await rowOf(ids[0]!)).payload, 'evicted');
  for (const id of ids.slice(1, 3)) {
    const row = await rowOf(id);
    assert.equal(row.payload, 'kept');
    assert.equal(row.length, 4000);
  }
  const none = await rowOf(ids[3]!);
  assert.equal(none.payload, 'evicted');
  assert.equal(none.length, 4000);
  // (its preview was still captured, outside the cap: no more than a row shows)
  assert.match(none.preview, /^d{100,}…$/);
  const p = await service.handle('framePayload', { id: ids[3]!, seq: none.seq });
  assert.deepEqual(value(p), { encoding: 'text', data: '', bytes: 0, truncated: false, evicted: true });
});

test('a fragmented message\'s capture moves to larger room as it grows: only the room it is in counts, and none once it is kept', async () => {
  const { e, service, store, got } = await proxied();
  const s = await rawClient(e.port);
  const part = (opcode: number, fin: boolean, ch: string) => {
    const f = frame(ch.repeat(1500));
    f.head[0] = (fin ? 0x80 : 0) | opcode;
    return Buffer.concat([f.head, f.body]);
  };
  s.write(part(1, false, 'x'));
  await until(() => store.reserved === 1500);
  s.write(part(0, false, 'y'));
  await until(() => store.reserved === 3000);
  s.write(part(0, true, 'z'));
  await until(() => got.length === 1);
  assert.equal(String(got[0]), 'x'.repeat(1500) + 'y'.repeat(1500) + 'z'.repeat(1500));
  await until(() => store.reserved === 0 && store.bytes === 4096);
  const id = e.engine.liveSessions()[0]!.id;
  await until(() => (service.traffic.framesOf(id)?.length ?? 0) >= 1);
  const row = value<SessionDetail>(await service.handle('session', { id })).frames![0]!;
  assert.equal(row.payload, 'truncated');
  assert.equal(row.length, 4500);
});

test('a message the parser stops inside (a protocol violation in the middle of it) gives its room back', async () => {
  const { e, store } = await proxied();
  const s = await rawClient(e.port);
  const part = frame('x'.repeat(1500));
  part.head[0] = 0x01; // a text frame that does not end the message
  s.write(Buffer.concat([part.head, part.body]));
  await until(() => store.reserved === 1500);
  // a new message while that one is open: fatal to the parser of that direction
  const next = frame('y'.repeat(200));
  s.write(Buffer.concat([next.head, next.body]));
  await until(() => store.reserved === 0);
  s.destroy();
});

test('messages the tap records the slow way (in an extension\'s encoding it does not know) give their room back', async () => {
  // an upstream that takes the client's extension x-foo, whose frames carry RSV2
  const up = net.createServer((c) => {
    c.once('data', () => c.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: x-foo\r\n\r\n'));
    c.on('error', () => {});
  });
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  scope.defer(async () => { up.close(); });
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${(up.address() as net.AddressInfo).port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {}, limits: { payloadPerMessage: 4096, payloadTotal: 10_000 } });
  scope.defer(async () => service.close());
  const store = service.traffic.payloads;
  const s = await rawClient(e.port, 'Sec-WebSocket-Extensions: x-foo\r\n');
  for (let i = 0; i < 12; i++) {
    const f = frame(String(i % 10).repeat(1000));
    f.head[0] = 0x80 | 0x20 | 0x02; // FIN, RSV2, binary
    s.write(Buffer.concat([f.head, f.body]));
  }
  const id = e.engine.liveSessions()[0]!.id;
  await until(() => (service.traffic.framesOf(id)?.length ?? 0) >= 12);
  assert.equal(store.reserved, 0);
  const rows = value<SessionDetail>(await service.handle('session', { id })).frames!;
  // the newest are kept (their copies, 1,000 bytes each, under the cap of 10,000), the oldest evicted
  assert.deepEqual(rows.map((r) => r.payload), [...Array(2).fill('evicted'), ...Array(10).fill('kept')]);
  assert.equal(store.bytes, 10_000);
  s.destroy();
});
