// A Close frame with an invalid code or a reason that is not UTF-8 is a fatal violation, and is
// still recorded as it went by (the code as sent, the reason with U+FFFD), right after it. Its
// reason is checked apart from the text message it may interrupt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, hex, plain, run } from './helpers.ts';

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

test('a Close between the fragments of a text message (a peer may send on after it) leaves that message\'s UTF-8 check as it was', () => {
  const close = encodeFrame({ opcode: 8, payload: hex('03e8 6f6b') });
  // (checking the reason reset the message's check: a character cut by the Close was invalid, and a
  // sequence it cut that the next fragment did not finish went unflagged)
  const cases: Array<[string, string, string, number | undefined, string[]]> = [
    ['61e282', 'ac62', 'a€b', undefined, []],
    ['61e2', '62', 'a\ufffdb', 1, ['TAP_ERR_INVALID_UTF8']],
  ];
  for (const [first, rest, text, offset, violations] of cases) {
    const { events } = run('server', [encodeFrame({ opcode: 1, fin: false, payload: hex(first) }), close, encodeFrame({ opcode: 0, payload: hex(rest) })]);
    const flagged = events.flatMap((e) => (e.kind === 'violation' && e.code !== 'TAP_ERR_DATA_AFTER_CLOSE' ? [e.code] : []));
    const m = events.find((e) => e.kind === 'message');
    assert.ok(m?.kind === 'message');
    assert.deepEqual([m.text, m.utf8ErrorOffset, flagged], [text, offset, violations], JSON.stringify(plain(events)));
  }
});
