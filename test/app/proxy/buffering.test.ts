// proxy_buffering's arithmetic: which bytes of an unchunked body pass at which read. The page
// offsets are the ones Debian's nginx 1.22 showed (test/parity/buffering.test.ts compares the two
// on sockets): with a 101-byte upstream head, 3995 body bytes pass when the first page fills, and
// 8091 after the second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyHold, bodyPlan } from '../../../app/proxy/buffering.ts';
import { responseHeadBytes, type ResponseHead } from '../../../app/proxy/header-buffers.ts';

/** A head of exactly `bytes` bytes (status line "HTTP/1.1 200 OK", one X-Pad header). */
function headOf(bytes: number, extra: string[] = []): ResponseHead {
  const base: ResponseHead = { httpVersion: '1.1', statusCode: 200, statusMessage: 'OK', rawHeaders: ['X-Pad', '', ...extra] };
  const pad = bytes - responseHeadBytes(base);
  assert.ok(pad >= 0);
  return { ...base, rawHeaders: ['X-Pad', 'p'.repeat(pad), ...extra] };
}

const bytes = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) % 251);
const joined = (parts: Uint8Array[] | null) => (parts === null ? null : Uint8Array.from(parts.flatMap((p) => [...p])));

test('nothing passes until the page the head shares fills; then exactly the rest of that page', () => {
  const hold = new BodyHold<Uint8Array>(101, null);
  assert.equal(hold.take(bytes(100)), null);
  assert.equal(hold.take(bytes(3894, 100)), null, 'head + 3994 body bytes: one short of the page');
  const first = joined(hold.take(bytes(6, 3994)));
  assert.deepEqual(first, bytes(3995), 'the page is 4096 bytes with the head: 3995 of body');
  assert.deepEqual(joined(hold.rest()), bytes(5, 3995), 'the rest, in order, when the response completes');
  assert.deepEqual(hold.rest(), []);
});

test('one read over several pages passes them all and keeps the tail; a read ending on a page passes whole', () => {
  const hold = new BodyHold<Uint8Array>(101, null);
  const all = bytes(20_000);
  assert.deepEqual(joined(hold.take(all.subarray(0, 9000))), all.subarray(0, 8091));
  assert.deepEqual(joined(hold.take(all.subarray(9000, 12187))), all.subarray(8091, 12187), 'the third page ends exactly at this read\'s end');
  assert.equal(hold.take(all.subarray(12187, 16282)), null);
  assert.deepEqual(joined(hold.take(all.subarray(16282, 20_000))), all.subarray(12187, 16283));
  assert.deepEqual(joined(hold.rest()), all.subarray(16283));
});

test('a longer head leaves less of the first page to the body (Content-Length: 3973 with a 123-byte head)', () => {
  const hold = new BodyHold<Uint8Array>(123, null);
  assert.equal(joined(hold.take(bytes(5000)))!.length, 3973);
  assert.equal(joined(hold.rest())!.length, 1027);
});

test('empty reads change nothing; parts are views of the reads, not copies', () => {
  const hold = new BodyHold<Uint8Array>(96, null);
  assert.equal(hold.take(new Uint8Array(0)), null);
  const read = bytes(5000);
  const parts = hold.take(read)!;
  assert.equal(parts.length, 1);
  assert.equal(parts[0]!.buffer, read.buffer);
  assert.equal(parts[0]!.length, 4000);
  const rest = hold.rest();
  assert.equal(rest[0]!.buffer, read.buffer);
});

test('X-Accel-Buffering overrides the location: yes/no in any case, the last such line wins, other values are ignored', () => {
  const h = (...xab: string[]) => headOf(200, xab.flatMap((v) => ['X-Accel-Buffering', v]));
  const te = (head: ResponseHead) => ({ ...head, rawHeaders: [...head.rawHeaders, 'Transfer-Encoding', 'chunked'] });
  const passing = (on: boolean, head: ResponseHead) => bodyPlan(on, head).passing;
  assert.equal(passing(true, h()), 'pages');
  assert.equal(passing(true, te(h())), 'chunks');
  assert.equal(passing(false, h()), 'unbuffered');
  assert.equal(passing(true, h('no')), 'unbuffered');
  assert.equal(passing(true, te(h('NO'))), 'unbuffered');
  assert.equal(passing(false, h('Yes')), 'pages');
  assert.equal(passing(false, te(h('yes'))), 'chunks');
  assert.equal(passing(true, h('no', 'yes')), 'pages');
  assert.equal(passing(true, h('no', 'off')), 'unbuffered', '"off" is not a value nginx reads');
  assert.equal(passing(true, h(' no')), 'pages');
  assert.equal(passing(true, { ...h(), rawHeaders: ['x-accel-buffering', 'no'] }), 'unbuffered');
});

test('the framing comes from the raw header list: Content-Length, or chunked as the last transfer coding', () => {
  const with_ = (...lines: string[]) => ({ httpVersion: '1.1', statusCode: 200, statusMessage: 'OK', rawHeaders: lines });
  assert.deepEqual(bodyPlan(true, with_('Content-Length', '5000')), { passing: 'pages', contentLength: 5000 });
  assert.deepEqual(bodyPlan(true, with_('content-length', '0')), { passing: 'pages', contentLength: 0 });
  assert.deepEqual(bodyPlan(true, with_('X-Other', '1')), { passing: 'pages', contentLength: null });
  assert.deepEqual(bodyPlan(true, with_('Transfer-Encoding', 'gzip, Chunked')), { passing: 'chunks', contentLength: null });
  assert.deepEqual(bodyPlan(true, with_('transfer-encoding', 'chunked, gzip')), { passing: 'pages', contentLength: null });
});

test('the read that completes a sized body passes whole, with what was held', () => {
  const hold = new BodyHold<Uint8Array>(101, 5000);
  const all = bytes(5000);
  assert.equal(hold.take(all.subarray(0, 3000)), null);
  assert.deepEqual(joined(hold.take(all.subarray(3000, 4990))), all.subarray(0, 3995), 'a page fills first');
  assert.deepEqual(joined(hold.take(all.subarray(4990))), all.subarray(3995), 'the last read: no tail held back');
  assert.deepEqual(hold.rest(), []);
  const small = new BodyHold<Uint8Array>(101, 100);
  assert.deepEqual(joined(small.take(bytes(60))), null);
  assert.deepEqual(joined(small.take(bytes(40, 60))), bytes(100));
});
