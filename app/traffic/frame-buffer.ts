// The frame log of the session the UI has open: up to `max` rows, appended in place (no copy of
// the whole list per batch), oldest dropped first. Rows have absolute positions that never change
// while the buffer lives (`base` counts the rows dropped from the front), so filtered index lists
// and selections survive appends and trims. `epoch` changes when the content is replaced.
import type { FrameView } from '../api/views.ts';

export interface AppendOutcome {
  added: number;
  /** Rows dropped from the front to stay at `max`. */
  dropped: number;
  /** Frames the log skipped between the last row held (or seq 0, when none is) and the first new one
   * (seq gap). */
  missed: number;
}

export class FrameBuffer {
  private rows: FrameView[] = [];
  /** Absolute position of the first row held (= rows dropped from the front since the last reset). */
  private first = 0;
  /** Rows the last reset was given past `max` (the oldest: not held). */
  private resetCut = 0;
  private epochN = 0;

  constructor(readonly max: number) {
    if (!(max > 0)) throw new RangeError('max: must be a positive number of rows');
  }

  get length(): number {
    return this.rows.length;
  }

  /** Absolute position of the oldest row held. */
  get base(): number {
    return this.first;
  }

  /** Absolute position after the newest row. */
  get end(): number {
    return this.first + this.rows.length;
  }

  /** Rows dropped past `max` since the last reset (by it, or by appends since). */
  get trimmed(): number {
    return this.resetCut + this.first;
  }

  get epoch(): number {
    return this.epochN;
  }

  get lastSeq(): number {
    return this.rows.length ? this.rows[this.rows.length - 1]!.seq : -1;
  }

  /** The row at absolute position `pos`, while held. */
  at(pos: number): FrameView | undefined {
    return this.rows[pos - this.first];
  }

  /** Replace the content (another session, a reload). Takes ownership of `rows` (seq ascending). */
  reset(rows: FrameView[] = []): void {
    this.resetCut = Math.max(0, rows.length - this.max);
    this.rows = this.resetCut ? rows.slice(this.resetCut) : rows;
    this.first = 0;
    this.epochN++;
  }

  /** Append rows newer than the last one held (older or repeated seqs are ignored). An empty buffer
   * holds the log from its start: rows that begin past seq 0 count the ones before as missed. */
  append(rows: readonly FrameView[]): AppendOutcome {
    let last = this.lastSeq;
    let added = 0;
    let missed = 0;
    for (const r of rows) {
      if (r.seq <= last) continue;
      if (r.seq > last + 1) missed += r.seq - last - 1;
      this.rows.push(r);
      last = r.seq;
      added++;
    }
    const over = this.rows.length - this.max;
    if (over > 0) {
      this.rows.splice(0, over);
      this.first += over;
    }
    return { added, dropped: Math.max(0, over), missed };
  }

  /** Absolute position of the row with `seq`, or -1 when it is not held. */
  positionOf(seq: number): number {
    let lo = 0;
    let hi = this.rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.rows[mid]!.seq;
      if (s === seq) return this.first + mid;
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
