import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { CRC32_INIT, crc32, crc32Final, crc32Update } from '../../../main/upstream/crc32.ts';

test('crc32 check value and known strings', () => {
  assert.equal(crc32('123456789'), 0xcbf43926);
  assert.equal(crc32(''), 0);
  assert.equal(crc32('The quick brown fox jumps over the lazy dog'), 0x414fa339);
});

test('strings are hashed as UTF-8 bytes', () => {
  assert.equal(crc32('é'), crc32(new Uint8Array([0xc3, 0xa9])));
});

test('update is incremental: crc(a + b) = final(update(update(init, a), b))', () => {
  fc.assert(
    fc.property(fc.uint8Array(), fc.uint8Array(), (a, b) => {
      const whole = crc32(new Uint8Array([...a, ...b]));
      assert.equal(crc32Final(crc32Update(crc32Update(CRC32_INIT, a), b)), whole);
    }),
  );
});

test('matches zlib crc32 when available', { skip: typeof (zlib as { crc32?: unknown }).crc32 !== 'function' && 'zlib.crc32 needs node >= 20.15' }, () => {
  const z = (zlib as unknown as { crc32(d: Uint8Array): number }).crc32;
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (a) => assert.equal(crc32(a), z(a))));
});
