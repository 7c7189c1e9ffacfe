// The live feed: snapshot first, deltas coalesced to at most one batch per interval, and a slow
// subscriber that never holds up publishing (its queue is bounded; overflow → resync snapshot).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Feed, MAX_FRAMES_PER_BATCH, deltaBytes, type FeedSink } from '../../../main/service/feed.ts';
import type { ConfigState, FeedDelta, FeedEvent, FeedSnapshot, ExchangeView, FrameView, ListenerView, SessionView } from '../../../app/api/contract.ts';

const snapshot = (): FeedSnapshot => ({ sessions: [], exchanges: [], listeners: [], upstreams: [], logs: [], config: { draft: {}, draftIssues: [], applied: null, appliedAt: null, dirty: false, canUndo: false, revision: 0, instance: 'i' }, framesSupported: false, hostname: 'h' });
const exchange = (id: number) => ({ id, url: `/x/${id}`, requestHeaders: [], responseHeaders: [], tries: [] }) as unknown as ExchangeView;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sink(busy = () => false) {
  const got: Array<{ at: number; e: FeedEvent }> = [];
  const s: FeedSink = { send: (e) => got.push({ at: Date.now(), e }), busy };
  return { s, got };
}

test('a subscriber gets a snapshot at once, then coalesced deltas', async () => {
  const feed = new Feed(snapshot, { intervalMs: 50 });
  const { s, got } = sink();
  feed.subscribe(s);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.e.event, 'snapshot');
  for (let i = 1; i <= 500; i++) feed.exchange(exchange(i));
  await sleep(80);
  const deltas = got.filter((g) => g.e.event === 'delta');
  assert.equal(deltas.length, 1, '500 events in one interval make one batch');
  const ids = deltas.flatMap((d) => (d.e.payload as { exchanges: ExchangeView[] }).exchanges.map((x) => x.id));
  assert.deepEqual(ids, Array.from({ length: 500 }, (_, i) => i + 1));
  feed.close();
});

test('batches are bounded: a steady stream for 1s gives at most ~20 batches', async () => {
  const feed = new Feed(snapshot, { intervalMs: 50 });
  const { s, got } = sink();
  feed.subscribe(s);
  let id = 0;
  const end = Date.now() + 1000;
  while (Date.now() < end) {
    for (let i = 0; i < 50; i++) feed.exchange(exchange(++id));
    await sleep(1);
  }
  await sleep(120);
  const deltas = got.filter((g) => g.e.event === 'delta');
  assert.ok(deltas.length <= 23, `${deltas.length} batches in ~1s`);
  assert.ok(deltas.length >= 10, `${deltas.length} batches: the feed keeps flowing`);
  for (let i = 1; i < deltas.length; i++) assert.ok(deltas[i]!.at - deltas[i - 1]!.at >= 40, 'batches are spaced by the interval');
  const count = deltas.reduce((n, d) => n + (d.e.payload as { exchanges: unknown[] }).exchanges.length, 0);
  assert.equal(count, id, 'nothing lost for a subscriber that keeps up');
  feed.close();
});

test('a busy subscriber does not slow publishing: its queue is dropped and it is resynced with a snapshot', async () => {
  const feed = new Feed(snapshot, { intervalMs: 5, maxQueued: 4 });
  let busy = true;
  const slow = sink(() => busy);
  const fast = sink();
  feed.subscribe(slow.s);
  feed.subscribe(fast.s);
  const t0 = performance.now();
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 100; i++) feed.exchange(exchange(round * 100 + i));
    await sleep(8);
  }
  assert.ok(performance.now() - t0 < 1000, 'publishing never waited');
  assert.equal(slow.got.length, 1, 'nothing sent while busy (only the first snapshot)');
  assert.ok(feed.stats.dropped > 0);
  busy = false;
  await sleep(30);
  assert.equal(slow.got.at(-1)!.e.event, 'snapshot', 'resynced with a snapshot');
  assert.equal(feed.stats.resyncs, 1);
  assert.ok(fast.got.filter((g) => g.e.event === 'delta').length >= 5, 'the fast subscriber got its batches');
  feed.close();
});

test('the queue of a subscriber that stopped reading is bounded in bytes too (a busy session makes large batches): dropped past maxQueuedBytes, then a snapshot once it reads', async () => {
  const bound = 2 * 1024 * 1024;
  // (the count bound is out of reach: only the bytes bound can drop the queue)
  const feed = new Feed(snapshot, { intervalMs: 5, maxQueued: 10_000, maxQueuedBytes: bound });
  let busy = true;
  const stuck = sink(() => busy);
  const reader = sink();
  feed.subscribe(stuck.s);
  feed.subscribe(reader.s);
  const row = (seq: number): FrameView => ({ seq, time: 0, from: 'upstream', opcode: 'text', fin: true, length: 600, preview: 'x'.repeat(512), closeCode: null });
  let most = 0;
  for (let round = 0; round < 30; round++) {
    // a busy session's batch: its newest 500 frames, 512-character previews
    feed.frames(1, Array.from({ length: MAX_FRAMES_PER_BATCH }, (_, i) => row(round * MAX_FRAMES_PER_BATCH + i)));
    await sleep(8);
    most = Math.max(most, feed.queuedBytes);
  }
  assert.ok(most > bound / 2 && most <= bound, `${most} bytes queued at most (bound ${bound})`);
  assert.ok(feed.stats.dropped > 0, 'the queue was dropped');
  assert.equal(stuck.got.length, 1, 'nothing sent while stuck (only the first snapshot)');
  busy = false;
  await sleep(30);
  assert.equal(stuck.got.at(-1)!.e.event, 'snapshot', 'resynced with a snapshot');
  assert.equal(feed.queuedBytes, 0);
  // the estimate is not below what a batch takes to send
  const sent = reader.got.filter((g) => g.e.event === 'delta').map((g) => g.e.payload as FeedDelta);
  assert.ok(sent.length >= 10, 'the reading subscriber got its batches');
  for (const d of sent) assert.ok(deltaBytes(d) >= JSON.stringify(d).length);
  feed.close();
});

test('a delta that carries a config (a draft of megabytes), listeners or upstreams counts them in its bytes', () => {
  const config = { draft: { servers: [{ comment: 'x'.repeat(1_000_000) }] } } as unknown as ConfigState;
  const listeners = [{ host: '127.0.0.1', port: 8080, state: 'listening' }] as unknown as ListenerView[];
  const d: FeedDelta = { sessions: [], exchanges: [], frames: [], logs: [], config, listeners };
  assert.ok(deltaBytes(d) >= JSON.stringify(d).length, `${deltaBytes(d)} bytes estimated`);
});

test('no subscribers: publishing does no work', () => {
  const feed = new Feed(snapshot);
  for (let i = 0; i < 1000; i++) feed.exchange(exchange(i));
  assert.equal(feed.stats.batches, 0);
  feed.close();
});

test("a batch of thousands of busy sessions finds each session's view and frames by id, not by searching the batch", async () => {
  const feed = new Feed(snapshot, { intervalMs: 20 });
  const { s, got } = sink();
  feed.subscribe(s);
  const n = 3000;
  const view = (id: number, v: number) => ({ id, url: `/s/${v}`, requestHeaders: [], responseHeaders: [] }) as unknown as SessionView;
  const row = (seq: number) => ({ seq, from: 'client', opcode: 'text', preview: '' }) as unknown as FrameView;
  // (a search of the batch for each session: ~n²/2 steps of a callback; a lookup by id takes none)
  let steps = 0;
  const { find, findIndex } = Array.prototype;
  const counted = <F extends (...a: never[]) => unknown>(fn: F) => function (this: unknown[], pred: (...a: unknown[]) => unknown, ...rest: unknown[]) {
    return (fn as unknown as (...a: unknown[]) => unknown).call(this, (...a: unknown[]) => { steps++; return pred(...a); }, ...rest);
  };
  Array.prototype.find = counted(find) as typeof find;
  Array.prototype.findIndex = counted(findIndex) as typeof findIndex;
  try {
    for (const v of [1, 2]) {
      for (let id = 1; id <= n; id++) {
        feed.session(view(id, v));
        feed.frames(id, [row(v)]);
      }
    }
  } finally {
    Array.prototype.find = find;
    Array.prototype.findIndex = findIndex;
  }
  assert.ok(steps < n, `${steps} search steps for ${n} sessions`);
  await sleep(60);
  const d = got.find((g) => g.e.event === 'delta')!.e.payload as FeedDelta;
  assert.deepEqual(d.sessions.map((v) => v.id), Array.from({ length: n }, (_, i) => i + 1), 'one view each, in order');
  assert.ok(d.sessions.every((v) => v.url === '/s/2'), 'the latest view');
  assert.ok(d.frames.length === n && d.frames.every((f, i) => f.sessionId === i + 1 && f.frames.map((r) => r.seq).join() === '1,2'), 'one entry each, its rows in order');
  feed.close();
});
