// Property tests: random and mutated byte streams never make the tap throw or hold more than its
// caps; well-formed generated streams, split anywhere, yield exactly the generated frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createFrameTap } from '../../../main/inspect/frame-tap.ts';
import type { Direction, FrameEvent, MessageEvent, TapEvent } from '../../../main/inspect/types.ts';
import { encodeFrame, type FrameSpec } from './helpers.ts';

const CAP = 64;
const LIMITS = { previewCap: CAP, maxBacklog: 1024, maxQueuedBytes: 4096, maxQueued: 64, maxDecoded: 4096 };
// parser: 14-byte header + 125-byte control payload + one message preview;
// decoder: backlog + kept previews of queued messages; display queue: its byte cap (+ one event over).
const BOUND = 14 + 125 + CAP + LIMITS.maxBacklog + LIMITS.maxQueued * CAP + LIMITS.maxQueuedBytes + CAP;

/** Cut buf at the given fractions. */
function cut(buf: Buffer, points: number[]): Buffer[] {
  const idx = [...new Set(points.map((p) => Math.floor(p * buf.length)))].filter((k) => k > 0 && k < buf.length).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const k of idx) {
    out.push(buf.subarray(prev, k));
    prev = k;
  }
  out.push(buf.subarray(prev));
  return out;
}

function feedChecked(direction: Direction, pieces: Buffer[], extensions: string | null, events: TapEvent[] = []) {
  const tap = createFrameTap({ ...LIMITS, extensions, now: () => 0 }, (e) => events.push(e));
  for (const p of pieces) {
    const before = Buffer.from(p);
    tap[direction](p);
    assert.deepEqual(p, before, 'chunk mutated');
    const s = tap.stats();
    assert.ok(s[direction].buffered <= BOUND, `buffered ${s[direction].buffered} > ${BOUND}`);
  }
  const s = tap.stats();
  assert.equal(s.internalErrors, 0);
  assert.equal(s[direction].bytes, pieces.reduce((n, p) => n + p.length, 0));
  tap.close();
  return { events, stats: s };
}

/** After a fatal violation nothing more is reported for that direction. */
function assertQuietAfterFatal(events: TapEvent[]) {
  const k = events.findIndex((e) => e.kind === 'violation' && e.fatal);
  if (k !== -1) assert.equal(k, events.length - 1, 'events after a fatal violation');
}

const chunkPoints = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

test('fuzz: random bytes never throw, stay bounded, go quiet after a fatal violation', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), chunkPoints, fc.constantFrom<Direction>('client', 'server'), fc.constantFrom(null, 'permessage-deflate', 'permessage-deflate; client_no_context_takeover; server_no_context_takeover', 'x-unknown'), (bytes, points, direction, ext) => {
      const { events } = feedChecked(direction, cut(Buffer.from(bytes), points), ext);
      assertQuietAfterFatal(events.filter((e) => e.kind !== 'message'));
    }),
    { numRuns: 1500, seed: 42 },
  );
});

// ---- well-formed streams --------------------------------------------------------------------

type Msg = { opcode: 1 | 2; parts: Buffer[] };
type Ctl = { opcode: 9 | 10; payload: Buffer };

const textPayload = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => Buffer.from(s));
const binPayload = fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u));
const bigPayload = fc.integer({ min: 0, max: 70_000 }).map((n) => Buffer.alloc(n, 0x5a));
const message: fc.Arbitrary<Msg> = fc.oneof(
  fc.array(textPayload, { minLength: 1, maxLength: 4 }).map((parts) => ({ opcode: 1 as const, parts })),
  fc.array(fc.oneof(binPayload, bigPayload), { minLength: 1, maxLength: 3 }).map((parts) => ({ opcode: 2 as const, parts })),
);
const control: fc.Arbitrary<Ctl> = fc.record({ opcode: fc.constantFrom<9 | 10>(9, 10), payload: fc.uint8Array({ maxLength: 125 }).map((u) => Buffer.from(u)) });
const item = fc.record({ msg: message, controls: fc.array(control, { maxLength: 2 }) });

/** Frames of a message with the controls interleaved after its first fragment (UTF-8 text split
 * at arbitrary byte positions between fragments: only the whole message must be valid). */
function frameSpecs(items: Array<{ msg: Msg; controls: Ctl[] }>, masked: boolean, mask: Buffer): FrameSpec[] {
  const specs: FrameSpec[] = [];
  for (const { msg, controls } of items) {
    const whole = Buffer.concat(msg.parts);
    const sizes = msg.parts.map((p) => p.length);
    let off = 0;
    sizes.forEach((n, i) => {
      specs.push({ opcode: i === 0 ? msg.opcode : 0, fin: i === sizes.length - 1, payload: whole.subarray(off, off + n), mask: masked ? mask : null });
      off += n;
      if (i === 0) for (const c of controls) specs.push({ opcode: c.opcode, payload: c.payload, mask: masked ? mask : null });
    });
  }
  return specs;
}

test('fuzz: well-formed streams, split anywhere, yield exactly the generated frames and messages', () => {
  fc.assert(
    fc.property(fc.array(item, { maxLength: 6 }), fc.boolean(), fc.uint8Array({ minLength: 4, maxLength: 4 }), chunkPoints, (items, masked, mask, points) => {
      const direction: Direction = masked ? 'client' : 'server';
      const specs = frameSpecs(items, masked, Buffer.from(mask));
      const stream = Buffer.concat(specs.map(encodeFrame));
      const { events } = feedChecked(direction, cut(stream, points), null);
      assert.deepEqual(events.filter((e) => e.kind === 'violation'), []);
      const frames = events.filter((e): e is FrameEvent => e.kind === 'frame');
      assert.equal(frames.length, specs.length);
      let offset = 0;
      specs.forEach((s, i) => {
        const f = frames[i]!;
        const payload = s.payload as Buffer;
        assert.equal(f.opcode, s.opcode);
        assert.equal(f.fin, s.fin ?? true);
        assert.equal(f.masked, masked);
        assert.equal(f.length, payload.length);
        assert.equal(f.offset, offset);
        offset += encodeFrame(s).length;
        assert.ok(f.payloadPreview);
        assert.deepEqual(f.payloadPreview, payload.subarray(0, f.payloadPreview.length));
        if (s.opcode >= 8) assert.equal(f.payloadPreview.length, payload.length);
      });
      const msgs = events.filter((e): e is MessageEvent => e.kind === 'message');
      assert.equal(msgs.length, items.length);
      items.forEach(({ msg }, i) => {
        const m = msgs[i]!;
        const whole = Buffer.concat(msg.parts);
        assert.equal(m.opcode, msg.opcode);
        assert.equal(m.length, whole.length);
        assert.equal(m.frames, msg.parts.length);
        assert.equal(m.truncated, whole.length > CAP);
        assert.deepEqual(m.data, whole.subarray(0, CAP));
        if (msg.opcode === 1 && whole.length <= CAP) assert.equal(m.text, whole.toString());
      });
    }),
    { numRuns: 400, seed: 7 },
  );
});

test('fuzz: mutated well-formed streams never throw and stay bounded', () => {
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('drop' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), n: fc.integer({ min: 1, max: 20 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  );
  fc.assert(
    fc.property(fc.array(item, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 4 }), chunkPoints, fc.constantFrom(null, 'permessage-deflate'), (items, masked, muts, points, ext) => {
      let stream = Buffer.concat(frameSpecs(items, masked, Buffer.from([1, 2, 3, 4])).map(encodeFrame));
      for (const m of muts) {
        const k = Math.floor(m.at * stream.length);
        if (m.kind === 'flip' && k < stream.length) stream[k]! ^= 1 << m.bit;
        else if (m.kind === 'drop') stream = Buffer.concat([stream.subarray(0, k), stream.subarray(k + m.n)]);
        else if (m.kind === 'insert') stream = Buffer.concat([stream.subarray(0, k), Buffer.from(m.bytes), stream.subarray(k)]);
      }
      const { events } = feedChecked(masked ? 'client' : 'server', cut(stream, points), ext);
      assertQuietAfterFatal(events.filter((e) => e.kind !== 'message'));
    }),
    { numRuns: 800, seed: 3 },
  );
});
