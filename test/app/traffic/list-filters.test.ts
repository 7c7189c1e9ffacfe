// Sessions list and HTTP log filters, and the timing bar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeView, SessionView } from '../../../app/api/contract.ts';
import { filterExchanges, filterSessions, methodsOf, statusClassOf, timingBar } from '../../../app/traffic/list-filters.ts';

const route = { server: 0, location: 0, name: 'chat', where: '/ws', explain: '' };
function session(id: number, over: Partial<SessionView>): SessionView {
  return {
    id, url: `/ws/${id}`, clientAddress: '127.0.0.1:5000', route, upstream: '127.0.0.1:9001', upstreamPath: '/ws', tries: [], requestHeaders: [], responseHeaders: [],
    subprotocol: null, extensions: null, state: 'open', status: 101, openedAt: 0, closedAt: null, closedBy: null, closeReason: null, closeFrame: null, bytesFromClient: 0, bytesFromUpstream: 0, framesFromClient: 0, framesFromUpstream: 0,
    framesAvailable: true, ...over,
  };
}
function exchange(id: number, over: Partial<ExchangeView>): ExchangeView {
  return {
    id, method: 'GET', url: `/x/${id}`, clientAddress: '127.0.0.1:6000', route: null, upstream: '127.0.0.1:9001', upstreamPath: '/', status: 200, cause: null, note: null,
    tries: [], startedAt: 0, timings: {}, requestHeaders: [], responseHeaders: [], requestBytes: 0, responseBytes: 0, ...over,
  };
}

test('sessions: state live/closed/all and text on URL, route, client, upstream; newest first', () => {
  const list = [
    session(1, { state: 'closed' }), session(2, { state: 'open', url: '/chat/room' }), session(3, { state: 'rejected', clientAddress: '10.0.0.9:1' }),
    session(4, { state: 'connecting', upstream: '10.1.1.1:80' }),
  ];
  const label = (r: { name: string }) => `${r.name} (^~ /ws/)`;
  const ids = (spec: Parameters<typeof filterSessions>[1]) => filterSessions(list, spec, label).map((s) => s.id);
  assert.deepEqual(ids({ state: 'all', text: '' }), [4, 3, 2, 1]);
  assert.deepEqual(ids({ state: 'live', text: '' }), [4, 2]);
  assert.deepEqual(ids({ state: 'closed', text: '' }), [3, 1]);
  assert.deepEqual(ids({ state: 'all', text: 'ROOM' }), [2]);
  assert.deepEqual(ids({ state: 'all', text: '10.0.0.9' }), [3]);
  assert.deepEqual(ids({ state: 'live', text: '10.1.1' }), [4]);
  assert.deepEqual(ids({ state: 'all', text: '^~ /ws/' }), [4, 3, 2, 1], 'route label');
  assert.deepEqual(ids({ state: 'closed', text: 'room' }), []);
});

test('exchanges: method, status class and text; methods listed common first', () => {
  const list = [
    exchange(1, { method: 'GET', status: 200 }), exchange(2, { method: 'POST', status: 502, cause: 'connect() failed' }),
    exchange(3, { method: 'GET', status: 404, url: '/missing' }), exchange(4, { method: 'PROPFIND', status: 301 }), exchange(5, { method: 'DELETE', status: 0 }),
  ];
  const ids = (spec: Parameters<typeof filterExchanges>[1]) => filterExchanges(list, spec, () => '').map((e) => e.id);
  assert.deepEqual(ids({ method: 'all', status: 'all', text: '' }), [5, 4, 3, 2, 1]);
  assert.deepEqual(ids({ method: 'GET', status: 'all', text: '' }), [3, 1]);
  assert.deepEqual(ids({ method: 'all', status: '5xx', text: '' }), [2]);
  assert.deepEqual(ids({ method: 'GET', status: '4xx', text: '' }), [3]);
  assert.deepEqual(ids({ method: 'all', status: 'all', text: 'CONNECT()' }), [2], 'the cause');
  assert.deepEqual(ids({ method: 'all', status: 'all', text: '404' }), [3], 'the status');
  assert.equal(statusClassOf(0), null);
  assert.equal(statusClassOf(101), '1xx');
  assert.deepEqual(methodsOf(list), ['GET', 'POST', 'DELETE', 'PROPFIND']);
});

test('timing bar: connect, wait and receive as parts of the total', () => {
  assert.deepEqual(timingBar({ connectMs: 10, firstByteMs: 60, totalMs: 100 }), { connect: 10, wait: 50, receive: 40 });
  assert.deepEqual(timingBar({ totalMs: 8 }), { connect: 0, wait: 100, receive: 0 }, 'no response timings: all waiting');
  assert.deepEqual(timingBar({ connectMs: 50, firstByteMs: 20, totalMs: 40 }), { connect: 100, wait: 0, receive: 0 }, 'clamped');
  assert.equal(timingBar({}), null);
  assert.equal(timingBar({ totalMs: 0 }), null);
});

test('timing bar: a request whose tries never connected (a 502 for a refused connection, a connect timeout) spent its time connecting, not waiting for a first byte', () => {
  assert.deepEqual(timingBar({ totalMs: 3 }, { triedUpstream: true }), { connect: 100, wait: 0, receive: 0 });
  assert.deepEqual(timingBar({ connectMs: 0, totalMs: 2000 }, { triedUpstream: true }), { connect: 0, wait: 100, receive: 0 }, 'a 504: connected, then waited for the header');
  assert.deepEqual(timingBar({ connectMs: 10, firstByteMs: 60, totalMs: 100 }, { triedUpstream: true }), { connect: 10, wait: 50, receive: 40 });
  assert.deepEqual(timingBar({ totalMs: 8 }, { triedUpstream: false }), { connect: 0, wait: 100, receive: 0 }, 'answered by the proxy itself (a 404, a 413): as before');
});
