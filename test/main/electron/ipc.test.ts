// The IPC wrapper's sender check and error shape, with plain objects standing in for Electron's
// ipcMain, events and frames (no Electron runtime needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIpc, originOf, senderProblem, serveService, FEED_UNACKED_MAX, type IpcMainLike, type ServiceLike } from '../../../main/electron/ipc.ts';
import { FEED_ACK, FEED_CHANNEL, FEED_SUBSCRIBE, FEED_UNSUBSCRIBE, requestChannel } from '../../../main/electron/channels.ts';
import { REQUEST_NAMES, type FeedEvent } from '../../../app/api/contract.ts';

type Listener = (event: never, ...args: unknown[]) => unknown;
function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  const listeners = new Map<string, Listener>();
  const ipcMain: IpcMainLike = {
    handle: (ch, fn) => void handlers.set(ch, fn as Listener),
    removeHandler: (ch) => void handlers.delete(ch),
    on: (ch, fn) => void listeners.set(ch, fn as Listener),
    removeListener: (ch) => void listeners.delete(ch),
  };
  return {
    ipcMain, handlers, listeners,
    invoke: (ch: string, event: unknown, params?: unknown) => handlers.get(ch)!(event as never, params) as Promise<unknown>,
    send: (ch: string, event: unknown) => listeners.get(ch)!(event as never),
  };
}

const mainFrame = { url: 'app://switchyard/index.html' };
const policy = { trustedFrame: () => mainFrame, origins: ['app://switchyard'] };

test('originOf: scheme://host for custom schemes, file:// for files', () => {
  assert.equal(originOf('app://switchyard/index.html#x'), 'app://switchyard');
  assert.equal(originOf('file:///opt/Switchyard/index.html'), 'file://');
  assert.equal(originOf('https://evil.example/'), 'https://evil.example');
  assert.equal(originOf('not a url'), null);
});

test('senderProblem accepts only our window\'s main frame at our origin', () => {
  assert.equal(senderProblem({ senderFrame: mainFrame }, policy), null);
  assert.match(senderProblem({ senderFrame: null }, policy)!, /frame is gone/);
  // a subframe (or another window) with the very same URL is still not the main frame
  assert.match(senderProblem({ senderFrame: { url: mainFrame.url } }, policy)!, /not the Switchyard window's main frame/);
  // our main frame after navigating elsewhere
  const navigated = { url: 'https://evil.example/' };
  assert.match(senderProblem({ senderFrame: navigated }, { trustedFrame: () => navigated, origins: policy.origins })!, /origin https:\/\/evil\.example is not Switchyard's/);
  assert.match(senderProblem({ senderFrame: mainFrame }, { trustedFrame: () => null, origins: policy.origins })!, /no Switchyard window/);
  const file = { url: 'file:///app/index.html' };
  assert.equal(senderProblem({ senderFrame: file }, { trustedFrame: () => file, origins: ['file://'] }), null);
});

test('handle(): refused senders get { ok: false, error: forbidden_sender }; throws become internal errors', async () => {
  const fake = fakeIpcMain();
  const refused: string[] = [];
  const ipc = createIpc(fake.ipcMain, { ...policy, onRefused: (ch, why) => refused.push(`${ch}: ${why}`) });
  let calls = 0;
  ipc.handle('getConfig', async (p) => { calls++; return { ok: true, value: p }; });
  ipc.handle('boom', async () => { throw new Error('kaput'); });
  assert.deepEqual(await fake.invoke(requestChannel('getConfig'), { senderFrame: mainFrame }, { a: 1 }), { ok: true, value: { a: 1 } });
  const r = await fake.invoke(requestChannel('getConfig'), { senderFrame: { url: mainFrame.url } }, {});
  assert.deepEqual((r as { error: { code: string } }).error.code, 'forbidden_sender');
  assert.equal(calls, 1, 'the handler never ran for the refused sender');
  assert.equal(refused.length, 1);
  assert.deepEqual(await fake.invoke(requestChannel('boom'), { senderFrame: mainFrame }), { ok: false, error: { code: 'internal', message: 'kaput' } });
  ipc.dispose();
  assert.equal(fake.handlers.size, 0);
});

test('serveService: every contract request goes to the SAME service.handle; the feed goes to our window only', async () => {
  const fake = fakeIpcMain();
  const ipc = createIpc(fake.ipcMain, policy);
  const seen: Array<[string, unknown]> = [];
  let subscribed = 0;
  let sink: { send(e: FeedEvent): void; busy(): boolean } | null = null;
  const service: ServiceLike = {
    handle: async (name, params) => { seen.push([name, params]); return { ok: true, value: name }; },
    feed: { subscribe: (s) => { subscribed++; sink = s; return () => { subscribed--; sink = null; }; } },
  };
  const sent: Array<[string, unknown]> = [];
  serveService(ipc, service, () => ({ send: (ch, e) => void sent.push([ch, e]), isDestroyed: () => false }));
  assert.deepEqual([...fake.handlers.keys()].sort(), REQUEST_NAMES.map(requestChannel).sort());
  for (const name of REQUEST_NAMES) assert.deepEqual(await fake.invoke(requestChannel(name), { senderFrame: mainFrame }, { x: name }), { ok: true, value: name });
  assert.deepEqual(seen.map(([n]) => n), [...REQUEST_NAMES]);

  fake.send(FEED_SUBSCRIBE, { senderFrame: { url: mainFrame.url } }); // not our frame: ignored
  assert.equal(subscribed, 0);
  fake.send(FEED_SUBSCRIBE, { senderFrame: mainFrame });
  fake.send(FEED_SUBSCRIBE, { senderFrame: mainFrame }); // a reload re-subscribes: still one subscription
  assert.equal(subscribed, 1);
  const delta: FeedEvent = { event: 'delta', payload: { sessions: [], exchanges: [], frames: [], logs: [] } };
  sink!.send(delta);
  assert.equal(sent[0]?.[0], FEED_CHANNEL);
  // a window that stops acknowledging what it was sent is busy (the feed then holds its batches)
  fake.send(FEED_ACK, { senderFrame: mainFrame });
  for (let i = 0; i < FEED_UNACKED_MAX - 1; i++) sink!.send(delta);
  assert.equal(sink!.busy(), false);
  sink!.send(delta);
  assert.equal(sink!.busy(), true, `${FEED_UNACKED_MAX} events not delivered`);
  fake.send(FEED_ACK, { senderFrame: { url: mainFrame.url } }); // not our frame: not counted
  assert.equal(sink!.busy(), true);
  fake.send(FEED_ACK, { senderFrame: mainFrame });
  assert.equal(sink!.busy(), false);
  fake.send(FEED_SUBSCRIBE, { senderFrame: mainFrame }); // a reload starts over
  for (let i = 0; i < FEED_UNACKED_MAX - 1; i++) sink!.send(delta);
  assert.equal(sink!.busy(), false);
  fake.send(FEED_UNSUBSCRIBE, { senderFrame: mainFrame });
  assert.equal(subscribed, 0);
});
