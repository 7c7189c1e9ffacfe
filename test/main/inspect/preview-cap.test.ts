// The bytes kept per message changed on a live tap (setPreviewCap): a message keeps at most the cap
// in force when its first frame came, exactly that many, compressed or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { createFrameTap } from '../../../main/inspect/frame-tap.ts';
import type { MessageEvent, TapEvent } from '../../../main/inspect/types.ts';
import { encodeFrame, MASK } from './helpers.ts';
import { until } from '../../helpers/wait.ts';

test('setPreviewCap: each message keeps the cap it started with (a fragmented one across the change too), compressed or not', async () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate; client_no_context_takeover', previewCap: 5000, now: () => 0 }, (e) => events.push(e));
  const body = Buffer.alloc(3000, 0x61);
  const squeeze = (b: Buffer) => deflateRawSync(b, { finishFlush: 2 }).subarray(0, -4);
  const squeezed = squeeze(body);
  const send = (opcode: number, payload: Buffer, rsv1 = false, fin = true) => tap.client(encodeFrame({ opcode, fin, rsv1, mask: MASK, payload }));
  // a plain message started at 5000 and a compressed one at 100, each in two fragments, the cap changed in between
  send(1, body.subarray(0, 1000), false, false);
  tap.setPreviewCap(100);
  send(0, body.subarray(1000));
  send(1, squeezed.subarray(0, 5), true, false);
  tap.setPreviewCap(4000);
  send(0, squeezed.subarray(5));
  send(1, body);
  send(1, squeezed, true);
  tap.setPreviewCap(100);
  send(1, body);
  send(1, squeezed, true);
  await until(() => events.filter((e) => e.kind === 'message').length === 6);
  const m = events.filter((e): e is MessageEvent => e.kind === 'message');
  assert.deepEqual(m.map((x) => [x.compressed, x.data!.length, x.truncated]), [
    [false, 3000, false], [true, 100, true], [false, 3000, false], [true, 3000, false], [false, 100, true], [true, 100, true],
  ]);
  tap.close();
});
