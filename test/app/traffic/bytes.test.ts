// Payload bytes: base64, hex and UTF-8 in pure TypeScript, checked against node's Buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromBase64, fromHex, toBase64, toHex, utf8Decode, utf8Encode } from '../../../app/traffic/bytes.ts';

test('base64 round-trips any bytes and matches Buffer', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
    const b64 = toBase64(bytes);
    assert.equal(b64, Buffer.from(bytes).toString('base64'));
    const back = fromBase64(b64);
    assert.ok(back.ok);
    assert.deepEqual(Buffer.from(back.bytes), Buffer.from(bytes));
  }));
});

test('base64 input: whitespace ignored, bad characters and padding refused with a reason', () => {
  const ok = fromBase64(' SGVs\nbG8= ');
  assert.ok(ok.ok);
  assert.equal(Buffer.from(ok.bytes).toString(), 'Hello');
  const bad = fromBase64('SGV*bG8=');
  assert.ok(!bad.ok);
  assert.match(bad.message, /"\*" at character 3 is not in its alphabet/);
  const pad = fromBase64('SG=sbG8=');
  assert.ok(!pad.ok);
  assert.match(pad.message, /"=" may only pad the end/);
  // padding is optional, as the API and the HAR import take it (one rule: app/text/base64.ts)
  for (const [text, want] of [['SGVsbG8', 'Hello'], ['QQ', 'A'], ['QUI', 'AB'], ['QUI=', 'AB']] as const) {
    const r = fromBase64(text);
    assert.ok(r.ok, text);
    assert.equal(Buffer.from(r.bytes).toString(), want, text);
  }
  const oneOver = fromBase64('SGVsb');
  assert.ok(!oneOver.ok);
  assert.match(oneOver.message, /leave one over/);
  const url = fromBase64('_-8=');
  assert.ok(!url.ok, 'the URL-safe alphabet is not base64');
});

test('hex input: separators and 0x prefixes allowed; odd digits and non-hex refused', () => {
  for (const s of ['48 65 6c 6c 6f', '48656c6c6f', '0x48,0x65,0x6c,0x6c,0x6f', '48:65:6C:6C:6F', '  48-65-6c-6c-6f\n']) {
    const r = fromHex(s);
    assert.ok(r.ok, s);
    assert.equal(Buffer.from(r.bytes).toString(), 'Hello', s);
  }
  const odd = fromHex('48 6');
  assert.ok(!odd.ok);
  assert.match(odd.message, /"6" has an odd number of hex digits/);
  const bad = fromHex('4g');
  assert.ok(!bad.ok);
  assert.match(bad.message, /"g" in "4g" is not a hex digit/);
  const empty = fromHex('   ');
  assert.ok(empty.ok && empty.bytes.length === 0);
  assert.equal(toHex(Uint8Array.from([0, 15, 16, 255])), '00 0f 10 ff');
});

test('UTF-8 encode/decode agree with Buffer on any string, and invalid bytes decode like TextDecoder', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
    const enc = utf8Encode(s);
    assert.deepEqual(Buffer.from(enc), Buffer.from(s, 'utf8'));
    const dec = utf8Decode(enc);
    assert.equal(dec.text, Buffer.from(s, 'utf8').toString('utf8'));
  }));
  const td = new TextDecoder();
  for (const raw of [[0xff], [0xc3], [0xe2, 0x82], [0xe2, 0x82, 0x41], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x41, 0x80, 0x42], [0xc0, 0x80]]) {
    const bytes = Uint8Array.from(raw);
    const d = utf8Decode(bytes);
    assert.equal(d.valid, false, `${raw} is invalid`);
    assert.ok(d.text.includes('\ufffd'));
    // the same printable characters survive as TextDecoder keeps them
    assert.equal(d.text.replace(/\ufffd+/g, '?'), td.decode(bytes).replace(/\ufffd+/g, '?'), `${raw}`);
  }
  const big = utf8Decode(new Uint8Array(200_000).fill(0x61));
  assert.equal(big.text.length, 200_000, 'long payloads decode (no argument-count limit)');
});
