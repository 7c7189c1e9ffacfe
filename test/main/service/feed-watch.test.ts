// A feed subscriber says whose frames it wants (watchFrames): every session's (a new subscription),
// one session's, or none; frames nobody wants are not published at all, and the rest of a batch
// still reaches everyone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Feed, type FeedSink } from '../../../main/service/feed.ts';
import type { FeedDelta, FeedEvent, FeedSnapshot, FrameView, SessionView } from '../../../app/api/contract.ts';

const snapshot = (): FeedSnapshot => ({ sessions: [], exchanges: [], listeners: [], upstreams: [], logs: [], config: { draft: {}, draftIssues: [], applied: null, appliedAt: null, dirty: false, canUndo: false, revision: 0, instance: 'i' }, framesSupported: true, hostname: 'h' });
const frame = (seq: number): FrameView => ({ seq, time: 0, from: 'client', opcode: 'text', fin: true, length: 1, preview: 'x', closeCode: null });
const session = (id: number) => ({ id, url: `/ws/${id}`, requestHeaders: [], responseHeaders: [] }) as unknown as SessionView;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function page(feed: Feed) {
  const got: FeedEvent[] = [];
  const s: FeedSink = { send: (e) => got.push(e), busy: () => false };
  const unsubscribe = feed.subscribe(s);
  const first = got[0]!;
  assert.equal(first.event, 'snapshot');
  const id = first.event === 'snapshot' ? first.payload.feed! : '';
  const deltas = () => got.slice(1).filter((e): e is { event: 'delta'; payload: FeedDelta } => e.event === 'delta').map((e) => e.payload);
  const frames = () => deltas().flatMap((d) => d.frames.map((f) => `${f.sessionId}:${f.frames.map((r) => r.seq).join(',')}`));
  return { id, got, deltas, frames, unsubscribe };
}

test("each subscriber gets the frames it watches: every session's at first, then one session's, or none; the rest of the batch reaches all", async () => {
  const feed = new Feed(snapshot, { intervalMs: 10 });
  const a = page(feed);
  const b = page(feed);
  const c = page(feed);
  assert.notEqual(a.id, b.id, 'each subscription its own id');
  assert.ok(feed.watch(b.id, 2));
  assert.ok(feed.watch(c.id, null));
  feed.frames(1, [frame(0)]);
  feed.frames(2, [frame(0), frame(1)]);
  feed.session(session(3));
  await sleep(40);
  assert.deepEqual(a.frames(), ['1:0', '2:0,1']);
  assert.deepEqual(b.frames(), ['2:0,1']);
  assert.deepEqual(c.frames(), []);
  for (const p of [a, b, c]) assert.deepEqual(p.deltas().flatMap((d) => d.sessions.map((s) => s.id)), [3], 'sessions go to everyone');

  // a batch with nothing for a subscriber sends it nothing
  const before = c.got.length;
  feed.frames(1, [frame(1)]);
  await sleep(40);
  assert.equal(c.got.length, before);
  assert.deepEqual(b.frames(), ['2:0,1']);
  assert.deepEqual(a.frames(), ['1:0', '2:0,1', '1:1']);
  feed.close();
});

test('frames no subscriber watches are not published; an unknown or ended subscription cannot watch', () => {
  const feed = new Feed(snapshot, { intervalMs: 10 });
  assert.equal(feed.wantsFrames(1), false, 'no subscriber');
  const a = page(feed);
  assert.equal(feed.wantsFrames(1), true, 'a new subscription watches every session');
  feed.watch(a.id, 7);
  assert.deepEqual([feed.wantsFrames(1), feed.wantsFrames(7)], [false, true]);
  const b = page(feed);
  feed.watch(b.id, 7);
  feed.watch(a.id, null);
  assert.equal(feed.wantsFrames(7), true, 'b still watches 7');
  b.unsubscribe();
  assert.equal(feed.wantsFrames(7), false);
  assert.equal(feed.watch(b.id, 7), false, 'an ended subscription');
  assert.equal(feed.watch('nope', 'all'), false);
  feed.close();
});
