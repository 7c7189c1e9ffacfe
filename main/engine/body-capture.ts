// The first bytes of an HTTP body, kept for a recorder (the service's HTTP log): at most `limit`
// bytes, copied from the chunks as they are relayed, in a buffer that grows to the limit and no
// further. The engine makes none when nothing records (EngineHooks.bodyCap is 0).

/** The smallest buffer a capture starts with (a short JSON body fits). */
const FIRST = 1024;

export class BodyCapture {
  private buf: Buffer | null = null;
  /** Bytes kept so far. */
  length = 0;

  constructor(readonly limit: number) {}

  /** Keep what fits of `chunk` (it is not kept or changed). */
  take(chunk: Buffer): void {
    const n = Math.min(this.limit - this.length, chunk.length);
    if (n <= 0) return;
    const need = this.length + n;
    if (this.buf === null || this.buf.length < need) {
      const grown = Buffer.allocUnsafe(Math.min(this.limit, Math.max(need, FIRST, (this.buf?.length ?? 0) * 2)));
      if (this.buf) this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    chunk.copy(this.buf, this.length, 0, n);
    this.length = need;
  }

  /** The kept bytes (a view: the capture takes no more once read). */
  bytes(): Buffer {
    return this.buf === null ? Buffer.alloc(0) : this.buf.subarray(0, this.length);
  }
}

/** The start of a buffered request body, copied (the body itself is let go after the response head). */
export function keepStart(body: Buffer, limit: number): Buffer {
  return Buffer.from(body.subarray(0, limit));
}
