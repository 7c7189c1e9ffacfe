// Message payloads kept for replay and export, next to the frame log rows they belong to. Bounded
// by bytes: past `total`, the oldest payloads go first and their rows are marked 'evicted'. The
// byte count is exact (what is held, never an estimate).
import type { FrameView } from '../../app/api/contract.ts';

export class PayloadStore {
  /** Insertion order = age: the first entry is evicted first. */
  private readonly kept = new Map<FrameView, Buffer>();
  private held = 0;

  constructor(private readonly total: number) {}

  get bytes(): number {
    return this.held;
  }

  get count(): number {
    return this.kept.size;
  }

  /** Keep `payload` for `row` (the caller already capped it per message and set row.payload). */
  put(row: FrameView, payload: Buffer): void {
    if (payload.length > this.total) {
      row.payload = 'evicted';
      return;
    }
    this.kept.set(row, payload);
    this.held += payload.length;
    // Under the cap there is nothing to evict. (Starting the Map iteration anyway walks over every
    // entry deleted from its front since the last compaction: it was most of inspection's cost.)
    if (this.held <= this.total) return;
    for (const [old, buf] of this.kept) {
      if (this.held <= this.total) break;
      this.kept.delete(old);
      this.held -= buf.length;
      old.payload = 'evicted';
    }
  }

  get(row: FrameView): Buffer | undefined {
    return this.kept.get(row);
  }

  /** The rows left the frame log: forget their payloads. */
  drop(rows: Iterable<FrameView>): void {
    for (const row of rows) {
      const buf = this.kept.get(row);
      if (!buf) continue;
      this.kept.delete(row);
      this.held -= buf.length;
    }
  }
}
