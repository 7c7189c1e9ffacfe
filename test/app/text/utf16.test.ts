// Cutting display text: never between the halves of a UTF-16 pair, so what is shown (and sent as
// JSON) has a UTF-8 form; and a frame's preview, made from its payload bytes, is cut the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cutText, unencodable } from '../../../app/text/utf16.ts';
import { messagePreview, PREVIEW_CHARS } from '../../../main/service/frame-preview.ts';

test('cutText keeps short text, cuts long text to max units and an ellipsis', () => {
  assert.equal(cutText('abc', 3), 'abc');
  assert.equal(cutText('abcd', 3), 'abc…');
  assert.equal(cutText('ab😀d', 3), 'ab…', 'the pair at the cut goes whole');
  assert.equal(cutText('a😀cd', 3), 'a😀…');
});

test('cutText never leaves a lone surrogate in text that had none', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer({ min: 1, max: 40 }), (s, max) => {
    const cut = cutText(s, max);
    assert.equal(unencodable(cut), null);
    assert.ok(cut.length <= max + 1);
    if (s.length > max) assert.ok(s.startsWith(cut.slice(0, -1)) && cut.endsWith('…'));
    else assert.equal(cut, s);
  }), { numRuns: 500 });
});

test('a text frame whose preview is cut in an emoji shows no lone surrogate', () => {
  const text = `${'a'.repeat(PREVIEW_CHARS - 1)}😀 and more`;
  const preview = messagePreview(true, Buffer.from(text), true);
  assert.equal(unencodable(preview), null);
  assert.equal(preview, `${'a'.repeat(PREVIEW_CHARS - 1)}…`);
});
