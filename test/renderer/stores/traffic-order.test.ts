// The traffic store gets sessions and exchanges two ways, the feed and the answers to its requests,
// and either may come late: the answer to the open session's `session` request, made before the
// feed said the session ended, came after it and showed the session open again (an idle one, or an
// ended one, gets no later delta to set it right); an exchange ends when its answer does, after a
// quicker one that started later, and the list dropped it as one it already had. Store driven with
// a fake API whose answers and feed events the test delivers in a chosen order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeView, FeedDelta, FeedEvent, FeedSnapshot, Result, SessionView } from '../../../app/api/contract.ts';

interface Call { name: string; params: Record<string, unknown>; resolve: (r: Result<unknown>) => void }
const inFlight: Call[] = [];
let onEvent: ((e: FeedEvent) => void) | null = null;

const api = new Proxy({}, {
  get: (_t, name: string) => {
    if (name === 'subscribe') return (l: (e: FeedEvent) => void) => ((onEvent = l), () => {});
    if (name === 'onConnection') return undefined;
    return (params: Record<string, unknown>) => new Promise<Result<unknown>>((resolve) => inFlight.push({ name, params, resolve }));
  },
});

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};
/** The next request named `name`, once the store has made it. */
async function request(name: string): Promise<Call> {
  await settle();
  const i = inFlight.findIndex((c) => c.name === name);
  assert.ok(i >= 0, `a ${name} request was made`);
  return inFlight.splice(i, 1)[0]!;
}
/** Answer every request, until none is left. */
async function answerAll(): Promise<void> {
  for (let round = 0; round < 20; round++) {
    await settle();
    if (!inFlight.length) return;
    for (const c of inFlight.splice(0)) c.resolve({ ok: true, value: c.name === 'watchFrames' ? { session: c.params.session } : {} });
  }
}

function session(id: number, over: Partial<SessionView> = {}): SessionView {
  return {
    id, url: '/ws', clientAddress: '127.0.0.1', route: null, upstream: 'u', upstreamPath: '/ws', tries: [], requestHeaders: [], responseHeaders: [],
    subprotocol: null, extensions: null, state: 'open', status: 101, openedAt: 1, closedAt: null, closedBy: null, closeReason: null, closeFrame: null,
    bytesFromClient: 100, bytesFromUpstream: 100, framesFromClient: 1, framesFromUpstream: 1, framesAvailable: true, ...over,
  } as SessionView;
}
const exchange = (id: number) => ({ id, method: 'GET', url: `/x${id}`, status: 200, upstreamPath: null, cause: null, note: null, requestHeaders: [], responseHeaders: [], tries: [] }) as unknown as ExchangeView;
const delta = (d: Partial<FeedDelta>): FeedEvent => ({ event: 'delta', payload: { sessions: [], exchanges: [], frames: [], logs: [], ...d } });

interface Store { sessions: SessionView[]; exchanges: ExchangeView[]; start(): void; openFrames(id: number | null): Promise<void> }

async function fresh(sessions: SessionView[], exchanges: ExchangeView[] = []): Promise<Store> {
  const { createPinia, setActivePinia } = await import('pinia');
  // (after Vue loaded: it looks for a DOM document; the store's API module takes window.switchyard)
  Object.assign(globalThis, { window: { switchyard: api }, document: { querySelector: () => null }, addEventListener: () => {} });
  setActivePinia(createPinia());
  // (not a literal: the renderer's files are typechecked by their own tsconfig, with the DOM)
  const { useTraffic } = (await import(String(new URL('../../../renderer/src/stores/traffic.ts', import.meta.url)))) as { useTraffic: () => Store };
  const traffic = useTraffic();
  traffic.start();
  const snapshot = {
    sessions, exchanges, listeners: [], upstreams: [], logs: [], framesSupported: true, hostname: 'h', feed: 'f1',
    config: { draft: { schemaVersion: 1, upstreams: [], servers: [] }, applied: null, appliedAt: null, canUndo: false, revision: 0, instance: 'i' },
  } as unknown as FeedSnapshot;
  onEvent!({ event: 'snapshot', payload: snapshot });
  await answerAll();
  return traffic;
}

test("the open session's fetched view, answered before the feed said it ended and come after, does not show it open again", async () => {
  const traffic = await fresh([session(1)]);
  const opening = traffic.openFrames(1);
  (await request('watchFrames')).resolve({ ok: true, value: { session: 1 } });
  const fetch = await request('session'); // the service answers: open, 2 frames
  onEvent!(delta({ sessions: [session(1, { state: 'closed', closedAt: 5, closedBy: 'client', framesFromClient: 2, framesFromUpstream: 2 })] }));
  fetch.resolve({ ok: true, value: { session: session(1), frames: [] } });
  await opening;
  assert.equal(traffic.sessions[0]!.state, 'closed');
  assert.equal(traffic.sessions[0]!.framesFromClient, 2);
});

test('a fetched view behind the counts the feed gave (frames relayed meanwhile) does not put them back', async () => {
  const traffic = await fresh([session(1)]);
  const opening = traffic.openFrames(1);
  (await request('watchFrames')).resolve({ ok: true, value: { session: 1 } });
  const fetch = await request('session');
  onEvent!(delta({ sessions: [session(1, { framesFromUpstream: 9, bytesFromUpstream: 900 })] }));
  fetch.resolve({ ok: true, value: { session: session(1), frames: [] } });
  await opening;
  assert.equal(traffic.sessions[0]!.framesFromUpstream, 9);
  assert.equal(traffic.sessions[0]!.bytesFromUpstream, 900);
});

test("a session the page does not hold yet is shown from the fetch's view", async () => {
  const traffic = await fresh([]);
  const opening = traffic.openFrames(3);
  (await request('watchFrames')).resolve({ ok: true, value: { session: 3 } });
  (await request('session')).resolve({ ok: true, value: { session: session(3, { framesFromClient: 4 }), frames: [] } });
  await opening;
  assert.deepEqual(traffic.sessions.map((s) => [s.id, s.framesFromClient]), [[3, 4]]);
});

test('an exchange that ends after a later one that ended sooner is added to the list', async () => {
  const traffic = await fresh([], [exchange(4)]);
  onEvent!(delta({ exchanges: [exchange(6)] }));
  onEvent!(delta({ exchanges: [exchange(5)] }));
  assert.deepEqual(traffic.exchanges.map((x) => x.id), [4, 6, 5]);
});

test('an exchange both in the snapshot and in the delta after it is listed once', async () => {
  const traffic = await fresh([], [exchange(4), exchange(5)]);
  onEvent!(delta({ exchanges: [exchange(5), exchange(6)] }));
  assert.deepEqual(traffic.exchanges.map((x) => x.id), [4, 5, 6]);
});
