// Display of payloads and the UTF-8 / close-code checks behind them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { decodeText, describePayload, hexPreview, looksLikeJson } from '../../../main/inspect/payload.ts';
import { Utf8Validator, findUtf8Error, isValidCloseCode } from '../../../main/inspect/validation.ts';
import { hex } from './helpers.ts';

test('payload: text, invalid UTF-8 flagged by byte offset', () => {
  assert.deepEqual(decodeText(Buffer.from('héllo ☃'), true), { text: 'héllo ☃' });
  assert.equal(decodeText(hex('6161ff61'), true).utf8ErrorOffset, 2);
  assert.equal(decodeText(hex('61 e298 61'), true).utf8ErrorOffset, 1); // sequence broken by 'a'
  assert.equal(decodeText(hex('61 eda080'), true).utf8ErrorOffset, 1); // surrogate
  assert.equal(decodeText(hex('61 c0af'), true).utf8ErrorOffset, 1); // overlong
  assert.equal(decodeText(hex('61 e298'), true).utf8ErrorOffset, 1); // cut at the end of a whole message
  // a truncated preview may end inside a sequence: dropped, not flagged
  assert.deepEqual(decodeText(hex('61 e298'), false), { text: 'a' });
});

test('payload: JSON detection and pretty view', () => {
  assert.equal(decodeText(Buffer.from('{"a":1}'), true).json, true);
  assert.equal(decodeText(Buffer.from(' [1, 2]\n'), true).json, true);
  assert.equal(decodeText(Buffer.from('{"a":'), true).json, undefined);
  assert.equal(decodeText(Buffer.from('{"a":1}'), false).json, undefined); // a truncated preview is not claimed as JSON
  assert.equal(looksLikeJson('42'), false); // scalars are not worth a pretty view
  assert.equal(looksLikeJson('{not json}'), false);
});

test('payload: binary hex preview', () => {
  assert.equal(hexPreview(hex('0001ff7f')), '00 01 ff 7f');
  assert.equal(hexPreview(Buffer.alloc(0)), '');
  assert.equal(hexPreview(Buffer.alloc(300, 0xab), 3), 'ab ab ab …');
  assert.deepEqual(describePayload(2, hex('dead'), true), { binaryPreview: 'de ad' });
});

test('validation: close codes (RFC 6455 §7.4)', () => {
  const ok = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
  const bad = [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535];
  for (const c of ok) assert.equal(isValidCloseCode(c), true, String(c));
  for (const c of bad) assert.equal(isValidCloseCode(c), false, String(c));
});

test('validation: streaming UTF-8 agrees with isUtf8 at any split', () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 80 }).map((s) => new Uint8Array(Buffer.from(s))),
    // long valid text with a possibly-corrupted byte: exercises the native fast path
    fc.tuple(fc.string({ unit: 'grapheme', minLength: 20, maxLength: 120 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([s, at, b, corrupt]) => {
      const u = new Uint8Array(Buffer.from(s));
      if (corrupt && u.length) u[at % u.length] = b;
      return u;
    }),
  );
  fc.assert(
    fc.property(bytes, fc.array(fc.nat(), { maxLength: 6 }), (u, cutsRaw) => {
      const buf = Buffer.from(u);
      const cuts = [...new Set(cutsRaw.map((c) => (buf.length ? c % (buf.length + 1) : 0)))].sort((a, b) => a - b);
      const v = new Utf8Validator();
      let prev = 0;
      let failed = false;
      for (const c of [...cuts, buf.length]) {
        if (v.push(buf, prev, c) !== -1) failed = true;
        prev = c;
      }
      const ok = !failed && v.end();
      assert.equal(ok, isUtf8(buf));
      // the offset does not depend on where the input was split
      assert.equal(ok ? -1 : v.errorOffset, findUtf8Error(buf));
    }),
    { numRuns: 3000, seed: 11 },
  );
});
