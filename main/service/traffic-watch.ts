// Listens to the engine and keeps the traffic log and the feed current: session open/close,
// exchanges, log entries, frames (when the tap exists), and once a second the live sessions' byte
// counts and the balancers' peer states (only while someone watches the feed).
import type { Socket } from 'node:net';
import type { Engine } from '../engine/engine.ts';
import type { ExchangeRecord, LogEntry, SessionRecord } from '../engine/events.ts';
import type { FrameView, SessionView } from '../../app/api/contract.ts';
import type { Feed } from './feed.ts';
import type { NewFrame, TrafficLog } from './traffic-log.ts';
import type { TapFactory } from './frames.ts';
import { Redactor } from './redact.ts';
import { exchangeView, logView, sessionView, upstreamViews, listenerView } from './views.ts';

const POLL_MS = 1000;
const FRAME_BATCH_MS = 50;

export class TrafficWatch {
  private readonly taps = new Map<number, { stop(): void }>();
  private readonly timer: NodeJS.Timeout;
  private lastStatus = '';
  private lastListeners = '';
  private readonly frameBuffers = new Map<number, NewFrame[]>();
  private frameTimer: NodeJS.Timeout | null = null;

  private readonly onOpen = (s: SessionRecord, sockets: { client: Socket; upstream: Socket }) => {
    if (this.tap) {
      try {
        const t = this.tap({ ...sockets, extensions: s.extensions }, (f) => this.bufferFrame(s.id, f));
        if (t) this.taps.set(s.id, t);
      } catch (e) {
        this.onLog({ time: Date.now(), level: 'warn', code: 'frame_tap_failed', message: `frames of session ${s.id} are not recorded: ${(e as Error).message}`, sessionId: s.id });
      }
    }
    this.publishSession(s);
  };
  private readonly onClose = (s: SessionRecord) => {
    this.taps.get(s.id)?.stop();
    this.taps.delete(s.id);
    this.flushFrames();
    this.publishSession(s);
  };
  private readonly onExchange = (r: ExchangeRecord) => {
    const v = exchangeView(r);
    this.log.addExchange(v);
    this.feed.exchange(this.redact.exchange(v));
  };
  private readonly onLog = (e: LogEntry) => {
    const v = this.log.addLog(logView(e, 0));
    this.feed.log(v);
  };

  constructor(
    private readonly engine: Engine, private readonly log: TrafficLog, private readonly feed: Feed, private readonly tap: TapFactory | null,
    private readonly redact: Redactor = new Redactor(),
  ) {
    engine.on('session-open', this.onOpen);
    engine.on('session-close', this.onClose);
    engine.on('exchange', this.onExchange);
    engine.on('log', this.onLog);
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
  }

  get framesSupported(): boolean {
    return this.tap !== null;
  }

  /** Every kept session, live ones with current byte counts. */
  sessions(): SessionView[] {
    for (const r of this.engine.liveSessions()) this.log.upsertSession(this.view(r));
    return this.log.allSessions();
  }

  session(id: number): SessionView | undefined {
    const live = this.engine.liveSession(id);
    if (live) this.log.upsertSession(this.view(live.record));
    return this.log.session(id);
  }

  close(): void {
    clearInterval(this.timer);
    if (this.frameTimer) clearTimeout(this.frameTimer);
    for (const t of this.taps.values()) t.stop();
    this.taps.clear();
    this.engine.off('session-open', this.onOpen);
    this.engine.off('session-close', this.onClose);
    this.engine.off('exchange', this.onExchange);
    this.engine.off('log', this.onLog);
  }

  private view(r: SessionRecord): SessionView {
    const live = this.engine.liveSession(r.id);
    const bytes = live ? { clientBytes: live.client.bytesRead, upstreamBytes: live.upstream.bytesRead } : undefined;
    return sessionView(r, bytes, this.taps.has(r.id) || this.log.framesOf(r.id) !== null);
  }

  private publishSession(r: SessionRecord): void {
    const v = this.view(r);
    this.log.upsertSession(v);
    this.feed.session(this.redact.session(v));
  }

  /** A frame Switchyard sent itself: logged (after the frames already seen) and published now. */
  recordInjected(sessionId: number, f: NewFrame): FrameView {
    this.flushFrames();
    const [row] = this.log.addFrames(sessionId, [{ ...f, injected: true }]);
    this.feed.frames(sessionId, [row!]);
    return row!;
  }

  private bufferFrame(sessionId: number, f: NewFrame): void {
    let buf = this.frameBuffers.get(sessionId);
    if (!buf) this.frameBuffers.set(sessionId, (buf = []));
    buf.push(f);
    if (!this.frameTimer) {
      this.frameTimer = setTimeout(() => this.flushFrames(), FRAME_BATCH_MS);
      this.frameTimer.unref();
    }
  }

  private flushFrames(): void {
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.frameTimer = null;
    for (const [id, frames] of this.frameBuffers) this.feed.frames(id, this.log.addFrames(id, frames));
    this.frameBuffers.clear();
  }

  private poll(): void {
    if (this.feed.subscriberCount === 0) return;
    for (const r of this.engine.liveSessions()) {
      const before = this.log.session(r.id);
      const v = this.view(r);
      if (!before || before.bytesFromClient !== v.bytesFromClient || before.bytesFromUpstream !== v.bytesFromUpstream || before.state !== v.state) {
        this.log.upsertSession(v);
        this.feed.session(this.redact.session(v));
      }
    }
    const ups = upstreamViews(this.engine.upstreamStatus());
    const key = JSON.stringify(ups);
    if (key !== this.lastStatus) {
      this.lastStatus = key;
      this.feed.upstreams(ups);
    }
    const ls = this.engine.listenerStatus().map(listenerView);
    const lkey = JSON.stringify(ls);
    if (lkey !== this.lastListeners) {
      this.lastListeners = lkey;
      this.feed.listeners(ls);
    }
  }
}
