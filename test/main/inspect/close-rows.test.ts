// A Close frame with an invalid code or a reason that is not UTF-8 is a fatal violation, and is
// still recorded as it went by (the code as sent, the reason with U+FFFD), right after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hex, plain, run } from './helpers.ts';

const cases: Array<[string, string, number, string, string]> = [
  ['code 999 with a reason', '880503e7 776879', 999, 'why', 'TAP_ERR_INVALID_CLOSE_CODE'],
  ['code 1005', '880203ed', 1005, '', 'TAP_ERR_INVALID_CLOSE_CODE'],
  ['code 5000', '88021388', 5000, '', 'TAP_ERR_INVALID_CLOSE_CODE'],
  ['a reason that is not UTF-8', '880503e8 61ff62', 1000, 'a\ufffdb', 'TAP_ERR_INVALID_UTF8'],
];

for (const [name, bytes, code, reason, violation] of cases) {
  test(`close row after its violation: ${name}`, () => {
    const { events } = run('server', [hex(bytes)]);
    const kinds = events.map((e) => (e.kind === 'violation' ? `${e.kind} ${e.code} fatal=${e.fatal}` : e.kind));
    assert.deepEqual(kinds, ['frame', `violation ${violation} fatal=true`, 'close'], JSON.stringify(plain(events)));
    const close = events.at(-1)!;
    assert.ok(close.kind === 'close');
    assert.deepEqual([close.code, close.reason], [code, reason]);
  });
}
