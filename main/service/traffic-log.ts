// Bounded in-memory logs of what went through the engine: sessions (every live one, plus the most
// recently closed), HTTP exchanges, engine log entries, and per-session frames when recorded.
import type { ExchangeView, FrameView, LogView, SessionView } from '../../app/api/contract.ts';

export interface TrafficLimits {
  closedSessions: number;
  exchanges: number;
  logs: number;
  framesPerSession: number;
  /** Frames kept over all sessions: past it, closed sessions' frame logs go first, oldest first. */
  framesTotal: number;
}

export const DEFAULT_LIMITS: TrafficLimits = { closedSessions: 500, exchanges: 2000, logs: 1000, framesPerSession: 5000, framesTotal: 50_000 };

export class TrafficLog {
  private readonly sessions = new Map<number, SessionView>();
  private readonly closedOrder: number[] = [];
  private readonly frames = new Map<number, { next: number; list: FrameView[] }>();
  private exchangeList: ExchangeView[] = [];
  private logList: LogView[] = [];
  private logSeq = 0;
  private framesKept = 0;

  constructor(private readonly limits: TrafficLimits = DEFAULT_LIMITS) {}

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
  addFrames(sessionId: number, frames: Array<Omit<FrameView, 'seq'>>): FrameView[] {
    let entry = this.frames.get(sessionId);
    if (!entry) this.frames.set(sessionId, (entry = { next: 0, list: [] }));
    const added = frames.map((f) => ({ ...f, seq: entry.next++ }));
    entry.list.push(...added);
    this.framesKept += added.length;
    if (entry.list.length > this.limits.framesPerSession * 1.25) {
      this.framesKept -= entry.list.length - this.limits.framesPerSession;
      entry.list = entry.list.slice(-this.limits.framesPerSession);
    }
    for (const id of this.closedOrder) {
      if (this.framesKept <= this.limits.framesTotal) break;
      if (id !== sessionId) this.dropFrames(id);
    }
    if (this.framesKept > this.limits.framesTotal) {
      // live sessions alone are over budget: keep this one's newest frames
      const cut = Math.min(entry.list.length, this.framesKept - this.limits.framesTotal);
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
    this.frames.delete(id);
  }

  framesOf(sessionId: number): FrameView[] | null {
    const e = this.frames.get(sessionId);
    return e ? e.list.slice(-this.limits.framesPerSession) : null;
  }
}
