// The frame parser through the tap, fed raw bytes written as hex (as ws's test/receiver.test.js
// does). Every stream here is also re-fed split at every boundary (and randomly) with the same
// events expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, hex, MASK, plain, run, splits } from './helpers.ts';
import type { CloseEvent, Direction, FrameEvent, MessageEvent, TapEvent, ViolationEvent } from '../../../main/inspect/types.ts';
import { createFrameTap, type FrameTapOptions } from '../../../main/inspect/frame-tap.ts';

const frames = (ev: TapEvent[]) => ev.filter((e): e is FrameEvent => e.kind === 'frame');
const messages = (ev: TapEvent[]) => ev.filter((e): e is MessageEvent => e.kind === 'message');
const closes = (ev: TapEvent[]) => ev.filter((e): e is CloseEvent => e.kind === 'close');
const violations = (ev: TapEvent[]) => ev.filter((e): e is ViolationEvent => e.kind === 'violation');

interface Case {
  name: string;
  direction: Direction;
  bytes: Buffer;
  options?: FrameTapOptions;
  check(ev: TapEvent[]): void;
}

const big16 = Buffer.alloc(300, 0x61);
const big64 = Buffer.alloc(70000);
for (let i = 0; i < big64.length; i++) big64[i] = i & 0xff;

const cases: Case[] = [
  {
    name: 'unmasked text "Hello"',
    direction: 'server',
    bytes: hex('810548656c6c6f'),
    check(ev) {
      assert.equal(ev.length, 2);
      const [f] = frames(ev);
      assert.deepEqual({ ...f!, payloadPreview: f!.payloadPreview?.toString() }, {
        kind: 'frame', direction: 'server', time: 0, offset: 0, opcode: 1, opcodeName: 'text', fin: true, rsv1: false, rsv2: false, rsv3: false,
        masked: false, maskKey: null, length: 5, headerLength: 2, payloadPreview: 'Hello',
      });
      const [m] = messages(ev);
      assert.equal(m!.text, 'Hello');
      assert.equal(m!.opcode, 1);
      assert.equal(m!.length, 5);
      assert.equal(m!.frames, 1);
      assert.equal(m!.truncated, false);
      assert.equal(m!.compressed, false);
    },
  },
  {
    name: 'masked text "Hello" (RFC 6455 §5.7)',
    direction: 'client',
    bytes: hex('818537fa213d7f9f4d5158'),
    check(ev) {
      const [f] = frames(ev);
      assert.equal(f!.masked, true);
      assert.equal(f!.maskKey, '37fa213d');
      assert.equal(f!.headerLength, 6);
      assert.equal(f!.payloadPreview!.toString(), 'Hello');
      assert.equal(messages(ev)[0]!.text, 'Hello');
    },
  },
  {
    name: 'fragmented unmasked text (RFC 6455 §5.7)',
    direction: 'server',
    bytes: hex('010348656c80026c6f'),
    check(ev) {
      assert.deepEqual(frames(ev).map((f) => [f.opcode, f.fin, f.length, f.payloadPreview!.toString()]), [[1, false, 3, 'Hel'], [0, true, 2, 'lo']]);
      const [m] = messages(ev);
      assert.equal(m!.text, 'Hello');
      assert.equal(m!.frames, 2);
      assert.equal(m!.offset, 0);
      assert.equal(frames(ev)[1]!.offset, 5);
    },
  },
  {
    name: 'unmasked ping and masked pong (RFC 6455 §5.7)',
    direction: 'server',
    bytes: hex('890548656c6c6f'),
    check(ev) {
      assert.equal(ev.length, 1);
      const [f] = frames(ev);
      assert.equal(f!.opcodeName, 'ping');
      assert.equal(f!.payloadPreview!.toString(), 'Hello');
    },
  },
  {
    name: 'masked pong',
    direction: 'client',
    bytes: hex('8a8537fa213d7f9f4d5158'),
    check(ev) {
      const [f] = frames(ev);
      assert.equal(f!.opcodeName, 'pong');
      assert.equal(f!.payloadPreview!.toString(), 'Hello');
    },
  },
  {
    name: 'empty frames of every opcode',
    direction: 'server',
    bytes: hex('8100 8200 8900 8a00 0100 8000 0200 0000 8000 8800'),
    check(ev) {
      assert.deepEqual(frames(ev).map((f) => f.opcodeName), ['text', 'binary', 'ping', 'pong', 'text', 'continuation', 'binary', 'continuation', 'continuation', 'close']);
      assert.deepEqual(messages(ev).map((m) => [m.opcode, m.length, m.frames, m.text ?? m.binaryPreview]), [[1, 0, 1, ''], [2, 0, 1, ''], [1, 0, 2, ''], [2, 0, 3, '']]);
      assert.deepEqual(closes(ev), [{ kind: 'close', direction: 'server', time: 0, offset: 18, code: null, reason: '', length: 0 }]);
    },
  },
  {
    name: '256-byte binary with a 16-bit length (RFC 6455 §5.7)',
    direction: 'server',
    bytes: Buffer.concat([hex('827e0100'), Buffer.alloc(256, 0xab)]),
    check(ev) {
      const [f] = frames(ev);
      assert.equal(f!.length, 256);
      assert.equal(f!.headerLength, 4);
      const [m] = messages(ev);
      assert.equal(m!.data!.length, 256);
      assert.match(m!.binaryPreview!, /^ab ab ab/);
      assert.equal(m!.binaryPreview!, `${'ab '.repeat(64).trim()} …`);
    },
  },
  {
    name: 'masked 300-byte text with a 16-bit length',
    direction: 'client',
    bytes: encodeFrame({ opcode: 1, mask: MASK, payload: big16 }),
    check(ev) {
      assert.equal(frames(ev)[0]!.headerLength, 8);
      assert.equal(messages(ev)[0]!.text, big16.toString());
    },
  },
  {
    name: '70000-byte binary with a 64-bit length',
    direction: 'server',
    bytes: encodeFrame({ opcode: 2, payload: big64 }),
    check(ev) {
      const [f] = frames(ev);
      assert.equal(f!.length, 70000);
      assert.equal(f!.headerLength, 10);
      const [m] = messages(ev);
      assert.equal(m!.length, 70000);
      assert.equal(m!.truncated, true);
      assert.equal(m!.data!.length, 65536);
      assert.deepEqual(m!.data, big64.subarray(0, 65536));
    },
  },
  {
    name: 'fragmented masked text with a ping and a pong in between',
    direction: 'client',
    bytes: Buffer.concat([
      encodeFrame({ opcode: 1, fin: false, mask: MASK, payload: 'Hel' }),
      encodeFrame({ opcode: 9, mask: hex('01020304'), payload: 'p1' }),
      encodeFrame({ opcode: 0, fin: false, mask: hex('a0b0c0d0'), payload: 'l' }),
      encodeFrame({ opcode: 10, mask: hex('ffffffff'), payload: '' }),
      encodeFrame({ opcode: 0, mask: hex('00000000'), payload: 'o, ☃' }),
    ]),
    check(ev) {
      assert.deepEqual(ev.map((e) => e.kind === 'frame' ? `${e.opcodeName}:${e.payloadPreview}` : e.kind === 'message' ? `message:${e.text}` : e.kind), [
        'text:Hel', 'ping:p1', 'continuation:l', 'pong:', 'continuation:o, ☃', 'message:Hello, ☃',
      ]);
      assert.equal(messages(ev)[0]!.frames, 3);
    },
  },
  {
    name: 'close 1000 with a reason, masked',
    direction: 'client',
    bytes: encodeFrame({ opcode: 8, mask: MASK, payload: Buffer.concat([hex('03e8'), Buffer.from('bye ☃')]) }),
    check(ev) {
      assert.deepEqual(closes(ev).map((c) => [c.code, c.reason]), [[1000, 'bye ☃']]);
    },
  },
  {
    name: 'close codes that may be sent',
    direction: 'server',
    bytes: Buffer.concat([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999].map((c) => encodeFrame({ opcode: 8, payload: Buffer.from([c >> 8, c & 0xff]) }))),
    check(ev) {
      // Every close is reported; those after the first are data after close, flagged once.
      assert.deepEqual(closes(ev).map((c) => c.code), [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999]);
      assert.deepEqual(violations(ev).map((v) => v.code), ['TAP_ERR_DATA_AFTER_CLOSE']);
    },
  },
  {
    name: 'JSON text message',
    direction: 'server',
    bytes: encodeFrame({ opcode: 1, payload: ' {"a":[1,2,{"b":null}]}\n' }),
    check(ev) {
      assert.equal(messages(ev)[0]!.json, true);
    },
  },
  {
    name: 'non-minimal 16-bit length: reported, parsing goes on',
    direction: 'server',
    bytes: Buffer.concat([encodeFrame({ opcode: 1, payload: 'abc', lengthForm: 16 }), hex('810548656c6c6f')]),
    check(ev) {
      assert.deepEqual(violations(ev).map((v) => [v.code, v.fatal, v.at]), [['TAP_ERR_NON_MINIMAL_LENGTH', false, 2]]);
      assert.deepEqual(messages(ev).map((m) => m.text), ['abc', 'Hello']);
    },
  },
  {
    name: 'non-minimal 64-bit length',
    direction: 'client',
    bytes: encodeFrame({ opcode: 2, payload: 'abc', lengthForm: 64, mask: MASK }),
    check(ev) {
      assert.deepEqual(violations(ev).map((v) => [v.code, v.fatal]), [['TAP_ERR_NON_MINIMAL_LENGTH', false]]);
      assert.equal(messages(ev)[0]!.data!.toString(), 'abc');
    },
  },
];

// [name, direction, hex, code, `at`, closeCode] — each stream ends in exactly one fatal violation.
const violationCases: Array<[string, Direction, string, string, number, number]> = [
  ['RSV2 set', 'server', '810548656c6c6f a100', 'TAP_ERR_UNEXPECTED_RSV_2_3', 7, 1002],
  ['RSV3 set', 'server', '9100', 'TAP_ERR_UNEXPECTED_RSV_2_3', 0, 1002],
  ['RSV1 without permessage-deflate', 'server', 'c100', 'TAP_ERR_UNEXPECTED_RSV_1', 0, 1002],
  ['reserved opcode 3', 'server', '8300', 'TAP_ERR_INVALID_OPCODE', 0, 1002],
  ['reserved opcode 7', 'server', '8700', 'TAP_ERR_INVALID_OPCODE', 0, 1002],
  ['reserved opcode 0xb', 'server', '8b00', 'TAP_ERR_INVALID_OPCODE', 0, 1002],
  ['reserved opcode 0xf', 'server', '8f00', 'TAP_ERR_INVALID_OPCODE', 0, 1002],
  ['continuation without a start', 'server', '8003616263', 'TAP_ERR_UNEXPECTED_CONTINUATION', 0, 1002],
  ['new text frame inside a fragmented message', 'server', '0101618101 62', 'TAP_ERR_EXPECTED_CONTINUATION', 3, 1002],
  ['new binary frame inside a fragmented message', 'server', '02016182 0162', 'TAP_ERR_EXPECTED_CONTINUATION', 3, 1002],
  ['fragmented ping', 'server', '0900', 'TAP_ERR_FRAGMENTED_CONTROL', 0, 1002],
  ['control frame over 125 bytes', 'server', `897e007e${'00'.repeat(126)}`, 'TAP_ERR_CONTROL_TOO_LONG', 1, 1002],
  ['control frame length 126 in 7 bits', 'server', '8a7e', 'TAP_ERR_CONTROL_TOO_LONG', 1, 1002],
  ['close with a 1-byte payload', 'server', '880103', 'TAP_ERR_INVALID_CLOSE_PAYLOAD', 1, 1002],
  ['close code 1005', 'server', '880203ed', 'TAP_ERR_INVALID_CLOSE_CODE', 2, 1002],
  ['close code 1006', 'server', '880203ee', 'TAP_ERR_INVALID_CLOSE_CODE', 2, 1002],
  ['close code 1004', 'server', '880203ec', 'TAP_ERR_INVALID_CLOSE_CODE', 2, 1002],
  ['close code 1015', 'server', '880203f7', 'TAP_ERR_INVALID_CLOSE_CODE', 2, 1002],
  ['close code 999', 'server', '880203e7', 'TAP_ERR_INVALID_CLOSE_CODE', 2, 1002],
  ['close code 2000', 'server', '880207d0', 'TAP_ERR_INVALID_CLOSE_CODE', 2, 1002],
  ['close code 5000', 'server', '8802 1388', 'TAP_ERR_INVALID_CLOSE_CODE', 2, 1002],
  ['close reason not UTF-8', 'server', '880403e8 c328', 'TAP_ERR_INVALID_UTF8', 6, 1007],
  ['unmasked client frame', 'client', '810548656c6c6f', 'TAP_ERR_EXPECTED_MASK', 1, 1002],
  ['masked server frame', 'server', '818537fa213d7f9f4d5158', 'TAP_ERR_UNEXPECTED_MASK', 1, 1002],
  ['64-bit length with the top bit set', 'server', '827f8000000000000000', 'TAP_ERR_INVALID_PAYLOAD_LENGTH', 2, 1002],
  ['64-bit length over 2^53 - 1', 'server', '827f0020000000000000', 'TAP_ERR_UNSUPPORTED_PAYLOAD_LENGTH', 2, 1009],
  ['text not UTF-8 (lone continuation byte)', 'server', '810361 80 62', 'TAP_ERR_INVALID_UTF8', 3, 1007],
  ['text not UTF-8 (overlong)', 'server', '8102 c0af', 'TAP_ERR_INVALID_UTF8', 2, 1007],
  ['text not UTF-8 (surrogate)', 'server', '8103 eda080', 'TAP_ERR_INVALID_UTF8', 3, 1007],
  ['text not UTF-8 (above U+10FFFF)', 'server', '8104 f4908080', 'TAP_ERR_INVALID_UTF8', 3, 1007],
  ['text ending inside a sequence', 'server', '8102 61e2', 'TAP_ERR_INVALID_UTF8', 4, 1007],
  ['fragmented text split inside a sequence, never finished', 'server', '0102 61e2 8001 82', 'TAP_ERR_INVALID_UTF8', 7, 1007],
  ['data after close', 'server', '8800 810161', 'TAP_ERR_DATA_AFTER_CLOSE', 2, 1002],
];

for (const [name, direction, h, code, at, closeCode] of violationCases) {
  cases.push({
    name: `violation: ${name}`,
    direction,
    bytes: hex(h),
    check(ev) {
      const v = violations(ev);
      assert.equal(v.length, 1, JSON.stringify(plain(ev)));
      assert.equal(v[0]!.code, code);
      assert.equal(v[0]!.at, at);
      assert.equal(v[0]!.closeCode, closeCode);
      assert.ok(v[0]!.message.length > 10);
      // a text message that is not UTF-8, or after a Close (the relay passes it on), is flagged, then recorded
      if ((code === 'TAP_ERR_INVALID_UTF8' && !name.startsWith('close')) || code === 'TAP_ERR_DATA_AFTER_CLOSE') {
        const last = ev[ev.length - 1]!;
        const flagged = last.kind === 'message' && (code === 'TAP_ERR_INVALID_UTF8' ? last.utf8ErrorOffset !== undefined : last.text === 'a');
        assert.ok(v[0]!.fatal === false && flagged && ev.indexOf(v[0]!) < ev.length - 1, JSON.stringify(plain(ev)));
        return;
      }
      assert.equal(v[0]!.fatal, true);
      if (code === 'TAP_ERR_INVALID_CLOSE_CODE' || (code === 'TAP_ERR_INVALID_UTF8' && name.startsWith('close'))) return; // (then its row: close-rows.test.ts)
      assert.equal(ev[ev.length - 1], v[0], 'the violation is the last event');
    },
  });
}

// Split streams inside fragmented message piece validation: a fragmented text split inside a
// UTF-8 sequence across frames is valid.
cases.push({
  name: 'fragmented text with a UTF-8 sequence split across frames',
  direction: 'client',
  bytes: Buffer.concat([
    encodeFrame({ opcode: 1, fin: false, mask: MASK, payload: hex('61e2') }),
    encodeFrame({ opcode: 0, fin: false, mask: MASK, payload: hex('98') }),
    encodeFrame({ opcode: 0, fin: true, mask: MASK, payload: hex('8362') }),
  ]),
  check(ev) {
    assert.equal(violations(ev).length, 0);
    assert.equal(messages(ev)[0]!.text, 'a☃b');
  },
});

for (const c of cases) {
  test(`parser: ${c.name}`, () => {
    const whole = run(c.direction, [c.bytes], c.options);
    c.check(whole.events);
    assert.equal(whole.tap.stats().internalErrors, 0);
    assert.equal(whole.tap.stats()[c.direction].bytes, c.bytes.length);
    const expected = plain(whole.events);
    let n = 0;
    for (const pieces of splits(c.bytes, c.bytes.length > 1000 ? 5 : 20)) {
      if (c.bytes.length > 1000 && pieces.length > 100) continue; // byte-by-byte on big frames: covered by the cuts
      const r = run(c.direction, pieces, c.options);
      assert.deepEqual(plain(r.events), expected, `split ${pieces.map((p) => p.length).join('+')}`);
      if (++n > 400 && c.bytes.length > 1000) break;
    }
  });
}

test('parser: big frames split at every boundary near the header and preview cap', () => {
  const stream = Buffer.concat([encodeFrame({ opcode: 2, mask: MASK, payload: big64 }), encodeFrame({ opcode: 1, mask: MASK, payload: 'end' })]);
  const expected = plain(run('client', [stream]).events);
  for (const k of [1, 2, 3, 9, 10, 13, 14, 15, 65549, 65550, 65551, 70013, 70014, 70015, 70016, 70017, 70020]) {
    assert.deepEqual(plain(run('client', [stream.subarray(0, k), stream.subarray(k)]).events), expected, `cut at ${k}`);
  }
});

test('parser: invalid UTF-8 past the preview cap is found (masked and unmasked, at any cut)', () => {
  const text = Buffer.alloc(200, 0x61);
  text[150] = 0xff;
  for (const mask of [null, MASK]) {
    const stream = encodeFrame({ opcode: 1, mask, payload: text });
    const dir = mask ? 'client' : 'server';
    const expected = plain(run(dir, [stream], { previewCap: 100 }).events);
    const v = violations(run(dir, [stream], { previewCap: 100 }).events);
    assert.equal(v.length, 1);
    assert.equal(v[0]!.code, 'TAP_ERR_INVALID_UTF8');
    assert.equal(v[0]!.at, (mask ? 8 : 4) + 150);
    for (const pieces of splits(stream, 20)) assert.deepEqual(plain(run(dir, pieces, { previewCap: 100 }).events), expected);
  }
});

test('parser: long valid text past the cap is counted, truncated on a sequence boundary', () => {
  const text = Buffer.from('☃'.repeat(50)); // 150 bytes
  const r = run('client', [encodeFrame({ opcode: 1, mask: MASK, payload: text })], { previewCap: 100 });
  const [m] = messages(r.events);
  assert.equal(m!.length, 150);
  assert.equal(m!.truncated, true);
  assert.equal(m!.data!.length, 100);
  assert.equal(m!.text, '☃'.repeat(33));
  assert.equal(m!.utf8ErrorOffset, undefined);
  assert.equal(violations(r.events).length, 0);
});

test('parser: level "frames" emits no payload copies; "off" emits nothing but stays in sync', () => {
  const stream = Buffer.concat([encodeFrame({ opcode: 1, mask: MASK, payload: 'hello' }), encodeFrame({ opcode: 9, mask: MASK, payload: 'p' }), encodeFrame({ opcode: 8, mask: MASK, payload: hex('03e9') })]);
  const f = run('client', [stream], { level: 'frames' }).events;
  assert.deepEqual(f.map((e) => e.kind), ['frame', 'message', 'frame', 'frame', 'close']);
  for (const e of frames(f)) assert.equal(e.payloadPreview, null);
  assert.equal(messages(f)[0]!.data, null);
  assert.equal(messages(f)[0]!.text, undefined);
  assert.equal(closes(f)[0]!.code, 1001);

  const off = run('client', [stream], { level: 'off' });
  assert.equal(off.events.length, 0);
  assert.equal(off.tap.stats().client.frames, 3);

  // switch on mid-stream
  const events: TapEvent[] = [];
  const r = run('client', [], { level: 'off' });
  r.tap.client(encodeFrame({ opcode: 2, mask: MASK, payload: Buffer.alloc(1000) }).subarray(0, 500));
  r.tap.setLevel('payloads');
  r.tap.client(encodeFrame({ opcode: 2, mask: MASK, payload: Buffer.alloc(1000) }).subarray(500));
  r.tap.client(encodeFrame({ opcode: 1, mask: MASK, payload: 'x' }));
  events.push(...r.events);
  // the message begun while off ends with capture on: reported, without payload
  assert.deepEqual(messages(events).map((m) => [m.opcode, m.data?.length ?? null, m.text]), [[2, null, undefined], [1, 1, 'x']]);
});

test('parser: never mutates or keeps the chunks it is given', () => {
  const stream = Buffer.concat([
    encodeFrame({ opcode: 1, fin: false, mask: MASK, payload: 'Hel' }),
    encodeFrame({ opcode: 9, mask: MASK, payload: 'p' }),
    encodeFrame({ opcode: 0, mask: MASK, payload: 'lo' }),
    encodeFrame({ opcode: 2, mask: MASK, payload: big16 }),
  ]);
  const copy = Buffer.from(stream);
  const r = run('client', [stream.subarray(0, 7), stream.subarray(7, 20), stream.subarray(20)]);
  assert.deepEqual(stream, copy);
  for (const e of r.events) {
    const bufs = e.kind === 'frame' ? [e.payloadPreview] : e.kind === 'message' ? [e.data] : [];
    for (const b of bufs) {
      if (!b || b.buffer !== stream.buffer) continue;
      const overlap = b.byteOffset < stream.byteOffset + stream.length && stream.byteOffset < b.byteOffset + b.length;
      assert.ok(!overlap, 'an event shares memory with a relayed chunk');
    }
  }
});

test('parser: a throwing sink does not stop the tap', () => {
  let calls = 0;
  const tap = createFrameTap({}, () => {
    calls++;
    throw new Error('sink bug');
  });
  tap.server(hex('810548656c6c6f810548656c6c6f'));
  assert.equal(calls, 4);
  assert.equal(tap.stats().sinkErrors, 4);
  assert.equal(tap.stats().server.messages, 2);
});

test('parser: stream offsets count across chunks and frames', () => {
  const stream = hex('810548656c6c6f 8900 818537fa213d7f9f4d5158');
  const r = run('server', [stream.subarray(0, 3), stream.subarray(3)]);
  assert.deepEqual(frames(r.events).map((f) => f.offset), [0, 7]);
  // the third frame is masked: violation at its mask bit
  assert.deepEqual(violations(r.events).map((v) => [v.offset, v.at]), [[9, 10]]);
});
