// The frame being parsed, bottom layer of FrameParser (frame-parser.ts): its header bytes as they
// arrive, the fields decoded from them, the copy/unmask of its payload, and its FrameEvent. The
// RFC rules themselves are in frame-rules.ts; the layers above (message-assembly.ts, then
// frame-parser.ts) are one object with these fields, so the hot path reads them directly.
import { maskKeyOf, xorMask } from './mask.ts';
import { headerSize, nonMinimal, payloadLength, type HeaderContext, type RuleBreak } from './frame-rules.ts';
import type { CaptureStore, RawMessage } from './capture.ts';
import { OPCODE_NAMES, type CaptureLevel, type CloseEvent, type Direction, type FrameEvent, type TapErrorCode, type ViolationEvent } from './types.ts';

export interface FrameParserOptions {
  direction: Direction;
  /** RSV1 may start a message (permessage-deflate was negotiated): it marks the message compressed. */
  rsv1Allowed: boolean;
  /** RSV bits (0x40 RSV1, 0x20 RSV2, 0x10 RSV3) that a negotiated extension the tap does not know
   * may set, on any frame (RFC 6455 §5.2); 0 when there is none. A data frame with one of them set
   * makes its message `encoded` (its payload is that extension's, not text to check). */
  extensionBits: number;
  /** Bytes of each message kept for display (a frame's preview is its share of them); the parser's
   * `previewCap` changes it from the next message on. */
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
  /** A captured compressed message's payload, slice by slice (unmasked copies, in order); `cap`:
   * the inflated bytes to keep of it (the previewCap it started with). */
  compressedData(data: Buffer, text: boolean, cap: number): void;
}

/** Copies up to this size are done byte by byte (cheaper than Buffer#copy's call for a few bytes). */
export const SMALL = 16;

export abstract class FrameHeaderDecoder {
  protected readonly o: FrameParserOptions;
  protected readonly ctx: HeaderContext;
  // header bytes, gathered by the state machine
  protected readonly hdr = new Uint8Array(14);
  protected hdrLen = 0;
  /** Full header size (0 until the first two bytes were checked). */
  protected hdrNeed = 0;
  // current frame
  protected frameOffset = 0;
  protected opcode = 0;
  protected fin = false;
  protected rsv1 = false;
  protected masked = false;
  protected readonly mask = new Uint8Array(4);
  protected maskKey = 0;
  protected length = 0;
  /** Payload bytes of the frame consumed so far. */
  protected done = 0;
  protected control = false;

  constructor(options: FrameParserOptions) {
    this.o = options;
    this.ctx = { direction: options.direction, rsv1Allowed: options.rsv1Allowed, extensionBits: options.extensionBits, fragmented: false };
  }

  /** Report a violation; fatal ones stop the parser. Returns false (for `return this.violation(...)`). */
  protected abstract violation(code: TapErrorCode, message: string, at: number, closeCode: number, fatal?: boolean): false;

  protected broke(r: RuleBreak): false {
    return this.violation(r.code, r.message, this.frameOffset + r.byte, r.closeCode, r.fatal);
  }

  /** Decode the complete header in `hdr` into the frame fields. False when it is a fatal violation
   * (a non-minimal length is reported and decoding goes on). */
  protected decodeHeader(): boolean {
    const hdr = this.hdr;
    const b0 = hdr[0]!;
    const b1 = hdr[1]!;
    const length = payloadLength(hdr);
    if (typeof length !== 'number') return this.broke(length);
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
    return true;
  }

  protected unmaskCopy(chunk: Buffer, s: number, e: number): Buffer {
    const out = Buffer.allocUnsafe(e - s);
    if (!this.masked) chunk.copy(out, 0, s, e);
    else this.unmaskInto(chunk, s, e, out, this.done, 0);
    return out;
  }

  /** Copy chunk[s, e) to out at `at` (default: frame payload position), unmasking with the key
   * phase of payload position `payloadPos` (default `at`). */
  protected unmaskInto(chunk: Buffer, s: number, e: number, out: Uint8Array, payloadPos: number, at = payloadPos): void {
    if (this.masked) xorMask(chunk, s, e, out, at, this.maskKey, payloadPos);
    else if (e - s > SMALL) chunk.copy(out, at, s, e);
    else for (let j = 0; j < e - s; j++) out[at + j] = chunk[s + j]!;
  }

  protected frameEvent(time: number, payloadPreview: Buffer | null): FrameEvent {
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
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
