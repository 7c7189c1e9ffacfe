// The capture settings form read into setSettings params, or each field's problem: what the form
// takes, the API takes too (checkParams), and what the API would refuse is said of its field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSettingsForm, type SettingsForm } from '../../../app/api/settings-form.ts';
import { checkParams } from '../../../app/api/params.ts';

const FORM: SettingsForm = { redact: true, headers: 'authorization, Cookie  x-api-key,', query: 'token, Room', perMessageKiB: 64, totalMiB: 32, framesPerSession: 5000 };

test('a valid form: names split on commas and white space, sizes in bytes, and the API takes the params', () => {
  const r = readSettingsForm(FORM);
  assert.deepEqual(r, {
    ok: true,
    params: { redact: true, redactHeaders: ['authorization', 'Cookie', 'x-api-key'], redactQuery: ['token', 'Room'], payloadPerMessage: 64 * 1024, payloadTotal: 32 * 1024 * 1024, framesPerSession: 5000 },
  });
  assert.equal(r.ok && checkParams('setSettings', r.params).ok, true);
  // (a total of 0 keeps no payload: a value of its own, not an empty field)
  assert.equal(readSettingsForm({ ...FORM, totalMiB: 0 }).ok, true);
});

test('each field that the API would refuse is named with what is wrong in its own terms', () => {
  const r = readSettingsForm({ ...FORM, headers: 'authorization, x:y, a;b', query: 'token, a=b', perMessageKiB: 0, totalMiB: 99999, framesPerSession: 10 });
  assert.deepEqual(r, {
    ok: false,
    issues: {
      headers: '"x:y" is not a header name',
      query: '"a=b" is not a query parameter name (no white space, "&", "=", "#" or "?")',
      perMessage: 'from 1 to 16384',
      total: 'from 0 to 4096',
      frames: 'from 100 to 1000000',
    },
  });
  // what the page refuses, the API refuses too
  assert.equal(checkParams('setSettings', { redactHeaders: ['x:y'] }).ok, false);
  assert.equal(checkParams('setSettings', { redactQuery: ['a=b'] }).ok, false);
});

test('an emptied size field is no size (not 0, which for the total would keep no payload at all)', () => {
  for (const empty of ['', '  ']) {
    assert.deepEqual(readSettingsForm({ ...FORM, totalMiB: empty }), { ok: false, issues: { total: 'from 0 to 4096' } });
    assert.deepEqual(readSettingsForm({ ...FORM, perMessageKiB: empty, framesPerSession: empty }), { ok: false, issues: { perMessage: 'from 1 to 16384', frames: 'from 100 to 1000000' } });
  }
});

test('names past the API bounds: too long, too many', () => {
  const long = 'a'.repeat(201);
  assert.deepEqual(readSettingsForm({ ...FORM, headers: long }), { ok: false, issues: { headers: `"${'a'.repeat(40)}…" is longer than 200 characters` } });
  const many = Array.from({ length: 101 }, (_, i) => `q${i}`).join(',');
  assert.deepEqual(readSettingsForm({ ...FORM, query: many }), { ok: false, issues: { query: 'at most 100 names (101 typed)' } });
});

test('a fraction of a frame is refused, not rounded (sizes in KiB and MiB are bytes: those round)', () => {
  for (const frames of [100.5, '150.4']) {
    assert.deepEqual(readSettingsForm({ ...FORM, framesPerSession: frames }), { ok: false, issues: { frames: 'a whole number, from 100 to 1000000' } });
  }
  assert.deepEqual(readSettingsForm({ ...FORM, framesPerSession: 10.5 }), { ok: false, issues: { frames: 'a whole number, from 100 to 1000000' } });
  const r = readSettingsForm({ ...FORM, perMessageKiB: 1.5, framesPerSession: '1e3' });
  assert.ok(r.ok && r.params.payloadPerMessage === 1536 && r.params.framesPerSession === 1000);
});

test('a name refused is quoted with its control characters named (a NUL, U+202E), not shown', () => {
  assert.deepEqual(readSettingsForm({ ...FORM, headers: 'a\u0000b' }), { ok: false, issues: { headers: '"a\\x00b" is not a header name' } });
  assert.deepEqual(readSettingsForm({ ...FORM, headers: 'a\u202e"b' }), { ok: false, issues: { headers: '"a\\u202e\\x22b" is not a header name' } });
  assert.deepEqual(readSettingsForm({ ...FORM, headers: `\u202e${'a'.repeat(300)}` }), { ok: false, issues: { headers: `"\\u202e${'a'.repeat(39)}…" is longer than 200 characters` } });
});
