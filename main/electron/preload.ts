// The preload: exposes `window.switchyard` (SwitchyardApi, app/api/contract.ts) with one named
// function per contract request and `subscribe(cb) → unsubscribe`. The renderer never sees
// ipcRenderer or its events. Runs sandboxed, so it must be one CommonJS file that requires only
// 'electron': main/electron/build.ts bundles it (with the contract's request list) into
// dist/electron/preload.cjs. Model: httptoolkit/httptoolkit-desktop src/preload.cts.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { REQUEST_NAMES, type FeedEvent, type Result, type SwitchyardApi } from '../../app/api/contract.ts';
import { FEED_ACK, FEED_CHANNEL, FEED_SUBSCRIBE, FEED_UNSUBSCRIBE, requestChannel } from './channels.ts';

async function call(name: string, params: unknown): Promise<Result<unknown>> {
  try {
    return (await ipcRenderer.invoke(requestChannel(name), params ?? {})) as Result<unknown>;
  } catch (e) {
    return { ok: false, error: { code: 'ipc_failed', message: (e as Error)?.message || 'the Switchyard main process did not answer' } };
  }
}

const listeners = new Set<(e: FeedEvent) => void>();
const onFeed = (_event: IpcRendererEvent, e: FeedEvent) => {
  for (const l of listeners) {
    try {
      l(e);
    } catch {
      // one listener's error must not starve the others
    }
  }
  ipcRenderer.send(FEED_ACK);
};

function subscribe(listener: (e: FeedEvent) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('subscribe needs a function');
  if (listeners.size === 0) ipcRenderer.on(FEED_CHANNEL, onFeed);
  listeners.add(listener);
  ipcRenderer.send(FEED_SUBSCRIBE); // every new listener starts from a snapshot
  return () => {
    if (!listeners.delete(listener) || listeners.size > 0) return;
    ipcRenderer.removeListener(FEED_CHANNEL, onFeed);
    ipcRenderer.send(FEED_UNSUBSCRIBE);
  };
}

const api = {
  ...Object.fromEntries(REQUEST_NAMES.map((name) => [name, (params: unknown) => call(name, params)])),
  subscribe,
} as unknown as SwitchyardApi;

contextBridge.exposeInMainWorld('switchyard', api);
