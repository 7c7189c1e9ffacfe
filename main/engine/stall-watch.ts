// nginx's send timeouts (send_timeout toward the client, proxy_send_timeout toward the upstream):
// a connection whose send buffer filled up must take something within the timeout, counted from
// the last write it took, or it is given up. Used by both directions of a WebSocket session
// (ws-relay.ts) and by HTTP responses (response-body.ts).
//
// A watch starts when a destination fills and ends when it drains. Progress is a drop in the
// bytes it has queued (node tells when a queued write has left, not each partial write), so, as
// with nginx's timer, a peer that reads too little for a queued write to leave whole times out. All
// watches are checked by one shared interval timer that runs while there are any: a busy response
// fills its client's socket many times, and a timer of its own per stall cost about 5 % of a 64 KiB
// response's CPU.

/** What is watched: a writable with its queued byte count (a net.Socket). */
export interface Queue {
  readonly writableLength: number;
}

const watches = new Set<StallWatch>();
/** How many watches want each check interval: the sweep runs at the shortest one wanted now (one
 * short timeout must not keep every other watch checked at its rate once it is gone). */
const wanted = new Map<number, number>();
let sweep: NodeJS.Timeout | null = null;
let sweepEvery = Infinity;

function resweep(): void {
  const every = Math.min(...wanted.keys());
  if (every === sweepEvery) return;
  if (sweep !== null) clearInterval(sweep);
  sweep = null;
  sweepEvery = every;
  if (every === Infinity) return;
  sweep = setInterval(sweepWatches, every);
  sweep.unref();
}

export class StallWatch {
  private queued: number;
  private since = Date.now();
  /** Something else happened on the connection's session since the last check (see touch). */
  private touched = false;
  private readonly every: number;

  /** Watch `dst` from now: `onTimeout` runs once if it takes nothing for `ms` (the watch has ended then). */
  constructor(private readonly dst: Queue, private readonly ms: number, private readonly onTimeout: () => void) {
    this.queued = dst.writableLength;
    watches.add(this);
    // (progress is seen at the check after it, and the timeout at the check after that: a check
    // every twentieth of the timeout fires within a tenth of it past nginx's, or 2 s at most)
    this.every = Math.max(20, Math.min(1000, ms / 20));
    wanted.set(this.every, (wanted.get(this.every) ?? 0) + 1);
    if (this.every < sweepEvery) resweep();
  }

  /** Restart the count at the next check: for a WebSocket session, as nginx re-arms its send timers
   * on every event of the upgraded pair (a read either way, a write taken), not only on progress. */
  touch(): void {
    this.touched = true;
  }

  /** Has it stalled past its timeout? Progress (or a touch) since the last check restarts the count. */
  check(now: number): boolean {
    const queued = this.dst.writableLength;
    if (queued < this.queued || this.touched) this.since = now;
    this.touched = false;
    this.queued = queued;
    return now - this.since >= this.ms;
  }

  timedOut(): void {
    this.end();
    this.onTimeout();
  }

  /** The destination drained, or the connection is over. */
  end(): void {
    if (!watches.delete(this)) return;
    const left = wanted.get(this.every)! - 1;
    if (left > 0) return void wanted.set(this.every, left);
    wanted.delete(this.every);
    if (this.every === sweepEvery) resweep();
  }
}

/**
 * A watch on what a socket has queued for the kernel as libuv counts it: it shrinks with every
 * partial write, where node's own count (writableLength) drops only when a whole write has gone, so
 * one large write (an upstream request's buffered body) shows progress while it goes out. nginx
 * times the gap between two writes the peer took; node's socket idle timer lets one expiry pass
 * while a write is queued (twice the timeout toward a peer that stopped reading).
 */
export function watchWriteQueue(socket: Queue & { _handle?: unknown }, ms: number, onTimeout: () => void): StallWatch {
  const handle = socket._handle as { writeQueueSize?: number } | null | undefined;
  return new StallWatch({ get writableLength() { return handle?.writeQueueSize ?? socket.writableLength; } }, ms, onTimeout);
}

function sweepWatches(): void {
  const now = Date.now();
  for (const w of watches) if (w.check(now)) w.timedOut();
}
