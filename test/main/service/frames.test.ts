// Frame-log rows made from the tap's events (frames.ts normalize), fed raw frames: a ping or pong
// that is not UTF-8 keeps its bytes as a hex preview, and a text message that is not UTF-8 says where.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { loadFrameTap } from '../../../main/service/frames.ts';
import type { NewFrame } from '../../../main/service/traffic-log.ts';
import { isBytesMessage, previewViews } from '../../../app/traffic/payload-format.ts';
import { encodeFrame, hex, MASK } from '../inspect/helpers.ts';

/** The rows the event path makes of `bytes` sent by the client (masked) and the server. */
async function rows(client: Buffer[], server: Buffer[] = []): Promise<NewFrame[]> {
  const out: NewFrame[] = [];
  const c = new EventEmitter();
  const u = new EventEmitter();
  const tap = (await loadFrameTap())({ client: c as unknown as Socket, upstream: u as unknown as Socket, extensions: null }, (f) => void out.push(f))!;
  for (const b of client) c.emit('data', b);
  for (const b of server) u.emit('data', b);
  tap.stop();
  return out.map(({ time: _t, ...f }) => ({ ...f, time: 0 }));
}

test('a ping that is not UTF-8 is shown as the hex of its bytes, flagged; a UTF-8 one stays text', async () => {
  const [bad, good, pong] = await rows(
    [encodeFrame({ opcode: 9, payload: hex('00fffe80'), mask: MASK }), encodeFrame({ opcode: 9, payload: 'héllo', mask: MASK })],
    [encodeFrame({ opcode: 10, payload: hex('00fffe80') })],
  );
  assert.deepEqual(bad, { time: 0, from: 'client', opcode: 'ping', fin: true, length: 4, preview: '00 ff fe 80', previewHex: true, utf8ErrorOffset: 1, closeCode: null });
  assert.deepEqual(good, { time: 0, from: 'client', opcode: 'ping', fin: true, length: 6, preview: 'héllo', closeCode: null });
  assert.deepEqual([pong!.opcode, pong!.from, pong!.preview, pong!.previewHex], ['pong', 'upstream', '00 ff fe 80', true]);
  // the UI's views of such a row: hex first, the hex view has the bytes, the text view says they are not UTF-8
  assert.equal(isBytesMessage(bad!), true);
  assert.equal(isBytesMessage(good!), false);
  const v = previewViews(bad!);
  assert.deepEqual([...v.bytes], [0x00, 0xff, 0xfe, 0x80]);
  assert.equal(v.validUtf8, false);
  assert.equal(v.text, '\u0000\ufffd\ufffd\ufffd');
  assert.equal(previewViews(good!).text, 'héllo');
});

test('a 125-byte control payload that is not UTF-8 keeps all its bytes in the preview', async () => {
  const payload = Buffer.alloc(125, 0x41);
  payload[124] = 0xc3; // a sequence cut off by the end of the payload: not UTF-8
  const [row] = await rows([encodeFrame({ opcode: 9, payload, mask: MASK })]);
  assert.equal(row!.utf8ErrorOffset, 124);
  assert.equal(row!.preview, [...payload].map((b) => b.toString(16).padStart(2, '0')).join(' '));
  assert.deepEqual(Buffer.from(previewViews(row!).bytes), payload);
});

test('a text message that is not UTF-8 carries the offset of its first bad byte on its row (after the violation row)', async () => {
  const [violation, msg, ok] = await rows([encodeFrame({ opcode: 1, payload: hex('68656c6c6fff'), mask: MASK }), encodeFrame({ opcode: 1, payload: 'fine', mask: MASK })]);
  assert.deepEqual([msg!.opcode, msg!.utf8ErrorOffset, msg!.preview], ['text', 5, 'hello\ufffd']);
  assert.deepEqual(msg!.data, hex('68656c6c6fff'));
  assert.match(violation!.preview, /^TAP_ERR_INVALID_UTF8/);
  assert.deepEqual([ok!.preview, ok!.utf8ErrorOffset], ['fine', undefined]);
});
