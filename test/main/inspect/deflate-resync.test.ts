// permessage-deflate under context takeover after a compressed message went by uncaptured (capture
// off), while an earlier one was still inflating: the next message starts a fresh inflater, which
// refuses one that refers back into the lost message and decodes those that do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFrameTap } from '../../../main/inspect/frame-tap.ts';
import type { MessageEvent, TapEvent } from '../../../main/inspect/types.ts';
import { encodeFrame, takeover } from './helpers.ts';
import { until } from '../../helpers/wait.ts';

test('deflate: a message not captured while an earlier one inflates: the next that refers back into it is CONTEXT_LOST, later ones that do not decode', async () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate', now: () => 0 }, (e) => events.push(e));
  const big = 'question '.repeat(300_000);
  const [first, hidden, refers] = await takeover([big, 'hidden hidden hidden', 'hidden hidden hidden!']);
  const [own, ownAgain] = await takeover(['independent one', 'independent one two']);
  tap.server(encodeFrame({ opcode: 1, rsv1: true, payload: first! }));
  tap.setLevel('off');
  tap.server(encodeFrame({ opcode: 1, rsv1: true, payload: hidden! }));
  tap.setLevel('payloads');
  for (const payload of [refers!, own!, ownAgain!]) tap.server(encodeFrame({ opcode: 1, rsv1: true, payload }));
  await until(() => events.filter((e) => e.kind === 'message').length === 4);
  const m = events.filter((e): e is MessageEvent => e.kind === 'message');
  assert.deepEqual(m.map((x) => [x.decodeError?.code, x.decodedLength]), [[undefined, big.length], ['TAP_DEFLATE_CONTEXT_LOST', null], [undefined, 15], [undefined, 19]]);
  assert.equal(m[1]!.decodeError!.message, 'this message refers back past what could be inflated: an earlier compressed message was not captured');
  assert.deepEqual(m.slice(2).map((x) => x.text), ['independent one', 'independent one two']);
  tap.close();
});
