// The transport-free service: draft vs applied, undo of the last apply, bounded logs, closing a
// session, frames only when a tap exists. The engine here is a stand-in (fake-engine.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardService } from '../../../main/service/service.ts';
import { FakeEngine } from './fake-engine.ts';
import { hostname } from 'node:os';

const doc = (port: number) => ({ schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9000' }] }] });

async function make(limits = {}) {
  const engine = new FakeEngine();
  const service = await SwitchyardService.create(engine.asEngine(), { initialDraft: doc(1000), initialApplied: true, limits, frameTap: null });
  return { engine, service };
}

test('draft, apply, undo: the draft is kept apart from what runs, and undo goes back one apply', async () => {
  const { engine, service } = await make();
  let s = await service.handle('getConfig', {});
  assert.ok(s.ok && !(s.value as { dirty: boolean }).dirty);
  s = await service.handle('setDraft', { draft: doc(2000) });
  assert.ok(s.ok && (s.value as { dirty: boolean }).dirty);
  assert.equal(engine.applied.length, 0, 'editing the draft does not apply it');
  const a = await service.handle('apply', {});
  assert.ok(a.ok);
  assert.deepEqual(engine.applied.at(-1), doc(2000));
  const u = await service.handle('undoApply', {});
  assert.ok(u.ok);
  assert.deepEqual(engine.applied.at(-1), doc(1000));
  const state = (u.value as { config: { draft: unknown; canUndo: boolean } }).config;
  assert.deepEqual(state.draft, doc(1000));
  assert.equal(state.canUndo, false);
  const again = await service.handle('undoApply', {});
  assert.ok(!again.ok && again.error.code === 'nothing_to_undo');
  service.close();
});

test('an invalid draft is kept, reported with paths, and never applied', async () => {
  const { engine, service } = await make();
  const bad = { schemaVersion: 1, servers: [{ listen: [{ address: '127.0.0.1:1' }], locations: [{ path: 'nope', proxyPass: 'http://x' }] }] };
  const s = await service.handle('setDraft', { draft: bad });
  assert.ok(s.ok);
  assert.deepEqual((s.value as { draftIssues: Array<{ path: string }> }).draftIssues.map((i) => i.path).sort(), ['servers[0].locations[0].path', 'servers[0].locations[0].proxyPass']);
  const a = await service.handle('apply', {});
  assert.ok(!a.ok);
  assert.equal(a.error.code, 'invalid_config');
  assert.equal(engine.applied.length, 0);
  service.close();
});

test('a draft nested deeper than any config is refused as bad params naming where, and the draft stays', async () => {
  const { service } = await make();
  const deep = JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`) as unknown;
  const before = await service.handle('getConfig', {});
  for (const name of ['setDraft', 'apply'] as const) {
    const r = await service.handle(name, { draft: { ...doc(1001), servers: deep } });
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'bad_params', r.error.message);
    assert.match(r.error.message, /^draft\.servers(\[0\])+: nested more than 32 levels deep$/);
  }
  assert.deepEqual(await service.handle('getConfig', {}), before);
  service.close();
});

test('sessions: live and recently closed are kept (capped); close goes through liveSession(id).close', async () => {
  const { engine, service } = await make({ closedSessions: 3 });
  for (let id = 1; id <= 5; id++) engine.openSession(id);
  const closed = await service.handle('closeSession', { id: 2, code: 4000, reason: 'bye' });
  assert.ok(closed.ok);
  assert.equal((closed.value as { state: string }).state, 'closed');
  assert.match(String((closed.value as { closeReason: string }).closeReason), /code 4000: bye/);
  for (const id of [1, 3, 4, 5]) engine.live.get(id)!.close('test');
  const list = await service.handle('sessions', {});
  assert.ok(list.ok);
  assert.deepEqual((list.value as Array<{ id: number }>).map((s) => s.id), [3, 4, 5], 'only the 3 most recently closed remain');
  const detail = await service.handle('session', { id: 5 });
  assert.ok(detail.ok);
  assert.equal((detail.value as { frames: unknown }).frames, null, 'no tap: no frames, not an empty fake log');
  const bad = await service.handle('closeSession', { id: 5, code: 1005 });
  assert.ok(!bad.ok && bad.error.code === 'bad_params', '1005 may not be sent');
  service.close();
});

test('exchanges are capped', async () => {
  const { engine, service } = await make({ exchanges: 10 });
  for (let i = 1; i <= 50; i++) engine.exchange(i);
  const r = await service.handle('exchanges', {});
  assert.ok(r.ok);
  assert.deepEqual((r.value as Array<{ id: number }>).map((e) => e.id), Array.from({ length: 10 }, (_, i) => 41 + i));
  service.close();
});

test('exchanges are capped by the text they keep too: the oldest go first, the newest stays whatever its size', async () => {
  const { TrafficLog, DEFAULT_LIMITS } = await import('../../../main/service/traffic-log.ts');
  const log = new TrafficLog({ ...DEFAULT_LIMITS, exchanges: 100, exchangeChars: 10_000 });
  const exchange = (id: number, headerChars: number) => ({
    id, method: 'GET', url: '/x', clientAddress: '', route: null, upstream: null, upstreamPath: null, status: 200, cause: null, note: null, tries: [], startedAt: 0,
    timings: {}, requestHeaders: ['X-Big', 'h'.repeat(headerChars - 6)], responseHeaders: [], requestBytes: 0, responseBytes: 0,
  });
  for (let id = 1; id <= 30; id++) log.addExchange(exchange(id, 1_000)); // 1,002 characters each (with its URL)
  assert.deepEqual(log.exchanges().map((e) => e.id), Array.from({ length: 9 }, (_, i) => 22 + i), 'nine fit in 10,000 characters');
  log.addExchange(exchange(31, 50_000));
  assert.deepEqual(log.exchanges().map((e) => e.id), [31], 'one larger than the budget is kept alone');
  for (let id = 32; id <= 300; id++) log.addExchange(exchange(id, 10));
  assert.equal(log.exchanges().length, 100, 'the count cap still holds for small ones');
  assert.equal(log.exchanges().at(-1)!.id, 300);
});

test('frames are recorded when a tap exists', async () => {
  const engine = new FakeEngine();
  let sink: ((f: never) => void) | null = null;
  const service = await SwitchyardService.create(engine.asEngine(), {
    initialDraft: doc(1), frameTap: (_sockets, onFrame) => { sink = onFrame as never; return { stop() {} }; },
  });
  engine.openSession(1);
  assert.ok(sink);
  (sink as (f: unknown) => void)({ time: 1, from: 'client', opcode: 'text', fin: true, length: 5, preview: 'hello', closeCode: null });
  await new Promise((r) => setTimeout(r, 80));
  const d = await service.handle('session', { id: 1 });
  assert.ok(d.ok);
  assert.deepEqual((d.value as { frames: Array<{ preview: string; seq: number }> }).frames.map((f) => [f.seq, f.preview]), [[0, 'hello']]);
  service.close();
});

test("rows the tap delivers after its session closed (compressed messages still decoding) count in the closed session's view", async () => {
  const engine = new FakeEngine();
  let sink: ((f: unknown) => void) | null = null;
  let stopped = false;
  const service = await SwitchyardService.create(engine.asEngine(), {
    initialDraft: doc(1), frameTap: (_sockets, onFrame) => { sink = onFrame as never; return { stop() { stopped = true; } }; },
  });
  engine.openSession(1);
  const row = (from: string, opcode: string, preview: string) => ({ time: 1, from, opcode, fin: true, length: preview.length, preview, closeCode: opcode === 'close' ? 1000 : null });
  sink!(row('client', 'text', 'question'));
  engine.live.get(1)!.close('upstream closed the connection');
  assert.ok(stopped);
  // the real tap lets messages being inflated finish after stop(): their rows, and those queued
  // behind them (the peers' Close frames), come now
  sink!(row('upstream', 'text', 'a large compressed answer'));
  sink!({ ...row('upstream', 'violation', 'TAP_ERR_INVALID_UTF8: invalid UTF-8'), closeCode: 1007 });
  sink!(row('upstream', 'close', ''));
  sink!(row('client', 'close', ''));
  const d = await service.handle('session', { id: 1 });
  assert.ok(d.ok);
  const { session, frames } = d.value as { session: { state: string; framesFromClient: number; framesFromUpstream: number; violation?: string }; frames: unknown[] };
  assert.equal(frames.length, 5);
  assert.equal(session.state, 'closed');
  // (the frame counters are the relay's, on the record: this fake engine relays none)
  assert.equal(session.violation, 'upstream: TAP_ERR_INVALID_UTF8: invalid UTF-8');
  const list = await service.handle('sessions', {});
  assert.ok(list.ok);
  assert.deepEqual((list.value as Array<{ violation?: string }>).map((v) => v.violation), [session.violation]);
  service.close();
});

test('frame logs are bounded per session and in total (closed sessions lose theirs first)', async () => {
  const { TrafficLog, DEFAULT_LIMITS } = await import('../../../main/service/traffic-log.ts');
  const log = new TrafficLog({ ...DEFAULT_LIMITS, framesPerSession: 100, framesTotal: 250 });
  const frame = (i: number) => ({ time: i, from: 'client' as const, opcode: 'text', fin: true, length: 1, preview: String(i), closeCode: null });
  const session = (id: number, state: 'open' | 'closed') => ({ id, state }) as never;
  for (const id of [1, 2, 3]) log.upsertSession(session(id, 'open'));
  for (let i = 0; i < 1000; i++) log.addFrames(1, [frame(i)]);
  assert.ok(log.framesOf(1)!.length <= 125);
  assert.equal(log.framesOf(1)!.at(-1)!.preview, '999', 'the newest frames stay');
  log.upsertSession(session(1, 'closed'));
  for (let i = 0; i < 120; i++) log.addFrames(2, [frame(i)]);
  for (let i = 0; i < 120; i++) log.addFrames(3, [frame(i)]);
  assert.ok(log.frameCount <= 250, `${log.frameCount} frames kept`);
  assert.equal(log.framesOf(1), null, 'the closed session gave its frames up first');
  assert.ok(log.framesOf(3)!.length > 0);
});

test('live sessions over the total share it: the largest logs give up their oldest rows, a session that starts later keeps its own', async () => {
  const { TrafficLog, DEFAULT_LIMITS } = await import('../../../main/service/traffic-log.ts');
  const log = new TrafficLog({ ...DEFAULT_LIMITS, framesPerSession: 100, framesTotal: 250 });
  const frame = (i: number) => ({ time: i, from: 'client' as const, opcode: 'text', fin: true, length: 1, preview: String(i), closeCode: null });
  for (const id of [1, 2, 3, 4]) log.upsertSession({ id, state: 'open' } as never);
  for (const id of [1, 2, 3]) for (let i = 0; i < 100; i++) log.addFrames(id, [frame(i)]);
  for (let i = 0; i < 100; i++) log.addFrames(4, [frame(i)]);
  assert.ok(log.frameCount <= 250, `${log.frameCount} frames kept`);
  const sizes = [1, 2, 3, 4].map((id) => log.framesOf(id)!.length);
  assert.ok(Math.min(...sizes) >= 40, `each live session keeps a share: ${sizes}`);
  for (const id of [1, 2, 3, 4]) assert.equal(log.framesOf(id)!.at(-1)!.preview, '99', 'the newest rows stay');
  // a per-session cap above the total raises the total: one session keeps its whole cap
  const big = new TrafficLog({ ...DEFAULT_LIMITS, framesPerSession: 400, framesTotal: 250 });
  big.upsertSession({ id: 1, state: 'open' } as never);
  for (let i = 0; i < 400; i++) big.addFrames(1, [frame(i)]);
  assert.equal(big.framesOf(1)!.length, 400);
});

test('the service checks listen localhost:P with the addresses localhost binds: its draft issues and export agree with apply', async () => {
  const engine = new FakeEngine();
  const service = await SwitchyardService.create(engine.asEngine(), { initialDraft: doc(1000), frameTap: null, localhost: ['127.0.0.1', '::1'] });
  const draft = { schemaVersion: 1, servers: [{ listen: [{ address: 'localhost:18511' }, { address: '[::1]:18511' }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9000' }] }] };
  assert.ok((await service.handle('setDraft', { draft })).ok);
  const s = await service.handle('getConfig', {});
  assert.ok(s.ok);
  assert.deepEqual((s.value as { draftIssues: Array<{ path: string; code: string }> }).draftIssues.map((i) => `${i.path} ${i.code}`), ['servers[0].listen[1].address duplicate_listen']);
  const exported = await service.handle('exportNginx', { source: 'draft', shape: 'full' });
  assert.ok(!exported.ok && exported.error.code === 'invalid_config', JSON.stringify(exported));
  service.close();
});

test("with thousands of live sessions over the total, recording a row does not visit every session's log", async () => {
  const { TrafficLog, DEFAULT_LIMITS } = await import('../../../main/service/traffic-log.ts');
  const log = new TrafficLog({ ...DEFAULT_LIMITS, framesPerSession: 100 });
  // the logs by session, counting each one a pass over them visits (it took the largest log at
  // every row recorded over the total: 4,000 visits a row, 49 µs with 10,000 sessions)
  let visits = 0;
  class Counted<K, V> extends Map<K, V> {
    private counted<T>(it: IterableIterator<T>): IterableIterator<T> {
      return { next: () => { visits++; return it.next(); }, [Symbol.iterator]() { return this; } } as IterableIterator<T>;
    }
    override values() { return this.counted(super.values()); }
    override keys() { return this.counted(super.keys()); }
    override entries() { return this.counted(super.entries()); }
    override [Symbol.iterator]() { return this.counted(super.entries()); }
    override forEach(fn: (v: V, k: K, m: Map<K, V>) => void) { for (const [k, v] of this.entries()) fn(v, k, this); }
  }
  (log as unknown as { frames: Map<number, unknown> }).frames = new Counted();
  const sessions = 4000;
  for (let id = 1; id <= sessions; id++) log.upsertSession({ id, state: 'open' } as never);
  const rows = DEFAULT_LIMITS.framesTotal + 20_000;
  for (let i = 0; i < rows; i++) {
    if (i === rows - 20_000) visits = 0;
    log.addMessage((i % sessions) + 1, 'client', i, true, 1, null, 0, 0, false);
  }
  assert.ok(log.frameCount <= DEFAULT_LIMITS.framesTotal, `${log.frameCount} frames kept`);
  assert.ok(visits / 20_000 < 20, `${(visits / 20_000).toFixed(1)} logs visited per row recorded`);
  for (const id of [1, 2000, 4000]) assert.ok(log.framesOf(id)!.length >= 10, 'each live session keeps a share');
});

test('the feed tells the UI the machine\'s $hostname as nginx has it (lowercase), for the route tester', async () => {
  const { service } = await make();
  assert.equal(service.snapshot().hostname, hostname().toLowerCase());
  service.close();
});
