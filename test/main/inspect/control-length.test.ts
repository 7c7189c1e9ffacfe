// A control frame's length (RFC 6455 §5.5: at most 125 bytes, in the 7-bit field): a small ping
// sent with a 16-bit or 64-bit length is fatal, as ws makes it, and is said to be what it is, not
// "a payload over 125 bytes" — fed whole and at every split point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hex, plain, run, splits } from './helpers.ts';
import type { TapEvent, ViolationEvent } from '../../../main/inspect/types.ts';

const violations = (ev: TapEvent[]) => ev.filter((e): e is ViolationEvent => e.kind === 'violation').map((v) => [v.code, v.fatal, v.message]);

test('a 5-byte ping with an extended length is named for its length form', () => {
  for (const [form, bytes] of [['16', hex('897e0005 6869686968')], ['64', hex('897f0000000000000005 6869686968')]] as const) {
    const whole = run('server', [bytes]);
    assert.deepEqual(violations(whole.events), [['TAP_ERR_CONTROL_TOO_LONG', true, `ping frame with a ${form}-bit length (a control frame's payload is at most 125 bytes, given in the 7-bit length)`]]);
    for (const pieces of splits(bytes, 20)) assert.deepEqual(plain(run('server', pieces).events), plain(whole.events));
  }
});
