// Bounded in-memory logs of what went through the engine: sessions (every live one, plus the most
// recently closed), HTTP exchanges, engine log entries, and per-session frames when recorded.
// A session's frames are kept as columns (frame-log.ts); what leaves the service is plain FrameViews.
import type { ExchangeView, FrameView, LogView, SessionView } from '../../app/api/contract.ts';
import { PayloadStore } from './payloads.ts';
import { ExchangeBodyLog } from './exchange-bodies.ts';
import type { ExchangeBodies } from '../engine/events.ts';
import { BINARY, EVICTED, FrameRef, KEPT, SessionFrames, TEXT, TRUNCATED, opcodeCode, rowFlags } from './frame-log.ts';
import { messagePreview } from './frame-preview.ts';
import type { CaptureStore } from '../inspect/capture.ts';
import { EXCHANGE_CHARS_KEPT, EXCHANGES_KEPT, exchangeChars } from '../../app/traffic/exchange-budget.ts';

/** A frame-log row built by its producer (control frames, violations, frames Switchyard sent, decoded
 * messages), with the payload bytes to keep: capped per message here, unless `capped` (the tap
 * captured them within the cap in force when the message started). */
export type NewFrame = Omit<FrameView, 'seq'> & { data?: Buffer; capped?: boolean };

const STATE_CODES = { kept: KEPT, truncated: TRUNCATED, evicted: EVICTED } as const;

export interface TrafficLimits {
  closedSessions: number;
  exchanges: number;
  /** Characters of the exchanges' text kept over all of them (app/traffic/exchange-budget.ts): past
   * it the oldest go, even under `exchanges`. */
  exchangeChars: number;
  logs: number;
  framesPerSession: number;
  /** Frames kept over all sessions (at least one session's cap): past it, closed sessions' frame
   * logs go first, oldest first, then the oldest rows of the largest live logs. */
  framesTotal: number;
  /** Payload bytes kept per message for replay/export (longer ones are marked 'truncated'): the cap
   * in force when a message starts applies to it. */
  payloadPerMessage: number;
  /** Payload bytes kept over all sessions; past it the oldest are evicted. */
  payloadTotal: number;
}

export const DEFAULT_LIMITS: TrafficLimits = {
  closedSessions: 500, exchanges: EXCHANGES_KEPT, exchangeChars: EXCHANGE_CHARS_KEPT, logs: 1000, framesPerSession: 5000, framesTotal: 50_000,
  payloadPerMessage: 64 * 1024, payloadTotal: 32 * 1024 * 1024,
};

export class TrafficLog {
  private readonly sessions = new Map<number, SessionView>();
  private readonly closedOrder: number[] = [];
  private readonly frames = new Map<number, SessionFrames>();
  private exchangeList: ExchangeView[] = [];
  /** Entries of exchangeList before this index are dropped (the list is cut in bulk, not per entry). */
  private exchangeFirst = 0;
  /** exchangeChars of each entry of exchangeList (counted once, as it is added), and their sum over
   * the kept entries. */
  private exchangeSizes: number[] = [];
  private exchangeText = 0;
  private logList: LogView[] = [];
  private logSeq = 0;
  private framesKept = 0;
  readonly payloads: PayloadStore;
  /** The kept starts of the exchanges' bodies (their bytes in `payloads`). */
  readonly bodies: ExchangeBodyLog;

  private limits: TrafficLimits;

  constructor(limits: TrafficLimits = DEFAULT_LIMITS) {
    this.limits = { ...limits };
    this.payloads = new PayloadStore(limits.payloadTotal ?? DEFAULT_LIMITS.payloadTotal);
    this.bodies = new ExchangeBodyLog(this.payloads);
  }

  /** The caps in force (a copy). */
  get caps(): TrafficLimits {
    return { ...this.limits };
  }

  /** Change caps while running (undefined: unchanged): lower ones apply to what is kept at once
   * (oldest first), the per-message payload cap to messages that start from now on (the taps of
   * live sessions are told by the service). */
  setCaps(p: { [K in 'payloadPerMessage' | 'payloadTotal' | 'framesPerSession']?: number | undefined }): void {
    for (const [k, v] of Object.entries(p)) if (v !== undefined) this.limits = { ...this.limits, [k]: v };
    if (p.payloadTotal !== undefined) this.payloads.cap = p.payloadTotal;
    if (p.framesPerSession !== undefined) {
      for (const f of this.frames.values()) if (f.size > p.framesPerSession) this.cut(f, f.size - p.framesPerSession);
    }
  }

  upsertSession(v: SessionView): void {
    const had = this.sessions.get(v.id);
    this.sessions.set(v.id, v);
    const ended = v.state === 'closed' || v.state === 'rejected';
    const wasEnded = had && (had.state === 'closed' || had.state === 'rejected');
    if (ended && !wasEnded) {
      // (its kept payloads move out of slabs it would pin with their free room: PayloadStore.seal)
      const f = this.frames.get(v.id);
      if (f) this.payloads.seal(f);
      this.closedOrder.push(v.id);
      while (this.closedOrder.length > this.limits.closedSessions) {
        const old = this.closedOrder.shift()!;
        this.sessions.delete(old);
        this.dropFrames(old);
      }
    }
  }

  session(id: number): SessionView | undefined {
    return this.sessions.get(id);
  }

  allSessions(): SessionView[] {
    return [...this.sessions.values()].sort((a, b) => a.id - b.id);
  }

  /** Add an exchange, with the kept starts of its bodies when the engine captured them. */
  addExchange(v: ExchangeView, bodies?: ExchangeBodies): void {
    if (bodies) {
      this.bodies.add(v.id, v.startedAt, bodies.request, v.requestBytes, bodies.response, v.responseBytes);
      v.bodies = true;
    }
    const size = exchangeChars(v);
    this.exchangeList.push(v);
    this.exchangeSizes.push(size);
    this.exchangeText += size;
    const { exchanges: most, exchangeChars: budget } = this.limits;
    // (the newest one is kept whatever its size)
    const kept = () => this.exchangeList.length - this.exchangeFirst;
    const from = this.exchangeFirst;
    while (kept() > most || (this.exchangeText > budget && kept() > 1)) {
      this.exchangeText -= this.exchangeSizes[this.exchangeFirst]!;
      this.exchangeFirst++;
    }
    if (this.exchangeFirst > from) this.bodies.drop(this.exchangeList.slice(from, this.exchangeFirst).map((x) => x.id));
    if (this.exchangeFirst > most / 4) {
      this.exchangeList = this.exchangeList.slice(this.exchangeFirst);
      this.exchangeSizes = this.exchangeSizes.slice(this.exchangeFirst);
      this.exchangeFirst = 0;
    }
  }

  exchanges(): ExchangeView[] {
    return this.exchangeList.slice(this.exchangeFirst);
  }

  /** A kept exchange by id (the newest are searched first), or undefined. */
  exchange(id: number): ExchangeView | undefined {
    for (let i = this.exchangeList.length - 1; i >= this.exchangeFirst; i--) if (this.exchangeList[i]!.id === id) return this.exchangeList[i];
    return undefined;
  }

  addLog(e: Omit<LogView, 'seq'>): LogView {
    const v = { ...e, seq: ++this.logSeq };
    this.logList.push(v);
    if (this.logList.length > this.limits.logs * 1.25) this.logList = this.logList.slice(-this.limits.logs);
    return v;
  }

  logs(): LogView[] {
    return this.logList.slice(-this.limits.logs);
  }

  /** Append frames (seq assigned here); returns handles on the rows as stored (they read as the
   * rows are: e.g. 'evicted' once their payload is). */
  addFrames(sessionId: number, frames: NewFrame[]): FrameRef[] {
    const f = this.entry(sessionId);
    const perMessage = this.limits.payloadPerMessage ?? DEFAULT_LIMITS.payloadPerMessage;
    const added: FrameRef[] = [];
    for (const nf of frames) {
      const data = nf.data;
      let state: number = nf.payload ? STATE_CODES[nf.payload] : 0;
      const keep = !data ? 0 : nf.capped ? data.length : Math.min(data.length, perMessage);
      if (data && state === KEPT && keep < data.length) state = TRUNCATED;
      const s = f.append(nf.time, rowFlags(opcodeCode(nf.opcode), nf.from, nf.fin, nf.injected === true, state), nf.length, nf.closeCode, nf.preview);
      const seq = f.next - 1;
      if (nf.wireLength !== undefined) f.setWireLength(s, nf.wireLength);
      if (nf.decodeError !== undefined) f.setDecodeError(seq, nf.decodeError);
      if (nf.encodedBy !== undefined) f.setEncodedBy(seq, nf.encodedBy);
      if (nf.previewHex) f.markPreviewHex(s);
      if (nf.utf8ErrorOffset !== undefined) f.setUtf8Error(seq, nf.utf8ErrorOffset);
      if (data && state) this.payloads.put(f, s, seq, data, 0, keep);
      added.push(new FrameRef(f, seq));
      this.framesKept++;
      this.trim(sessionId, f);
    }
    return added.filter((r) => r.kept);
  }

  /**
   * Append a message read by the frame tap (the recording path: nothing is allocated, and no preview
   * is made: the row makes it from the kept bytes when asked). The captured payload, all kept, is
   * `captured` bytes at `off` in `buf` (capped by the tap at the cap in force when the message
   * started, `truncated` when shorter than the message; `buf` null when not captured), in room
   * from `capture(sessionId)`, kept in place, still masked with
   * `maskKey` (binary only) when not 0; `fin` false: the connection ended inside the message (the
   * row has what came of it). Returns the row's seq.
   */
  addMessage(
    sessionId: number, from: 'client' | 'upstream', time: number, text: boolean, length: number,
    buf: Buffer | null, off: number, captured: number, truncated: boolean, maskKey = 0, utf8ErrorOffset = -1, fin = true,
  ): number {
    const f = this.entry(sessionId);
    let state = !buf ? 0 : truncated ? TRUNCATED : KEPT;
    // (its room counts as kept from here on, no longer as a capture in progress; a room the total
    // cap had none for holds just enough for the preview: the row is as if evicted at once)
    const cut = buf !== null && f.arena.settle(buf, off);
    if (cut) state = EVICTED;
    const note = !buf ? '' : cut ? messagePreview(text, buf, !truncated, off, captured, maskKey) : null;
    const s = f.append(time, rowFlags(text ? TEXT : BINARY, from, fin, false, state), length, null, note);
    const seq = f.next - 1;
    if (cut) f.arena.drop(buf!);
    else if (buf) this.payloads.put(f, s, seq, buf, off, captured, true, maskKey);
    if (utf8ErrorOffset >= 0) f.setUtf8Error(seq, utf8ErrorOffset);
    this.framesKept++;
    this.trim(sessionId, f);
    return seq;
  }

  /** Where the frame tap captures session `sessionId`'s messages for addMessage. */
  capture(sessionId: number): CaptureStore {
    return this.entry(sessionId).arena;
  }

  private entry(sessionId: number): SessionFrames {
    let f = this.frames.get(sessionId);
    if (!f) this.frames.set(sessionId, (f = new SessionFrames(this.payloads.arena(), this.payloads.arena(true))));
    return f;
  }

  /** Keep the per-session and total frame caps after an append. Cuts are made in batches (a
   * session's log may grow to 1.25× its cap; past the total, an eighth of the log cut goes with
   * the excess), so appending stays O(1) amortized. */
  private trim(sessionId: number, f: SessionFrames): void {
    const perSession = this.limits.framesPerSession;
    if (f.size > perSession * 1.25) this.cut(f, f.size - perSession);
    const total = Math.max(this.limits.framesTotal, perSession);
    if (this.framesKept <= total) return;
    for (const id of this.closedOrder) {
      if (this.framesKept <= total) break;
      if (id !== sessionId) this.dropFrames(id);
    }
    // live sessions alone are over budget: the largest logs give up their oldest rows, so that live
    // sessions share the total (a new one keeps its rows, not one only), some below the total, so
    // that the next rows do not trim again (the largest log giving up a few rows at a time, each
    // found by a pass over every log, cost each recorded message 8 µs with 4,000 live sessions and
    // 49 µs with 10,000): a row per log (the pass visits each), a 1/1024 of the total at least, an
    // eighth at most (an eighth always took a 5,000-row log down to 433 rows for one row over, and
    // logs under an even share of the total lost rows with it)
    if (this.framesKept > total) this.level(total - Math.min(total >> 3, Math.max(this.frames.size, total >> 10)));
  }

  /** Cut the largest logs down to one size, the largest that keeps at most `target` rows in all
   * (one row each at least: with more logs than that, they keep one each). */
  private level(target: number): void {
    const logs = [...this.frames.values()];
    let low = 1;
    let high = 1;
    for (const f of logs) if (f.size > high) high = f.size;
    const keptAt = (size: number) => {
      let n = 0;
      for (const f of logs) n += Math.min(f.size, size);
      return n;
    };
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (keptAt(mid) <= target) low = mid;
      else high = mid - 1;
    }
    for (const f of logs) if (f.size > low) this.cut(f, f.size - low);
  }

  private cut(f: SessionFrames, n: number): void {
    f.dropFront(n, this.payloads);
    this.payloads.dropped();
    this.framesKept -= n;
  }

  get frameCount(): number {
    return this.framesKept;
  }

  private dropFrames(id: number): void {
    const f = this.frames.get(id);
    if (!f) return;
    this.cut(f, f.size);
    f.close();
    this.frames.delete(id);
    this.payloads.logClosed();
  }

  /** Row `seq` of a session was read but not passed on (FrameView.notForwarded). */
  markNotForwarded(sessionId: number, seq: number): void {
    const f = this.frames.get(sessionId);
    const s = f ? f.slotOf(seq) : -1;
    if (s >= 0) f!.markNotForwarded(s);
  }

  /** One row of a session's frame log, while kept: a handle to read it at once (send `.view()`). */
  frame(sessionId: number, seq: number): FrameRef | undefined {
    const f = this.frames.get(sessionId);
    return f && f.slotOf(seq) >= 0 ? new FrameRef(f, seq) : undefined;
  }

  /** A session's frame log as FrameViews, or null when its frames are not recorded (or gone). */
  framesOf(sessionId: number): FrameView[] | null {
    const f = this.frames.get(sessionId);
    return f ? f.views(f.first, this.limits.framesPerSession) : null;
  }

  /** Views of a session's rows from seq `from` on (the newest `max`); [] when gone. */
  framesSince(sessionId: number, from: number, max: number): FrameView[] {
    return this.frames.get(sessionId)?.views(from, max) ?? [];
  }

  /** Handles on a session's rows, oldest first (for readers in the service, e.g. the HAR export). */
  rowsOf(sessionId: number): FrameRef[] | null {
    const f = this.frames.get(sessionId);
    if (!f) return null;
    const out: FrameRef[] = [];
    for (let seq = Math.max(f.first, f.next - this.limits.framesPerSession); seq < f.next; seq++) out.push(new FrameRef(f, seq));
    return out;
  }

  hasFrames(sessionId: number): boolean {
    return this.frames.has(sessionId);
  }
}
