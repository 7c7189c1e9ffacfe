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
