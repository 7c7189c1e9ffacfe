// The URL hash and the selection it names (stores/ui.ts), driven with a fake location and history:
// a hash that changes (typed, back or forward) while a HAR file is shown names a live row, not the
// file's row of that number; and the hash always ends up naming what is selected, so that a reload
// opens it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextTick } from 'vue';

const location = { hash: '#/sessions/12' };
const onHash: Array<() => void> = [];
/** The hash changes as the browser changes it (a typed hash, back, forward): hashchange follows. */
async function navigate(hash: string): Promise<void> {
  location.hash = hash;
  for (const f of onHash) f();
  await nextTick();
}

test('a hash that changes while a HAR file is shown selects none of its rows; the hash names the selection', async () => {
  const { createPinia, setActivePinia } = await import('pinia');
  Object.assign(globalThis, {
    location,
    history: { replaceState: (_s: unknown, _t: string, h: string) => { location.hash = h; } },
    window: { addEventListener: (name: string, f: () => void) => { if (name === 'hashchange') onHash.push(f); } },
  });
  // (not a literal: the renderer's files are typechecked by their own tsconfig, with the DOM)
  const store = String(new URL('../../../renderer/src/stores/ui.ts', import.meta.url));
  const { useUi } = (await import(store)) as { useUi: () => { tab: string; selectedSession: number | null; selectedExchange: number | null; viewingFile: boolean } };
  setActivePinia(createPinia());
  const ui = useUi();
  assert.equal(ui.selectedSession, 12);

  // a file is shown (har-view.ts): nothing of it goes in the hash, and a hash naming session 5
  // names live session 5, not the file's
  ui.viewingFile = true;
  ui.selectedSession = 3; // (the file's session 3)
  await nextTick();
  assert.equal(location.hash, '#/sessions');
  await navigate('#/sessions/5');
  assert.notEqual(ui.selectedSession, 5, "the file's session 5 is not the live one the hash names");
  assert.equal(location.hash, '#/sessions');
  ui.viewingFile = false;
  ui.selectedSession = 12;
  await nextTick();
  assert.equal(location.hash, '#/sessions/12');

  // back to a hash without a number: the selection stays, and the hash says it again
  await navigate('#/sessions');
  assert.equal(ui.selectedSession, 12);
  assert.equal(location.hash, '#/sessions/12', 'a reload would open none');
  await navigate('#/http/40');
  assert.equal(ui.tab, 'http');
  assert.equal(ui.selectedExchange, 40);
  assert.equal(location.hash, '#/http/40');
});
