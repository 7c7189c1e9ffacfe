// A HAR file's text as the import reads it (stores/har-view.ts): HAR files are UTF-8, so one that is
// not (Latin-1 text, UTF-16 as Windows tools save it) is refused saying so, not read with its bytes
// turned into U+FFFD; a UTF-8 file with a byte order mark imports without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('a file that is not UTF-8 is refused saying so; a UTF-8 one (with or without a BOM) goes to importHar whole', async () => {
  const sent: string[] = [];
  const ok = { ok: true, value: { creator: 'x', sessions: [], exchanges: [], bodies: {} } };
  // (Vue first: it takes a document to be a whole DOM's; api/client.ts reads one as it loads)
  const { createPinia, setActivePinia } = await import('pinia');
  Object.assign(globalThis, {
    location: { hash: '' },
    document: { querySelector: () => null },
    history: { replaceState: () => {} },
    window: { addEventListener: () => {}, switchyard: { importHar: async (p: { text: string }) => { sent.push(p.text); return ok; }, subscribeFrames: async () => ({ ok: true, value: null }) } },
  });
  // (not a literal: the renderer's files are typechecked by their own tsconfig, with the DOM)
  const store = String(new URL('../../../renderer/src/stores/har-view.ts', import.meta.url));
  const { useHarView } = (await import(store)) as { useHarView: () => { open(f: File): Promise<boolean>; error: string; close(): void } };
  delete (globalThis as { document?: unknown }).document;
  setActivePinia(createPinia());
  const view = useHarView();
  const json = '{"log":{"version":"1.2","creator":{"name":"x"},"entries":[{"comment":"café"}]}}';

  const latin1 = Buffer.from(json, 'latin1');
  assert.equal(await view.open(new File([latin1], 'latin1.har')), false);
  assert.match(view.error, /^Could not import latin1\.har: it is not UTF-8 text, as HAR files are \(its first bad byte is at offset 73\)$/);
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]);
  assert.equal(await view.open(new File([utf16], 'utf16.har')), false);
  assert.match(view.error, /it is UTF-16 text: HAR files are UTF-8/);
  assert.deepEqual(sent, [], 'neither went to the service');

  assert.equal(await view.open(new File([Buffer.from(`\ufeff${json}`)], 'bom.har')), true, view.error);
  view.close();
  assert.equal(await view.open(new File([Buffer.from(json)], 'plain.har')), true, view.error);
  assert.deepEqual(sent, [json, json]);
});

test('the first bad byte is counted past a U+FFFD the file spells and past a byte order mark', async () => {
  const { utf8FileText } = await import('../../../renderer/src/util/file-text.ts');
  const bad = Buffer.concat([Buffer.from('\ufeff{"a":"\ufffd€"'), Buffer.from([0xe9, 0x22, 0x7d])]);
  assert.deepEqual(utf8FileText(bad), { ok: false, message: 'it is not UTF-8 text, as HAR files are (its first bad byte is at offset 16)' });
  // (a character cut at the end of the file)
  assert.deepEqual(utf8FileText(Buffer.from([0x7b, 0xe2, 0x82])), { ok: false, message: 'it is not UTF-8 text, as HAR files are (its first bad byte is at offset 1)' });
  assert.deepEqual(utf8FileText(Buffer.from('\ufeff{"a":"\ufffd"}')), { ok: true, text: '{"a":"\ufffd"}' });
});
