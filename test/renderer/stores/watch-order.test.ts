// The page's watchFrames requests reach the service in the order the page made them: each is a
// request of its own (a POST over the web host), and two in flight may arrive in either order; a
// page that opened session 1 then session 2 at once, the service taking 2's request first, went on
// watching 1 and showed 2's log without its new frames. Store driven with a fake API whose requests
// the test delivers, latest first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeedEvent, FeedSnapshot, Result } from '../../../app/api/contract.ts';

interface Call { name: string; params: Record<string, unknown>; deliver: () => void }
const inFlight: Call[] = [];
/** The service's side: whose frames subscription 'f1' watches, as the requests came. */
let watching: unknown = 'all';
let onEvent: ((e: FeedEvent) => void) | null = null;

const api = new Proxy({}, {
  get: (_t, name: string) => {
    if (name === 'subscribe') return (l: (e: FeedEvent) => void) => ((onEvent = l), () => {});
    if (name === 'onConnection') return undefined;
    return (params: Record<string, unknown>) => new Promise<Result<unknown>>((resolve) => {
      inFlight.push({
        name, params,
        deliver: () => {
          if (name === 'watchFrames') watching = params.session;
          if (name === 'session') resolve({ ok: false, error: { code: 'not_found', message: 'none' } });
          else resolve({ ok: true, value: name === 'watchFrames' ? { session: params.session } : {} });
        },
      });
    });
  },
});

/** Deliver every request in flight, the latest first, until none is left. */
async function deliverLatestFirst(): Promise<void> {
  for (let round = 0; round < 50; round++) {
    await new Promise((r) => setImmediate(r));
    if (!inFlight.length) return;
    for (const c of inFlight.splice(0).reverse()) c.deliver();
  }
  assert.fail('requests kept coming');
}

test('sessions opened one after another: the service ends up watching the last one opened', async () => {
  const { createPinia, setActivePinia } = await import('pinia');
  // (after Vue loaded: it looks for a DOM document; the store's API module takes window.switchyard)
  Object.assign(globalThis, { window: { switchyard: api }, document: { querySelector: () => null }, addEventListener: () => {} });
  // (not a literal: the renderer's files are typechecked by their own tsconfig, with the DOM)
  const store = String(new URL('../../../renderer/src/stores/traffic.ts', import.meta.url));
  const { useTraffic } = (await import(store)) as { useTraffic: () => { start(): void; openFrames(id: number | null): Promise<void> } };
  setActivePinia(createPinia());
  const traffic = useTraffic();
  traffic.start();
  const snapshot: FeedSnapshot = {
    sessions: [], exchanges: [], listeners: [], upstreams: [], logs: [], framesSupported: true, hostname: 'h', feed: 'f1',
    config: { draft: { schemaVersion: 1, upstreams: [], servers: [] }, applied: null, appliedAt: null, canUndo: false },
  } as unknown as FeedSnapshot;
  onEvent!({ event: 'snapshot', payload: snapshot });
  await deliverLatestFirst();
  assert.equal(watching, null);

  void traffic.openFrames(1);
  void traffic.openFrames(2);
  await deliverLatestFirst();
  assert.equal(watching, 2);

  void traffic.openFrames(3);
  void traffic.openFrames(null);
  void traffic.openFrames(4);
  await deliverLatestFirst();
  assert.equal(watching, 4);
});
