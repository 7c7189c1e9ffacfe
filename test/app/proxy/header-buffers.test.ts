// nginx's request head limits (client_header_buffer_size 1k, large_client_header_buffers 4 8k),
// simulated on line lengths. The edges below were measured on nginx 1.22 (test/parity has the
// same heads sent to real nginx and to the engine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headFits, requestHeadFits, responseHeadBytes, responseHeadFits } from '../../../app/proxy/header-buffers.ts';
import { planRoute } from '../../../app/proxy/plan.ts';

const line = (name: string, valueBytes: number) => name.length + valueBytes + 4;
const verdict = (lines: number[]) => { const v = headFits(lines); return v.ok ? 'ok' : v.status; };

test('a line of up to 8192 bytes fits a large buffer; one byte more does not', () => {
  const start = [16, line('Host', 1)]; // "GET / HTTP/1.1", "Host: a"
  assert.equal(verdict([...start, line('X-Big', 8183)]), 'ok');
  assert.equal(verdict([...start, line('X-Big', 8184)]), 494);
  assert.equal(verdict([8192, line('Host', 1)]), 'ok');
  assert.equal(verdict([8193, line('Host', 1)]), 414);
  assert.deepEqual(headFits([16, 9000]), { ok: false, status: 494, reason: 'client sent too long header line', line: 1 });
  assert.deepEqual(headFits([9000]), { ok: false, status: 414, reason: 'client sent too long URI', line: 0 });
});

test('at most four large buffers, and a line never spans two', () => {
  const head = (count: number, value: number) => [16, line('Host', 1), ...Array.from({ length: count }, () => line('X-H0', value))];
  assert.equal(verdict(head(5, 4000)), 'ok'); // 20 KB: node's default 16 KiB would refuse it
  assert.equal(verdict(head(6, 5000)), 494); // 30 KB: one 5 KB line per 8 KB buffer
  assert.equal(verdict(head(4, 5000)), 'ok');
  assert.equal(verdict(head(5, 5000)), 494);
  // lines that end exactly at a buffer's end: the next line (here the empty one that ends the
  // head) starts a new buffer, and that may be one too many
  assert.equal(verdict([1024, 8192, 8192, 8192, 8190]), 'ok');
  assert.deepEqual(headFits([1024, 8192, 8192, 8192, 8192]), { ok: false, status: 494, reason: 'client sent too large request', line: 5 });
});

test('small heads take the fast path; parsed requests are measured as "name: value" lines', () => {
  assert.deepEqual(requestHeadFits('GET', '/', '1.1', ['Host', 'a']), { ok: true });
  assert.deepEqual(requestHeadFits('GET', '/', '1.1', ['Host', 'a', 'X-Big', 'a'.repeat(8183)]), { ok: true });
  assert.equal(requestHeadFits('GET', '/', '1.1', ['Host', 'a', 'X-Big', 'a'.repeat(8184)]).ok, false);
  assert.equal(requestHeadFits('GET', `/${'u'.repeat(8176)}`, '1.1', ['Host', 'a']).ok, true);
  assert.equal(requestHeadFits('GET', `/${'u'.repeat(8177)}`, '1.1', ['Host', 'a']).ok, false);
});

test('planRoute refuses a head too large before anything else (the route tester shows it too)', () => {
  const table = { binds: [], servers: [] } as unknown as Parameters<typeof planRoute>[0];
  const req = { method: 'GET', url: '/', httpVersion: '1.1', rawHeaders: ['Host', 'a', 'Cookie', 'c'.repeat(9000)], socket: {} };
  // (refused at the Cookie line, having read the one before it: a User-Agent there pads the page)
  assert.deepEqual(planRoute(table, req), { kind: 'error', status: 494, reason: 'client sent too long header line', headersRead: 1 });
});

test('upstream response heads: counted as sent, and 4096 bytes fit proxy_buffer_size', () => {
  const head = 'HTTP/1.1 200 OK\r\nX-Big: vvvv\r\nContent-Length: 2\r\n\r\n';
  const res = (rawHeaders: string[]) => ({ httpVersion: '1.1', statusCode: 200, statusMessage: 'OK', rawHeaders });
  assert.equal(responseHeadBytes(res(['X-Big', 'vvvv', 'Content-Length', '2'])), head.length);
  const fill = (n: number) => res(['X-Big', 'v'.repeat(n)]);
  const base = responseHeadBytes(fill(0));
  assert.equal(responseHeadFits(fill(4096 - base)), true);
  assert.equal(responseHeadFits(fill(4097 - base)), false);
});
