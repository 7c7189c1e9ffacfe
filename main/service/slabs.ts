// The buffers payloads are written into (payloads.ts): slabs, counted by what holds them, and a
// pool that finds a slab by its memory, keeps empty full-size ones for reuse, and counts the bytes
// of the slabs it has handed out and not let go.

/** Size of a full slab (arenas start smaller and grow to it). */
export const MAX_SLAB = 128 * 1024;
/** Empty full-size slabs kept for reuse (at most 4 MiB): sessions that run in step fill (and
 * empty) their slabs at about the same time. */
const POOLED = 32;

/** A buffer payloads are written into, and how many holders (rows, reservations) it has. */
export class Slab {
  holders = 0;
  /** No longer an arena's current slab: once it has no holders it can be reused. */
  retired = false;
  constructor(readonly buf: Buffer) {}
}

/** Slabs by their memory (to find the slab of a region handed out by an arena), and empty ones. */
export class SlabPool {
  readonly of = new WeakMap<ArrayBuffer, Slab>();
  private free: Slab[] = [];
  private taken = 0;
  /** Bytes of the slabs taken and not let go (pooled ones included). */
  bytes = 0;

  take(size: number): Slab {
    this.taken++;
    if (size === MAX_SLAB && this.free.length) {
      const s = this.free.pop()!;
      s.retired = false;
      return s;
    }
    const s = new Slab(Buffer.allocUnsafeSlow(size));
    this.of.set(s.buf.buffer as ArrayBuffer, s);
    this.bytes += size;
    return s;
  }

  /** A buffer of its own (no other room is handed out in it), held once. */
  own(size: number): Slab {
    const s = this.take(size);
    s.retired = true;
    s.holders++;
    return s;
  }

  get pooled(): number {
    return this.free.length * MAX_SLAB;
  }

  release(s: Slab): void {
    if (--s.holders === 0 && s.retired) this.recycle(s);
  }

  retire(s: Slab): void {
    s.retired = true;
    if (s.holders === 0) this.recycle(s);
  }

  private recycle(s: Slab): void {
    if (s.buf.length === MAX_SLAB && this.free.length < POOLED) this.free.push(s);
    else this.bytes -= s.buf.length;
  }

  /** Let the pooled slabs go if none was taken since the last call. */
  idle(): void {
    if (this.taken === 0) {
      this.bytes -= this.pooled;
      this.free = [];
    }
    this.taken = 0;
  }
}
