// The page gets the config's state two ways: the feed, and the answers to its requests (setDraft,
// apply, undo). Either may come late. An apply's answer coming after the feed's state of the next
// edit put the applied draft back over that edit; a feed state older than an edit in flight put the
// older draft in the field being typed in. Here the config store runs against the service's own
// ConfigStore behind a fake API, and the test chooses when requests reach the service, when their
// answers come back and when feed states arrive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextTick } from 'vue';
import { ConfigStore } from '../../../main/service/config-store.ts';
import type { ConfigState, FeedEvent, FeedSnapshot, Result } from '../../../app/api/contract.ts';

type Doc = { schemaVersion: 1; upstreams: unknown[]; servers: Array<{ name: string }> };
const doc = (name: string): Doc => ({ schemaVersion: 1, upstreams: [], servers: [{ name }] });

let service: ConfigStore;
/** Requests sent, not yet at the service. */
const arriving: Array<() => void> = [];
/** Answers the service gave, not yet at the page. */
const answering: Array<() => void> = [];
/** Feed states the service sent, not yet at the page. */
const feeding: ConfigState[] = [];
let onEvent: ((e: FeedEvent) => void) | null = null;

function handle(name: string, params: Record<string, unknown>): Result<unknown> {
  if (name === 'getConfig') return { ok: true, value: service.state() };
  if (name === 'setDraft') service.setDraft(params.draft);
  else if (name === 'apply') {
    service.setDraft(params.draft); // (as the service does: the draft is kept, applied or not)
    if ((params.draft as Doc).servers[0]!.name === 'refused') return { ok: false, error: { code: 'apply_failed', message: 'refused', issues: [{ path: 'servers[0].name', code: 'refused', message: 'refused' }] } };
    service.markApplied(service.currentDraft());
  } else if (name === 'undoApply') service.undone();
  else return { ok: true, value: {} };
  const config = service.state();
  feeding.push(config);
  return { ok: true, value: name === 'setDraft' ? config : { listeners: [], config } };
}

const api = new Proxy({}, {
  get: (_t, name: string) => {
    if (name === 'subscribe') return (l: (e: FeedEvent) => void) => ((onEvent = l), () => {});
    if (name === 'onConnection') return undefined;
    return (params: Record<string, unknown>) => new Promise<Result<unknown>>((resolve) => {
      arriving.push(() => {
        const answer = handle(name, params);
        answering.push(() => resolve(answer));
      });
    });
  },
});

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  await nextTick();
};
/** The requests sent so far reach the service, in order. */
async function serve(): Promise<void> {
  await settle();
  for (const f of arriving.splice(0)) f();
}
/** The answers given so far reach the page. */
async function answer(): Promise<void> {
  for (const f of answering.splice(0)) f();
  await settle();
}
function snapshotOf(config: ConfigState): FeedEvent {
  const payload = { sessions: [], exchanges: [], listeners: [], upstreams: [], logs: [], framesSupported: true, hostname: 'h', feed: 'f1', config } as unknown as FeedSnapshot;
  return { event: 'snapshot', payload };
}
/** The feed states sent so far reach the page. */
async function feed(): Promise<void> {
  for (const config of feeding.splice(0)) onEvent!({ event: 'delta', payload: { sessions: [], exchanges: [], logs: [], frames: [], config } } as unknown as FeedEvent);
  await settle();
}
/** Past the draft's 300 ms wait for more typing: the edit's setDraft is sent. */
const typingPause = () => new Promise((r) => setTimeout(r, 350));

interface Store { draft: Doc; dirty: boolean; reverted: unknown; apply(): Promise<boolean>; undo(): Promise<void>; restore(): void; load(): Promise<void>; at(path: string): Array<{ code: string }> }
let config: Store;

async function fresh(): Promise<void> {
  arriving.length = answering.length = feeding.length = 0;
  service = new ConfigStore(doc('start'));
  service.markApplied(doc('start'));
  const { createPinia, setActivePinia } = await import('pinia');
  setActivePinia(createPinia());
  const { useConfig } = (await import(String(new URL('../../../renderer/src/stores/config.ts', import.meta.url)))) as { useConfig: () => Store };
  const { useTraffic } = (await import(String(new URL('../../../renderer/src/stores/traffic.ts', import.meta.url)))) as { useTraffic: () => { start(): void } };
  useTraffic().start();
  config = useConfig();
  onEvent!(snapshotOf(service.state()));
  await serve(); // (the snapshot's frame watch)
  await answer();
}

const name = () => config.draft.servers[0]!.name;

test('setup', async () => {
  // (after Vue loaded: it looks for a DOM document; the store's API module takes window.switchyard)
  Object.assign(globalThis, { window: { switchyard: api }, document: { querySelector: () => null }, addEventListener: () => {} });
  await fresh();
  assert.equal(name(), 'start');
});

test("an apply's answer that comes after the next edit was sent leaves that edit in the draft", async () => {
  await fresh();
  config.draft.servers[0]!.name = 'applied';
  const applying = config.apply();
  await serve();
  await feed(); // the feed says it runs before the answer comes
  assert.equal(config.dirty, false);
  config.draft.servers[0]!.name = 'typed after the apply';
  await typingPause();
  await serve(); // the edit's setDraft, answered at once
  const late = answering.shift()!; // (the apply's answer, held)
  await answer();
  await feed();
  late();
  await applying;
  await settle();
  assert.equal(name(), 'typed after the apply');
  assert.equal(config.dirty, true);
  assert.deepEqual(service.currentDraft(), config.draft, 'the page shows the draft the service has');
});

test('a feed state older than an edit in flight does not put the older draft in the field being typed in', async () => {
  await fresh();
  config.draft.servers[0]!.name = 'ab';
  await typingPause();
  await serve(); // 'ab' reaches the service; its feed state is still on the way
  await answer();
  config.draft.servers[0]!.name = 'abc';
  await typingPause(); // 'abc' sent, not yet at the service
  await feed(); // the state of 'ab'
  assert.equal(name(), 'abc', 'the field still holds what was typed');
  await serve();
  await feed();
  await answer();
  assert.equal(name(), 'abc');
  assert.deepEqual(service.currentDraft(), config.draft);
});

test('a state older than a refused apply (a slow first load) does not put back the draft from before it', async () => {
  await fresh();
  const loading = config.load();
  await serve(); // (its answer held)
  const late = answering.splice(0);
  config.draft.servers[0]!.name = 'refused';
  const applying = config.apply();
  await serve();
  await answer();
  assert.equal(await applying, false);
  for (const f of late) f();
  await loading;
  await settle();
  assert.equal(name(), 'refused');
  assert.deepEqual(service.currentDraft(), config.draft);
});

test("an apply's refusal that comes after the field was edited again is not shown at the edited field", async () => {
  await fresh();
  config.draft.servers[0]!.name = 'refused';
  const applying = config.apply();
  await serve(); // (its answer held)
  const late = answering.splice(0);
  config.draft.servers[0]!.name = 'fixed';
  await typingPause();
  await serve();
  await answer();
  for (const f of late) f();
  assert.equal(await applying, false);
  assert.equal(name(), 'fixed');
  const refusal = () => config.at('servers[0].name').filter((i) => i.code === 'refused');
  assert.deepEqual(refusal(), [], 'the refusal was of "refused"');
  config.draft.servers[0]!.name = 'refused';
  assert.equal(refusal().length, 1, 'and shows at the draft refused');
});

test("Undo apply's answer replaces the edits, even when its feed state came first, and Restore edits brings them back", async () => {
  await fresh();
  config.draft.servers[0]!.name = 'applied';
  const applying = config.apply();
  await serve();
  await answer();
  await applying;
  await feed();
  config.draft.servers[0]!.name = 'typed, then undone';
  const undoing = config.undo();
  await serve();
  await feed(); // the undo's state first: the draft is the config that runs again
  await answer();
  await undoing;
  assert.equal(name(), 'start');
  assert.equal(config.dirty, false);
  config.restore();
  assert.equal(name(), 'typed, then undone');
});

test('the states of a service run again (a new instance) are taken though their revision is lower', async () => {
  await fresh();
  config.draft.servers[0]!.name = 'one';
  await typingPause();
  await serve();
  await answer();
  await feed();
  service = new ConfigStore(doc('restarted'));
  onEvent!(snapshotOf(service.state()));
  await settle();
  assert.equal(name(), 'restarted');
});
