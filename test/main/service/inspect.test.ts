// Traffic inspection through the service on a real engine and real `ws` peers (127.0.0.1):
// injecting, replaying, closing with a code, redaction, HAR export/import, payload caps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { SwitchyardService } from '../../../main/service/service.ts';
import { TrafficLog, DEFAULT_LIMITS } from '../../../main/service/traffic-log.ts';
import { exportHar } from '../../../main/service/har.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { poll, sleep, until } from '../../helpers/wait.ts';
import type { FrameView, ImportedHar, SessionDetail } from '../../../app/api/contract.ts';
import { value } from '../../helpers/service.ts';

const scope = testScope();

async function setup() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  scope.defer(async () => { for (const c of wss.clients) c.terminate(); await new Promise((r) => wss.close(r)); });
  const { e, service } = await serviceFor(wss);
  const serverSide = new Promise<WebSocket>((r) => wss.once('connection', (ws) => r(ws)));
  const client = new WebSocket(`ws://127.0.0.1:${e.port}/ws?x=1`, { headers: { Authorization: 'Bearer secret-token', 'X-Tenant': 'k-123' } });
  await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
  const server = await serverSide;
  const id = e.engine.liveSessions()[0]!.id;
  const got = { client: [] as string[], server: [] as string[] };
  client.on('message', (d, bin) => got.client.push(bin ? `bin:${(d as Buffer).toString('hex')}` : String(d)));
  server.on('message', (d, bin) => got.server.push(bin ? `bin:${(d as Buffer).toString('hex')}` : String(d)));
  return { service, client, server, id, got, port: e.port, wss };
}
/** The engine with one WebSocket location proxying to `wss`, and a service on it. */
async function serviceFor(wss: WebSocketServer) {
  const port = (wss.address() as { port: number }).port;
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {} });
  scope.defer(async () => service.close());
  return { e, service };
}
/** A ws server that compresses every message (permessage-deflate, threshold 0). */
async function deflatingServer(): Promise<WebSocketServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
  await new Promise((r) => wss.once('listening', r));
  scope.defer(async () => { for (const c of wss.clients) c.terminate(); await new Promise((r) => wss.close(r)); });
  return wss;
}
/** Whether `buf` (what a raw client read) holds the 101's head and then the whole first frame (an
 * unmasked one, as from the upstream). */
function firstFrameIn(buf: Buffer): boolean {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return false;
  const f = buf.subarray(headEnd + 4);
  if (f.length < 2) return false;
  const n = f[1]! & 127;
  const [at, len] = n === 126 ? [4, f.length >= 4 ? f.readUInt16BE(2) : Infinity] : n === 127 ? [10, f.length >= 10 ? Number(f.readBigUInt64BE(2)) : Infinity] : [2, n];
  return f.length >= at + len;
}
/** A raw client offering permessage-deflate through the engine on `port`: it gets the frames as relayed, still compressed. */
function rawDeflateClient(port: number): net.Socket {
  const sock = net.connect(port, '127.0.0.1');
  scope.defer(async () => { sock.destroy(); });
  sock.on('error', () => {});
  sock.write('GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n'
    + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n');
  return sock;
}
test('inject, replay and close with a code through the service; injected rows are marked', async () => {
  const { service, client, server, id, got } = await setup();
  client.send('from the client');
  server.send(Buffer.from([9, 8, 7]));
  await until(() => got.server.length === 1 && got.client.length === 1);
  const up = value<FrameView>(await service.handle('injectMessage', { id, direction: 'upstream', opcode: 'text', data: 'hi upstream' }));
  const down = value<FrameView>(await service.handle('injectMessage', { id, direction: 'client', opcode: 'binary', data: Buffer.from([1, 2, 3]).toString('base64') }));
  assert.deepEqual([up.injected, up.from, up.opcode, up.preview], [true, 'client', 'text', 'hi upstream']);
  assert.deepEqual([down.injected, down.from, down.opcode, down.preview], [true, 'upstream', 'binary', '01 02 03']);
  await until(() => got.server.length === 2 && got.client.length === 2);
  assert.deepEqual(got.server, ['from the client', 'hi upstream']);
  assert.deepEqual(got.client, ['bin:090807', 'bin:010203']);
  await sleep(80); // the frame batch reaches the log
  const detail = value<SessionDetail>(await service.handle('session', { id }));
  const original = detail.frames!.find((f) => f.preview === 'from the client' && !f.injected)!;
  assert.equal(original.payload, 'kept');
  value(await service.handle('replayFrame', { id, seq: original.seq }));
  const fromUpstream = detail.frames!.find((f) => f.opcode === 'binary' && !f.injected)!;
  value(await service.handle('replayFrame', { id, seq: fromUpstream.seq }));
  await until(() => got.server.length === 3 && got.client.length === 3);
  assert.equal(got.server[2], 'from the client');
  assert.equal(got.client[2], 'bin:090807');
  const bad = await service.handle('injectMessage', { id, direction: 'client', opcode: 'binary', data: '***' });
  assert.ok(!bad.ok && bad.error.code === 'bad_data');
  // the same base64 rule as a HAR file's: a lone character left over is no byte
  const cut = await service.handle('injectMessage', { id, direction: 'client', opcode: 'binary', data: 'QUJDR' });
  assert.ok(!cut.ok && cut.error.code === 'bad_data' && /leave one over/.test(cut.error.message), JSON.stringify(cut));
  const badCode = await service.handle('closeSession', { id, code: 1006 });
  assert.ok(!badCode.ok && badCode.error.code === 'bad_params');
  const tooLong = await service.handle('closeSession', { id, code: 4001, reason: 'é'.repeat(62) });
  assert.ok(!tooLong.ok && tooLong.error.code === 'close_reason_too_long');

  const codes = Promise.all([client, server].map((ws) => new Promise<[number, string]>((r) => ws.once('close', (c, why) => r([c, why.toString()])))));
  const closed = value<{ state: string; closedBy: string; closeReason: string }>(await service.handle('closeSession', { id, code: 4001, reason: 'maintenance' }));
  assert.deepEqual(await codes, [[4001, 'maintenance'], [4001, 'maintenance']]);
  assert.equal(closed.state, 'closed');
  assert.equal(closed.closedBy, 'proxy');
  assert.match(closed.closeReason, /code 4001: maintenance/);
  const after = value<SessionDetail>(await service.handle('session', { id }));
  assert.deepEqual(after.frames!.filter((f) => f.opcode === 'close' && f.injected).map((f) => f.closeCode), [4001, 4001]);
  // logged as they were written: before the peers' answers
  assert.deepEqual(after.frames!.filter((f) => f.opcode === 'close').map((f) => [f.injected === true, f.notForwarded === true]), [[true, false], [true, false], [false, true], [false, true]]);
  const again = await service.handle('closeSession', { id, code: 4001 });
  assert.ok(!again.ok && again.error.code === 'not_live');
  // the peers' own Close frames (their echoes): code and reason, 2 + 11 bytes of payload
  assert.deepEqual(after.frames!.filter((f) => f.opcode === 'close' && !f.injected).map((f) => [f.closeCode, f.preview, f.length]), [[4001, 'maintenance', 13], [4001, 'maintenance', 13]]);
  // who started the closing handshake survives a HAR round trip
  assert.deepEqual(after.session.closeFrame, { from: 'proxy', code: 4001, reason: 'maintenance' });
  const har = value<string>(await service.handle('exportHar', { sessionIds: [id] }));
  const back = value<ImportedHar>(await service.handle('importHar', { text: har }));
  assert.deepEqual(back.sessions[0]!.session.closeFrame, { from: 'proxy', code: 4001, reason: 'maintenance' });
  const late = await service.handle('injectMessage', { id, direction: 'client', opcode: 'text', data: 'x' });
  assert.ok(!late.ok && late.error.code === 'not_live');
});

test('redaction hides Authorization (and added names) in views and HAR; HAR exports Chrome fields and round-trips', async () => {
  const { service, client, server, id, got } = await setup();
  client.send('hello');
  server.send(Buffer.from([0xff, 0]));
  await until(() => got.server.length === 1 && got.client.length === 1);
  await sleep(80);
  const view = value<SessionDetail>(await service.handle('session', { id }));
  const h = view.session.requestHeaders;
  assert.equal(h[h.findIndex((x) => x.toLowerCase() === 'authorization') + 1], '[redacted]');
  assert.equal(h[h.findIndex((x) => x.toLowerCase() === 'x-tenant') + 1], 'k-123');
  value(await service.handle('setSettings', { redactHeaders: ['Authorization', 'X-Tenant'] }));

  const text = value<string>(await service.handle('exportHar', { sessionIds: [id] }));
  assert.doesNotMatch(text, /secret-token|k-123/);
  const har = JSON.parse(text);
  assert.equal(har.log.version, '1.2');
  const entry = har.log.entries[0];
  assert.equal(entry._resourceType, 'websocket');
  assert.match(entry.request.url, /^ws:\/\/127\.0\.0\.1:\d+\/ws\?x=1$/);
  assert.equal(entry.response.status, 101);
  const msgs = entry._webSocketMessages as Array<{ type: string; time: number; opcode: number; data: string }>;
  assert.deepEqual(msgs.map((m) => [m.type, m.opcode, m.data]), [['send', 1, 'hello'], ['receive', 2, Buffer.from([0xff, 0]).toString('base64')]]);
  assert.ok(msgs[0]!.time > 1e9 && msgs[0]!.time < 1e11, 'seconds, not ms');

  const imported = value<ImportedHar>(await service.handle('importHar', { text }));
  assert.equal(imported.sessions.length, 1);
  const s = imported.sessions[0]!;
  assert.equal(s.session.url, '/ws?x=1');
  assert.deepEqual(s.frames.map((f) => [f.from, f.opcode, f.preview, f.length]), [['client', 'text', 'hello', 5], ['upstream', 'binary', 'ff 00', 2]]);
  const bad = await service.handle('importHar', { text: '{"log":{"entries":"no"}}' });
  assert.ok(!bad.ok && bad.error.code === 'invalid_har');
  const all = JSON.parse(value<string>(await service.handle('exportHar', {})));
  assert.ok(all.log.entries.length >= 1);
  const off = value<{ redact: boolean }>(await service.handle('setSettings', { redact: false }));
  assert.equal(off.redact, false);
  assert.match(value<string>(await service.handle('exportHar', { sessionIds: [id] })), /secret-token/);
  client.close();
});

test('permessage-deflate: the log shows messages in relay order, with inflated and wire lengths', async () => {
  const wss = await deflatingServer();
  // the upstream answers each message once it has read it: the answer comes after it on the wire
  wss.on('connection', (ws) => ws.on('message', (d) => ws.send(`got ${String(d).length}`)));
  const { e, service } = await serviceFor(wss);
  const client = new WebSocket(`ws://127.0.0.1:${e.port}/ws`, { perMessageDeflate: { threshold: 0 } });
  await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
  const answers: string[] = [];
  client.on('message', (d) => answers.push(String(d)));
  const id = e.engine.liveSessions()[0]!.id;
  // large messages take the inflater a while; each answer must still be logged after its question
  const sizes = [200_000, 10, 300_000, 5];
  for (const n of sizes) {
    client.send('q'.repeat(n));
    await until(() => answers.length === sizes.indexOf(n) + 1);
  }
  const frames = await poll(async () => value<SessionDetail>(await service.handle('session', { id })).frames ?? [], (fs) => fs.length >= 8);
  assert.deepEqual(frames.map((f) => `${f.from} ${f.preview.slice(0, 12)}`), sizes.flatMap((n) => [`client ${'q'.repeat(Math.min(n, 12))}`, `upstream got ${n}`]));
  assert.deepEqual(frames.filter((f) => f.from === 'client').map((f) => f.length), sizes);
  for (const f of frames) {
    assert.equal(typeof f.wireLength, 'number', `seq ${f.seq} is compressed`);
    if (f.length > 1000) assert.ok(f.wireLength! < f.length / 100, `seq ${f.seq}: ${f.wireLength} B on the wire for ${f.length}`);
  }
  const big = frames[0]!;
  assert.equal(big.payload, 'truncated');
  const har = JSON.parse(value<string>(await service.handle('exportHar', { sessionIds: [id] })));
  const msgs = har.log.entries[0]._webSocketMessages as Array<{ _switchyard: { length: number; wireLength?: number } }>;
  assert.deepEqual(msgs.map((m) => m._switchyard.length), frames.map((f) => f.length));
  assert.deepEqual(msgs.map((m) => m._switchyard.wireLength), frames.map((f) => f.wireLength));
  client.close();
});

test('permessage-deflate: a reply sent the moment a large compressed message arrived is logged after it', async () => {
  const wss = await deflatingServer();
  const big = 'z'.repeat(8_000_000); // inflating it takes the tap's zlib some milliseconds
  wss.on('connection', (ws) => ws.send(big));
  const { e, service } = await serviceFor(wss);
  // a raw client: it answers as soon as the last byte of the upstream's frame is in, without inflating
  const sock = rawDeflateClient(e.port);
  let buf = Buffer.alloc(0);
  let answered = false;
  sock.on('data', (c) => {
    buf = Buffer.concat([buf, c]);
    if (answered || !firstFrameIn(buf)) return;
    answered = true;
    const text = Buffer.from('thanks');
    const mask = Buffer.from([1, 2, 3, 4]);
    sock.write(Buffer.concat([Buffer.from([0x81, 0x80 | text.length]), mask, Buffer.from(text.map((b, i) => b ^ mask[i & 3]!))]));
  });
  await until(() => answered);
  const id = e.engine.liveSessions()[0]!.id;
  const frames = await poll(async () => value<SessionDetail>(await service.handle('session', { id })).frames ?? [], (fs) => fs.length >= 2);
  assert.deepEqual(frames.map((f) => [f.from, f.length, f.wireLength, f.preview.slice(0, 6)]), [['upstream', big.length, frames[0]!.wireLength, 'zzzzzz'], ['client', 6, undefined, 'thanks']]);
  assert.ok(frames[0]!.wireLength! < 100_000);
});

test("permessage-deflate: a message still inflating when its session closed counts in the closed session's view", async () => {
  const wss = await deflatingServer();
  const big = 'z'.repeat(8_000_000); // a few KB on the wire, some milliseconds of the tap's zlib
  wss.on('connection', (ws) => { ws.on('error', () => {}); ws.send(big, () => ws.terminate()); });
  const { e, service } = await serviceFor(wss);
  const sock = rawDeflateClient(e.port);
  sock.resume();
  await until(() => e.engine.liveSessions().length === 1);
  const id = e.engine.liveSessions()[0]!.id;
  await until(() => e.engine.liveSessions().length === 0); // the upstream went away right after sending
  type Detail = { session: { framesFromUpstream?: number }; frames?: FrameView[] };
  const d = await poll(async () => value<Detail>(await service.handle('session', { id })), (v) => (v.frames ?? []).some((f) => f.length === big.length));
  assert.ok((d.frames ?? []).some((f) => f.length === big.length), 'the inflated message was logged');
  assert.equal(d.session.framesFromUpstream, (d.frames ?? []).filter((f) => f.from === 'upstream').length, 'the closed view counts it');
  const listed = value<Array<{ id: number; framesFromUpstream?: number }>>(await service.handle('sessions', {})).find((v) => v.id === id);
  assert.equal(listed?.framesFromUpstream, d.session.framesFromUpstream);
});

test("permessage-deflate: what Switchyard writes while a message it relayed still inflates is logged after it, and that message as forwarded", async () => {
  const wss = await deflatingServer();
  const big = 'z'.repeat(8_000_000); // a few KB on the wire, some milliseconds of the tap's zlib
  wss.on('connection', (ws) => { ws.on('error', () => {}); ws.send(big); });
  const { e, service } = await serviceFor(wss);
  const sock = rawDeflateClient(e.port);
  // a raw client: it has the whole frame (the proxy forwarded it) without inflating it
  let buf = Buffer.alloc(0);
  sock.on('data', (c) => (buf = Buffer.concat([buf, c])));
  await until(() => firstFrameIn(buf));
  const id = e.engine.liveSessions()[0]!.id;
  const injected = value<FrameView>(await service.handle('injectMessage', { id, direction: 'client', opcode: 'text', data: 'mine' }));
  value(await service.handle('closeSession', { id, code: 4001, reason: 'bye' }));
  const frames = await poll(async () => value<SessionDetail>(await service.handle('session', { id })).frames ?? [], (fs) => fs.length >= 5);
  assert.deepEqual(frames.map((f) => [f.from, f.opcode, f.length, f.injected === true, f.notForwarded === true]), [
    ['upstream', 'text', big.length, false, false],
    ['upstream', 'text', 4, true, false],
    ['upstream', 'close', 5, true, false],
    ['client', 'close', 5, true, false],
    // the upstream's answer to Switchyard's Close (the raw client never answers)
    ['upstream', 'close', 5, false, true],
  ]);
  assert.equal(injected.seq, 1);
});

test('payloads: capped per message and in total, oldest evicted first and marked; byte count exact', () => {
  const log = new TrafficLog({ ...DEFAULT_LIMITS, payloadPerMessage: 10, payloadTotal: 25 });
  const row = (i: number, n: number) => ({ time: i, from: 'client' as const, opcode: 'binary', fin: true, length: n, preview: '', closeCode: null, payload: 'kept' as const, data: Buffer.alloc(n, i) });
  const [a] = log.addFrames(1, [row(1, 8)]);
  const [b] = log.addFrames(1, [row(2, 30)]);
  assert.equal(b!.payload, 'truncated');
  assert.equal(log.payloads.bytes, 18);
  const [c] = log.addFrames(1, [row(3, 9)]);
  assert.equal(a!.payload, 'evicted');
  assert.equal(log.payloads.get(a!), undefined);
  assert.equal(c!.payload, 'kept');
  assert.equal(log.payloads.bytes, 19);
  assert.deepEqual(log.frame(1, 2)?.seq, 2);
});

test('permessage-deflate: a message the tap cannot inflate says why (view, HAR, HAR import keeps it and close codes)', async () => {
  const wss = await deflatingServer();
  wss.on('connection', (ws) => ws.on('error', () => {}));
  const { e, service } = await serviceFor(wss);
  const sock = rawDeflateClient(e.port);
  await until(() => e.engine.liveSessions().length === 1);
  const id = e.engine.liveSessions()[0]!.id;
  // a compressed (RSV1) text message whose payload is no DEFLATE data; the upstream fails the
  // connection over it with a Close frame of its own
  const junk = Buffer.from([0xff, 0xff, 0xff, 0xff]);
  const mask = Buffer.from([1, 2, 3, 4]);
  sock.write(Buffer.concat([Buffer.from([0xc1, 0x80 | junk.length]), mask, Buffer.from(junk.map((b, i) => b ^ mask[i & 3]!))]));
  const frames = await poll(async () => value<SessionDetail>(await service.handle('session', { id })).frames ?? [], (fs) => fs.some((f) => f.opcode === 'close'));
  const bad = frames.find((f) => f.from === 'client' && f.opcode === 'text')!;
  assert.match(bad.decodeError ?? '', /^TAP_DEFLATE_ERROR: inflate failed/);
  assert.equal(bad.wireLength, 4);
  // it was captured, not inflated: said so, and not replayed (its wire bytes are not the message)
  for (const r of [await service.handle('replayFrame', { id, seq: bad.seq }), await service.handle('framePayload', { id, seq: bad.seq })]) {
    assert.equal(!r.ok && r.error.code, 'not_decoded', JSON.stringify(r));
  }
  const close = frames.find((f) => f.opcode === 'close')!;
  assert.equal(typeof close.closeCode, 'number');
  const har = value<string>(await service.handle('exportHar', { sessionIds: [id] }));
  const msgs = JSON.parse(har).log.entries[0]._webSocketMessages as Array<{ _switchyard: { decodeError?: string } }>;
  assert.equal(msgs[0]!._switchyard.decodeError, bad.decodeError);
  const imported = value<ImportedHar>(await service.handle('importHar', { text: har })).sessions[0]!;
  const back = imported.frames;
  assert.deepEqual(back.map((f) => [f.opcode, f.length, f.wireLength, f.decodeError, f.closeCode, f.payload]), frames.map((f) => [f.opcode, f.length, f.wireLength, f.decodeError, f.closeCode, f.payload]));
  assert.equal(imported.payloads[bad.seq], undefined, 'no payload, as live: none was captured');
});

test('capture caps changed while running: a lower total evicts the oldest payloads at once, fewer frames per session drop the oldest rows, a smaller per-message cap cuts later messages', () => {
  const log = new TrafficLog({ ...DEFAULT_LIMITS, payloadPerMessage: 10, payloadTotal: 100 });
  const row = (i: number, n: number) => ({ time: i, from: 'client' as const, opcode: 'binary', fin: true, length: n, preview: '', closeCode: null, payload: 'kept' as const, data: Buffer.alloc(n, i) });
  const refs = [1, 2, 3, 4, 5].map((i) => log.addFrames(1, [row(i, 10)])[0]!);
  assert.equal(log.payloads.bytes, 50);
  log.setCaps({ payloadTotal: 25 });
  assert.deepEqual(refs.map((r) => r.payload), ['evicted', 'evicted', 'evicted', 'kept', 'kept']);
  assert.equal(log.payloads.bytes, 20);
  log.setCaps({ framesPerSession: 2 });
  assert.deepEqual(log.framesOf(1)!.map((f) => f.seq), [3, 4]);
  log.setCaps({ payloadPerMessage: 4 });
  assert.equal(log.addFrames(1, [row(6, 10)])[0]!.payload, 'truncated');
});

test('setSettings: the capture caps are checked and reported; sessions opened after a change record with the new per-message cap', async () => {
  const { service, client, id, port, wss } = await setup();
  const bad = await service.handle('setSettings', { payloadPerMessage: 10 });
  assert.ok(!bad.ok && bad.error.code === 'bad_params', JSON.stringify(bad));
  const set = value<{ payloadPerMessage: number; payloadTotal: number }>(await service.handle('setSettings', { payloadPerMessage: 2048 }));
  assert.deepEqual([set.payloadPerMessage, set.payloadTotal], [2048, DEFAULT_LIMITS.payloadTotal]);
  client.close();
  await until(() => service.engine.liveSession(id) === undefined);
  const upSide = new Promise<WebSocket>((r) => wss.once('connection', (ws) => r(ws)));
  const next = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  await new Promise((r, j) => { next.once('open', r); next.once('error', j); });
  const up = await upSide;
  const id2 = service.engine.liveSessions()[0]!.id;
  const upGot: string[] = [];
  up.on('message', (d) => upGot.push(String(d)));
  next.send('x'.repeat(5000));
  await until(() => upGot.length === 1);
  const f = (await poll(async () => value<SessionDetail>(await service.handle('session', { id: id2 })).frames!.find((r) => r.from === 'client'), (r) => r !== undefined))!;
  assert.equal(f.payload, 'truncated');
  const p = value<{ bytes: number; truncated: boolean }>(await service.handle('framePayload', { id: id2, seq: f.seq }));
  assert.deepEqual([p.bytes, p.truncated], [2048, true]);
});

test('HAR: an evicted binary message exports the first bytes its preview kept, marked incomplete', () => {
  const row: FrameView = { seq: 0, time: 1_000, from: 'upstream', opcode: 'binary', fin: true, length: 300, preview: '01 02 ff …', closeCode: null, payload: 'evicted' };
  const session = { id: 1, url: '/ws', clientAddress: '', route: { server: 0, location: 0, name: '', where: '/ws', explain: '' }, upstream: null, upstreamPath: '/ws', tries: [], requestHeaders: [], responseHeaders: [], subprotocol: null, extensions: null, state: 'closed' as const, status: 101, openedAt: 0, closedAt: 2_000, closedBy: null, closeReason: null, closeFrame: null, bytesFromClient: 0, bytesFromUpstream: 0, framesFromClient: 0, framesFromUpstream: 1, framesAvailable: true };
  const har = exportHar([{ session, frames: [row], payload: () => undefined }], []);
  assert.ok(har.ok);
  const msg = JSON.parse(har.text).log.entries[0]._webSocketMessages[0];
  assert.deepEqual([msg.data, msg._switchyard.complete], [Buffer.from([1, 2, 255]).toString('base64'), false]);
});

test('a message under way when the proxy closes the session, never finished by its peer, is logged as far as it went (fin false): its first fragment was passed on', async () => {
  const { service, client, id, got } = await setup();
  client.send('first part, ', { fin: false });
  await sleep(100);
  const closed = new Promise((r) => client.once('close', r));
  value(await service.handle('closeSession', { id, code: 4001, reason: 'bye' }));
  await closed;
  await sleep(80); // the frame batch reaches the log
  const after = value<SessionDetail>(await service.handle('session', { id }));
  const open = after.frames!.filter((f) => f.opcode === 'text' && f.from === 'client');
  assert.deepEqual(open.map((f) => [f.fin, f.preview, f.length]), [[false, 'first part, ', 12]]);
  assert.deepEqual(got.server, [], 'the upstream never got a whole message');
  // a HAR keeps the mark through export and import
  const har = value<string>(await service.handle('exportHar', { sessionIds: [id] }));
  const imported = value<ImportedHar>(await service.handle('importHar', { text: har }));
  const back = imported.sessions[0]!.frames!.filter((f) => f.opcode === 'text' && f.from === 'client');
  assert.deepEqual(back.map((f) => [f.fin, f.preview]), [[false, 'first part, ']]);
});
