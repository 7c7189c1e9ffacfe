// Where a relay's time goes between the kernel's calls, from its syscall tracepoints (`perf record`
// of syscalls:sys_enter_*/sys_exit_*, which needs perf and tracefs; no CPU counters). For each
// chunk relayed: wake (epoll returns) → read() → [the relay's own code] → write() → back to epoll.
// The read→write gap is what a relay adds to a round trip besides the kernel's work, measured to
// the microsecond whatever else the machine does (bench/ws-compare.ts --rtt --trace).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CALLS = ['read', 'write', 'recvfrom', 'sendto', 'epoll_wait', 'epoll_pwait'];
const EVENTS = CALLS.flatMap((c) => [`syscalls:sys_enter_${c}`, `syscalls:sys_exit_${c}`]).join(',');

/** Mean µs per relayed chunk: epoll's return → read() entry, read() → write() (the relay's code),
 * the write() call, write() → the next epoll call (the rest of the wake's work included); `chunks`:
 * how many were seen (a wake's first read and the write after it). */
export interface RelayGaps {
  wakeToRead: number;
  readToWrite: number;
  write: number;
  writeToWait: number;
  chunks: number;
}

function run(cmd: string, args: string[], out?: (s: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', out ? 'pipe' : 'ignore', 'ignore'] });
    if (out) p.stdout!.setEncoding('utf8').on('data', out);
    p.on('error', () => resolve(-1));
    p.on('close', (code) => resolve(code ?? -1));
  });
}

/** Trace `pid` for `ms` and sum up its relayed chunks; null when perf cannot trace here. */
export async function traceRelayGaps(pid: number, ms: number): Promise<RelayGaps | null> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-trace-'));
  try {
    const file = join(dir, 'perf.data');
    if ((await run('perf', ['record', '-q', '-e', EVENTS, '-p', String(pid), '-o', file, '--', 'sleep', String(ms / 1000)])) !== 0) return null;
    let text = '';
    if ((await run('perf', ['script', '-i', file, '-F', 'time,event,trace'], (s) => (text += s))) !== 0) return null;
    return gaps(text);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The sums of `perf script -F time,event,trace` lines (exported for its test). */
export function gaps(text: string): RelayGaps {
  const sum = { wakeToRead: 0, readToWrite: 0, write: 0, writeToWait: 0 };
  let chunks = 0;
  let woke = -1; // when epoll last returned events (until a read takes it)
  let wake = -1; // the wake of the chunk under way
  let readEnter = -1;
  let readExit = -1;
  let writeEnter = -1;
  let writeExit = -1;
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+\.\d+):\s+syscalls:sys_(enter|exit)_(\w+):\s*(\S*)/.exec(line);
    if (!m) continue;
    const t = Math.round(Number(m[1]) * 1e6); // (perf prints microseconds)
    const call = m[3] === 'recvfrom' ? 'read' : m[3] === 'sendto' ? 'write' : m[3]!.startsWith('epoll') ? 'epoll' : m[3]!;
    const enter = m[2] === 'enter';
    if (call === 'epoll') {
      if (enter && writeExit >= 0) sum.writeToWait += t - writeExit;
      writeExit = -1;
      // (an exit's first field is the return value: the number of events)
      woke = !enter && Number(m[4]) > 0 ? t : -1;
    } else if (call === 'read') {
      // (only a wake's first read: the others did not wait for epoll)
      if (enter) [wake, readEnter, woke] = woke >= 0 ? [woke, t, -1] : [-1, -1, -1];
      else if (readEnter >= 0) readExit = t;
    } else if (call === 'write') {
      if (enter && readExit >= 0) writeEnter = t;
      else if (!enter && writeEnter >= 0) {
        sum.wakeToRead += readEnter - wake;
        sum.readToWrite += writeEnter - readExit;
        sum.write += t - writeEnter;
        writeExit = t;
        chunks++;
      }
      if (!enter) readEnter = readExit = writeEnter = -1;
    }
  }
  const per = (v: number) => (chunks ? v / chunks : 0);
  return { wakeToRead: per(sum.wakeToRead), readToWrite: per(sum.readToWrite), write: per(sum.write), writeToWait: per(sum.writeToWait), chunks };
}
