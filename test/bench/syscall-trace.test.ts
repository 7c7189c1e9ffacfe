// bench/syscall-trace.ts sums a relay's chunks from `perf script` lines: one relayed chunk is the
// first read after epoll returned events and the write that follows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaps } from '../../bench/syscall-trace.ts';

const line = (t: number, ev: string, rest: string) => `${(t / 1e6).toFixed(6)}: syscalls:sys_${ev}: ${rest}`;

/** A read and the write after it, as `perf script` prints them: the read's entry and exit at `r`,
 * `r` + 1, the write's at `w`, `w` + `took` (the calls named as node's or nginx's). */
const NODE = { read: 'read', write: 'write' };
const NGINX = { read: 'recvfrom', write: 'sendto' };
function readWrite(calls: { read: string; write: string }, r: number, w: number, took: number): string[] {
  return [line(r, `enter_${calls.read}`, 'fd: 0x18'), line(r + 1, `exit_${calls.read}`, '0x42'), line(w, `enter_${calls.write}`, 'fd: 0x19'), line(w + took, `exit_${calls.write}`, '0x42')];
}

test('node-style calls: wake → read → write → wait, per chunk', () => {
  const t0 = 1_000_000;
  const text = [
    line(t0, 'exit_epoll_pwait', '0x1'),
    ...readWrite(NODE, t0 + 1, t0 + 5, 6),
    line(t0 + 13, 'enter_epoll_pwait', 'timeout: 0'),
    line(t0 + 14, 'exit_epoll_pwait', '0x0'), // nothing ready: no wake
    line(t0 + 14, 'enter_epoll_pwait', 'timeout: 0x1c7'),
    line(t0 + 30, 'exit_epoll_pwait', '0x1'),
    ...readWrite(NODE, t0 + 32, t0 + 34, 6),
    // a second read in the same wake did not wait for epoll: not a chunk of its own
    ...readWrite(NODE, t0 + 41, t0 + 43, 1),
    line(t0 + 45, 'enter_epoll_pwait', 'timeout: 0'),
  ].join('\n');
  const g = gaps(text);
  assert.equal(g.chunks, 2);
  assert.ok(Math.abs(g.wakeToRead - 1.5) < 0.01, String(g.wakeToRead));
  assert.ok(Math.abs(g.readToWrite - 2) < 0.01, String(g.readToWrite));
  assert.ok(Math.abs(g.write - 6) < 0.01, String(g.write));
  // (from the chunk's write to the next epoll call, the rest of the same wake included: 2 and 5)
  assert.ok(Math.abs(g.writeToWait - 3.5) < 0.01, String(g.writeToWait));
});

test("nginx's recvfrom/sendto/epoll_wait count the same way; other lines are skipped", () => {
  const t0 = 2_000_000;
  const text = [
    'not a trace line',
    line(t0, 'exit_epoll_wait', '0x1'),
    ...readWrite(NGINX, t0 + 1, t0 + 3, 4),
    line(t0 + 8, 'enter_epoll_wait', 'timeout: 0x36ee5d'),
  ].join('\n');
  assert.deepEqual(gaps(text), { wakeToRead: 1, readToWrite: 1, write: 4, writeToWait: 1, chunks: 1 });
});

test('a write with no read before it (an injected frame, a drain) is no chunk', () => {
  const t0 = 3_000_000;
  const text = [line(t0, 'exit_epoll_pwait', '0x1'), line(t0 + 1, 'enter_write', 'fd: 0x18'), line(t0 + 3, 'exit_write', '0x8')].join('\n');
  assert.equal(gaps(text).chunks, 0);
});
