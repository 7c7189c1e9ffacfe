// Message payloads kept for replay and export, next to the frame log rows they belong to. Bounded
// by bytes: past `total`, the oldest payloads go first and their rows are marked 'evicted'. The
// byte count is exact (the payload bytes rows hold, never an estimate).
//
// Where the bytes live: each session writes its payloads one after the other into slabs of its own
// (PayloadArena: 4 KiB growing to 128 KiB), so a kept payload costs its bytes and a few numbers in
// its row's slot, not a Buffer object each, and a session's slabs empty in the order its rows go (rows
// leave a session's log oldest first, and eviction is oldest first too). A slab counts what holds
// it (rows, and captures in progress); once empty and full-size it is reused by any session (up
// to POOLED of them wait; `idle()` lets them go when traffic stops), so busy traffic does not
// allocate (and page in) fresh memory for every payload. The frame tap captures a recorded message
// straight into the arena (its CaptureStore), so the bytes are copied once, from the relayed chunk.
// Payloads over a quarter of a full slab get a buffer of their own.
//
// Memory follows what is kept: a slab nothing holds is let go (or pooled), and when a session ends
// (seal) its kept payloads move out of its slabs into buffers of about SEALED_CHUNK bytes each, so
// that an ended session holds its kept bytes and less than SEALED_CHUNK more (its oldest buffer,
// partly evicted), not the free room of its last slab nor the evicted start of its oldest. A live
// session holds at most two slabs more than its kept bytes (the free room of the one it writes
// into, the evicted start of its oldest). `memory` counts it all.
import type { FrameView } from '../../app/api/contract.ts';
import { EVICTED, FrameRef, KEPT, type Holdings, type SessionFrames } from './frame-log.ts';
import { messagePreview } from './frame-preview.ts';
import { xorMask } from '../inspect/mask.ts';
import type { CaptureStore } from '../inspect/capture.ts';
import { MAX_SLAB, SlabPool, type Slab } from './slabs.ts';

const FIRST_SLAB = 4 * 1024;
const OWN_BUFFER = MAX_SLAB / 4;
/** Session logs dropped between two compactions of the payload queue at most (PayloadStore.logClosed). */
export const CLOSED_LOGS_PER_COMPACT = 64;
/** Size an ended session's kept payloads are packed in (seal): what it may hold beyond them. */
export const SEALED_CHUNK = 8 * 1024;
/** Room for a capture the total cap has no room for: what a row's preview reads (512 characters of
 * up to 4 bytes each). */
const PREVIEW_ROOM = 2048;
/** Largest slab for evicted rows' preview bytes (they stay as long as their rows, long after payloads go). */
const NOTE_SLAB = 16 * 1024;

/** A session's bump allocator for payload bytes (the frame tap's CaptureStore for the session). */
export class PayloadArena implements CaptureStore {
  private slab: Slab | null = null;
  private used = 0;
  private nextSize = FIRST_SLAB;
  /** The session ended (seal): a payload still to come gets a buffer of its own size. */
  private sealed = false;
  /** Where the room the last reserve() made starts in the buffer it returned. */
  at = 0;
  /** How many bytes that room has (reserve's `size`, or fewer: see reserve). */
  granted = 0;

  /** Rooms reserve() gave that are not yet put or abandoned: buffer, start, size. */
  private roomBuf: Buffer[] = [];
  private roomAt: number[] = [];
  private roomSize: number[] = [];

  /** `maxSlab`: slabs grow to this size (small for an arena of evicted rows' preview bytes);
   * `budget`: what captures in progress count against (the store's total cap). */
  constructor(private readonly pool: SlabPool, private readonly maxSlab = MAX_SLAB, private readonly budget: CaptureBudget | null = null) {}

  /**
   * Room for `size` bytes of a capture in progress (the frame tap's): in the returned buffer from
   * `at`, then given to PayloadStore.put in place. The room counts against the store's total cap
   * until it is settled (put, or abandoned) or the arena closes. When the cap has no room for it
   * even after the oldest kept payloads went, the room is cut to what a row's preview needs
   * (`granted`) and counts for nothing: `settle` then says so, and the message is recorded as
   * evicted, with its preview.
   */
  reserve(size: number, prev?: Buffer, prevAt = 0): Buffer {
    // (a capture growing into a larger room: the claim of the room it leaves goes toward this one,
    // not beside it; kept by that room when this one gets none)
    const k = prev ? this.roomIndex(prev, prevAt) : -1;
    const moved = k >= 0 ? Math.max(0, this.roomSize[k]!) : 0;
    if (moved) {
      this.budget!.unclaim(moved);
      this.roomSize[k] = 0;
    }
    const claimed = this.budget === null || this.budget.claim(size);
    if (!claimed && moved && this.budget!.claim(moved)) this.roomSize[k] = moved;
    const n = claimed ? size : Math.min(size, PREVIEW_ROOM);
    const buf = this.room(n);
    this.granted = n;
    if (this.budget) {
      this.roomBuf.push(buf);
      this.roomAt.push(this.at);
      this.roomSize.push(claimed ? size : -1);
    }
    return buf;
  }

  /** A room reserve() gave is put, or will not be: it no longer counts against the cap. True for a
   * room the cap had no room for (its message is recorded as evicted). */
  settle(buf: Buffer, at: number): boolean {
    const i = this.roomIndex(buf, at);
    if (i < 0) return false;
    const size = this.roomSize[i]!;
    if (size > 0) this.budget!.unclaim(size);
    const last = this.roomBuf.length - 1;
    if (i !== last) {
      this.roomBuf[i] = this.roomBuf[last]!;
      this.roomAt[i] = this.roomAt[last]!;
      this.roomSize[i] = this.roomSize[last]!;
    }
    this.roomBuf.pop();
    this.roomAt.pop();
    this.roomSize.pop();
    return size < 0;
  }

  /** Where reserve() noted the room at `at` in `buf` (-1: not a room in progress). */
  private roomIndex(buf: Buffer, at: number): number {
    // (nearly always the last one: its message is the one in progress)
    for (let i = this.roomBuf.length - 1; i >= 0; i--) if (this.roomBuf[i] === buf && this.roomAt[i] === at) return i;
    return -1;
  }

  /** A room of a capture that moved on to a larger one: settled, and its slab no longer held. */
  abandon(buf: Buffer, at: number): void {
    this.settle(buf, at);
    this.drop(buf);
  }

  /** A room that is not going to be put: its slab is no longer held by it. */
  drop(buf: Buffer): void {
    const slab = this.slabOf(buf);
    if (slab) this.pool.release(slab);
  }

  /**
   * Room for `size` bytes of a payload: in the returned buffer (a slab, or a buffer of its own) from
   * `at`. Until it is put (or for good, if never put) the room holds its slab, so it is never
   * handed out twice.
   */
  room(size: number): Buffer {
    let slab = this.slab;
    if (size > OWN_BUFFER || (!slab && this.sealed)) {
      this.at = 0;
      return this.pool.own(size).buf;
    }
    if (!slab || this.used + size > slab.buf.length) {
      if (slab) this.pool.retire(slab);
      while (this.nextSize < size) this.nextSize *= 2;
      slab = this.slab = this.pool.take(this.nextSize);
      this.used = 0;
      if (this.nextSize < this.maxSlab) this.nextSize *= 2;
    }
    this.at = this.used;
    this.used = (this.used + size + 7) & ~7; // 8-byte aligned starts (unmasking works in words)
    slab.holders++;
    return slab.buf;
  }

  /** The slab of a buffer reserve() returned, or undefined. */
  slabOf(buf: Buffer): Slab | undefined {
    if (buf === this.slab?.buf) return this.slab;
    return this.pool.of.get(buf.buffer as ArrayBuffer);
  }

  /** The session's log is gone: its current slab no longer takes new payloads, and its captures
   * still in progress no longer count. */
  close(): void {
    this.seal();
    for (const size of this.roomSize) if (size > 0) this.budget!.unclaim(size);
    this.roomBuf = [];
    this.roomAt = [];
    this.roomSize = [];
  }

  /** The session ended: the current slab takes no more (it goes once its rows let go of it). */
  seal(): void {
    if (this.slab) this.pool.retire(this.slab);
    this.slab = null;
    this.sealed = true;
  }
}

/** The total cap as captures in progress see it (PayloadStore). */
interface CaptureBudget {
  /** Room for `size` more bytes in progress: true once it fits under the cap with what is kept
   * (the oldest kept payloads go to make it fit), false when it cannot. */
  claim(size: number): boolean;
  unclaim(size: number): void;
}

export class PayloadStore implements Holdings, CaptureBudget {
  /** Kept payloads, oldest first, from `head` on, as (session log, seq); rows gone since are skipped. */
  private qFrames: SessionFrames[] = [];
  private qSeq: number[] = [];
  private head = 0;
  /** Session logs closed since the queue was last compacted: an entry of theirs keeps one alive. */
  private closedLogs = 0;
  private held = 0;
  private kept = 0;
  /** Bytes of room held by captures in progress (PayloadArena.reserve), counted against the cap. */
  private inFlight = 0;
  private readonly pool = new SlabPool();
  /** (evicted rows' preview bytes: not payloads, counted apart) */
  private readonly notes = new SlabPool();
  payloadGone(slab: Slab, len: number): void {
    this.held -= len;
    this.kept--;
    this.pool.release(slab);
  }

  slabGone(slab: Slab): void {
    this.pool.release(slab);
  }

  constructor(private total: number) {}

  /** The cap on kept payload bytes; lowering it evicts the oldest payloads at once. */
  get cap(): number {
    return this.total;
  }

  set cap(total: number) {
    this.total = total;
    if (this.held + this.inFlight > total) this.evict();
  }

  claim(size: number): boolean {
    // (one that cannot fit beside the other captures in progress takes nothing kept with it)
    if (this.inFlight + size > this.total) return false;
    if (this.held + this.inFlight + size > this.total) this.evict(size);
    if (this.held + this.inFlight + size > this.total) return false;
    this.inFlight += size;
    return true;
  }

  unclaim(size: number): void {
    this.inFlight -= size;
  }

  /** Bytes of room captures in progress hold. */
  get reserved(): number {
    return this.inFlight;
  }

  get bytes(): number {
    return this.held;
  }

  get count(): number {
    return this.kept;
  }

  /** Bytes of the buffers payloads are kept in (and captured into), empty pooled slabs included. */
  get memory(): number {
    return this.pool.bytes;
  }

  /** Of `memory`, the empty slabs kept for reuse (at most POOLED full slabs, gone once idle). */
  get pooled(): number {
    return this.pool.pooled;
  }

  /** A session's arena: for its payloads, or (`small`) for the preview bytes of its evicted rows. */
  arena(small = false): PayloadArena {
    return small ? new PayloadArena(this.notes, NOTE_SLAB) : new PayloadArena(this.pool, MAX_SLAB, this);
  }

  /** Called now and then (TrafficWatch, every second): frees the slabs kept for reuse once quiet. */
  idle(): void {
    this.pool.idle();
  }

  /**
   * Session `f` ended: its arena takes no more slabs, and its kept payloads of up to OWN_BUFFER
   * bytes are copied (unmasked) into buffers of SEALED_CHUNK bytes or a little more, oldest first,
   * so the slabs they were in go. Rows lose payloads oldest first: of these buffers only the oldest
   * holds evicted bytes (less than SEALED_CHUNK). Larger payloads stay in their buffers of their own.
   */
  seal(f: SessionFrames): void {
    f.arena.seal();
    const slots: number[] = [];
    let bytes = 0;
    for (let seq = f.first; seq < f.next; seq++) {
      const s = f.slotOf(seq);
      if (!f.holdsPayload(s) || f.len[s]! > OWN_BUFFER) continue;
      slots.push(s);
      bytes += f.len[s]!;
      if (bytes >= SEALED_CHUNK) bytes = this.pack(f, slots, bytes);
    }
    if (slots.length) this.pack(f, slots, bytes);
  }

  /** Copy the payloads of rows `slots` (`bytes` in all) into one buffer; empties `slots`. */
  private pack(f: SessionFrames, slots: number[], bytes: number): number {
    const chunk = this.pool.own(bytes);
    chunk.holders = slots.length;
    let at = 0;
    for (const s of slots) {
      const slab = f.slab[s]!;
      const off = f.off[s]!;
      const n = f.len[s]!;
      const key = f.mask[s]!;
      if (key !== 0) xorMask(slab.buf, off, off + n, chunk.buf, at, key, 0);
      else slab.buf.copy(chunk.buf, at, off, off + n);
      f.hold(s, chunk, at, n, 0);
      this.pool.release(slab);
      at += n;
    }
    slots.length = 0;
    return 0;
  }

  /**
   * Keep the `n` payload bytes at `off` in `buf` for row `seq` (slot `s`) of `f` (the caller capped
   * them per message and set the row's state). With `inPlace`, they are in room `f.arena` reserved
   * and stay there (still masked with `maskKey` when not 0); otherwise they are copied.
   */
  put(f: SessionFrames, s: number, seq: number, buf: Buffer, off: number, n: number, inPlace = false, maskKey = 0): void {
    const reserved = inPlace ? f.arena.slabOf(buf) : undefined;
    if (n > this.total) {
      f.note[s] ??= messagePreview(f.isText(s), buf, f.state(s) === KEPT, off, n, maskKey);
      f.setState(s, EVICTED);
      if (reserved) this.pool.release(reserved);
      return;
    }
    let slab = reserved;
    if (!slab) {
      const room = f.arena.room(n);
      const at = f.arena.at;
      if (maskKey !== 0) xorMask(buf, off, off + n, room, at, maskKey, 0);
      else buf.copy(room, at, off, off + n);
      maskKey = 0;
      slab = f.arena.slabOf(room)!;
      off = at;
    }
    f.hold(s, slab, off, n, maskKey);
    this.qFrames.push(f);
    this.qSeq.push(seq);
    this.kept++;
    this.held += n;
    if (this.held + this.inFlight > this.total) this.evict();
  }

  /** A copy of a row's kept payload (yours to keep), or undefined. */
  get(row: FrameView): Buffer | undefined {
    return row instanceof FrameRef ? row.bytes() : undefined;
  }

  /** Rows left the frame logs (SessionFrames.dropFront with `release`): step over the queue's
   * entries for them while they are its oldest (usually the case), so the queue stays short. */
  dropped(): void {
    while (this.head < this.qSeq.length && !this.holds(this.head)) this.head++;
    if (this.head > 1024 && this.head * 2 > this.qSeq.length) this.compact();
    else if (this.qSeq.length - this.head > 2 * this.kept + 1024) this.compact();
  }

  /** A session's log was dropped whole (and closed): every CLOSED_LOGS_PER_COMPACT of them, or one
   * per 64 entries of the queue when it is longer (the work stays 64 entries a log), the queue drops
   * its entries for rows gone, so that it names few logs that are gone (it may hold up to twice the
   * kept payloads' entries plus 1024 before `dropped` compacts it). */
  logClosed(): void {
    if (++this.closedLogs >= Math.max(CLOSED_LOGS_PER_COMPACT, (this.qSeq.length - this.head) >> 6)) this.compact();
  }

  private holds(k: number): boolean {
    const f = this.qFrames[k]!;
    const s = f.slotOf(this.qSeq[k]!);
    return s >= 0 && f.holdsPayload(s);
  }

  /** The oldest kept payloads go until they and the captures in progress (and `more` bytes) fit the cap. */
  private evict(more = 0): void {
    while (this.held + this.inFlight + more > this.total && this.head < this.qSeq.length) {
      const k = this.head++;
      const f = this.qFrames[k]!;
      const s = f.slotOf(this.qSeq[k]!);
      if (s < 0 || !f.holdsPayload(s)) continue;
      const slab = f.slab[s]!;
      const len = f.len[s]!;
      f.evict(s);
      this.payloadGone(slab, len);
    }
    if (this.head > 1024 && this.head * 2 > this.qSeq.length) this.compact();
  }

  /** Drop the queue's entries for rows that no longer hold a payload. */
  private compact(): void {
    const frames: SessionFrames[] = [];
    const seqs: number[] = [];
    for (let k = this.head; k < this.qSeq.length; k++) {
      if (!this.holds(k)) continue;
      frames.push(this.qFrames[k]!);
      seqs.push(this.qSeq[k]!);
    }
    this.qFrames = frames;
    this.qSeq = seqs;
    this.head = 0;
    this.closedLogs = 0;
  }
}
