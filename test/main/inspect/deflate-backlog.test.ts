// Compressed messages that come faster than zlib inflates them (one at a time, off the event loop):
// they wait to inflate, bounded by the decoder's backlog, where each message waiting counts
// MESSAGE_COST besides its compressed bytes. A burst of small messages, as Python's websockets sends
// them with its default settings (context takeover, every message compressed: 5,000 small messages
// sent in a loop), was given up past 1,024 waiting (TAP_DEFLATE_BACKLOG, "too many events waiting
// for this message to decode": 4,099 of the 5,000 shown undecoded), while a flood of tiny ones was
// not bounded at all (each waited as an object of its own: 200,000 messages of 5 bytes on the
// wire held 230 MB); nor was one message in tiny fragments (each waited as a Buffer of its own, and
// a zlib write: 600,000 one-byte fragments held 93 MB, and took some 25 s to inflate).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { randomBytes } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import { createFrameTap } from '../../../main/inspect/frame-tap.ts';
import { MESSAGE_COST } from '../../../main/inspect/permessage-deflate.ts';
import type { MessageEvent, TapEvent } from '../../../main/inspect/types.ts';
import { encodeFrame, takeover } from './helpers.ts';
import { until } from '../../helpers/wait.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const messages = (events: TapEvent[]) => events.filter((e): e is MessageEvent => e.kind === 'message');

test('deflate: a burst of 3,000 small compressed messages in one read (context takeover) is inflated whole, none given up', async () => {
  const texts = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ tick: i, price: (i * 1.37).toFixed(2) }));
  const payloads = await takeover(texts);
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate', dataFrameEvents: false, now: () => 0 }, (e) => events.push(e));
  tap.server(Buffer.concat(payloads.map((payload) => encodeFrame({ opcode: 1, rsv1: true, payload }))));
  await until(() => messages(events).length === texts.length, 10_000);
  const m = messages(events);
  assert.deepEqual(m.filter((x) => x.decodeError).map((x) => x.decodeError!.code).slice(0, 3), [], 'no message given up');
  assert.deepEqual(m.map((x) => x.text), texts);
  tap.close();
});

test('deflate: a flood of tiny compressed messages is bounded by the backlog: those past it are given up at once, and what the tap holds stays small', async () => {
  const [one] = await takeover(['a']);
  const frame = encodeFrame({ opcode: 1, rsv1: true, payload: one! });
  const chunk = Buffer.concat(Array.from({ length: 8192 }, () => frame));
  let given = 0;
  const tap = createFrameTap({ extensions: 'permessage-deflate; server_no_context_takeover', dataFrameEvents: false }, (e) => {
    if (e.kind === 'message' && e.decodeError?.code === 'TAP_DEFLATE_BACKLOG') given++;
  });
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 25; i++) tap.server(chunk); // 204,800 messages, 1 MB on the wire
  gc();
  const held = process.memoryUsage().heapUsed - before;
  assert.ok(held < 60e6, `the tap holds ${(held / 1e6).toFixed(0)} MB for 204,800 waiting messages`);
  assert.ok(tap.stats().server.buffered <= 17 * 1024 * 1024, `buffered ${tap.stats().server.buffered}`);
  assert.ok(given > 100_000, `${given} given up`);
  tap.close();
});

test('deflate: a message given up with the backlog full loses the context: the next that refers back into it is CONTEXT_LOST, one that does not decodes', async () => {
  const events: TapEvent[] = [];
  // room for two messages waiting, not three
  const tap = createFrameTap({ extensions: 'permessage-deflate', maxBacklog: 2 * MESSAGE_COST + 500, now: () => 0 }, (e) => events.push(e));
  const [a, b, lost, refers] = await takeover(['alpha '.repeat(100), 'beta beta beta', 'gamma gamma gamma', 'gamma gamma gamma!']);
  const [own] = await takeover(['independent one']);
  tap.server(Buffer.concat([a!, b!, lost!].map((payload) => encodeFrame({ opcode: 1, rsv1: true, payload }))));
  await until(() => messages(events).length === 3);
  tap.server(Buffer.concat([refers!, own!].map((payload) => encodeFrame({ opcode: 1, rsv1: true, payload }))));
  await until(() => messages(events).length === 5);
  const m = messages(events);
  assert.deepEqual(m.map((x) => [x.text ?? null, x.decodeError?.code]), [
    ['alpha '.repeat(100), undefined], ['beta beta beta', undefined], [null, 'TAP_DEFLATE_BACKLOG'], [null, 'TAP_DEFLATE_CONTEXT_LOST'], ['independent one', undefined],
  ]);
  assert.equal(m[3]!.decodeError!.message, 'this message refers back past what could be inflated: an earlier message was not decoded (TAP_DEFLATE_BACKLOG)');
  tap.close();
});

test('deflate: a compressed message in 600,000 one-byte fragments waits to inflate as its bytes, not as an object per fragment, and inflates whole', async () => {
  const data = randomBytes(600_000); // (stored as it is: the compressed payload is some 600 KB too)
  const payload = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
  const wire = Buffer.concat(Array.from(payload, (_, i) => encodeFrame({ opcode: i === 0 ? 2 : 0, rsv1: i === 0, fin: i === payload.length - 1, payload: payload.subarray(i, i + 1) })));
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate', dataFrameEvents: false, previewCap: 1024 * 1024 }, (e) => events.push(e));
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let at = 0; at < wire.length; at += 65_536) tap.server(wire.subarray(at, at + 65_536));
  gc();
  const held = process.memoryUsage().heapUsed - before;
  // (it held 95 MB: each fragment's byte waited for zlib, and in the capture, as a Buffer of its own)
  assert.ok(held < 20e6, `the tap holds ${(held / 1e6).toFixed(0)} MB for a message of ${payload.length} compressed bytes`);
  await until(() => messages(events).length === 1, 20_000);
  const [m] = messages(events);
  assert.deepEqual([m!.frames, m!.decodeError, m!.decodedLength, m!.data!.equals(data)], [payload.length, undefined, data.length, true]);
  tap.close();
});

test('deflate: a message the connection ends in while it waits behind another to inflate gives its bytes back: once the earlier one is decoded the tap holds nothing', async () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate; server_no_context_takeover', dataFrameEvents: false }, (e) => events.push(e));
  const text = randomBytes(150_000).toString('base64');
  const [whole] = await takeover([text]);
  // (the second message's first fragment is over 16 KiB: it waits as a slice of its own)
  tap.server(Buffer.concat([encodeFrame({ opcode: 1, rsv1: true, payload: whole! }), encodeFrame({ opcode: 1, rsv1: true, fin: false, payload: whole!.subarray(0, 30_000) })]));
  tap.close();
  await until(() => messages(events).length === 2, 10_000);
  assert.equal(messages(events)[0]!.decodedLength, text.length);
  assert.equal(messages(events)[1]!.decodeError?.code, 'TAP_DEFLATE_INCOMPLETE');
  assert.equal(tap.stats().server.buffered, 0);
});
