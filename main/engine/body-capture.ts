// The first bytes of an HTTP body, kept for a recorder (the service's HTTP log): at most `limit`
// bytes, copied from the chunks as they are relayed, in a buffer that grows to the limit and no
// further. The engine makes none when nothing records (EngineHooks.bodyCap is 0). The buffer's room
// is claimed from the recorder's budget as it grows (its total payload cap, which captures in
// progress count against) and given back when the exchange is logged; one the budget has no room
// for keeps nothing more and is recorded as evicted.
import type { CaptureBudget } from './events.ts';

/** The smallest buffer a capture starts with (a short JSON body fits). */
const FIRST = 1024;

export class BodyCapture {
  private buf: Buffer | null = null;
  /** Bytes kept so far. */
  length = 0;
  /** Room claimed from the budget and not yet given back. */
  private claimed = 0;
  /** The budget had no room: nothing is kept. */
  private evicted = false;
  /** Settled: it takes no more. */
  private done = false;

  /** `first`: the size of its first buffer (within the limit). */
  constructor(readonly limit: number, private readonly budget: CaptureBudget | null = null, private readonly first = FIRST) {}

  /** Keep what fits of `chunk` (it is not kept or changed). */
  take(chunk: Buffer): void {
    const n = Math.min(this.limit - this.length, chunk.length);
    if (n <= 0 || this.done) return;
    const need = this.length + n;
    if (this.buf === null || this.buf.length < need) {
      const size = Math.min(this.limit, Math.max(need, this.first, (this.buf?.length ?? 0) * 2));
      if (this.budget !== null && !this.budget.claim(size - this.claimed)) {
        this.evicted = true;
        this.settle();
        return;
      }
      this.claimed = size;
      const grown = Buffer.allocUnsafe(size);
      if (this.buf) this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    chunk.copy(this.buf, this.length, 0, n);
    this.length = need;
  }

  /** The kept bytes (a view), or 'evicted'; the room is given back (the log counts what it keeps),
   * and the capture takes no more. */
  settle(): Buffer | 'evicted' {
    this.done = true;
    if (this.claimed > 0 && this.budget !== null) this.budget.unclaim(this.claimed);
    this.claimed = 0;
    if (this.evicted) {
      this.buf = null;
      return 'evicted';
    }
    return this.buf === null ? Buffer.alloc(0) : this.buf.subarray(0, this.length);
  }
}
