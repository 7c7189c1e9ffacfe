// Waiting in tests: for a condition to hold (polled), or for a while.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolve once `cond()` is true (checked every 5 ms); reject after `ms`. */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

/**
 * Read `read()` (every 10 ms) until `done` holds for what it gave or `ms` have passed, and return the
 * last value read: the caller asserts on it, so a timeout fails with what was seen.
 */
export async function poll<T>(read: () => T | Promise<T>, done: (value: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
    await sleep(10);
  }
}

/** How long to wait on a node process a test started: to its first line it loads the sources through
 * tsx, which on a loaded 2-core machine (CI, test files side by side) has taken over 5 s. */
export const PROCESS_MS = 30_000;
