// What the frame parser hands on for a data message, and where it writes the captured bytes.
// A recorder (main/service) passes its own CaptureStore so that the bytes land where it keeps them.
import type { Direction } from './types.ts';

/** A finished data message as the parser saw it; the tap adds decoding and display fields. The
 * parser reuses one object per direction: a hook that keeps it past the call keeps a copy. */
export interface RawMessage {
  direction: Direction;
  offset: number;
  /** Stream offset just past the message's last byte. */
  end: number;
  startTime: number;
  time: number;
  opcode: 1 | 2;
  frames: number;
  length: number;
  compressed: boolean;
  /** A frame of it had RSV bits of a negotiated extension the tap does not know (RFC 6455 §5.2):
   * its payload is in that extension's encoding (shown as raw bytes, never checked as text). */
  encoded: boolean;
  /** Payload capture was on for the whole message. */
  captured: boolean;
  /** Uncompressed messages: the buffer holding the captured bytes (capped), which are
   * data[dataOffset, dataOffset + dataLength) (room from the CaptureStore); null for compressed or
   * uncaptured ones. */
  data: Buffer | null;
  dataOffset: number;
  dataLength: number;
  /** `data` is still masked with this key (mask.ts: first key byte in the high bits, from payload
   * position 0); 0 when it is plain. Only with `keepMasked`. */
  maskKey: number;
  truncated: boolean;
  /** Checked text messages (uncompressed, captured): the byte offset of the first invalid UTF-8
   * sequence; -1 when valid or not checked. */
  utf8ErrorOffset: number;
  /** False for a message the stream ended inside (the tap closed before its last frame): what came
   * of it, its frames as far as they went. */
  complete: boolean;
}

/** Room for captured bytes: `reserve(size)` returns a buffer with `granted` bytes free from `at`:
 * `size`, or fewer when a recorder's total payload cap has no room for another capture in progress
 * (enough still for a row's preview): the message's capture then stops there, marked truncated. */
export interface CaptureStore {
  /** `prev`: the room (at `prevAt`) a capture moves on from, whose claim on the cap goes toward this one. */
  reserve(size: number, prev?: Buffer, prevAt?: number): Buffer;
  /** A room reserve() gave that will not be kept: a fragmented message's capture moved on to a
   * larger one. */
  abandon?(buf: Buffer, at: number): void;
  readonly at: number;
  readonly granted: number;
}

/** The default store: a buffer of its own for each message. */
export const OWN_BUFFERS: CaptureStore = {
  at: 0,
  granted: 0,
  reserve(size) {
    (this as { granted: number }).granted = size;
    return Buffer.allocUnsafe(size);
  },
};
