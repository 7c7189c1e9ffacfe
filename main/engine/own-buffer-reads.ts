// A busy relay direction's reads into a buffer of its own (see the top of ws-relay.ts): the
// buffer's size follows the reads (16 KiB, 64 KiB after a full read, back after a run of small
// ones), and a chunk whose write stayed queued keeps its buffer, so the next reads get a new one.
import type { Socket } from 'node:net';

/** Where a read chunk goes: the relay direction's push(). */
interface Sink {
  push(chunk: Buffer): void;
}

/** A busy direction's read buffer: its usual size, the size it grows to (what libuv asks node for
 * per read), and how many reads in a row under `smallRead` bytes make it shrink back. */
export const READ_BUFFER = { small: 16 * 1024, large: 64 * 1024, smallRead: 4 * 1024, shrinkAfter: 64 } as const;

/** A busy direction's reads into a buffer of its own (allocated on the switch: idle sessions have none). */
export class OwnBufferReads {
  buf = Buffer.allocUnsafeSlow(READ_BUFFER.small);
  count = 1;
  /** The last chunk's write is still queued in `dst`: the following reads need another buffer. */
  private pinned = false;
  private lastRead = 0;
  /** Consecutive reads under READ_BUFFER.smallRead (counted while the buffer is large). */
  private smallReads = 0;

  readonly onRead: (n: number) => void;
  readonly next: () => Buffer | undefined;

  constructor(private readonly relay: Sink, private readonly dst: Socket) {
    // assigned here, not as arrow-function fields: tsx's keepNames makes those dearer per session (ws-relay.ts)
    this.onRead = (n) => {
      this.lastRead = n;
      // Bytes still queued in dst: this chunk would queue behind them, so it goes as a copy of its
      // own and the buffer stays free. Otherwise it is written from the buffer, which stays pinned
      // if part of it could not leave at once.
      if (this.dst.writableLength > 0) return this.relay.push(Buffer.from(this.buf.subarray(0, n)));
      this.relay.push(this.buf.subarray(0, n));
      if (this.dst.writableLength > 0) this.pinned = true;
    };
    this.next = () => {
      const have = this.buf.length;
      let size = have;
      if (this.lastRead === have) size = READ_BUFFER.large;
      else if (have === READ_BUFFER.large) {
        this.smallReads = this.lastRead < READ_BUFFER.smallRead ? this.smallReads + 1 : 0;
        if (this.smallReads >= READ_BUFFER.shrinkAfter) size = READ_BUFFER.small;
      }
      if (!this.pinned && size === have) return undefined;
      this.pinned = false;
      this.smallReads = 0;
      this.count++;
      return (this.buf = Buffer.allocUnsafeSlow(size));
    };
  }
}
