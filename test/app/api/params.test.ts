// Request parameters are checked the same way whichever transport carries them (IPC or the web host).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkParams } from '../../../app/api/params.ts';
import { API_LIMITS } from '../../../app/api/contract.ts';

test('importHar takes a file up to its own limit, over IPC as over the web host, and names the field past it', () => {
  assert.equal(checkParams('importHar', { text: 'x'.repeat(1000) }).ok, true);
  const over = checkParams('importHar', { text: 'x'.repeat(API_LIMITS.maxImportHarBytes + 1) });
  assert.equal(over.ok, false);
  assert.match(JSON.stringify(over), /text.*too large to import: over the limit of 64 Mi characters/);
});

test('setDraft refuses a draft that is undefined, which IPC carries and JSON cannot', () => {
  // (the handler stored it, and File > Save wrote the text "undefined": a workspace that no longer opens)
  assert.deepEqual(checkParams('setDraft', { draft: undefined }), { ok: false, message: 'draft: required: a config document' });
  assert.equal(checkParams('setDraft', { draft: null }).ok, true, 'null is JSON: a draft the editors show to be fixed');
  assert.equal(checkParams('apply', { draft: undefined }).ok, true, 'apply without a draft applies the stored one');
});

test('a draft list with holes, which IPC carries and JSON cannot, is checked for nesting, not thrown on', () => {
  // (the nesting check threw a TypeError on a hole: the request's answer was an internal error)
  const holes = { schemaVersion: 1, servers: [, { listen: [] }, ,] };
  assert.equal(checkParams('setDraft', { draft: holes }).ok, true);
  const deep: unknown[] = [];
  let at = deep;
  for (let i = 0; i < 40; i++) at = (at[3] = []) as unknown[];
  const tooDeep = checkParams('apply', { draft: { servers: deep } });
  assert.equal(tooDeep.ok, false);
  assert.match(JSON.stringify(tooDeep), /draft\.servers\[3\]\[3\].*nested more than 32 levels deep/);
});
