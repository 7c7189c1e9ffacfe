// Bounded in-memory logs of what went through the engine: sessions (every live one, plus the most
// recently closed), HTTP exchanges, engine log entries, and per-session frames when recorded.
import type { ExchangeView, FrameView, LogView, SessionView } from '../../app/api/contract.ts';
import { PayloadStore } from './payloads.ts';

/** A frame-log row as produced by the tap, with the payload bytes to keep (already capped). */
export type NewFrame = Omit<FrameView, 'seq'> & { data?: Buffer };

export interface TrafficLimits {
  closedSessions: number;
  exchanges: number;
  logs: number;
  framesPerSession: number;
  /** Frames kept over all sessions: past it, closed sessions' frame logs go first, oldest first. */
  framesTotal: number;
  /** Payload bytes kept per message for replay/export (longer ones are marked 'truncated'). */
  payloadPerMessage: number;
  /** Payload bytes kept over all sessions; past it the oldest are evicted. */
  payloadTotal: number;
}

export const DEFAULT_LIMITS: TrafficLimits = {
  closedSessions: 500, exchanges: 2000, logs: 1000, framesPerSession: 5000, framesTotal: 50_000,
  payloadPerMessage: 64 * 1024, payloadTotal: 32 * 1024 * 1024,
};

export class TrafficLog {
  private readonly sessions = new Map<number, SessionView>();
  private readonly closedOrder: number[] = [];
  private readonly frames = new Map<number, { next: number; list: FrameView[] }>();
  private exchangeList: ExchangeView[] = [];
  private logList: LogView[] = [];
  private logSeq = 0;
  private framesKept = 0;
  readonly payloads: PayloadStore;

  constructor(private readonly limits: TrafficLimits = DEFAULT_LIMITS) {
    this.payloads = new PayloadStore(limits.payloadTotal ?? DEFAULT_LIMITS.payloadTotal);
  }

  upsertSession(v: SessionView): void {
    const had = this.sessions.get(v.id);
    this.sessions.set(v.id, v);
    const ended = v.state === 'closed' || v.state === 'rejected';
    const wasEnded = had && (had.state === 'closed' || had.state === 'rejected');
    if (ended && !wasEnded) {
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

  addExchange(v: ExchangeView): void {
    this.exchangeList.push(v);
    if (this.exchangeList.length > this.limits.exchanges * 1.25) this.exchangeList = this.exchangeList.slice(-this.limits.exchanges);
  }

  exchanges(): ExchangeView[] {
    return this.exchangeList.slice(-this.limits.exchanges);
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

  /** Append frames (seq assigned here); returns them as stored. */
  addFrames(sessionId: number, frames: NewFrame[]): FrameView[] {
    let entry = this.frames.get(sessionId);
    if (!entry) this.frames.set(sessionId, (entry = { next: 0, list: [] }));
    const perMessage = this.limits.payloadPerMessage ?? DEFAULT_LIMITS.payloadPerMessage;
    const added = frames.map(({ data, ...f }) => {
      const row: FrameView = { ...f, seq: entry.next++ };
      if (data && row.payload === 'kept' && data.length > perMessage) row.payload = 'truncated';
      if (data && row.payload) this.payloads.put(row, row.payload === 'truncated' ? data.subarray(0, perMessage) : data);
      return row;
    });
    entry.list.push(...added);
    this.framesKept += added.length;
    if (entry.list.length > this.limits.framesPerSession * 1.25) {
      this.framesKept -= entry.list.length - this.limits.framesPerSession;
      this.payloads.drop(entry.list.slice(0, entry.list.length - this.limits.framesPerSession));
      entry.list = entry.list.slice(-this.limits.framesPerSession);
    }
    for (const id of this.closedOrder) {
      if (this.framesKept <= this.limits.framesTotal) break;
      if (id !== sessionId) this.dropFrames(id);
    }
    if (this.framesKept > this.limits.framesTotal) {
      // live sessions alone are over budget: keep this one's newest frames
      const cut = Math.min(entry.list.length, this.framesKept - this.limits.framesTotal);
      this.payloads.drop(entry.list.slice(0, cut));
      entry.list = entry.list.slice(cut);
      this.framesKept -= cut;
    }
    return added;
  }

  get frameCount(): number {
    return this.framesKept;
  }

  private dropFrames(id: number): void {
    const e = this.frames.get(id);
    if (!e) return;
    this.framesKept -= e.list.length;
    this.payloads.drop(e.list);
    this.frames.delete(id);
  }

  /** One row of a session's frame log, while kept. */
  frame(sessionId: number, seq: number): FrameView | undefined {
    const list = this.frames.get(sessionId)?.list;
    if (!list?.length) return undefined;
    const row = list[seq - list[0]!.seq];
    return row?.seq === seq ? row : list.find((f) => f.seq === seq);
  }

  framesOf(sessionId: number): FrameView[] | null {
    const e = this.frames.get(sessionId);
    return e ? e.list.slice(-this.limits.framesPerSession) : null;
  }
}
