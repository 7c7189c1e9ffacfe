// A data message the stream ends inside (the tap closes before its last frame: a peer hung up, or
// the proxy closed the session between fragments): reported at close as far as it went, fin false.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, MASK } from './helpers.ts';
import type { MessageEvent, TapEvent, ViolationEvent } from '../../../main/inspect/types.ts';
import { createFrameTap } from '../../../main/inspect/frame-tap.ts';

const messages = (ev: TapEvent[]) => ev.filter((e): e is MessageEvent => e.kind === 'message');
const violations = (ev: TapEvent[]) => ev.filter((e): e is ViolationEvent => e.kind === 'violation');

test('a message the stream ends inside is reported at close as far as it went (fin false), with its fragments and the bytes of a frame cut short; a complete one is not touched', () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ now: () => 7 }, (e) => events.push(e));
  // the client's first fragment "Hel" whole, then a continuation announcing 10 bytes of which 2 came
  tap.client(Buffer.concat([encodeFrame({ opcode: 1, fin: false, payload: Buffer.from('Hel'), mask: MASK }), encodeFrame({ opcode: 0, fin: false, payload: Buffer.from('lo world!!'), mask: MASK }).subarray(0, 8)]));
  // the upstream's message is complete: nothing more to report for it
  tap.server(encodeFrame({ opcode: 2, fin: true, payload: Buffer.from([1, 2, 3]) }));
  assert.deepEqual(messages(events).map((m) => [m.direction, m.fin]), [['server', undefined]]);
  tap.close();
  const open = messages(events).filter((m) => m.direction === 'client');
  assert.equal(open.length, 1);
  assert.deepEqual([open[0]!.fin, open[0]!.frames, open[0]!.length, open[0]!.text], [false, 2, 5, 'Hello']);
  assert.equal(violations(events).length, 0, 'a cut-short message is no violation');
  tap.close();
  assert.equal(messages(events).length, 2, 'reported once');
});

test('a compressed message the stream ends inside is reported at close, not inflated: TAP_DEFLATE_INCOMPLETE', () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate', now: () => 7 }, (e) => events.push(e));
  // RSV1 set on the first fragment of a compressed message, never finished
  tap.client(encodeFrame({ opcode: 1, fin: false, rsv1: true, payload: Buffer.from([0xf2, 0x48, 0xcd]), mask: MASK }));
  tap.close();
  const [m] = messages(events);
  assert.equal(m!.fin, false);
  assert.equal(m!.decodeError?.code, 'TAP_DEFLATE_INCOMPLETE');
});
