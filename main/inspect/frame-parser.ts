// Incremental RFC 6455 frame parser for one direction of a relayed connection. A state machine
// fed chunks at arbitrary boundaries (inside the 2/8-byte length or the 4-byte mask included).
// It never throws, never mutates or keeps the chunks it is given, and holds at most a 14-byte
// header, a 125-byte control payload and the current message's capture (≤ previewCap).
// After a fatal violation it goes quiet: the bytes still flow, the tap just stops reporting.
//
// One object in three layers, so the hot path reads every field directly: frame-header.ts (the
// current frame's header and unmasking), message-assembly.ts (the current data message, its
// capture and UTF-8 check), and this file (the byte loop, control frames, events, violations).
// The RFC rules themselves are in frame-rules.ts. The clock is read at most once per chunk; the
// finished message is reported through one reused RawMessage object; data frames become
// FrameEvents only when `dataFrameEvents` is on.
import { findUtf8Error, isValidCloseCode } from './validation.ts';
import { checkFirstBytes, headerSize } from './frame-rules.ts';
import { MessageAssembler } from './message-assembly.ts';
import { MAX_CONTROL_PAYLOAD, type TapErrorCode } from './types.ts';

export type { FrameParserHooks, FrameParserOptions } from './frame-header.ts';

const HEADER = 0;
const PAYLOAD = 1;
const DEAD = 2;

export class FrameParser extends MessageAssembler {
  /** Bytes consumed so far (the stream offset of the next byte). */
  position = 0;
  frames = 0;
  private state = HEADER;
  private closed = false;
  /** A frame came after the Close (reported once). */
  private afterClose = false;
  /** Stream offset just past the open message's last byte so far (where an unfinished one ends). */
  private msgSeen = 0;
  private readonly ctrl = Buffer.alloc(MAX_CONTROL_PAYLOAD);

  get dead(): boolean {
    return this.state === DEAD;
  }

  /** Bytes the parser holds right now (header + control payload + message preview copies). */
  get buffered(): number {
    return this.hdrLen + (this.control ? this.done : 0) + this.captured;
  }

  /** Stop parsing (what a fatal violation does); drops the held copies. */
  stop(): void {
    this.state = DEAD;
    this.pieces = [];
    this.dropCapture();
    this.hdrLen = 0;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    const base = this.position;
    this.clock = -1;
    let i = 0;
    while (i < n && this.state !== DEAD) {
      if (this.state === PAYLOAD) {
        const left = this.length - this.done;
        const take = left < n - i ? left : n - i;
        this.payload(chunk, i, i + take, base);
        i += take;
        this.done += take;
        if (this.done === this.length && this.state === PAYLOAD) this.endFrame(base + i);
        continue;
      }
      // HEADER: gather the first two bytes, then exactly the rest of this frame's header.
      if (this.hdrLen === 0) {
        this.frameOffset = base + i;
        // (flagged once, and read on: the framing is intact, and the relay passes it on as nginx does)
        if (this.closed && !this.afterClose) {
          this.afterClose = true;
          this.violation('TAP_ERR_DATA_AFTER_CLOSE', 'data after a Close frame', base + i, 1002, false);
        }
      }
      while (this.hdrLen < 2 && i < n) this.hdr[this.hdrLen++] = chunk[i++]!;
      if (this.hdrLen < 2) break;
      if (this.hdrNeed === 0 && !this.firstTwo()) break;
      while (this.hdrLen < this.hdrNeed && i < n) this.hdr[this.hdrLen++] = chunk[i++]!;
      if (this.hdrLen < this.hdrNeed) break;
      this.headerDone(base + i);
    }
    this.position = base + n;
  }

  /** The stream ended (the tap closes): a data message still open is reported as far as it went
   * (RawMessage.complete false), so that fragments passed on are not lost from the log. */
  finish(): void {
    if (this.state === DEAD || this.msgOpcode === 0) return;
    // (its length: the bytes that came, not what the header of a frame cut short announced)
    if (this.state === PAYLOAD && !this.control) this.msgLength -= this.length - this.done;
    this.clock = -1;
    // (it ends where its last byte came: frames of other kinds may have followed it)
    this.endMessage(this.msgSeen, this.time(), this.level !== 'off', false);
    this.state = DEAD;
  }

  /** Checks on bytes 0-1; sets hdrNeed. False when the frame is a fatal violation. */
  private firstTwo(): boolean {
    const ctx = this.ctx;
    ctx.fragmented = this.msgOpcode !== 0;
    const bad = checkFirstBytes(this.hdr[0]!, this.hdr[1]!, ctx);
    if (bad) return this.broke(bad);
    this.hdrNeed = headerSize(this.hdr[1]!);
    return true;
  }

  private headerDone(pos: number): void {
    if (!this.decodeHeader()) return;
    const length = this.length;
    if (!this.control) {
      if (this.opcode !== 0) this.startMessage();
      this.msgSeen = pos;
      if ((this.hdr[0]! & this.ctx.extensionBits) !== 0) this.extensionFrame();
      this.msgFrames++;
      this.msgLength += length;
      this.firstPiece = this.pieces.length;
    }
    this.state = PAYLOAD;
    this.frameCaptured = this.captured;
    if (!this.control && this.msgCapture && !this.msgCompressed) this.reserve(length);
    if (length === 0) this.endFrame(pos);
  }

  private payload(chunk: Buffer, s: number, e: number, base: number): void {
    if (s === e) return;
    if (this.control) this.unmaskInto(chunk, s, e, this.ctrl, this.done);
    else {
      this.msgSeen = base + e;
      this.dataPayload(chunk, s, e, base);
    }
  }

  private endFrame(pos: number): void {
    this.state = HEADER;
    this.hdrLen = 0;
    this.hdrNeed = 0;
    this.frames++;
    const emit = this.level !== 'off';
    const opcode = this.opcode;
    const time = emit || opcode === 8 ? this.time() : 0;
    if (this.control) {
      this.control = false;
      const len = this.length;
      if (emit) this.h.event(this.frameEvent(time, this.level === 'payloads' ? Buffer.from(this.ctrl.subarray(0, len)) : null));
      if (opcode === 8) this.closeFrame(len, time, pos);
      return;
    }
    if (emit && this.dataFrameEvents) this.h.event(this.frameEvent(time, this.framePreview()));
    if (this.fin) this.endMessage(pos, time, emit);
  }

  private closeFrame(len: number, time: number, pos: number): void {
    this.closed = true;
    let code: number | null = null;
    let reason = '';
    // (RSV bits of an extension the tap does not know: the payload is that extension's, so what does
    // not read as a code and a reason is no violation; the close then shows none, its frame the bytes)
    const encoded = (this.hdr[0]! & this.ctx.extensionBits) !== 0;
    if (len >= 2) {
      code = (this.ctrl[0]! << 8) | this.ctrl[1]!;
      // (checked apart from this.utf8: the Close may come between the fragments of a text message,
      // and a peer may send the rest of it after its Close)
      const bad = findUtf8Error(this.ctrl.subarray(2, len));
      // (an invalid code or reason is a violation, and the Close is still recorded as it went by:
      // its code as sent, its reason with U+FFFD where bytes do not decode)
      if (!isValidCloseCode(code)) {
        if (!encoded) this.violation('TAP_ERR_INVALID_CLOSE_CODE', `invalid close code ${code} (RFC 6455 §7.4)`, this.frameOffset + headerSize(this.hdr[1]!), 1002);
        else code = null;
      } else if (bad !== -1) {
        if (!encoded) this.violation('TAP_ERR_INVALID_UTF8', `invalid UTF-8 in the close reason at byte ${bad} of the reason`, pos, 1007);
        else code = null;
      }
      if (code !== null) reason = this.ctrl.toString('utf8', 2, len);
    }
    if (this.level !== 'off') this.h.event({ kind: 'close', direction: this.o.direction, time, offset: this.frameOffset, code, reason, length: len });
  }

  /** Report a violation; fatal ones stop the parser. Returns false (for `return this.violation(...)`). */
  protected override violation(code: TapErrorCode, message: string, at: number, closeCode: number, fatal = true): false {
    if (fatal) this.stop();
    if (this.level !== 'off') {
      this.h.event({ kind: 'violation', direction: this.o.direction, time: this.time(), offset: this.frameOffset, code, message, at, fatal, closeCode });
    }
    return false;
  }
}
