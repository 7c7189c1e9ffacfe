// One session's frame log, as columns: a ring of typed arrays (time, length, flags, close code,
// where the payload is) and two arrays of references (payload slab, note), one slot per frame. A
// busy session adds hundreds of thousands of frames a second and keeps thousands: as objects, each
// would be copied by the young-generation GC and cost ~150 bytes; here a frame costs ~50 bytes and
// nothing per frame for the GC. Rows leave from the front (oldest first) and are added at the back.
//
// A recorded message's preview is not stored: it is made from the kept payload bytes when someone
// looks, and kept apart only when those bytes go (evicted): text as its preview (a string), binary
// as its first bytes, copied into the session's arena (no object for the GC; hex made on demand). What leaves the service is a plain FrameView (`view`);
// FrameRef is a handle to read one row in place (the service's request handlers, the HAR export).
import type { FrameView } from '../../app/api/contract.ts';
import { hexPreview } from '../inspect/payload.ts';
import { xorMask } from '../inspect/mask.ts';
import { BINARY_PREVIEW_BYTES, messagePreview } from './frame-preview.ts';
import type { PayloadArena } from './payloads.ts';
import type { Slab } from './slabs.ts';

export type PayloadState = 'kept' | 'truncated' | 'evicted';
export const KEPT = 1;
export const TRUNCATED = 2;
export const EVICTED = 3;
/** A row's payload state by its code (SessionFrames.state): none, KEPT, TRUNCATED, EVICTED. */
export const STATES: ReadonlyArray<PayloadState | undefined> = [undefined, 'kept', 'truncated', 'evicted'];

/** Opcode names by code; names not known yet are added (a handful exist). */
const OPCODES = ['text', 'binary', 'ping', 'pong', 'close', 'violation'];
export const TEXT = 0;
export const BINARY = 1;
export function opcodeCode(name: string): number {
  const i = OPCODES.indexOf(name);
  return i >= 0 || OPCODES.length >= 255 ? Math.max(i, 0) : OPCODES.push(name) - 1;
}

// flags: opcode code (8 bits), direction, FIN, injected, payload state (2 bits), note holds bytes
const OPCODE = 0xff;
const FROM_UPSTREAM = 1 << 8;
const FIN = 1 << 9;
const INJECTED = 1 << 10;
const STATE_SHIFT = 11;
const STATE = 3 << STATE_SHIFT;
const NOTE_BYTES = 1 << 13;
const COMPRESSED = 1 << 14;
const NOT_FORWARDED = 1 << 15;
const PREVIEW_HEX = 1 << 16;

export function rowFlags(opcode: number, from: 'client' | 'upstream', fin: boolean, injected: boolean, state: number): number {
  return opcode | (from === 'upstream' ? FROM_UPSTREAM : 0) | (fin ? FIN : 0) | (injected ? INJECTED : 0) | (state << STATE_SHIFT);
}

/** Who is told when rows let go of what they hold (PayloadStore). */
export interface Holdings {
  /** A kept payload of `len` bytes in `slab` is gone. */
  payloadGone(slab: Slab, len: number): void;
  /** Bytes in `slab` that were not a payload (an evicted row's preview bytes) are gone. */
  slabGone(slab: Slab): void;
}

export class SessionFrames {
  /** Seq of the next row; the kept rows are next - size .. next - 1. */
  next = 0;
  /** Slot of the oldest kept row, and how many are kept. */
  head = 0;
  size = 0;
  private cap = 0;
  time: Float64Array = new Float64Array(0);
  length: Float64Array = new Float64Array(0);
  flags: Uint32Array = new Uint32Array(0);
  /** Close codes, -1 for none. */
  code: Int32Array = new Int32Array(0);
  /** A kept payload: `len` bytes at `off` in `slab` (null when none), still masked with `mask` when not 0. */
  slab: Array<Slab | null> = [];
  off: Uint32Array = new Uint32Array(0);
  len: Uint32Array = new Uint32Array(0);
  mask: Int32Array = new Int32Array(0);
  /** Wire lengths of compressed messages (rows flagged COMPRESSED); made at a session's first. */
  wire: Float64Array | null = null;
  /** Why compressed messages could not be (fully) inflated, by seq; made at a session's first (rare). */
  decodeErrors: Map<number, string> | null = null;
  /** The unknown extension whose encoding a message is in (FrameView.encodedBy), by seq; made at a
   * session's first (rare). */
  encodedBy: Map<number, string> | null = null;
  /** Offsets of the first invalid UTF-8 sequence (FrameView.utf8ErrorOffset), by seq; made at a
   * session's first (rare). */
  utf8Errors: Map<number, number> | null = null;
  /** The preview when it is not made from the kept bytes (control frames, violations, frames
   * Switchyard sent, evicted payloads); null otherwise. */
  note: Array<string | null> = [];

  /** `arena` takes the payloads; `notes` the preview bytes of evicted binary rows (kept apart: they
   * live as long as their rows, far longer than payloads, and would hold payload slabs). */
  constructor(readonly arena: PayloadArena, private readonly notes: PayloadArena) {}

  get first(): number {
    return this.next - this.size;
  }

  /** The slot of row `seq`, or -1 when it is not kept. */
  slotOf(seq: number): number {
    const i = seq - (this.next - this.size);
    if (i < 0 || i >= this.size || !Number.isInteger(i)) return -1;
    const s = this.head + i;
    return s >= this.cap ? s - this.cap : s;
  }

  /** Add a row at the back; returns its slot (its seq is next - 1). */
  append(time: number, flags: number, length: number, closeCode: number | null, note: string | null): number {
    if (this.size === this.cap) this.grow();
    let s = this.head + this.size;
    if (s >= this.cap) s -= this.cap;
    this.time[s] = time;
    this.flags[s] = flags;
    this.length[s] = length;
    this.code[s] = closeCode ?? -1;
    this.note[s] = note;
    this.slab[s] = null;
    this.size++;
    this.next++;
    return s;
  }

  /** Mark slot `s` a compressed message of `wireLength` payload bytes on the wire. */
  setWireLength(s: number, wireLength: number): void {
    this.wire ??= new Float64Array(this.cap);
    this.wire[s] = wireLength;
    this.flags[s]! |= COMPRESSED;
  }

  /** Mark slot `s` a frame the proxy read but did not pass on (FrameView.notForwarded). */
  markNotForwarded(s: number): void {
    this.flags[s]! |= NOT_FORWARDED;
  }

  /** Slot `s`'s wire length when it is a compressed message. */
  wireLength(s: number): number | undefined {
    return this.flags[s]! & COMPRESSED ? this.wire![s] : undefined;
  }

  /** Record why the compressed message in row `seq` could not be (fully) inflated. */
  setDecodeError(seq: number, error: string): void {
    (this.decodeErrors ??= new Map()).set(seq, error);
  }

  /** Record that the message in row `seq` is in the encoding of the (unknown) extension `name`. */
  setEncodedBy(seq: number, name: string): void {
    (this.encodedBy ??= new Map()).set(seq, name);
  }

  /** Record that the payload of row `seq` is not valid UTF-8 from byte `offset` on. */
  setUtf8Error(seq: number, offset: number): void {
    (this.utf8Errors ??= new Map()).set(seq, offset);
  }

  /** Mark slot `s` a ping or pong whose preview is the hex of its bytes (FrameView.previewHex). */
  markPreviewHex(s: number): void {
    this.flags[s]! |= PREVIEW_HEX;
  }

  /** Take the oldest `n` rows off; `holdings` is told about what they held. */
  dropFront(n: number, holdings: Holdings): void {
    if (this.decodeErrors) for (let seq = this.first; seq < this.first + n; seq++) this.decodeErrors.delete(seq);
    if (this.encodedBy) for (let seq = this.first; seq < this.first + n; seq++) this.encodedBy.delete(seq);
    if (this.utf8Errors) for (let seq = this.first; seq < this.first + n; seq++) this.utf8Errors.delete(seq);
    for (let k = 0; k < n; k++) {
      const s = this.head;
      const slab = this.slab[s]!;
      if (slab) {
        if (this.flags[s]! & NOTE_BYTES) holdings.slabGone(slab);
        else holdings.payloadGone(slab, this.len[s]!);
        this.slab[s] = null;
      }
      this.note[s] = null;
      this.head = s + 1 === this.cap ? 0 : s + 1;
    }
    this.size -= n;
  }

  isText(s: number): boolean {
    return (this.flags[s]! & OPCODE) === TEXT;
  }

  state(s: number): number {
    return (this.flags[s]! & STATE) >> STATE_SHIFT;
  }

  setState(s: number, state: number): void {
    this.flags[s] = (this.flags[s]! & ~STATE) | (state << STATE_SHIFT);
  }

  /** Slot `s` keeps `len` bytes at `off` of `slab` (the slab counts it as a holder). */
  hold(s: number, slab: Slab, off: number, len: number, mask: number): void {
    this.slab[s] = slab;
    this.off[s] = off;
    this.len[s] = len;
    this.mask[s] = mask;
  }

  /** The log is gone: its arenas take nothing more, and its rows' arrays go now. (The payload
   * store's queue may name this log until it next compacts, long after: with them, each log
   * dropped meanwhile stayed whole, its arrays sized for every row it had.) */
  close(): void {
    this.arena.close();
    this.notes.close();
    this.head = this.size = this.cap = 0;
    this.time = this.length = new Float64Array(0);
    this.flags = this.off = this.len = new Uint32Array(0);
    this.code = this.mask = new Int32Array(0);
    this.wire = null;
    this.slab = [];
    this.note = [];
    this.decodeErrors = this.encodedBy = this.utf8Errors = null;
  }

  /** Whether slot `s` holds its payload (kept or truncated, not evicted). */
  holdsPayload(s: number): boolean {
    return this.slab[s] !== null && !(this.flags[s]! & NOTE_BYTES);
  }

  /** Slot `s`'s payload is evicted: its preview is kept first (a binary one's first bytes go into
   * the arena: the row then holds those). The caller releases the payload's slab. */
  evict(s: number): void {
    const slab = this.slab[s];
    this.slab[s] = null;
    if (this.note[s] === null && slab) {
      if (this.isText(s)) this.note[s] = this.previewOf(s, slab);
      else {
        const n = Math.min(this.len[s]!, BINARY_PREVIEW_BYTES);
        const from = this.off[s]!;
        const room = this.notes.room(n);
        const at = this.notes.at;
        const key = this.mask[s]!;
        if (key === 0) slab.buf.copy(room, at, from, from + n);
        else for (let j = 0; j < n; j++) room[at + j] = slab.buf[from + j]! ^ ((key >>> (24 - 8 * (j & 3))) & 0xff);
        this.hold(s, this.notes.slabOf(room)!, at, n, 0);
        this.flags[s] = this.flags[s]! | NOTE_BYTES;
      }
    }
    this.setState(s, EVICTED);
  }

  preview(s: number): string {
    const note = this.note[s];
    if (note != null) return note;
    const slab = this.slab[s];
    return slab ? this.previewOf(s, slab) : '';
  }

  private previewOf(s: number, slab: Slab): string {
    if (this.flags[s]! & NOTE_BYTES) return hexPreview(slab.buf, BINARY_PREVIEW_BYTES - 1, this.off[s], this.len[s]);
    return messagePreview(this.isText(s), slab.buf, this.state(s) === KEPT, this.off[s], this.len[s], this.mask[s]);
  }

  /** A copy of slot `s`'s kept payload (slabs are reused once rows let go), or undefined. */
  bytes(s: number): Buffer | undefined {
    const slab = this.slab[s];
    if (!slab || this.flags[s]! & NOTE_BYTES) return undefined;
    const off = this.off[s]!;
    const out = Buffer.from(slab.buf.subarray(off, off + this.len[s]!));
    if (this.mask[s] !== 0) xorMask(out, 0, out.length, out, 0, this.mask[s]!, 0);
    return out;
  }

  view(s: number, seq: number): FrameView {
    const f = this.flags[s]!;
    const code = this.code[s]!;
    const v: FrameView = {
      seq, time: this.time[s]!, from: f & FROM_UPSTREAM ? 'upstream' : 'client', opcode: OPCODES[f & OPCODE]!, fin: (f & FIN) !== 0,
      length: this.length[s]!, preview: this.preview(s), closeCode: code < 0 ? null : code,
    };
    if (f & COMPRESSED) v.wireLength = this.wire![s]!;
    const decodeError = this.decodeErrors?.get(seq);
    if (decodeError !== undefined) v.decodeError = decodeError;
    const encodedBy = this.encodedBy?.get(seq);
    if (encodedBy !== undefined) v.encodedBy = encodedBy;
    if (f & PREVIEW_HEX) v.previewHex = true;
    const utf8Error = this.utf8Errors?.get(seq);
    if (utf8Error !== undefined) v.utf8ErrorOffset = utf8Error;
    if (f & INJECTED) v.injected = true;
    if (f & NOT_FORWARDED) v.notForwarded = true;
    const state = STATES[(f & STATE) >> STATE_SHIFT];
    if (state) v.payload = state;
    return v;
  }

  /** Views of the kept rows from seq `from` on (the newest `max` at most). */
  views(from = this.first, max = this.size): FrameView[] {
    const start = Math.max(from, this.first, this.next - max);
    const out: FrameView[] = [];
    for (let seq = start; seq < this.next; seq++) out.push(this.view(this.slotOf(seq), seq));
    return out;
  }

  private grow(): void {
    const cap = Math.max(16, Math.ceil(this.cap * 1.5));
    const order = (a: { length: number; set(x: ArrayLike<number>, at?: number): void; subarray(s: number, e: number): ArrayLike<number> }, b: typeof a) => {
      b.set(a.subarray(this.head, this.cap), 0);
      b.set(a.subarray(0, this.head), this.cap - this.head);
      return b;
    };
    this.time = order(this.time, new Float64Array(cap)) as Float64Array;
    this.length = order(this.length, new Float64Array(cap)) as Float64Array;
    this.flags = order(this.flags, new Uint32Array(cap)) as Uint32Array;
    this.code = order(this.code, new Int32Array(cap)) as Int32Array;
    this.off = order(this.off, new Uint32Array(cap)) as Uint32Array;
    this.len = order(this.len, new Uint32Array(cap)) as Uint32Array;
    this.mask = order(this.mask, new Int32Array(cap)) as Int32Array;
    if (this.wire) this.wire = order(this.wire, new Float64Array(cap)) as Float64Array;
    const ring = <T>(a: T[]): T[] => {
      const b = [...a.slice(this.head), ...a.slice(0, this.head)];
      while (b.length < cap) b.push(null as T);
      return b;
    };
    this.slab = ring(this.slab);
    this.note = ring(this.note);
    this.head = 0;
    this.cap = cap;
  }
}

/** A handle on one kept row, read in place (it reads as the row is now: e.g. once evicted). */
export class FrameRef implements FrameView {
  constructor(readonly frames: SessionFrames, readonly seq: number) {}

  private get slot(): number {
    const s = this.frames.slotOf(this.seq);
    if (s < 0) throw new Error(`frame ${this.seq} is no longer in the frame log`);
    return s;
  }

  get kept(): boolean {
    return this.frames.slotOf(this.seq) >= 0;
  }

  view(): FrameView {
    return this.frames.view(this.slot, this.seq);
  }

  get time(): number {
    return this.frames.time[this.slot]!;
  }
  get from(): 'client' | 'upstream' {
    return this.frames.flags[this.slot]! & FROM_UPSTREAM ? 'upstream' : 'client';
  }
  get opcode(): string {
    return OPCODES[this.frames.flags[this.slot]! & OPCODE]!;
  }
  get fin(): boolean {
    return (this.frames.flags[this.slot]! & FIN) !== 0;
  }
  get length(): number {
    return this.frames.length[this.slot]!;
  }
  get wireLength(): number | undefined {
    return this.frames.wireLength(this.slot);
  }
  get preview(): string {
    return this.frames.preview(this.slot);
  }
  get decodeError(): string | undefined {
    return this.frames.decodeErrors?.get(this.seq);
  }
  get encodedBy(): string | undefined {
    return this.frames.encodedBy?.get(this.seq);
  }
  get previewHex(): true | undefined {
    return this.frames.flags[this.slot]! & PREVIEW_HEX ? true : undefined;
  }
  get utf8ErrorOffset(): number | undefined {
    return this.frames.utf8Errors?.get(this.seq);
  }
  get closeCode(): number | null {
    const c = this.frames.code[this.slot]!;
    return c < 0 ? null : c;
  }
  get injected(): boolean {
    return (this.frames.flags[this.slot]! & INJECTED) !== 0;
  }
  get notForwarded(): boolean {
    return (this.frames.flags[this.slot]! & NOT_FORWARDED) !== 0;
  }
  get payload(): PayloadState | undefined {
    return STATES[this.frames.state(this.slot)];
  }
  /** A copy of the kept payload, or undefined (none captured, evicted, or the row is gone). */
  bytes(): Buffer | undefined {
    const s = this.frames.slotOf(this.seq);
    return s < 0 ? undefined : this.frames.bytes(s);
  }
}
