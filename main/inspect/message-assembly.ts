// The data message being assembled, middle layer of FrameParser (frame-parser.ts): which message is
// open, the capture of its payload (capped at previewCap), the UTF-8 check of text messages, and
// the RawMessage it is reported as. Frame fields come from frame-header.ts (same object).
//
// An uncompressed message is unmasked straight from the relayed chunks into room reserved in a
// CaptureStore (capture.ts; sized from the header when the message is a single frame: a recorder
// keeps the bytes where they are, no Buffer object is made for them). With `keepMasked`, a
// single-frame binary message (nothing to validate in it) is not even unmasked: it is copied as is
// and reported with its key. A compressed message is captured as unmasked copies of its slices.
import { Utf8Validator } from './validation.ts';
import { OWN_BUFFERS, type CaptureStore, type RawMessage } from './capture.ts';
import { FrameHeaderDecoder, SMALL, type FrameParserHooks, type FrameParserOptions } from './frame-header.ts';
import type { CaptureLevel } from './types.ts';

const SCRATCH = 8192;
const EMPTY = Buffer.alloc(0);

export abstract class MessageAssembler extends FrameHeaderDecoder {
  level: CaptureLevel;
  /** Bytes kept of each message from the next one on (options.previewCap at first). */
  previewCap: number;
  messages = 0;
  protected readonly h: FrameParserHooks;
  protected readonly store: CaptureStore;
  protected readonly dataFrameEvents: boolean;
  protected readonly keepMasked: boolean;
  /** The clock as read during the current push (-1: not read yet): one read per chunk at most. */
  protected clock = -1;
  private readonly msg: RawMessage;
  protected msgOpcode = 0; // 0: none open
  private msgOffset = 0;
  private msgStart = 0;
  protected msgFrames = 0;
  protected msgLength = 0;
  protected msgCompressed = false;
  /** A frame of the current message had RSV bits of an extension the tap does not know. */
  private msgEncoded = false;
  protected msgCapture = false;
  private msgTruncated = false;
  /** Compressed messages: copies of the captured (still compressed) slices (only with
   * dataFrameEvents: they are the frame events' previews). */
  protected pieces: Buffer[] = [];
  /** Index in `pieces` of the current frame's first slice. */
  protected firstPiece = 0;
  /** Uncompressed messages: the capture room, `bufCap` bytes from `bufAt` in `buf` (the first
   * `captured` are filled). */
  protected buf: Buffer | null = null;
  private bufAt = 0;
  protected bufCap = -1;
  /** Bytes captured so far in the current message. */
  protected captured = 0;
  /** The most the current message's capture may hold: the previewCap in force when it started, or
   * less once the store had no more room to give (an uncompressed message's: reserve). */
  private capLimit = 0;
  /** `captured` when the current frame started (a frame's preview is its share of the capture). */
  protected frameCaptured = 0;
  private validate = false;
  /** The current message is captured still masked with this key (0: unmasked as it is captured). */
  private msgMaskKey = 0;
  protected readonly utf8 = new Utf8Validator();
  /** The current message's first invalid UTF-8 byte (RawMessage.utf8ErrorOffset), -1: none. */
  private msgUtf8Error = -1;
  private scratch: Buffer | null = null;

  constructor(options: FrameParserOptions, hooks: FrameParserHooks) {
    super(options);
    this.h = hooks;
    this.store = options.capture ?? OWN_BUFFERS;
    this.dataFrameEvents = options.dataFrameEvents ?? true;
    this.keepMasked = options.keepMasked === true && !this.dataFrameEvents;
    this.level = options.level;
    this.previewCap = options.previewCap;
    this.msg = {
      direction: options.direction, offset: 0, end: 0, startTime: 0, time: 0, opcode: 1, frames: 0, length: 0,
      compressed: false, encoded: false, captured: false, data: null, dataOffset: 0, dataLength: 0, maskKey: 0, truncated: false, utf8ErrorOffset: -1,
      complete: true,
    };
  }

  /** The clock, read once per pushed chunk (every event of a chunk happens at its arrival). */
  protected time(): number {
    if (this.clock < 0) this.clock = this.o.now();
    return this.clock;
  }

  /** Room in the capture buffer for this frame's share: exact for a single-frame message (the
   * common case), growing by doubling across the frames of a fragmented one. */
  protected reserve(frameLength: number): void {
    const need = this.captured + Math.min(frameLength, Math.max(0, this.capLimit - this.captured));
    const have = this.bufCap;
    if (have >= need) return;
    const size = this.fin && this.opcode !== 0 ? need : Math.min(Math.max(this.capLimit, 0), Math.max(need, have * 2));
    const next = this.store.reserve(size, this.buf ?? undefined, this.bufAt);
    const at = this.store.at;
    const granted = this.store.granted;
    if (granted <= have) {
      // (no more room to give: the capture keeps what its room holds, the rest of the message is cut)
      this.store.abandon?.(next, at);
      this.capLimit = have;
      return;
    }
    if (granted < size) this.capLimit = granted;
    if (this.buf) {
      if (this.captured > 0) this.buf.copy(next, at, this.bufAt, this.bufAt + this.captured);
      this.store.abandon?.(this.buf, this.bufAt);
    }
    this.buf = next;
    this.bufAt = at;
    this.bufCap = granted;
  }

  /** The capture in progress is not going to be reported (the parser stopped inside a message):
   * its room goes back to the store. */
  protected dropCapture(): void {
    if (this.buf) this.store.abandon?.(this.buf, this.bufAt);
    this.buf = null;
    this.bufCap = -1;
    this.captured = 0;
  }

  protected startMessage(): void {
    this.msgOpcode = this.opcode;
    this.msgOffset = this.frameOffset;
    this.msgStart = this.time();
    this.msgFrames = 0;
    this.msgLength = 0;
    // (RSV1 is permessage-deflate's only when it was negotiated; else an unknown extension's)
    this.msgCompressed = this.rsv1 && this.o.rsv1Allowed;
    this.msgEncoded = false;
    this.msgCapture = this.level === 'payloads';
    this.msgTruncated = false;
    // (a new array only when the last message left pieces: most have none, and this runs per message)
    if (this.pieces.length !== 0) this.pieces = [];
    this.buf = null;
    this.bufCap = -1;
    this.captured = 0;
    this.capLimit = this.previewCap;
    this.validate = this.msgCapture && this.opcode === 1 && !this.msgCompressed;
    this.msgUtf8Error = -1;
    this.msgMaskKey = this.keepMasked && this.msgCapture && this.masked && this.fin && this.opcode === 2 && !this.rsv1 ? this.maskKey : 0;
    if (this.validate) this.utf8.reset();
  }

  /** A data frame of the current message has RSV bits of an extension the tap does not know: the
   * message's payload is that extension's encoding (RFC 6455 §5.2), not text to check. */
  protected extensionFrame(): void {
    this.msgEncoded = true;
    this.validate = false;
  }

  /** A data frame's payload slice chunk[s, e) (`base`: stream offset of chunk[0]). */
  protected dataPayload(chunk: Buffer, s: number, e: number, base: number): void {
    if (!this.msgCapture) return;
    if (this.msgCompressed) {
      const room = this.capLimit - this.captured;
      const copy = this.unmaskCopy(chunk, s, e);
      this.h.compressedData(copy, this.msgOpcode === 1, this.capLimit);
      if (room > 0) {
        const piece = copy.length <= room ? copy : Buffer.from(copy.subarray(0, room));
        // (kept only for the frame events' previews: a Buffer per fragment)
        if (this.dataFrameEvents) this.pieces.push(piece);
        this.captured += piece.length;
      }
      if (e - s > room) this.msgTruncated = true;
      return;
    }
    const room = this.capLimit - this.captured;
    const take = room < e - s ? (room > 0 ? room : 0) : e - s;
    if (take > 0) {
      const buf = this.buf!;
      const at = this.bufAt + this.captured;
      if (this.msgMaskKey === 0) this.unmaskInto(chunk, s, s + take, buf, this.done, at);
      else if (take > SMALL) chunk.copy(buf, at, s, s + take);
      else for (let j = 0; j < take; j++) buf[at + j] = chunk[s + j]!;
      this.captured += take;
      if (this.validate) {
        const bad = this.utf8.push(buf, at, at + take);
        if (bad !== -1) this.utf8Violation(base + s + (bad - at));
      }
    }
    if (take < e - s) {
      this.msgTruncated = true;
      if (this.validate) this.validateRest(chunk, s + take, e, base, this.done + take);
    }
  }

  /** UTF-8 check of text bytes past the preview cap: in place when unmasked, via scratch when masked. */
  private validateRest(chunk: Buffer, s: number, e: number, base: number, payloadPos: number): void {
    if (!this.masked) {
      const bad = this.utf8.push(chunk, s, e);
      if (bad !== -1) this.utf8Violation(base + bad);
      return;
    }
    const scratch = (this.scratch ??= Buffer.allocUnsafe(SCRATCH));
    for (let k = s; k < e; k += SCRATCH) {
      const end = Math.min(e, k + SCRATCH);
      this.unmaskInto(chunk, k, end, scratch, payloadPos + (k - s), 0);
      const bad = this.utf8.push(scratch, 0, end - k);
      if (bad !== -1) return this.utf8Violation(base + k + bad);
    }
  }

  /** Not fatal: the framing is intact, so the message is still recorded (its text flagged, with
   * U+FFFD where bytes do not decode) and so is what follows; a receiver that checks UTF-8 fails
   * the connection here, one that does not (ws's skipUTF8Validation) goes on. */
  private utf8Violation(at: number): void {
    this.validate = false;
    this.msgUtf8Error = this.utf8.errorOffset;
    this.violation('TAP_ERR_INVALID_UTF8', `invalid UTF-8 in a text message at byte ${this.utf8.errorOffset} of the message`, at, 1007, false);
  }

  /** The finished data frame's share of the capture (null when the message is not captured). */
  protected framePreview(): Buffer | null {
    if (this.msgCapture && this.msgCompressed) {
      const k = this.firstPiece;
      const ps = this.pieces;
      return ps.length - k === 1 ? ps[k]! : Buffer.concat(k === 0 ? ps : ps.slice(k));
    }
    if (this.msgCapture) return this.buf ? this.buf.subarray(this.bufAt + this.frameCaptured, this.bufAt + this.captured) : EMPTY;
    return null;
  }

  /** The message's last frame ended at stream offset `pos`: check it, report it (when `emit`, or
   * always when compressed: the tap inflates those) and close it. Not `complete`: the stream ended
   * inside it (its text is not checked for a sequence cut at the end). */
  protected endMessage(pos: number, time: number, emit: boolean, complete = true): void {
    if (complete && this.validate && !this.utf8.end()) this.utf8Violation(pos);
    this.messages++;
    const m = this.msg;
    m.offset = this.msgOffset;
    m.end = pos;
    m.startTime = this.msgStart;
    m.time = time;
    m.opcode = this.msgOpcode as 1 | 2;
    m.frames = this.msgFrames;
    m.length = this.msgLength;
    m.compressed = this.msgCompressed;
    m.encoded = this.msgEncoded;
    m.captured = this.msgCapture;
    m.truncated = this.msgTruncated;
    m.maskKey = this.msgMaskKey;
    m.utf8ErrorOffset = this.msgUtf8Error;
    m.complete = complete;
    const plain = this.msgCapture && !this.msgCompressed;
    m.data = plain ? (this.buf ?? EMPTY) : null;
    m.dataOffset = plain && this.buf ? this.bufAt : 0;
    m.dataLength = plain ? this.captured : 0;
    this.msgOpcode = 0;
    if (this.pieces.length !== 0) this.pieces = [];
    this.buf = null;
    this.bufCap = -1;
    this.captured = 0;
    if (emit || m.compressed) this.h.message(m);
    m.data = null;
  }
}
