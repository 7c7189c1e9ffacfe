// The URL hash the UI keeps its screen and selected row in (#/sessions/12): what a hash names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHash } from '../../../renderer/src/util/hash.ts';

test('a hash names a screen, and on Sessions and HTTP log a row by its number', () => {
  assert.deepEqual(parseHash('#/sessions/12'), { tab: 'sessions', id: 12 });
  assert.deepEqual(parseHash('#/http/40'), { tab: 'http', id: 40 });
  assert.deepEqual(parseHash('#sessions'), { tab: 'sessions', id: null });
  assert.deepEqual(parseHash('#/upstreams'), { tab: 'upstreams', id: null });
  assert.deepEqual(parseHash(''), { tab: 'routes', id: null });
});

test('what is not a screen or a row number names the Routes screen, or no row', () => {
  assert.deepEqual(parseHash('#/nowhere/3'), { tab: 'routes', id: null });
  assert.deepEqual(parseHash('#/routes/3'), { tab: 'routes', id: null }, 'routes are not selected by number');
  for (const row of ['0', '-1', '1e3', '012', 'abc', '1.5', '9'.repeat(16)]) assert.deepEqual(parseHash(`#/sessions/${row}`), { tab: 'sessions', id: null }, row);
});
