// The recording path (frame tap → TrafficLog.addMessage, bytes captured in place, previews made on
// demand, payloads kept in reused slabs) against the plain event path (MessageEvent → row with its
// preview → addFrames): the FrameViews must be the same, before and after eviction, and every kept
// payload must read back as the bytes that were sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { loadFrameTap, type MessageRecorder } from '../../../main/service/frames.ts';
import { TrafficLog, DEFAULT_LIMITS, type TrafficLimits } from '../../../main/service/traffic-log.ts';
import type { FrameView } from '../../../app/api/contract.ts';
import { deflateRawSync } from 'node:zlib';
import { encodeFrame, MASK } from '../inspect/helpers.ts';

type Chunk = ['client' | 'server', Buffer];

/** Feed `chunks` to a tapped session in a fresh log, through the recorder (fast) or the events;
 * with `rows`, wait until that many rows are logged (compressed messages decode asynchronously). */
async function record(fast: boolean, chunks: Chunk[], limits: Partial<TrafficLimits> = {}, extensions: string | null = null, rows = 0) {
  const all = { ...DEFAULT_LIMITS, ...limits };
  const log = new TrafficLog(all);
  const factory = await loadFrameTap(all.payloadPerMessage);
  const client = new EventEmitter();
  const upstream = new EventEmitter();
  const recorder: MessageRecorder = {
    capture: log.capture(1),
    message: (m) => void log.addMessage(1, m.direction === 'server' ? 'upstream' : 'client', m.time, m.opcode === 1, m.length, m.data, m.dataOffset, m.dataLength, m.truncated, m.maskKey),
  };
  const tap = factory({ client: client as unknown as Socket, upstream: upstream as unknown as Socket, extensions }, (f) => void log.addFrames(1, [f]), fast ? recorder : undefined)!;
  for (const [dir, bytes] of chunks) (dir === 'client' ? client : upstream).emit('data', bytes);
  const until = Date.now() + 5000;
  while (log.frameCount < rows && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  tap.stop();
  return log;
}

const views = (log: TrafficLog): Array<Omit<FrameView, 'time'>> => log.framesOf(1)!.map(({ time: _t, ...v }) => v);

const text = (s: string, masked: boolean): Buffer => encodeFrame({ opcode: 1, payload: s, mask: masked ? MASK : null });
const binary = (b: Buffer, masked: boolean): Buffer => encodeFrame({ opcode: 2, payload: b, mask: masked ? MASK : null });
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function traffic(): { chunks: Chunk[]; payloads: Buffer[] } {
  const payloads: Buffer[] = [];
  const chunks: Chunk[] = [];
  const add = (dir: 'client' | 'server', frame: Buffer, payload: Buffer | null) => {
    chunks.push([dir, frame]);
    if (payload) payloads.push(payload);
  };
  const masked = (dir: 'client' | 'server') => dir === 'client';
  for (const dir of ['client', 'server'] as const) {
    for (const s of ['hello', '', 'é☃😀'.repeat(300), 'x'.repeat(3000), '{"a":[1,2,3]}', `${'a'.repeat(511)}😀tail`]) add(dir, text(s, masked(dir)), Buffer.from(s));
    for (const n of [0, 1, 63, 64, 65, 1024, 70_000]) add(dir, binary(bytes(n, n), masked(dir)), bytes(n, n));
    // a fragmented text message, and a ping between its frames
    const m = masked(dir) ? MASK : null;
    add(dir, encodeFrame({ opcode: 1, fin: false, payload: 'frag', mask: m }), null);
    add(dir, encodeFrame({ opcode: 9, payload: 'ping!', mask: m }), null);
    add(dir, encodeFrame({ opcode: 0, fin: true, payload: 'mented ☃', mask: m }), Buffer.from('fragmented ☃'));
  }
  // several messages in one chunk, and one message split over chunks
  const many = Buffer.concat([binary(bytes(10, 1), false), text('two', false), binary(bytes(200, 2), false)]);
  chunks.push(['server', many.subarray(0, 7)], ['server', many.subarray(7, 20)], ['server', many.subarray(20)]);
  payloads.push(bytes(10, 1), Buffer.from('two'), bytes(200, 2));
  return { chunks, payloads };
}

test('recorded messages give the same FrameViews as the event path (text, binary, masked, cut, fragmented)', async () => {
  const { chunks } = traffic();
  const fast = await record(true, chunks);
  const events = await record(false, chunks);
  assert.ok(views(events).length > 30);
  assert.deepEqual(views(fast), views(events));
  const long = views(fast).find((v) => v.opcode === 'text' && v.length === 3000)!;
  assert.equal(long.preview, `${'x'.repeat(512)}…`);
  const bin = views(fast).find((v) => v.opcode === 'binary' && v.length === 65 && v.from === 'client')!;
  assert.equal(bin.preview, `${[...bytes(64, 65)].map((b) => b.toString(16).padStart(2, '0')).join(' ')} …`, 'masked client bytes show unmasked');
  assert.equal(views(fast).find((v) => v.length === 70_000)!.payload, 'truncated');
});

test('kept payloads read back as sent; eviction keeps each preview and marks the row', async () => {
  const { chunks, payloads } = traffic();
  for (const total of [1_000_000, 5000, 300]) {
    const limits = { payloadTotal: total, payloadPerMessage: 2048 };
    const fast = await record(true, chunks, limits);
    const events = await record(false, chunks, limits);
    assert.deepEqual(views(fast), views(events), `payloadTotal ${total}`);
    const unlimited = views(await record(true, chunks, { payloadPerMessage: 2048 }));
    assert.deepEqual(views(fast).map((v) => v.preview), unlimited.map((v) => v.preview), 'eviction does not change previews');
    const rows = fast.rowsOf(1)!.filter((r) => r.opcode === 'text' || r.opcode === 'binary');
    assert.equal(rows.length, payloads.length);
    let kept = 0;
    rows.forEach((r, i) => {
      const got = fast.payloads.get(r);
      if (r.payload === 'evicted') return assert.equal(got, undefined);
      kept++;
      assert.deepEqual(got, payloads[i]!.subarray(0, 2048), `row ${r.seq}`);
    });
    assert.equal(fast.payloads.count, kept);
    assert.ok(fast.payloads.bytes <= total);
    if (total === 300) assert.ok(kept < rows.length / 2, 'most were evicted');
  }
});

test('reused payload slabs never mix sessions: many sessions, evictions and trimmed logs', async () => {
  const limits: TrafficLimits = { ...DEFAULT_LIMITS, payloadTotal: 2_000_000, framesPerSession: 300, framesTotal: 2000 };
  const log = new TrafficLog(limits);
  const factory = await loadFrameTap(limits.payloadPerMessage);
  const sent = new Map<string, Buffer>();
  const sessions = Array.from({ length: 12 }, (_, k) => {
    const id = k + 1;
    const client = new EventEmitter();
    const upstream = new EventEmitter();
    const recorder: MessageRecorder = {
      capture: log.capture(id),
      message: (m) => void log.addMessage(id, m.direction === 'server' ? 'upstream' : 'client', m.time, m.opcode === 1, m.length, m.data, m.dataOffset, m.dataLength, m.truncated, m.maskKey),
    };
    factory({ client: client as unknown as Socket, upstream: upstream as unknown as Socket, extensions: null }, (f) => void log.addFrames(id, [f]), recorder);
    return { id, client, upstream, n: 0 };
  });
  let x = 7;
  const rnd = (m: number) => ((x = (x * 1103515245 + 12345) & 0x7fffffff) % m);
  for (let i = 0; i < 6000; i++) {
    const s = sessions[rnd(sessions.length)]!;
    const size = [8, 64, 700, 5000, 40_000][rnd(5)]!;
    const payload = bytes(size, i);
    const fromClient = rnd(2) === 0;
    (fromClient ? s.client : s.upstream).emit('data', binary(payload, fromClient));
    sent.set(`${s.id}:${s.n++}`, payload);
  }
  let checked = 0;
  for (const s of sessions) {
    for (const r of log.rowsOf(s.id)!) {
      const got = log.payloads.get(r);
      if (r.payload === 'evicted') continue;
      assert.deepEqual(got, sent.get(`${s.id}:${r.seq}`), `session ${s.id} row ${r.seq}`);
      checked++;
    }
  }
  assert.ok(checked > 150, `${checked} payloads checked`);
  assert.ok(log.frameCount <= limits.framesTotal);
  assert.ok(log.payloads.bytes <= limits.payloadTotal);
});

test('permessage-deflate: messages behind a compressed one keep their order and views (they wait as events)', async () => {
  const deflated = (s: string) => deflateRawSync(Buffer.from(s), { finishFlush: 2 }).subarray(0, -4);
  const chunks: Chunk[] = [];
  const payloads: Buffer[] = [];
  for (const [dir, m] of [['client', MASK], ['server', null]] as const) {
    chunks.push([dir, encodeFrame({ opcode: 2, payload: bytes(100, 1), mask: m })]);
    // a compressed message, and plain ones right behind it in the same chunk
    chunks.push([dir, Buffer.concat([
      encodeFrame({ opcode: 1, rsv1: true, payload: deflated('squeezed '.repeat(50)), mask: m }),
      encodeFrame({ opcode: 2, payload: bytes(300, 2), mask: m }),
      encodeFrame({ opcode: 1, payload: 'plain after', mask: m }),
    ])]);
    payloads.push(bytes(100, 1), Buffer.from('squeezed '.repeat(50)), bytes(300, 2), Buffer.from('plain after'));
  }
  const ext = 'permessage-deflate; server_no_context_takeover; client_no_context_takeover';
  const fast = await record(true, chunks, {}, ext, 8);
  const events = await record(false, chunks, {}, ext, 8);
  // in the order the chunks were relayed, across directions: the upstream's messages wait behind
  // the client's compressed one, and the log is the same whichever path the messages took
  assert.deepEqual(views(fast), views(events));
  assert.deepEqual(views(fast).map((v) => v.from), ['client', 'client', 'client', 'client', 'upstream', 'upstream', 'upstream', 'upstream']);
  const wire = deflated('squeezed '.repeat(50)).length;
  assert.deepEqual(views(fast).filter((v) => v.from === 'client').map((v) => [v.opcode, v.length, v.wireLength]), [['binary', 100, undefined], ['text', 450, wire], ['binary', 300, undefined], ['text', 11, undefined]]);
  for (const [k, from] of (['client', 'upstream'] as const).entries()) {
    assert.deepEqual(fast.rowsOf(1)!.filter((r) => r.from === from).map((r) => fast.payloads.get(r)), payloads.slice(4 * k, 4 * k + 4), from);
  }
});

test('a ping that is not UTF-8 keeps its hex preview and flags in the log, on both paths', async () => {
  const chunks: Chunk[] = [['client', encodeFrame({ opcode: 9, payload: Buffer.from([0, 0xff, 0xfe, 0x80]), mask: MASK })], ['server', encodeFrame({ opcode: 10, payload: 'ok' })]];
  for (const fast of [true, false]) {
    const [ping, pong] = views(await record(fast, chunks));
    assert.deepEqual(ping, { seq: 0, from: 'client', opcode: 'ping', fin: true, length: 4, preview: '00 ff fe 80', previewHex: true, utf8ErrorOffset: 1, closeCode: null });
    assert.deepEqual([pong!.preview, pong!.previewHex, pong!.utf8ErrorOffset], ['ok', undefined, undefined]);
  }
});
