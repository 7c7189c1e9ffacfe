// Extensions the tap does not know (anything but permessage-deflate): RFC 6455 §5.2 lets such an
// extension define RSV1, RSV2 and RSV3, so a frame carrying them is legal, and its message is that
// extension's encoding: shown as raw bytes, never inflated or checked as text. permessage-deflate
// alone stays as strict as before. Raw frames fed at every split point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { createFrameTap } from '../../../main/inspect/frame-tap.ts';
import type { CloseEvent, MessageEvent, TapEvent, ViolationEvent } from '../../../main/inspect/types.ts';
import { normalize } from '../../../main/service/frames.ts';
import { encodeFrame, MASK, plain, run, splits } from './helpers.ts';
import { until } from '../../helpers/wait.ts';

const messages = (ev: TapEvent[]) => ev.filter((e): e is MessageEvent => e.kind === 'message');
const violations = (ev: TapEvent[]) => ev.filter((e): e is ViolationEvent => e.kind === 'violation');

test('an unknown extension may set RSV1, RSV2 and RSV3 on any frame: no violation, its messages are raw bytes', () => {
  const text = Buffer.from('not text: \xff\xfe', 'latin1');
  const stream = Buffer.concat([
    // a text message starting with RSV1, its continuation with RSV2 (invalid UTF-8 in it: no matter)
    encodeFrame({ opcode: 1, fin: false, rsv1: true, payload: text }),
    encodeFrame({ opcode: 0, rsv2: true, payload: Buffer.from([0xc0, 0xaf]) }),
    // a ping with RSV3 and a plain text message (no extension bit: decoded as usual)
    encodeFrame({ opcode: 9, rsv3: true, payload: 'p' }),
    encodeFrame({ opcode: 1, payload: 'plain' }),
    // a Close with RSV1 whose payload is no code and reason: no violation either
    encodeFrame({ opcode: 8, rsv1: true, payload: Buffer.from([0x03, 0xed, 0xff]) }),
  ]);
  for (const pieces of splits(stream, 10)) {
    const { events } = run('server', pieces, { extensions: 'x-foo; a=1' });
    assert.deepEqual(violations(events), [], JSON.stringify(plain(events)));
    const [encoded, plainText] = messages(events);
    assert.equal(encoded!.encodedBy, 'x-foo');
    assert.equal(encoded!.compressed, false);
    assert.equal(encoded!.text, undefined, 'an encoded message is not decoded as text');
    assert.equal(encoded!.utf8ErrorOffset, undefined);
    assert.deepEqual(encoded!.data, Buffer.concat([text, Buffer.from([0xc0, 0xaf])]));
    assert.match(encoded!.binaryPreview!, /^6e 6f 74 /);
    assert.deepEqual([plainText!.text, plainText!.encodedBy], ['plain', undefined]);
    const close = events.find((e): e is CloseEvent => e.kind === 'close');
    assert.deepEqual([close?.code, close?.reason], [null, '']);
  }
});

test('a masked x-webkit-deflate-frame message (RSV1) is not inflated: its compressed bytes are shown, with the note', () => {
  const deflated = deflateRawSync(Buffer.from('hello hello hello'), { finishFlush: 2 }).subarray(0, -4);
  const stream = Buffer.concat([encodeFrame({ opcode: 1, rsv1: true, mask: MASK, payload: deflated }), encodeFrame({ opcode: 2, rsv1: true, rsv2: true, mask: MASK, payload: Buffer.from([1, 2]) })]);
  for (const pieces of splits(stream, 5)) {
    const { events } = run('client', pieces, { extensions: 'x-webkit-deflate-frame', dataFrameEvents: false });
    assert.deepEqual(violations(events), []);
    const m = messages(events);
    assert.deepEqual(m.map((e) => [e.compressed, e.encodedBy, e.decodeError, e.decodedLength]), [[false, 'x-webkit-deflate-frame', undefined, deflated.length], [false, 'x-webkit-deflate-frame', undefined, 2]]);
    assert.deepEqual(m[0]!.data, deflated);
  }
  // the recorder's fast path does not take them: they come as events, the row says why it is raw
  const rows: unknown[] = [];
  const fast: unknown[] = [];
  const tap = createFrameTap({ extensions: 'x-webkit-deflate-frame', dataFrameEvents: false, keepMasked: true, onMessage: (m) => fast.push(m) }, (e) => rows.push(normalize(e)));
  tap.client(stream);
  assert.equal(fast.length, 0);
  assert.deepEqual(rows.map((r) => { const f = r as { opcode: string; encodedBy?: string; preview: string }; return [f.opcode, f.encodedBy, f.preview.slice(0, 2)]; }), [['text', 'x-webkit-deflate-frame', deflated.toString('hex').slice(0, 2)], ['binary', 'x-webkit-deflate-frame', '01']]);
});

test('permessage-deflate with an unknown extension: RSV1 stays deflate\'s (inflated, strict), RSV2/RSV3 the other\'s', async () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate; server_no_context_takeover, x-foo', now: () => 0 }, (e) => events.push(e));
  const hello = deflateRawSync(Buffer.from('hello'), { finishFlush: 2 }).subarray(0, -4);
  tap.server(encodeFrame({ opcode: 1, rsv1: true, payload: hello }));
  tap.server(encodeFrame({ opcode: 1, rsv1: true, rsv3: true, payload: hello }));
  tap.server(encodeFrame({ opcode: 2, rsv2: true, payload: Buffer.from([7]) }));
  tap.server(encodeFrame({ opcode: 9, rsv1: true }));
  await until(() => messages(events).length === 3);
  const m = messages(events);
  assert.deepEqual([m[0]!.text, m[0]!.encodedBy], ['hello', undefined]);
  // inflated (RSV1 is permessage-deflate's), then shown as the bytes x-foo's encoding left
  assert.deepEqual([m[1]!.compressed, m[1]!.encodedBy, m[1]!.text, m[1]!.data?.toString()], [true, 'x-foo', undefined, 'hello']);
  assert.deepEqual([m[2]!.compressed, m[2]!.encodedBy], [false, 'x-foo']);
  assert.deepEqual(violations(events).map((v) => [v.code, v.fatal]), [['TAP_ERR_UNEXPECTED_RSV_1', true]], 'RSV1 on a control frame is still a violation');
  tap.close();
});

test('without an unknown extension nothing changed: RSV2 with permessage-deflate, RSV1 with none, are fatal', () => {
  const a = run('server', [encodeFrame({ opcode: 1, rsv2: true, payload: 'x' })], { extensions: 'permessage-deflate' });
  assert.deepEqual(violations(a.events).map((v) => v.code), ['TAP_ERR_UNEXPECTED_RSV_2_3']);
  const b = run('server', [encodeFrame({ opcode: 1, rsv1: true, payload: 'x' })], { extensions: null });
  assert.deepEqual(violations(b.events).map((v) => v.code), ['TAP_ERR_UNEXPECTED_RSV_1']);
  const c = run('server', [encodeFrame({ opcode: 1, fin: false, payload: 'x' }), encodeFrame({ opcode: 0, rsv1: true, payload: 'y' })], { extensions: 'permessage-deflate' });
  assert.deepEqual(violations(c.events).map((v) => v.code), ['TAP_ERR_UNEXPECTED_RSV_1']);
});
