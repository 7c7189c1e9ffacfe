// The frame-aligned relay on fake sockets: bytes pass unchanged, injections land exactly at the
// first boundary between complete messages whatever the chunking, framing of injected frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { WsRelay } from '../../../main/engine/ws-relay.ts';
import type { CloseFrameInfo } from '../../../app/engine/records.ts';
import { encodeFrame, checkClose, OPCODES } from '../../../main/engine/ws-frames.ts';

class FakeSocket extends EventEmitter {
  chunks: Buffer[] = [];
  destroyed = false;
  writableEnded = false;
  paused = false;
  full = false;
  write(b: Buffer, cb?: (err?: Error | null) => void): boolean {
    this.chunks.push(Buffer.from(b));
    if (cb) queueMicrotask(() => cb());
    return !this.full;
  }
  pause() { this.paused = true; return this; }
  resume() { this.paused = false; return this; }
  end() { this.writableEnded = true; }
  get out() { return Buffer.concat(this.chunks); }
}
const pair = (mask: boolean) => {
  const src = new FakeSocket();
  const dst = new FakeSocket();
  const relay = new WsRelay(src as unknown as Socket, dst as unknown as Socket, mask);
  return { src, dst, relay };
};

/** A frame with explicit header bits; `forceLen` picks the 16/64-bit length form even when small. */
function frame(opts: { fin: boolean; op: number; payload: Buffer; mask?: boolean; forceLen?: 126 | 127 }): Buffer {
  const len = opts.payload.length;
  const form = opts.forceLen ?? (len < 126 ? 0 : len < 65536 ? 126 : 127);
  const ext = form === 0 ? 0 : form === 126 ? 2 : 8;
  const h = Buffer.alloc(2 + ext + (opts.mask ? 4 : 0));
  h[0] = (opts.fin ? 0x80 : 0) | opts.op;
  h[1] = (opts.mask ? 0x80 : 0) | (form === 0 ? len : form);
  if (form === 126) h.writeUInt16BE(len, 2);
  if (form === 127) h.writeUInt32BE(len, 6);
  const body = Buffer.from(opts.payload);
  if (opts.mask) {
    const key = Buffer.from([1, 2, 3, 4]);
    key.copy(h, 2 + ext);
    for (let i = 0; i < body.length; i++) body[i]! ^= key[i & 3]!;
  }
  return Buffer.concat([h, body]);
}

export function decode(buf: Buffer): { fin: boolean; rsv: number; op: number; masked: boolean; payload: Buffer; size: number } {
  const l7 = buf[1]! & 0x7f;
  let at = 2;
  let len = l7;
  if (l7 === 126) { len = buf.readUInt16BE(2); at = 4; }
  if (l7 === 127) { len = buf.readUInt32BE(6); at = 10; }
  const masked = (buf[1]! & 0x80) !== 0;
  const key = masked ? buf.subarray(at, at + 4) : null;
  if (masked) at += 4;
  const payload = Buffer.from(buf.subarray(at, at + len));
  if (key) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
  return { fin: (buf[0]! & 0x80) !== 0, rsv: (buf[0]! >> 4) & 7, op: buf[0]! & 0x0f, masked, payload, size: at + len };
}

for (const mask of [true, false]) {
  const frames = [
    frame({ fin: false, op: 1, payload: Buffer.from('hel'), mask }),
    frame({ fin: true, op: 9, payload: Buffer.from('p'), mask }), // control frame inside the message
    frame({ fin: false, op: 0, payload: Buffer.alloc(130, 'x'), mask }),
    frame({ fin: true, op: 0, payload: Buffer.from('lo'), mask }),
    frame({ fin: true, op: 2, payload: Buffer.alloc(300, 5), mask }),
    frame({ fin: true, op: 2, payload: Buffer.alloc(200, 6), mask, forceLen: 127 }),
    frame({ fin: true, op: 10, payload: Buffer.alloc(0), mask }),
    frame({ fin: true, op: 1, payload: Buffer.alloc(0), mask }),
  ];
  const stream = Buffer.concat(frames);
  const ends = frames.map((_, i) => Buffer.concat(frames.slice(0, i + 1)).length);
  // message boundaries: the start, after the FIN continuation, the binaries, the pong, the empty text
  const boundaries = [0, ends[3]!, ends[4]!, ends[5]!, ends[6]!, ends[7]!];
  const payload = Buffer.from('injected ✓');

  const check = (out: Buffer, at: number, label: string) => {
    assert.equal(out.length > stream.length, true, label);
    assert.deepEqual(out.subarray(0, at), stream.subarray(0, at), `${label}: bytes before the injection`);
    const f = decode(out.subarray(at));
    assert.deepEqual({ fin: f.fin, rsv: f.rsv, op: f.op, masked: f.masked, payload: f.payload.toString() }, { fin: true, rsv: 0, op: 1, masked: mask, payload: payload.toString() }, label);
    assert.deepEqual(out.subarray(at + f.size), stream.subarray(at), `${label}: bytes after the injection`);
  };

  test(`relay (${mask ? 'toward upstream, masked' : 'toward client, unmasked'}): an injection requested at any byte lands at the next message boundary`, async () => {
    for (let k = 0; k <= stream.length; k++) {
      const { src, dst, relay } = pair(mask);
      src.emit('data', stream.subarray(0, k));
      const written = relay.inject(OPCODES.text, payload);
      src.emit('data', stream.subarray(k));
      await written;
      check(dst.out, boundaries.find((b) => b >= k)!, `requested after byte ${k}`);
    }
  });

  test(`relay (${mask ? 'masked' : 'unmasked'}): any chunk split, including one byte at a time, is relayed unchanged`, async () => {
    for (let k = 1; k < stream.length; k++) {
      const { src, dst, relay } = pair(mask);
      src.emit('data', stream.subarray(0, 1));
      const written = relay.inject(OPCODES.text, payload);
      src.emit('data', stream.subarray(1, k));
      src.emit('data', stream.subarray(k));
      await written;
      check(dst.out, ends[3]!, `split at ${k}`);
    }
    const { src, dst, relay } = pair(mask);
    for (let i = 0; i < stream.length; i++) src.emit('data', stream.subarray(i, i + 1));
    assert.equal(relay.atBoundary, true);
    assert.deepEqual(dst.out, stream);
  });
}

test('relay: nothing pending → each chunk is written as is (the same Buffer, no copy)', () => {
  const { src, dst } = pair(false);
  const c = frame({ fin: true, op: 1, payload: Buffer.from('abc') });
  const seen: Buffer[] = [];
  (dst as unknown as { write: (b: Buffer) => boolean }).write = (b) => { seen.push(b); return true; };
  src.emit('data', c);
  assert.equal(seen[0], c);
});

test('relay: backpressure pauses the source until drain', () => {
  const { src, dst } = pair(false);
  dst.full = true;
  src.emit('data', frame({ fin: true, op: 2, payload: Buffer.alloc(10) }));
  assert.equal(src.paused, true);
  dst.full = false;
  dst.emit('drain');
  assert.equal(src.paused, false);
});

test('relay: after an injected close, source bytes are dropped and the peer\'s close echo is reported', async () => {
  const { src, dst, relay } = pair(true);
  let echoed = 0;
  relay.onPeerClose = () => echoed++;
  const c = checkClose(4001, 'bye');
  assert.ok(c.ok);
  await relay.inject(OPCODES.close, c.payload, { close: true });
  const closeFrame = decode(dst.out);
  assert.equal(closeFrame.op, 8);
  assert.equal(closeFrame.payload.readUInt16BE(0), 4001);
  assert.equal(closeFrame.payload.subarray(2).toString(), 'bye');
  const before = dst.out.length;
  src.emit('data', frame({ fin: true, op: 1, payload: Buffer.from('late'), mask: true }));
  src.emit('data', frame({ fin: true, op: 8, payload: c.payload, mask: true }));
  assert.equal(dst.out.length, before, 'nothing after the close is forwarded');
  assert.equal(echoed, 1);
  await assert.rejects(relay.inject(OPCODES.text, Buffer.from('x')), /closing/);
});

test('relay: frames waiting when the relay stops are rejected', async () => {
  const { src, relay } = pair(false);
  src.emit('data', Buffer.from([0x81, 0x05, 0x61]));
  const p = relay.inject(OPCODES.text, Buffer.from('x'));
  relay.stop();
  await assert.rejects(p, /closed/);
});

for (const mask of [true, false]) {
  test(`relay (${mask ? 'masked' : 'unmasked'}): the first close frame's code and reason are reported, at every chunk split`, () => {
    const reason = 'bye ✓ now';
    const payload = Buffer.concat([Buffer.from([0x0f, 0xa1]), Buffer.from(reason)]); // 4001
    const stream = Buffer.concat([
      frame({ fin: true, op: 1, payload: Buffer.alloc(130, 'x'), mask }),
      frame({ fin: true, op: 8, payload, mask }),
      frame({ fin: true, op: 8, payload: Buffer.from([0x03, 0xe8]), mask }), // a second close: not reported
    ]);
    for (let k = 0; k <= stream.length; k++) {
      for (let m = k; m <= stream.length; m += 7) {
        const { src, dst, relay } = pair(mask);
        const record = { closeFrame: null as CloseFrameInfo | null, framesFromClient: 0, framesFromUpstream: 0 };
        relay.record = record;
        src.emit('data', stream.subarray(0, k));
        src.emit('data', stream.subarray(k, m));
        src.emit('data', stream.subarray(m));
        assert.deepEqual(record.closeFrame, { from: mask ? 'client' : 'upstream', code: 4001, reason }, `split at ${k} and ${m}`);
        assert.deepEqual(dst.out, stream, 'bytes pass unchanged');
      }
    }
  });
}

test('relay: a close frame without a status code, and an oversized one (only its first 125 bytes are read)', () => {
  const cases: Array<[Buffer, number | null, string, string?]> = [
    [frame({ fin: true, op: 8, payload: Buffer.alloc(0), mask: true }), null, ''],
    [frame({ fin: true, op: 8, payload: Buffer.from([0x03, 0xe8]) }), 1000, ''],
    [frame({ fin: true, op: 8, payload: Buffer.concat([Buffer.from([0x03, 0xe9]), Buffer.alloc(300, 'r')]), mask: true }), 1001, 'r'.repeat(123), 'a 302-byte payload: a control frame carries at most 125 (the reason shown is its first 123 bytes)'],
    [frame({ fin: true, op: 8, payload: Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from([0xff, 0x61])]) }), 1000, '\ufffda', 'its reason is not UTF-8 from byte 0'],
    [frame({ fin: false, op: 8, payload: Buffer.from([0x03, 0xe8]) }), 1000, '', 'FIN is not set: a control frame is never fragmented'],
  ];
  for (const [bytes, code, reason, why] of cases) {
    const { src, relay } = pair(false);
    const record = { closeFrame: null as CloseFrameInfo | null, framesFromClient: 0, framesFromUpstream: 0 };
    relay.record = record;
    src.emit('data', bytes);
    assert.deepEqual(record.closeFrame, { from: 'upstream', code, reason, ...(why ? { invalid: why } : {}) });
    assert.equal(relay.peerClosed, true);
    assert.deepEqual([record.framesFromClient, record.framesFromUpstream], [0, 1]);
  }
  // a close frame already on record (the other direction's, or Switchyard's) stays
  const { src, relay } = pair(true);
  const record = { closeFrame: { from: 'upstream', code: 1001, reason: 'first' } as CloseFrameInfo | null, framesFromClient: 0, framesFromUpstream: 0 };
  relay.record = record;
  src.emit('data', frame({ fin: true, op: 8, payload: Buffer.from([0x03, 0xe8]), mask: true }));
  assert.deepEqual(record.closeFrame, { from: 'upstream', code: 1001, reason: 'first' });
});

test('close codes and reasons (RFC 6455 §7.4)', () => {
  for (const ok of [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4001, 4999]) assert.equal(checkClose(ok).ok, true, String(ok));
  for (const bad of [999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 1000.5]) {
    const r = checkClose(bad);
    assert.ok(!r.ok && r.code === 'invalid_close_code', String(bad));
  }
  assert.equal(checkClose(1000, 'é'.repeat(61)).ok, true, '122 bytes');
  const long = checkClose(1000, 'é'.repeat(62));
  assert.ok(!long.ok && long.code === 'close_reason_too_long', '124 bytes');
});

test('encodeFrame: 7/16/64-bit lengths, masking', () => {
  for (const n of [0, 125, 126, 65535, 65536]) {
    for (const mask of [false, true]) {
      const p = Buffer.alloc(n, 0x5a);
      const f = decode(encodeFrame(OPCODES.binary, p, mask));
      assert.equal(f.masked, mask);
      assert.equal(f.payload.length, n);
      assert.ok(f.payload.equals(p));
    }
  }
});

/** An unmasked relay whose observer notes each chunk it sees (hex), and a Close 1000 to inject on it:
 * `handed.seen` is what the observer had seen when onHanded was told (null before). */
function observed() {
  const { dst, relay } = pair(false);
  const seen: string[] = [];
  relay.observer = (c) => seen.push(c.toString('hex'));
  const handed = { seen: null as string[] | null };
  const injectClose = () => relay.inject(OPCODES.close, Buffer.from([0x03, 0xe8]), { close: true, onHanded: () => (handed.seen = [...seen]) });
  return { dst, relay, seen, handed, injectClose };
}

test('an injected Close: onHanded is told as the relay starts dropping, and the observer sees what was passed on before it, the dropped bytes after', async () => {
  const { dst, relay, seen, handed, injectClose } = observed();
  const first = frame({ fin: true, op: 1, payload: Buffer.from('first') });
  const late = frame({ fin: true, op: 1, payload: Buffer.from('late') });
  relay.push(first.subarray(0, 4)); // inside a frame: the Close waits for its end
  const written = injectClose();
  assert.equal(handed.seen, null);
  // the rest of the frame and a late message in one chunk: the Close goes in between
  relay.push(Buffer.concat([first.subarray(4), late]));
  assert.deepEqual(handed.seen, [first.subarray(0, 4).toString('hex'), first.subarray(4).toString('hex')], 'told before the write completed, the passed-on bytes seen');
  assert.deepEqual(seen.slice(2), [late.toString('hex')], 'then the dropped ones');
  assert.deepEqual(dst.out, Buffer.concat([first, Buffer.from([0x88, 0x02, 0x03, 0xe8])]));
  await written;
  // a Close that goes in between chunks (at once): told at once, the chunks after it all dropped
  const b = pair(false);
  const bSeen: number[] = [];
  b.relay.observer = (c) => bSeen.push(c.length);
  let toldAtOnce = false;
  const bWritten = b.relay.inject(OPCODES.close, Buffer.alloc(0), { close: true, onHanded: () => (toldAtOnce = bSeen.length === 0) });
  assert.ok(toldAtOnce);
  b.relay.push(late);
  assert.deepEqual([bSeen, b.dst.out.length], [[late.length], 2]);
  await bWritten;
});

test('an injected Close goes ahead of an injected message waiting for a message boundary: at the next frame boundary; the message is refused (closing)', async () => {
  const { dst, relay, seen, handed, injectClose } = observed();
  const start = frame({ fin: false, op: 1, payload: Buffer.from('frag') });
  const end = frame({ fin: true, op: 0, payload: Buffer.from('ment') });
  const late = frame({ fin: true, op: 1, payload: Buffer.from('late') });
  relay.push(start); // a fragmented message is open: the injected message waits for its end
  const message = relay.inject(OPCODES.text, Buffer.from('mine'));
  const closed = injectClose(); // between two frames: it goes now (RFC 6455 §5.4), the message never
  assert.deepEqual(handed.seen, [start.toString('hex')], 'the fragment went by before the Close');
  relay.push(Buffer.concat([end, late]));
  assert.deepEqual(seen.slice(1), [Buffer.concat([end, late]).toString('hex')], 'then the dropped bytes');
  assert.deepEqual(dst.out, Buffer.concat([start, Buffer.from([0x88, 0x02, 0x03, 0xe8])]));
  await assert.rejects(message, { code: 'closing' });
  await closed;
});

test('relay: every frame a peer sends is counted, fragments, control frames and frames the tap calls violations alike', () => {
  const { src, relay } = pair(true);
  const record = { closeFrame: null as CloseFrameInfo | null, framesFromClient: 0, framesFromUpstream: 0 };
  relay.record = record;
  const stream = Buffer.concat([
    frame({ fin: false, op: 1, payload: Buffer.from('a'), mask: true }),
    frame({ fin: false, op: 0, payload: Buffer.from('b'), mask: true }),
    frame({ fin: true, op: 9, payload: Buffer.alloc(126, 'p'), mask: true }), // over 125: a violation, still a frame
    frame({ fin: true, op: 0, payload: Buffer.from('c'), mask: true }),
    frame({ fin: true, op: 2, payload: Buffer.alloc(70_000), mask: false }), // unmasked from the client: a violation too
    frame({ fin: true, op: 8, payload: Buffer.from([0x03]), mask: true }), // a 1-byte Close payload
  ]);
  for (let at = 0; at < stream.length; at += 4093) src.emit('data', stream.subarray(at, at + 4093));
  assert.deepEqual([record.framesFromClient, record.framesFromUpstream], [6, 0]);
  assert.deepEqual(record.closeFrame, { from: 'client', code: null, reason: '', invalid: 'a 1-byte payload: a status code takes 2' });
});
