// The exchange budget the service's log and the UI's list share (app/traffic/exchange-budget.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeView } from '../../../app/api/views.ts';
import { exchangeChars, exchangesToKeep } from '../../../app/traffic/exchange-budget.ts';

const exchange = (id: number, over: Partial<ExchangeView> = {}): ExchangeView => ({
  id, method: 'GET', url: '/x', clientAddress: '', route: null, upstream: null, upstreamPath: null, status: 200, cause: null, note: null, tries: [], startedAt: 0,
  timings: {}, requestHeaders: [], responseHeaders: [], requestBytes: 0, responseBytes: 0, ...over,
});

test('an exchange counts its URL, upstream path, cause, note, headers and tries', () => {
  assert.equal(exchangeChars(exchange(1, {
    url: '/abc', upstreamPath: '/v1/abc', cause: 'why', note: 'a note', requestHeaders: ['Host', 'h'], responseHeaders: ['X', 'yy'], tries: [{ upstream: '1.2.3.4:80', outcome: 'ok' }],
  })), 4 + 7 + 3 + 6 + 5 + 3 + 10 + 2);
});

test('the newest are kept within the count and the characters; the newest one always', () => {
  const list = Array.from({ length: 10 }, (_, i) => exchange(i + 1, { requestHeaders: ['X', 'h'.repeat(98)] })); // 2 + 99 = 101 each
  assert.equal(exchangesToKeep(list, 100, 1_000), 9);
  assert.equal(exchangesToKeep(list, 4, 1_000_000), 4);
  assert.equal(exchangesToKeep([exchange(1, { url: 'u'.repeat(5_000) })], 100, 1_000), 1);
  assert.equal(exchangesToKeep([], 100, 1_000), 0);
});
