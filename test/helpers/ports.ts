// Free loopback ports for servers that cannot listen on port 0 themselves (nginx configs).
// A port is taken at random below the kernel's ephemeral range (32768-60999 on Linux), not from
// listen(0): the kernel hands a port listen(0) just released to the next listen(0) of any process,
// so two test files running side by side could be given the same one for their nginx.
//
// A port handed out is also reserved for this process's life, by a file named after it in a
// directory every test process shares: between a port's pick and its listen (seconds, in tests that
// run nginx and then the engine) another test file could otherwise pick it too, and one file's
// requests reach the other's proxy (seen in CI: failover.test.ts's steps in failover-recovery's
// nginx). A reservation whose process is gone is taken over.
import net from 'node:net';
import { mkdirSync, openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const LOW = 10_000;
const HIGH = 32_767;
const DIR = join(tmpdir(), 'switchyard-test-ports');
const mine: string[] = [];

process.once('exit', () => {
  for (const file of mine) {
    try { unlinkSync(file); } catch { /* gone already */ }
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reserve `port` for this process; false when a live process holds it. */
export function reservePort(port: number): boolean {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      mine.push(file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try { holder = Number(readFileSync(file, 'utf8')); } catch { /* removed meanwhile: try again */ }
    // (a file just made and not yet written reads as 0: its maker is alive)
    if (holder === 0 || (Number.isInteger(holder) && alive(holder))) return false;
    try { unlinkSync(file); } catch { /* someone else took it over first */ }
  }
  return false;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (reservePort(port) && await bindable(port)) return port;
  }
}

export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freePort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/**
 * `text` with `port` written as `name` where it stands as a whole number: a longer number holding
 * its digits (an address a client prints, a length, a rate) is left as it is.
 */
export function maskPort(text: string, port: number, name = 'PORT'): string {
  return text.replace(new RegExp(`(?<![0-9])${port}(?![0-9])`, 'g'), name);
}
