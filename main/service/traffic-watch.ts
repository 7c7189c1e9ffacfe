// Listens to the engine and keeps the traffic log and the feed current: session open/close,
// exchanges, log entries, frames (when the tap exists), and once a second the live sessions' byte
// counts and the balancers' peer states (only while someone watches the feed). Frames go into the
// log as they are read; the feed gets them in batches (every 50 ms), only while someone watches.
import { isWebSocketSession } from '../../app/engine/tunnel.ts';
import type { Engine } from '../engine/engine.ts';
import type { ExchangeBodies, ExchangeRecord, LogEntry, SessionRecord, SessionSockets } from '../engine/events.ts';
import type { FrameView, SessionView } from '../../app/api/contract.ts';
import type { Feed } from './feed.ts';
import type { NewFrame, TrafficLog } from './traffic-log.ts';
import type { MessageRecorder, SessionTap, TapFactory } from './frames.ts';
import { MAX_FRAMES_PER_BATCH } from './feed.ts';
import { Redactor } from './redact.ts';
import { exchangeView, logView, sessionView, upstreamViews, listenerView } from './views.ts';

const POLL_MS = 1000;

/** What a session's rows add to its view (the frames each peer sent are the relay's, on the record). */
interface Counts {
  /** Frames Switchyard sent itself (injected, replayed, its Close frames). */
  injected?: number;
  violation?: string;
  /** Directions (by sender) whose frames the relay no longer passes on: Switchyard's Close went the
   * same way (closeSession), the relay dropping from that offset of the sender's stream on (-1: not known). */
  dropping?: { client?: number; upstream?: number };
}

/** Whether a row of `from` logged once the relay was dropping `from`'s bytes was not passed on: a
 * message logged then ended after the drop point (or came whole after it), but for one left
 * unfinished when the session ended (logged only then) whose last byte came before it. */
function notForwarded(c: Counts, from: 'client' | 'upstream', fin: boolean, end: number | undefined): boolean {
  const at = c.dropping?.[from];
  return at !== undefined && (fin || end === undefined || at < 0 || end > at);
}
const FRAME_BATCH_MS = 50;

export class TrafficWatch {
  private readonly taps = new Map<number, SessionTap>();
  /** Taps of closed sessions whose rows still wait for compressed messages that were decoding when
   * the session closed: until those are logged, a frame Switchyard sent takes its place behind them
   * (recordInjected). Each leaves once its queue is through. */
  private readonly draining = new Map<number, SessionTap>();
  private readonly timer: NodeJS.Timeout;
  private lastStatus = '';
  private lastListeners = '';
  /** Per session, the seq of its first row not sent to the feed yet (only while someone watches). */
  private readonly frameBuffers = new Map<number, number>();
  private frameTimer: NodeJS.Timeout | null = null;
  /** Frames logged per session and direction (exact: rows dropped from the log stay counted), and
   * the session's first protocol violation. */
  private readonly counts = new Map<number, Counts>();

  private readonly onOpen = (s: SessionRecord, sockets: SessionSockets) => {
    // (a tunnel to another protocol, Upgrade: h2c or foo, has no WebSocket frames to record)
    if (this.tap && isWebSocketSession(s)) {
      try {
        const id = s.id;
        const t = this.tap({ ...sockets, extensions: s.extensions }, (f, end) => this.addFrame(id, f, end), this.recorder(id));
        if (t) this.taps.set(s.id, t);
      } catch (e) {
        this.onLog({ time: Date.now(), level: 'warn', code: 'frame_tap_failed', message: `frames of session ${s.id} are not recorded: ${(e as Error).message}`, sessionId: s.id });
      }
    }
    this.publishSession(s);
  };
  private readonly onClose = (s: SessionRecord) => {
    const t = this.taps.get(s.id);
    this.taps.delete(s.id);
    t?.stop();
    this.flushFrames();
    this.publishSession(s);
    if (t?.afterSeen) {
      // Compressed messages still decoding (and every row queued behind them, the peers' Close
      // frames included) are logged after the session closed: once they are through, its kept view
      // takes in their counts. (afterSeen runs the function at once when nothing waits: the view
      // just published has every count then.)
      let waited = false;
      this.draining.set(s.id, t);
      t.afterSeen(() => {
        this.draining.delete(s.id);
        if (waited) this.refreshEnded(s.id);
      });
      waited = true;
    }
  };
  private readonly onExchange = (r: ExchangeRecord, bodies: ExchangeBodies | undefined) => {
    const v = exchangeView(r);
    this.log.addExchange(v, bodies);
    this.feed.exchange(this.redact.exchange(v));
  };
  private readonly onLog = (e: LogEntry) => {
    const v = this.log.addLog(logView(e, 0));
    this.feed.log(this.redact.log(v));
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

  /** The per-message payload cap changed: live sessions keep it from their next message on. */
  setPayloadCap(bytes: number): void {
    for (const t of this.taps.values()) t.setPayloadCap?.(bytes);
  }

  close(): void {
    clearInterval(this.timer);
    if (this.frameTimer) clearTimeout(this.frameTimer);
    for (const t of this.taps.values()) t.stop();
    this.taps.clear();
    this.draining.clear();
    this.engine.off('session-open', this.onOpen);
    this.engine.off('session-close', this.onClose);
    this.engine.off('exchange', this.onExchange);
    this.engine.off('log', this.onLog);
  }

  private view(r: SessionRecord): SessionView {
    const live = this.engine.liveSession(r.id);
    const bytes = live ? { clientBytes: live.client.bytesRead, upstreamBytes: live.upstream.bytesRead } : undefined;
    return this.withCounts(sessionView(r, bytes, this.taps.has(r.id) || this.log.hasFrames(r.id)));
  }

  private withCounts(v: SessionView): SessionView {
    if (!v.framesAvailable) return v;
    const c = this.counts.get(v.id);
    if (c?.violation !== undefined) v.violation = c.violation;
    if (c?.injected) v.framesInjected = c.injected;
    return v;
  }

  private count(sessionId: number, rows: readonly FrameView[], end?: number): void {
    const c = this.countsOf(sessionId);
    for (const r of rows) {
      // (a violation row is the tap's note, not a frame)
      if (r.opcode === 'violation') {
        c.violation ??= `${r.from}: ${r.preview}`;
        continue;
      }
      if (r.injected) {
        c.injected = (c.injected ?? 0) + 1;
        continue;
      }
      if (notForwarded(c, r.from, r.fin, end)) this.log.markNotForwarded(sessionId, r.seq);
    }
  }

  private countsOf(sessionId: number): Counts {
    let c = this.counts.get(sessionId);
    if (!c) this.counts.set(sessionId, (c = {}));
    return c;
  }

  /** The recording path for a tapped session's messages: straight into the log, no event objects. */
  private recorder(id: number): MessageRecorder {
    const counts = this.countsOf(id);
    return {
      capture: this.log.capture(id),
      message: (m) => {
        if (this.logGone(id)) return;
        const from = m.direction === 'server' ? 'upstream' : 'client';
        const seq = this.log.addMessage(id, from, m.time, m.opcode === 1, m.length, m.data, m.dataOffset, m.dataLength, m.truncated, m.maskKey, m.utf8ErrorOffset, m.complete);
        if (notForwarded(counts, from, m.complete, m.end)) this.log.markNotForwarded(id, seq);
        if (this.feed.wantsFrames(id)) this.bufferFrame(id, seq);
      },
    };
  }

  private publishSession(r: SessionRecord): void {
    const v = this.view(r);
    this.log.upsertSession(v);
    this.feed.session(this.redact.session(v));
  }

  /** Switchyard's Close went the way `from` sends (closeSession): what `from` sends after it is read
   * and logged but not passed on, and its rows say so. (recordInjected's option: in relay order,
   * told when the relay switched to dropping, see LiveSession.close's onSent.) */
  private stopForwarding(sessionId: number, from: 'client' | 'upstream', at: number): void {
    const c = this.countsOf(sessionId);
    (c.dropping ??= {})[from] = at;
  }

  /**
   * A frame Switchyard sent itself: logged after the frames already seen and published, its row the
   * result. Compressed messages seen before it may still be decoding (their rows wait in the tap, in
   * relay order): the row then waits behind them, also when the session closed meanwhile (its tap
   * stopped, those messages still inflating). With `stopForwarding`, Switchyard's Close went the
   * way `f.from` sends, and that takes effect at the same place (see stopForwarding).
   */
  recordInjected(sessionId: number, f: NewFrame, opts: { stopForwarding?: boolean } = {}): Promise<FrameView> {
    // (where the relay starts dropping: what the tap has seen of that stream now, when it is told)
    const tapNow = this.taps.get(sessionId);
    const dropAt = opts.stopForwarding ? (tapNow?.position?.(f.from) ?? -1) : -1;
    return new Promise((resolve) => {
      const record = () => {
        // (not logged: the session has left the log since, see logGone)
        if (this.logGone(sessionId) && !this.engine.liveSession(sessionId)) return resolve({ ...f, seq: -1, injected: true });
        this.flushFrames();
        const [row] = this.log.addFrames(sessionId, [{ ...f, injected: true }]);
        this.count(sessionId, [row!]);
        if (opts.stopForwarding) this.stopForwarding(sessionId, f.from, dropAt);
        const view = row!.view();
        this.feed.frames(sessionId, [this.redact.frame(view, this.log.session(sessionId))]);
        // e.g. the Close frames of closeSession, logged once the session is over
        if (!this.engine.liveSession(sessionId)) this.refreshEnded(sessionId);
        resolve(view);
      };
      // (a closed session's tap while rows of its last messages still wait for decoding)
      const tap = this.taps.get(sessionId) ?? this.draining.get(sessionId);
      if (tap?.afterSeen) tap.afterSeen(record);
      else record();
    });
  }

  /** A row the tap made (control frame, close, violation, decoded message): logged now. */
  private addFrame(sessionId: number, f: NewFrame, end?: number): void {
    if (this.logGone(sessionId)) return;
    const rows = this.log.addFrames(sessionId, [f]);
    this.count(sessionId, rows, end);
    // (only a session some page watches: a row's view, redacted, costs more than recording it)
    if (rows.length && this.feed.wantsFrames(sessionId)) this.bufferFrame(sessionId, rows[0]!.seq);
    // (a row after its session closed, from a tap that cannot tell when its last one came: each
    // refreshes the closed view; a tap with afterSeen refreshes it once, when draining ends)
    if (!this.taps.has(sessionId) && !this.draining.has(sessionId)) this.refreshEnded(sessionId);
  }

  /** The session's tap has stopped and its log is gone (the closed-sessions cap dropped it while
   * messages still inflated): a row now would make a log of its own that no cap drops again. */
  private logGone(sessionId: number): boolean {
    return !this.taps.has(sessionId) && this.log.session(sessionId) === undefined;
  }

  /** A session that is over got a row: its kept view (when still kept) gets the current counts. */
  private refreshEnded(sessionId: number): void {
    const ended = this.log.session(sessionId);
    if (!ended) return;
    const v = this.withCounts({ ...ended });
    this.log.upsertSession(v);
    this.feed.session(this.redact.session(v));
  }

  /** Row `seq` goes to the feed with the next batch (rows of a session are added in seq order). */
  private bufferFrame(sessionId: number, seq: number): void {
    if (!this.frameBuffers.has(sessionId)) this.frameBuffers.set(sessionId, seq);
    if (!this.frameTimer) {
      this.frameTimer = setTimeout(() => this.flushFrames(), FRAME_BATCH_MS);
      this.frameTimer.unref();
    }
  }

  private flushFrames(): void {
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.frameTimer = null;
    // a busy session's newest rows are what the feed sends (feed.ts); the rest stay in the log
    for (const [id, from] of this.frameBuffers) this.feed.frames(id, this.redact.frames(this.log.framesSince(id, from, MAX_FRAMES_PER_BATCH), this.log.session(id)));
    this.frameBuffers.clear();
  }

  private poll(): void {
    this.log.payloads.idle();
    for (const id of this.counts.keys()) if (!this.taps.has(id) && !this.log.session(id)) this.counts.delete(id);
    if (this.feed.subscriberCount === 0) return;
    for (const r of this.engine.liveSessions()) {
      const before = this.log.session(r.id);
      const v = this.view(r);
      const changed = !before || before.state !== v.state || before.bytesFromClient !== v.bytesFromClient || before.bytesFromUpstream !== v.bytesFromUpstream
        || before.framesFromClient !== v.framesFromClient || before.framesFromUpstream !== v.framesFromUpstream;
      if (changed) {
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
