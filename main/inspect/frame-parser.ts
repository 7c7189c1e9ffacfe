// Incremental RFC 6455 frame parser for one direction of a relayed connection. A state machine
// fed chunks at arbitrary boundaries (inside the 2/8-byte length or the 4-byte mask included).
// It never throws, never mutates or keeps the chunks it is given, and holds at most a 14-byte
// header, a 125-byte control payload and the current message's capture (≤ previewCap).
// After a fatal violation it goes quiet: the bytes still flow, the tap just stops reporting.
// The RFC rules themselves are in frame-rules.ts.
//
// Cost per message: an uncompressed message is unmasked straight from the relayed chunks into room
// reserved in a CaptureStore (capture.ts; sized from the header when the message is a single frame:
// a recorder keeps the bytes where they are, no Buffer object is made for them). With `keepMasked`,
// a single-frame binary message (nothing to validate in it) is not even unmasked: it is copied as
// is and reported with its key. The clock is read at most once per chunk; the finished message is
// reported through one reused RawMessage object; data frames become FrameEvents only when
// `dataFrameEvents` is on.
import { Utf8Validator, isValidCloseCode } from './validation.ts';
import { maskKeyOf, xorMask } from './mask.ts';
import { checkFirstBytes, headerSize, nonMinimal, payloadLength, type RuleBreak } from './frame-rules.ts';
import { OWN_BUFFERS, type CaptureStore, type RawMessage } from './capture.ts';
import { OPCODE_NAMES, type CaptureLevel, type CloseEvent, type Direction, type FrameEvent, type TapErrorCode, type ViolationEvent } from './types.ts';

export interface FrameParserOptions {
  direction: Direction;
  /** RSV1 may start a message (permessage-deflate was negotiated). */
  rsv1Allowed: boolean;
  /** RSV2/RSV3 may be set (an extension the tap does not know was negotiated). */
  rsv23Allowed: boolean;
  /** Bytes of each message kept for display (a frame's preview is its share of them). */
  previewCap: number;
  level: CaptureLevel;
  now: () => number;
  /** Where an uncompressed message's captured bytes go (default: a Buffer.allocUnsafe each). */
  capture?: CaptureStore;
  /** Report data frames as FrameEvents too (default true); control frames always are. */
  dataFrameEvents?: boolean;
  /** Capture masked single-frame binary messages without unmasking them (RawMessage.maskKey);
   * only with dataFrameEvents off. Default false. */
  keepMasked?: boolean;
}

export interface FrameParserHooks {
  event(e: FrameEvent | CloseEvent | ViolationEvent): void;
  /** `m` is only valid during the call (the parser reuses it). */
  message(m: RawMessage): void;
  /** A captured compressed message's payload, slice by slice (unmasked copies, in order). */
  compressedData(data: Buffer): void;
}

const HEADER = 0;
const PAYLOAD = 1;
const DEAD = 2;

const SCRATCH = 8192;
/** Copies up to this size are done byte by byte (cheaper than Buffer#copy's call for a few bytes). */
const SMALL = 16;
const EMPTY = Buffer.alloc(0);

export class FrameParser {
  level: CaptureLevel;
  /** Bytes consumed so far (the stream offset of the next byte). */
  position = 0;
  frames = 0;
  messages = 0;
  private readonly o: FrameParserOptions;
  private readonly h: FrameParserHooks;
  private readonly store: CaptureStore;
  private readonly dataFrameEvents: boolean;
  private readonly keepMasked: boolean;
  /** The clock as read during the current push (-1: not read yet): one read per chunk at most. */
  private clock = -1;
  private readonly msg: RawMessage;
  private readonly ctx: { direction: Direction; rsv1Allowed: boolean; rsv23Allowed: boolean; fragmented: boolean };
  private state = HEADER;
  private closed = false;
  // header
  private readonly hdr = new Uint8Array(14);
  private hdrLen = 0;
  private hdrNeed = 0;
  // current frame
  private frameOffset = 0;
  private opcode = 0;
  private fin = false;
  private rsv1 = false;
  private masked = false;
  private readonly mask = new Uint8Array(4);
  private maskKey = 0;
  private length = 0;
  private done = 0;
  private control = false;
  private readonly ctrl = Buffer.alloc(125);
  private firstPiece = 0;
  // current message
  private msgOpcode = 0; // 0: none open
  private msgOffset = 0;
  private msgStart = 0;
  private msgFrames = 0;
  private msgLength = 0;
  private msgCompressed = false;
  private msgCapture = false;
  private msgTruncated = false;
  /** Compressed messages: copies of the captured (still compressed) slices. */
  private pieces: Buffer[] = [];
  /** Uncompressed messages: the capture room, `bufCap` bytes from `bufAt` in `buf` (the first
   * `captured` are filled). */
  private buf: Buffer | null = null;
  private bufAt = 0;
  private bufCap = -1;
  /** Bytes captured so far in the current message. */
  private captured = 0;
  /** `captured` when the current frame started (a frame's preview is its share of the capture). */
  private frameCaptured = 0;
  private validate = false;
  /** The current message is captured still masked with this key (0: unmasked as it is captured). */
  private msgMaskKey = 0;
  private readonly utf8 = new Utf8Validator();
  private scratch: Buffer | null = null;

  constructor(options: FrameParserOptions, hooks: FrameParserHooks) {
    this.o = options;
    this.h = hooks;
    this.store = options.capture ?? OWN_BUFFERS;
    this.dataFrameEvents = options.dataFrameEvents ?? true;
    this.keepMasked = options.keepMasked === true && !this.dataFrameEvents;
    this.level = options.level;
    this.msg = {
      direction: options.direction, offset: 0, end: 0, startTime: 0, time: 0, opcode: 1, frames: 0, length: 0,
      compressed: false, captured: false, data: null, dataOffset: 0, dataLength: 0, maskKey: 0, truncated: false,
    };
    this.ctx = { direction: options.direction, rsv1Allowed: options.rsv1Allowed, rsv23Allowed: options.rsv23Allowed, fragmented: false };
  }

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
    this.buf = null;
    this.bufCap = -1;
    this.captured = 0;
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
        if (this.closed) {
          this.violation('TAP_ERR_DATA_AFTER_CLOSE', 'data after a Close frame', base + i, 1002);
          break;
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

  /** Checks on bytes 0-1; sets hdrNeed. False when the frame is a fatal violation. */
  private firstTwo(): boolean {
    const ctx = this.ctx;
    ctx.fragmented = this.msgOpcode !== 0;
    const bad = checkFirstBytes(this.hdr[0]!, this.hdr[1]!, ctx);
    if (bad) return this.broke(bad);
    this.hdrNeed = headerSize(this.hdr[1]!);
    return true;
  }

  private broke(r: RuleBreak): false {
    return this.violation(r.code, r.message, this.frameOffset + r.byte, r.closeCode, r.fatal);
  }

  private headerDone(pos: number): void {
    const hdr = this.hdr;
    const b0 = hdr[0]!;
    const b1 = hdr[1]!;
    const length = payloadLength(hdr);
    if (typeof length !== 'number') {
      this.broke(length);
      return;
    }
    if ((b1 & 0x7f) >= 126) {
      const nm = nonMinimal(b1, length);
      if (nm) this.broke(nm);
    }
    const p = this.hdrNeed - 4;
    this.masked = (b1 & 0x80) !== 0;
    if (this.masked) {
      this.mask[0] = hdr[p]!;
      this.mask[1] = hdr[p + 1]!;
      this.mask[2] = hdr[p + 2]!;
      this.mask[3] = hdr[p + 3]!;
      this.maskKey = maskKeyOf(hdr, p);
    }
    this.fin = (b0 & 0x80) !== 0;
    this.rsv1 = (b0 & 0x40) !== 0;
    this.opcode = b0 & 0x0f;
    this.length = length;
    this.done = 0;
    this.control = this.opcode >= 8;
    if (!this.control) {
      if (this.opcode !== 0) this.startMessage();
      this.msgFrames++;
      this.msgLength += length;
      this.firstPiece = this.pieces.length;
    }
    this.state = PAYLOAD;
    this.frameCaptured = this.captured;
    if (!this.control && this.msgCapture && !this.msgCompressed) this.reserve(length);
    if (length === 0) this.endFrame(pos);
  }

  /** The clock, read once per pushed chunk (every event of a chunk happens at its arrival). */
  private time(): number {
    if (this.clock < 0) this.clock = this.o.now();
    return this.clock;
  }

  /** Room in the capture buffer for this frame's share: exact for a single-frame message (the
   * common case), growing by doubling across the frames of a fragmented one. */
  private reserve(frameLength: number): void {
    const need = this.captured + Math.min(frameLength, Math.max(0, this.o.previewCap - this.captured));
    const have = this.bufCap;
    if (have >= need) return;
    const size = this.fin && this.opcode !== 0 ? need : Math.min(Math.max(this.o.previewCap, 0), Math.max(need, have * 2));
    const next = this.store.reserve(size);
    const at = this.store.at;
    if (this.buf && this.captured > 0) this.buf.copy(next, at, this.bufAt, this.bufAt + this.captured);
    this.buf = next;
    this.bufAt = at;
    this.bufCap = size;
  }

  private startMessage(): void {
    this.msgOpcode = this.opcode;
    this.msgOffset = this.frameOffset;
    this.msgStart = this.time();
    this.msgFrames = 0;
    this.msgLength = 0;
    this.msgCompressed = this.rsv1;
    this.msgCapture = this.level === 'payloads';
    this.msgTruncated = false;
    this.pieces = [];
    this.buf = null;
    this.bufCap = -1;
    this.captured = 0;
    this.validate = this.msgCapture && this.opcode === 1 && !this.rsv1;
    this.msgMaskKey = this.keepMasked && this.msgCapture && this.masked && this.fin && this.opcode === 2 && !this.rsv1 ? this.maskKey : 0;
    if (this.validate) this.utf8.reset();
  }

  private payload(chunk: Buffer, s: number, e: number, base: number): void {
    if (s === e) return;
    if (this.control) {
      this.unmaskInto(chunk, s, e, this.ctrl, this.done);
      return;
    }
    if (!this.msgCapture) return;
    const room = this.o.previewCap - this.captured;
    if (this.msgCompressed) {
      const copy = this.unmaskCopy(chunk, s, e);
      this.h.compressedData(copy);
      if (room > 0) {
        const piece = copy.length <= room ? copy : Buffer.from(copy.subarray(0, room));
        this.pieces.push(piece);
        this.captured += piece.length;
      }
      if (e - s > room) this.msgTruncated = true;
      return;
    }
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
        if (bad !== -1) return this.utf8Violation(base + s + (bad - at));
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

  private utf8Violation(at: number): void {
    this.violation('TAP_ERR_INVALID_UTF8', `invalid UTF-8 in a text message at byte ${this.utf8.errorOffset} of the message`, at, 1007);
  }

  private unmaskCopy(chunk: Buffer, s: number, e: number): Buffer {
    const out = Buffer.allocUnsafe(e - s);
    if (!this.masked) chunk.copy(out, 0, s, e);
    else this.unmaskInto(chunk, s, e, out, this.done, 0);
    return out;
  }

  /** Copy chunk[s, e) to out at `at` (default: frame payload position), unmasking with the key
   * phase of payload position `payloadPos` (default `at`). */
  private unmaskInto(chunk: Buffer, s: number, e: number, out: Uint8Array, payloadPos: number, at = payloadPos): void {
    if (this.masked) xorMask(chunk, s, e, out, at, this.maskKey, payloadPos);
    else if (e - s > SMALL) chunk.copy(out, at, s, e);
    else for (let j = 0; j < e - s; j++) out[at + j] = chunk[s + j]!;
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
    if (emit && this.dataFrameEvents) {
      let preview: Buffer | null = null;
      if (this.msgCapture && this.msgCompressed) {
        const k = this.firstPiece;
        const ps = this.pieces;
        preview = ps.length - k === 1 ? ps[k]! : Buffer.concat(k === 0 ? ps : ps.slice(k));
      } else if (this.msgCapture) {
        preview = this.buf ? this.buf.subarray(this.bufAt + this.frameCaptured, this.bufAt + this.captured) : EMPTY;
      }
      this.h.event(this.frameEvent(time, preview));
    }
    if (!this.fin) return;
    if (this.validate && !this.utf8.end()) {
      this.utf8Violation(pos);
      return;
    }
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
    m.captured = this.msgCapture;
    m.truncated = this.msgTruncated;
    m.maskKey = this.msgMaskKey;
    const plain = this.msgCapture && !this.msgCompressed;
    m.data = plain ? (this.buf ?? EMPTY) : null;
    m.dataOffset = plain && this.buf ? this.bufAt : 0;
    m.dataLength = plain ? this.captured : 0;
    this.msgOpcode = 0;
    this.pieces = [];
    this.buf = null;
    this.bufCap = -1;
    this.captured = 0;
    if (emit || m.compressed) this.h.message(m);
    m.data = null;
  }

  private frameEvent(time: number, payloadPreview: Buffer | null): FrameEvent {
    const b0 = this.hdr[0]!;
    return {
      kind: 'frame',
      direction: this.o.direction,
      time,
      offset: this.frameOffset,
      opcode: this.opcode,
      opcodeName: OPCODE_NAMES[this.opcode]!,
      fin: this.fin,
      rsv1: this.rsv1,
      rsv2: (b0 & 0x20) !== 0,
      rsv3: (b0 & 0x10) !== 0,
      masked: this.masked,
      maskKey: this.masked ? HEX[this.mask[0]!]! + HEX[this.mask[1]!]! + HEX[this.mask[2]!]! + HEX[this.mask[3]!]! : null,
      length: this.length,
      headerLength: headerSize(this.hdr[1]!),
      payloadPreview,
    };
  }

  private closeFrame(len: number, time: number, pos: number): void {
    this.closed = true;
    let code: number | null = null;
    let reason = '';
    if (len >= 2) {
      code = (this.ctrl[0]! << 8) | this.ctrl[1]!;
      if (!isValidCloseCode(code)) {
        this.violation('TAP_ERR_INVALID_CLOSE_CODE', `invalid close code ${code} (RFC 6455 §7.4)`, this.frameOffset + headerSize(this.hdr[1]!), 1002);
        return;
      }
      const v = this.utf8;
      v.reset();
      if (v.push(this.ctrl, 2, len) !== -1 || !v.end()) {
        this.violation('TAP_ERR_INVALID_UTF8', `invalid UTF-8 in the close reason at byte ${v.errorOffset} of the reason`, pos, 1007);
        return;
      }
      reason = this.ctrl.toString('utf8', 2, len);
    }
    if (this.level !== 'off') this.h.event({ kind: 'close', direction: this.o.direction, time, offset: this.frameOffset, code, reason });
  }

  /** Report a violation; fatal ones stop the parser. Returns false (for `return this.violation(...)`). */
  private violation(code: TapErrorCode, message: string, at: number, closeCode: number, fatal = true): false {
    if (fatal) this.stop();
    if (this.level !== 'off') {
      this.h.event({ kind: 'violation', direction: this.o.direction, time: this.time(), offset: this.frameOffset, code, message, at, fatal, closeCode });
    }
    return false;
  }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
