// Payload views: hex dump rows, JSON detection, and text/base64 payloads into the three views.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hexDump, isBytesMessage, MAX_PRETTY_CHARS, MAX_PRETTY_DEPTH, payloadViews, prettyJson, previewViews } from '../../../app/traffic/payload-format.ts';

test('hex dump: offset, 16 bytes in two groups, printable ASCII; a short last row is padded', () => {
  const bytes = Uint8Array.from([...Buffer.from('Hello, WebSocket!'), 0, 0x7f, 0xff, 0x20]);
  const rows = hexDump(bytes);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], { offset: '00000000', hex: '48 65 6c 6c 6f 2c 20 57  65 62 53 6f 63 6b 65 74', ascii: 'Hello, WebSocket' });
  assert.equal(rows[1]!.offset, '00000010');
  assert.equal(rows[1]!.ascii, '!... ');
  assert.equal(rows[1]!.hex.length, rows[0]!.hex.length, 'columns line up');
  assert.match(rows[1]!.hex, /^21 00 7f ff 20 {4}/);
  assert.deepEqual(hexDump(new Uint8Array(0)), []);
  assert.equal(hexDump(new Uint8Array(4096)).length, 256);
  assert.equal(hexDump(new Uint8Array(0x123)).at(-1)!.offset, '00000120');
});

test('pretty JSON only for objects and arrays that parse', () => {
  assert.equal(prettyJson('{"a":1,"b":[true,null]}'), '{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}');
  assert.equal(prettyJson(' [1,2] '), '[\n  1,\n  2\n]');
  assert.equal(prettyJson('{"a":'), null);
  assert.equal(prettyJson('42'), null);
  assert.equal(prettyJson('"text"'), null);
  assert.equal(prettyJson('hello {x}'), null);
});

test('pretty JSON changes only white space: numbers, strings and repeated keys stay as the peer wrote them', () => {
  assert.equal(prettyJson('{"id": 1234567890123456789, "price": 1.10, "big": 1e400, "dup": 1, "dup": 2}'), '{\n  "id": 1234567890123456789,\n  "price": 1.10,\n  "big": 1e400,\n  "dup": 1,\n  "dup": 2\n}');
  assert.equal(prettyJson('["a\\"b,[{:}]", "\\\\", "\\u00e9", -0, 1E+2]'), '[\n  "a\\"b,[{:}]",\n  "\\\\",\n  "\\u00e9",\n  -0,\n  1E+2\n]');
  // otherwise as JSON.stringify indents: empty containers, nesting, white space of every kind
  const samples = ['{"a":{},"b":[],"c":[ ],"d":{ \n }}', '[[[]],{"x":[1,{"y":null}]}]', '\t{\r\n "k" :\ttrue , "l":[false ,"s p"]}\n', '{"":""}'];
  for (const s of samples) assert.equal(prettyJson(s), JSON.stringify(JSON.parse(s), null, 2), s);
});

test('no pretty view past its depth or size (indentation grows with depth): null, never a throw, for any message', () => {
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
  assert.ok(prettyJson(nested(MAX_PRETTY_DEPTH + 1))?.startsWith('[\n  ['), 'the innermost empty pair does not count');
  assert.equal(prettyJson(nested(MAX_PRETTY_DEPTH + 2)), null);
  assert.equal(prettyJson(nested(16_500)), null);
  assert.equal(prettyJson(nested(100_000)), null);
  assert.deepEqual(payloadViews({ encoding: 'text', data: nested(16_500) }).json, null);
  // 80,000 characters that would indent to over MAX_PRETTY_CHARS
  const wide = '['.repeat(999) + '0,'.repeat(40_000) + '0' + ']'.repeat(999);
  assert.ok(999 * 2 * 40_000 > MAX_PRETTY_CHARS);
  assert.equal(prettyJson(wide), null);
});

test('payload views: text payloads keep their text; base64 ones decode, JSON detected in both', () => {
  const t = payloadViews({ encoding: 'text', data: '{"op":"héllo"}' });
  assert.equal(t.text, '{"op":"héllo"}');
  assert.deepEqual(Buffer.from(t.bytes), Buffer.from('{"op":"héllo"}'));
  assert.match(t.json!, /"op": "héllo"/);
  const b = payloadViews({ encoding: 'base64', data: Buffer.from('[1]').toString('base64') });
  assert.equal(b.validUtf8, true);
  assert.equal(b.json, '[\n  1\n]');
  const raw = payloadViews({ encoding: 'base64', data: Buffer.from([0xff, 0x00, 0x41]).toString('base64') });
  assert.equal(raw.validUtf8, false);
  assert.equal(raw.json, null);
  assert.deepEqual([...raw.bytes], [0xff, 0x00, 0x41]);
});

test('preview-only views: a binary preview (hex) gives its bytes to the hex view; text keeps JSON detection', () => {
  const bin = previewViews({ opcode: 'binary', preview: '00 01 ff …' });
  assert.deepEqual([...bin.bytes], [0, 1, 255]);
  assert.equal(bin.json, null);
  const text = previewViews({ opcode: 'close', preview: '{"reason":"bye"}' });
  assert.equal(text.text, '{"reason":"bye"}');
  assert.match(text.json!, /"reason": "bye"/);
  const notHex = previewViews({ opcode: 'binary', preview: 'zz' });
  assert.deepEqual(Buffer.from(notHex.bytes).toString(), 'zz');
  // a text message in an unknown extension's encoding: its preview is hex of its bytes too
  const encoded = previewViews({ opcode: 'text', preview: '68 ff 69', encodedBy: 'x-foo' });
  assert.deepEqual([...encoded.bytes], [0x68, 0xff, 0x69]);
});

test('a ping or pong whose preview is hex (previewHex) is bytes: hex view of all of them, text view decoded and flagged', () => {
  const ping = { opcode: 'ping', preview: '00 ff fe 80', previewHex: true } as const;
  assert.equal(isBytesMessage(ping), true);
  assert.equal(isBytesMessage({ opcode: 'ping' }), false, 'without the flag a ping preview is text, even one that reads as hex');
  const v = previewViews(ping);
  assert.deepEqual([...v.bytes], [0x00, 0xff, 0xfe, 0x80]);
  assert.deepEqual([v.text, v.validUtf8, v.json], ['\u0000\ufffd\ufffd\ufffd', false, null]);
  const text = previewViews({ opcode: 'ping', preview: '00 ff fe 80' });
  assert.deepEqual([text.text, Buffer.from(text.bytes).toString()], ['00 ff fe 80', '00 ff fe 80']);
});
