// The Electron bundles (main/electron/build.ts): the preload is one CommonJS file that requires only
// 'electron' (sandboxed preloads can load nothing else) and exposes exactly the contract; the main
// bundle imports only node:, electron and production dependencies. Checked without Electron: the
// preload runs in a vm with stand-ins for contextBridge and ipcRenderer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runInNewContext } from 'node:vm';
import { buildElectron } from '../../../main/electron/build.ts';
import { REQUEST_NAMES } from '../../../app/api/contract.ts';
import { FEED_ACK, FEED_CHANNEL, FEED_SUBSCRIBE, FEED_UNSUBSCRIBE, requestChannel } from '../../../main/electron/channels.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-electron-build-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const built = buildElectron(dir);

test('the preload bundle is CommonJS, requires only electron, and exposes one function per request plus subscribe', async () => {
  const { preload } = await built;
  const code = readFileSync(preload, 'utf8');
  assert.doesNotMatch(code, /^\s*import\s/m, 'no ES module syntax in a sandboxed preload');
  const required: string[] = [];
  let exposed: { key: string; api: Record<string, unknown> } | null = null;
  const invoked: Array<[string, unknown]> = [];
  const sent: string[] = [];
  const on = new Map<string, (e: unknown, payload: unknown) => void>();
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => { exposed = { key, api }; } },
    ipcRenderer: {
      invoke: async (ch: string, p: unknown) => { invoked.push([ch, p]); return { ok: true, value: ch }; },
      send: (ch: string) => void sent.push(ch),
      on: (ch: string, fn: (e: unknown, payload: unknown) => void) => void on.set(ch, fn),
      removeListener: (ch: string) => void on.delete(ch),
    },
  };
  const module = { exports: {} };
  runInNewContext(code, { require: (id: string) => { required.push(id); if (id !== 'electron') throw new Error(`preload required ${id}`); return electron; }, module, exports: module.exports });
  assert.deepEqual([...new Set(required)], ['electron']);
  const { key, api } = exposed!;
  assert.equal(key, 'switchyard');
  assert.deepEqual(Object.keys(api).sort(), [...REQUEST_NAMES, 'subscribe'].sort(), 'nothing but the contract (no ipcRenderer, no generic send/invoke)');
  for (const name of REQUEST_NAMES) assert.equal(typeof api[name], 'function');
  assert.deepEqual(await (api.getConfig as (p: unknown) => Promise<unknown>)({}), { ok: true, value: requestChannel('getConfig') });
  assert.deepEqual(invoked, [[requestChannel('getConfig'), {}]]);

  const got: unknown[] = [];
  const unsubscribe = (api.subscribe as (cb: (e: unknown) => void) => () => void)((e) => got.push(e));
  assert.deepEqual(sent, [FEED_SUBSCRIBE]);
  on.get(FEED_CHANNEL)!({ sender: 'the IpcRendererEvent stays in the preload' }, { event: 'snapshot', payload: {} });
  assert.deepEqual(got, [{ event: 'snapshot', payload: {} }], 'the listener gets the payload only, never the event');
  unsubscribe();
  assert.deepEqual(sent, [FEED_SUBSCRIBE, FEED_ACK, FEED_UNSUBSCRIBE], 'each event delivered is acknowledged');
  assert.equal(on.has(FEED_CHANNEL), false);
});

test('the main bundle imports only node: modules, electron and production dependencies', async () => {
  const { main } = await built;
  const code = readFileSync(main, 'utf8');
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
  const specifiers = [...code.matchAll(/^import\s.*?from\s+"([^"]+)";?$/gm)].map((m) => m[1]!);
  assert.ok(specifiers.includes('electron'));
  for (const s of specifiers) {
    if (s.startsWith('node:') || s === 'electron') continue;
    const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
    assert.ok(name in pkg.dependencies, `${s} is not a production dependency`);
  }
  assert.doesNotMatch(code, /new URL\([^)]*\.ts['"]/, 'URL-based imports of .ts sources were bundled');
});
