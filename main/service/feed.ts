// The live event feed: each subscriber gets a snapshot, then deltas coalesced into at most one
// batch per `intervalMs` (50 ms: ~20 batches/s). Publishing never waits for a subscriber: a busy
// subscriber's batches queue up to `maxQueued` of them and `maxQueuedBytes` (estimated: deltaBytes);
// past either its queue is dropped and, once it can take data again, it is sent a fresh snapshot
// instead (resync). (A batch holds up to MAX_FRAMES_PER_BATCH frames of each busy session, previews
// of up to 512 characters: 64 of them for 20 busy sessions held 136 MB.) A subscriber gets the frames
// of every session, or of the one it watches (watch), or none: frames no subscriber wants are not
// published (wantsFrames).
import { randomBytes } from 'node:crypto';
import { exchangeChars } from '../../app/traffic/exchange-budget.ts';
import type { FeedDelta, FeedEvent, FeedSnapshot, ListenerView, UpstreamStatusView, ConfigState, SessionView, ExchangeView, FrameView, LogView } from '../../app/api/contract.ts';

/** Frames of one session in one batch, at most (older ones stay in the session's frame log). */
export const MAX_FRAMES_PER_BATCH = 500;
/** Default bound on the bytes of the batches queued for one subscriber (deltaBytes' estimate). */
export const MAX_QUEUED_BYTES = 32 * 1024 * 1024;
/** What deltaBytes counts for a row or entry besides its text: its object and fields. */
const ENTRY_BYTES = 256;

/** A cheap estimate, from above, of the memory a delta holds: ENTRY_BYTES a session, exchange, log
 * entry or frame, and two bytes a character of their text (frame previews, URLs, headers, messages);
 * a config, listener or upstream list it carries (now and then: an apply, a status change) by the
 * length of its JSON (a draft may be megabytes). */
export function deltaBytes(d: FeedDelta): number {
  let n = (d.sessions.length + d.exchanges.length + d.logs.length) * ENTRY_BYTES;
  for (const v of d.sessions) {
    n += 2 * v.url.length;
    for (const h of v.requestHeaders) n += 2 * h.length;
    for (const h of v.responseHeaders) n += 2 * h.length;
  }
  for (const v of d.exchanges) n += 2 * exchangeChars(v);
  for (const v of d.logs) n += 2 * v.message.length;
  for (const e of d.frames) {
    n += e.frames.length * ENTRY_BYTES;
    for (const f of e.frames) n += 2 * f.preview.length;
  }
  for (const part of [d.config, d.listeners, d.upstreams]) if (part) n += 2 * JSON.stringify(part).length;
  return n;
}

export interface FeedSink {
  send(e: FeedEvent): void;
  /** True while the transport still holds too much unsent data (e.g. ws.bufferedAmount high). */
  busy(): boolean;
}

export interface FeedOptions {
  intervalMs?: number;
  maxQueued?: number;
  maxQueuedBytes?: number;
}

/** Whose frames a subscriber gets: every session's, one session's, or none. */
export type FrameWatch = 'all' | number | null;

interface Sub {
  /** Its id, for watch(): sent with its first snapshot. */
  id: string;
  watch: FrameWatch;
  sink: FeedSink;
  queue: FeedDelta[];
  /** deltaBytes of the queue. */
  queued: number;
  resync: boolean;
}

export interface FeedStats {
  batches: number;
  resyncs: number;
  dropped: number;
}

export class Feed {
  private readonly subs = new Set<Sub>();
  private readonly byId = new Map<string, Sub>();
  /** How many subscribers watch every session's frames, and each session's. */
  private watchingAll = 0;
  private readonly watching = new Map<number, number>();
  private readonly intervalMs: number;
  private readonly maxQueued: number;
  private readonly maxQueuedBytes: number;
  private pending = emptyDelta();
  /** Where each session is in `pending` (its view's index, its frames' entry), by id: each one was
   * looked up in a list of them, n²/2 steps a batch (a thousand busy sessions: 5-10 ms a batch, at
   * 20 batches a second; 4,000: 35 ms, most of the time between two batches). */
  private readonly pendingSessions = new Map<number, number>();
  private readonly pendingFrames = new Map<number, FeedDelta['frames'][number]>();
  private hasPending = false;
  private timer: NodeJS.Timeout | null = null;
  private lastFlush = 0;
  readonly stats: FeedStats = { batches: 0, resyncs: 0, dropped: 0 };

  constructor(private readonly snapshot: () => FeedSnapshot, opts: FeedOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 50;
    this.maxQueued = opts.maxQueued ?? 64;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? MAX_QUEUED_BYTES;
  }

  get subscriberCount(): number {
    return this.subs.size;
  }

  /** The batches queued for busy subscribers, in bytes (deltaBytes), over all of them. */
  get queuedBytes(): number {
    let n = 0;
    for (const sub of this.subs) n += sub.queued;
    return n;
  }

  subscribe(sink: FeedSink): () => void {
    const sub: Sub = { id: randomBytes(12).toString('hex'), watch: null, sink, queue: [], queued: 0, resync: false };
    this.subs.add(sub);
    this.byId.set(sub.id, sub);
    this.setWatch(sub, 'all');
    safeSend(sink, { event: 'snapshot', payload: { ...this.snapshot(), feed: sub.id } });
    return () => {
      if (!this.subs.delete(sub)) return;
      this.byId.delete(sub.id);
      this.setWatch(sub, null);
    };
  }

  /** Subscriber `id` gets the frames of `watch` from the next batch on: frames already in the
   * batch being gathered that it did not watch are not sent to it (its session log has them). False
   * when no subscriber has that id. */
  watch(id: string, watch: FrameWatch): boolean {
    const sub = this.byId.get(id);
    if (!sub) return false;
    this.setWatch(sub, watch);
    return true;
  }

  /** Whether some subscriber gets session `sessionId`'s frames. */
  wantsFrames(sessionId: number): boolean {
    return this.watchingAll > 0 || this.watching.has(sessionId);
  }

  private setWatch(sub: Sub, watch: FrameWatch): void {
    const was = sub.watch;
    if (was === 'all') this.watchingAll--;
    else if (was !== null) {
      const n = this.watching.get(was)! - 1;
      if (n > 0) this.watching.set(was, n);
      else this.watching.delete(was);
    }
    sub.watch = watch;
    if (watch === 'all') this.watchingAll++;
    else if (watch !== null) this.watching.set(watch, (this.watching.get(watch) ?? 0) + 1);
  }

  session(v: SessionView): void {
    if (!this.subs.size) return;
    const i = this.pendingSessions.get(v.id);
    if (i !== undefined) this.pending.sessions[i] = v;
    else this.pendingSessions.set(v.id, this.pending.sessions.push(v) - 1);
    this.touch();
  }

  exchange(v: ExchangeView): void {
    if (!this.subs.size) return;
    this.pending.exchanges.push(v);
    this.touch();
  }

  frames(sessionId: number, frames: FrameView[]): void {
    if (!this.wantsFrames(sessionId)) return;
    let entry = this.pendingFrames.get(sessionId);
    if (!entry) {
      this.pending.frames.push((entry = { sessionId, frames: [] }));
      this.pendingFrames.set(sessionId, entry);
    }
    for (const f of frames) entry.frames.push(f);
    // A busy session's newest frames are enough for a live view; the full log is one request away.
    if (entry.frames.length > MAX_FRAMES_PER_BATCH) entry.frames.splice(0, entry.frames.length - MAX_FRAMES_PER_BATCH);
    this.touch();
  }

  log(v: LogView): void {
    if (!this.subs.size) return;
    this.pending.logs.push(v);
    this.touch();
  }

  listeners(v: ListenerView[]): void {
    if (!this.subs.size) return;
    this.pending.listeners = v;
    this.touch();
  }

  upstreams(v: UpstreamStatusView[]): void {
    if (!this.subs.size) return;
    this.pending.upstreams = v;
    this.touch();
  }

  config(v: ConfigState): void {
    if (!this.subs.size) return;
    this.pending.config = v;
    this.touch();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.subs.clear();
    this.byId.clear();
    this.watchingAll = 0;
    this.watching.clear();
  }

  /** Send every subscriber a fresh snapshot at the next batch, in place of its queued deltas: what
   * it shows was made under settings that changed (redaction). */
  resync(): void {
    for (const sub of this.subs) {
      sub.queue = [];
      sub.queued = 0;
      sub.resync = true;
    }
    this.newPending();
    this.schedule();
  }

  private newPending(): void {
    this.pending = emptyDelta();
    this.pendingSessions.clear();
    this.pendingFrames.clear();
    this.hasPending = false;
  }

  private touch(): void {
    this.hasPending = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastFlush + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = null;
    this.lastFlush = Date.now();
    const delta = this.hasPending ? this.pending : null;
    this.newPending();
    if (delta) this.stats.batches++;
    let retry = false;
    // (what each watch gets of the batch, and its size, made once for the subscribers that share it)
    const views = new Map<FrameWatch, { delta: FeedDelta | null; size: number }>();
    // (one snapshot for every subscriber resynced in this batch: a redaction change resyncs them all,
    // and each built its own, the proxy waiting for every one of them)
    let snapshot: FeedSnapshot | null = null;
    for (const sub of this.subs) {
      const busy = sub.sink.busy();
      if (delta && !sub.resync) {
        let view = views.get(sub.watch);
        if (!view) views.set(sub.watch, (view = { delta: watched(delta, sub.watch), size: -1 }));
        if (view.delta) {
          sub.queue.push(view.delta);
          // (counted when it stays queued: a subscriber that is not busy takes it at once)
          if (busy) sub.queued += view.size < 0 ? (view.size = deltaBytes(view.delta)) : view.size;
        }
      }
      if (sub.queue.length > this.maxQueued || sub.queued > this.maxQueuedBytes) {
        this.stats.dropped += sub.queue.length;
        sub.queue = [];
        sub.queued = 0;
        sub.resync = true;
      }
      if (busy) {
        if (sub.queue.length || sub.resync) retry = true;
        continue;
      }
      sub.queued = 0;
      if (sub.resync) {
        sub.resync = false;
        this.stats.resyncs++;
        safeSend(sub.sink, { event: 'snapshot', payload: (snapshot ??= this.snapshot()) });
        continue;
      }
      for (const d of sub.queue.splice(0)) safeSend(sub.sink, { event: 'delta', payload: d });
    }
    if (retry) this.schedule();
  }
}

function safeSend(sink: FeedSink, e: FeedEvent): void {
  try {
    sink.send(e);
  } catch {
    // a transport that fails to send is the transport's problem (it unsubscribes on close)
  }
}

/** What a subscriber watching `watch` gets of a batch: the frames of its session only; null when
 * nothing is left. */
function watched(d: FeedDelta, watch: FrameWatch): FeedDelta | null {
  if (watch === 'all') return d;
  const frames = watch === null ? [] : d.frames.filter((f) => f.sessionId === watch);
  if (frames.length === d.frames.length) return d;
  const out: FeedDelta = { ...d, frames };
  const empty = !frames.length && !d.sessions.length && !d.exchanges.length && !d.logs.length && !d.listeners && !d.upstreams && !d.config;
  return empty ? null : out;
}

function emptyDelta(): FeedDelta {
  return { sessions: [], exchanges: [], frames: [], logs: [] };
}
