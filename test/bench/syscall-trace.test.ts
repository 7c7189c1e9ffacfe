// bench/syscall-trace.ts sums a relay's chunks from `perf script` lines: one relayed chunk is the
// first read after epoll returned events and the write that follows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaps } from '../../bench/syscall-trace.ts';

const line = (t: number, ev: string, rest: string) => `${(t / 1e6).toFixed(6)}: syscalls:sys_${ev}: ${rest}`;

test('node-style calls: wake → read → write → wait, per chunk', () => {
  const t0 = 1_000_000;
  const text = [
    line(t0, 'exit_epoll_pwait', '0x1'),
    line(t0 + 1, 'enter_read', 'fd: 0x18'),
    line(t0 + 2, 'exit_read', '0x46'),
    line(t0 + 5, 'enter_write', 'fd: 0x19'),
    line(t0 + 11, 'exit_write', '0x46'),
    line(t0 + 13, 'enter_epoll_pwait', 'timeout: 0'),
    line(t0 + 14, 'exit_epoll_pwait', '0x0'), // nothing ready: no wake
    line(t0 + 14, 'enter_epoll_pwait', 'timeout: 0x1c7'),
    line(t0 + 30, 'exit_epoll_pwait', '0x1'),
    line(t0 + 32, 'enter_read', 'fd: 0x19'),
    line(t0 + 33, 'exit_read', '0x42'),
    line(t0 + 34, 'enter_write', 'fd: 0x18'),
    line(t0 + 40, 'exit_write', '0x42'),
    // a second read in the same wake did not wait for epoll: not a chunk of its own
    line(t0 + 41, 'enter_read', 'fd: 0x18'),
    line(t0 + 42, 'exit_read', '0x10'),
    line(t0 + 43, 'enter_write', 'fd: 0x19'),
    line(t0 + 44, 'exit_write', '0x10'),
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
    line(t0 + 1, 'enter_recvfrom', 'fd: 0x9'),
    line(t0 + 2, 'exit_recvfrom', '0x42'),
    line(t0 + 3, 'enter_sendto', 'fd: 0x5'),
    line(t0 + 7, 'exit_sendto', '0x42'),
    line(t0 + 8, 'enter_epoll_wait', 'timeout: 0x36ee5d'),
  ].join('\n');
  assert.deepEqual(gaps(text), { wakeToRead: 1, readToWrite: 1, write: 4, writeToWait: 1, chunks: 1 });
});

test('a write with no read before it (an injected frame, a drain) is no chunk', () => {
  const t0 = 3_000_000;
  const text = [line(t0, 'exit_epoll_pwait', '0x1'), line(t0 + 1, 'enter_write', 'fd: 0x18'), line(t0 + 3, 'exit_write', '0x8')].join('\n');
  assert.equal(gaps(text).chunks, 0);
});
