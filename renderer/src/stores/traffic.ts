// Live traffic, as the feed reports it: a snapshot, then coalesced deltas. Large lists live in
// shallow refs and are replaced, not deep-watched, so thousands of rows stay cheap. The open
// session's frame log (up to 100,000 rows) is a FrameBuffer appended in place; `framesVersion`
// tells the views that it changed.
import { defineStore } from 'pinia';
import { ref, shallowRef, computed, markRaw } from 'vue';
import { api, onConnection, type ConnectionState } from '../api/index.ts';
import type { ExchangeView, FeedDelta, FeedEvent, FeedSnapshot, FrameView, ListenerView, LogView, SessionView, UpstreamStatusView } from '../../../app/api/contract.ts';
import { FrameBuffer } from '../../../app/traffic/frame-buffer.ts';
import { isLiveSession } from '../../../app/traffic/list-filters.ts';
import type { OlderFrames } from '../../../app/traffic/older-frames.ts';
import { exchangesToKeep } from '../../../app/traffic/exchange-budget.ts';
import { EndedSessions } from '../../../app/traffic/ended-sessions.ts';
import { isEarlierView } from '../../../app/traffic/session-progress.ts';
import { reachableAddress } from '../../../app/proxy/ws-example.ts';
import { useConfig } from './config.ts';
import { useHarView, type OpenHar } from './har-view.ts';

const MAX_LOGS = 1000;
/** Frames held for the open session (a row is ~200 bytes plus its preview). */
export const MAX_FRAMES = 100_000;
/** Closed (and refused) sessions kept, oldest dropped first; the open one (`frameSession`) is kept
 * past it while it stays open. */
const MAX_CLOSED_SESSIONS = 500;
/** Of app/traffic/older-frames.ts's OlderFrames, what the fetch tells. */
type NotKept = Pick<OlderFrames, 'notKept' | 'logged' | 'cap'>;
const NONE_DROPPED: NotKept = { notKept: 0, logged: 0, cap: null };

export const useTraffic = defineStore('traffic', () => {
  const sessions = shallowRef<SessionView[]>([]);
  const exchanges = shallowRef<ExchangeView[]>([]);
  const listeners = shallowRef<ListenerView[]>([]);
  const upstreams = shallowRef<UpstreamStatusView[]>([]);
  const logs = shallowRef<LogView[]>([]);
  const framesSupported = ref(false);
  /** The engine machine's $hostname (FeedSnapshot.hostname), '' until the feed says it. */
  const hostname = ref('');
  const connection = ref<ConnectionState>('connecting');
  const synced = ref(false);
  /** Frames of the session being looked at (others are fetched when opened). */
  const frameSession = ref<number | null>(null);
  const frames = markRaw(new FrameBuffer(MAX_FRAMES));
  /** Bumped whenever `frames` changes (appended, trimmed or replaced). */
  const framesVersion = ref(0);
  /** Frames the live feed skipped for the open session (it sends a busy session's newest ones). */
  const framesMissed = ref(0);
  /** The open session's frame log is being fetched. */
  const framesLoading = ref(false);
  /** The open session's frames its fetched log no longer had, and why (FrameLog's note). */
  const framesNotKept = shallowRef<NotKept>(NONE_DROPPED);

  /** A listening address to show in examples ("127.0.0.1:8080" before the first snapshot); null
   * when none listens (every listener failed, or none runs: an example would reach whatever holds
   * the port, or nothing). */
  const exampleAddress = computed(() => {
    const l = listeners.value.find((x) => x.state === 'listening');
    if (!l) return synced.value ? null : '127.0.0.1:8080';
    return reachableAddress(l.host, l.port);
  });
  /** Why no listener runs, when none does: each failed one's message, or that none is running. */
  const noListenerWhy = computed(() => {
    if (exampleAddress.value !== null) return '';
    if (listeners.value.length) return listeners.value.map((l) => l.error?.message ?? `${l.host}:${l.port} failed`).join('; ');
    return 'the running config has none, or none was applied: the status bar says why';
  });
  const liveCount = computed(() => sessions.value.filter(isLiveSession).length);
  /** The closed sessions kept: the last MAX_CLOSED_SESSIONS to end, as the service keeps them. */
  const ended = new EndedSessions(MAX_CLOSED_SESSIONS);

  function snapshot(s: FeedSnapshot) {
    // (the open session stays, also when it ended and the service no longer keeps it)
    const open = frameSource ? undefined : sessions.value.find((x) => x.id === frameSession.value && !isLiveSession(x));
    sessions.value = open && !s.sessions.some((x) => x.id === open.id) ? [...s.sessions, open].sort((a, b) => a.id - b.id) : s.sessions;
    ended.reset(sessions.value);
    exchanges.value = s.exchanges;
    listeners.value = s.listeners;
    upstreams.value = s.upstreams;
    logs.value = s.logs;
    framesSupported.value = s.framesSupported;
    hostname.value = s.hostname;
    useConfig().receive(s.config);
    synced.value = true;
    // (a subscription's first snapshot has its id; a resync's none, and the id stays)
    feedId = s.feed ?? feedId;
    // (a new subscription gets every session's frames until it says which it wants)
    void openFrames(frameSession.value);
  }

  function delta(d: FeedDelta) {
    if (d.sessions.length) sessions.value = ended.merge(sessions.value, d.sessions, frameSession.value);
    if (d.exchanges.length) {
      // (an exchange is logged as it ends, so ids come out of order: one held is one the snapshot
      // had and the delta after it repeats, not one with a lower id than the last)
      const held = new Set(exchanges.value.map((e) => e.id));
      const fresh = d.exchanges.filter((e) => !held.has(e.id));
      if (fresh.length) {
        const list = [...exchanges.value, ...fresh];
        exchanges.value = list.slice(list.length - exchangesToKeep(list));
      }
    }
    if (d.logs.length) {
      const last = logs.value.at(-1)?.seq ?? 0;
      logs.value = [...logs.value, ...d.logs.filter((l) => l.seq > last)].slice(-MAX_LOGS);
    }
    for (const f of d.frames) {
      if (f.sessionId !== frameSession.value || frameSource) continue; // (an imported session's: not these)
      if (framesLoading.value) {
        pendingFrames.push(...f.frames); // the fetch in flight may or may not include them
        continue;
      }
      const r = frames.append(f.frames);
      if (r.missed) framesMissed.value += r.missed;
      if (r.added) framesVersion.value++;
    }
    if (d.listeners) listeners.value = d.listeners;
    if (d.upstreams) upstreams.value = d.upstreams;
    if (d.config) useConfig().receive(d.config);
  }

  function onEvent(e: FeedEvent) {
    if (e.event === 'snapshot') snapshot(e.payload);
    else delta(e.payload);
  }

  let started = false;
  function start() {
    if (started) return;
    started = true;
    onConnection((s) => (connection.value = s));
    api.subscribe(onEvent);
  }

  let opening = 0;
  let pendingFrames: FrameView[] = [];
  /** The feed subscription's id (its snapshot's), for watchFrames. */
  let feedId: string | null = null;
  /** The last watchFrames request made: the next one waits for its answer. */
  let watched: Promise<void> = Promise.resolve();
  /** Have the feed send the frames of live session `id` only (none for null): the page shows one
   * session's log, and every session's frames cost the proxy to encode and send. One request at a
   * time, in the order they were made: two in flight (two POSTs) may reach the service in either
   * order, and the page that opened 1 then 2 went on watching 1. */
  function watchFrames(id: number | null): Promise<void> {
    watched = watched.then(async () => {
      if (feedId !== null) await api.watchFrames({ feed: feedId, session: id });
    }).catch(() => {});
    return watched;
  }
  /** The HAR file `frameSession` is a session of, or null for live traffic. */
  let frameSource: OpenHar | null = null;
  /** Show session `id`'s frame log (fetched whole; the feed appends to it from then on), or the
   * imported session's while a HAR file is open (stores/har-view.ts). */
  async function openFrames(id: number | null) {
    const ticket = ++opening;
    const harView = useHarView();
    const source = harView.har;
    if (frameSession.value !== id || frameSource !== source) {
      frameSession.value = id;
      frameSource = source;
      frames.reset();
      framesVersion.value++;
    }
    framesMissed.value = 0;
    framesNotKept.value = NONE_DROPPED;
    pendingFrames = [];
    if (id === null || source) {
      framesLoading.value = false;
      void watchFrames(null);
      if (id !== null) {
        const rows = harView.sessionOf(id)?.frames ?? [];
        frames.reset(rows);
        framesNotKept.value = notKeptOf(rows, null);
        framesVersion.value++;
      }
      return;
    }
    framesLoading.value = true;
    // (the feed has every frame of it from the answer on, the fetch every frame until it: rows
    // that come both ways are taken once, by seq)
    await watchFrames(id);
    if (ticket !== opening) return;
    const r = await api.session({ id });
    if (ticket !== opening) return;
    framesLoading.value = false;
    const pending = pendingFrames;
    pendingFrames = [];
    const rows = r.ok ? r.value.frames ?? [] : [];
    if (r.ok) frames.reset(rows);
    framesMissed.value += frames.append(pending).missed; // (frames logged since the fetch, and skipped)
    framesVersion.value++;
    if (!r.ok) return;
    // (the feed may have said more of it since the service answered: the session ended, frames went by)
    const held = sessions.value.find((s) => s.id === id);
    if (!held || !isEarlierView(r.value.session, held)) sessions.value = ended.merge(sessions.value, [r.value.session], frameSession.value);
    if (!rows[0]?.seq) return;
    // older frames are gone: which cap took them (the per-session one only when it was passed)
    const settings = await api.getSettings({});
    if (ticket === opening) framesNotKept.value = notKeptOf(rows, settings.ok ? settings.value.framesPerSession : null);
  }
  const notKeptOf = (rows: readonly FrameView[], cap: number | null): NotKept => (rows.length ? { notKept: rows[0]!.seq, logged: rows.at(-1)!.seq + 1, cap } : NONE_DROPPED);

  async function closeSession(id: number, code: number, reason: string) {
    return api.closeSession({ id, code, reason: reason || undefined });
  }

  function framePayload(id: number, seq: number) {
    return api.framePayload({ id, seq });
  }
  function exchangeBody(id: number, side: 'request' | 'response') {
    return api.exchangeBody({ id, side });
  }
  function injectMessage(id: number, direction: 'client' | 'upstream', opcode: 'text' | 'binary', data: string) {
    return api.injectMessage({ id, direction, opcode, data });
  }
  function replayFrame(id: number, seq: number, direction?: 'client' | 'upstream') {
    return api.replayFrame({ id, seq, direction });
  }

  return {
    exampleAddress, noListenerWhy, sessions, exchanges, listeners, upstreams, logs, framesSupported, hostname, connection, synced, frames, framesVersion, framesMissed, framesLoading, framesNotKept,
    frameSession, liveCount, start, openFrames, closeSession, framePayload, exchangeBody, injectMessage, replayFrame,
  };
});
