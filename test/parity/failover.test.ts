// Upstream failure parity: peers that refuse, hang, answer slowly, close or reset mid-head or
// mid-body, answer 5xx, sit on a stale keepalive connection; POST and WebSocket handshakes among
// them; max_fails, backup, down, max_conns, proxy_next_upstream(_tries). Each case runs through
// real nginx on the export and through the engine, and compares, request by request, the client's
// status and body and which peers got the request, on which of their connections, in order.
// Needs Debian's nginx; fails without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findNginx } from '../../main/nginx/binary.ts';
import { compareFailover, KEEPALIVE, pool, post, req, ws, type FailoverCase, type Req, type Srv } from './failover-harness.ts';

/** `pool` with a keepalive cache that plain requests fill (at /, KEEPALIVE) and WebSocket handshakes
 * at /w/ (the websocket switch) through the same group. */
function keptAndUpgraded(servers: Srv[]): FailoverCase['model'] {
  return (port, dead, listen) => {
    const m = pool(servers, KEEPALIVE, { keepalive: 4 })(port, dead, listen);
    const server = m.servers![0]!;
    const ws = { path: '/w/', proxyPass: 'http://pool', websocket: true, proxyConnectTimeout: '300ms', proxyReadTimeout: '300ms' };
    return { ...m, servers: [{ ...server, locations: [...server.locations!, ws] }] };
  };
}

/** keptAndUpgraded, the handshakes at /w/ retried on a 403 or 404 too. */
function keptAndRetried(servers: Srv[]): FailoverCase['model'] {
  return (port, dead, listen) => {
    const m = keptAndUpgraded(servers)(port, dead, listen);
    const server = m.servers![0]!;
    const locations = server.locations!.map((l) => (l.path === '/w/' ? { ...l, proxyNextUpstream: ['error' as const, 'timeout' as const, 'http_403' as const, 'http_404' as const] } : l));
    return { ...m, servers: [{ ...server, locations }] };
  };
}

/** `pool` with a keepalive cache that requests at / fill (KEEPALIVE) and requests at /ten/ with
 * nginx's defaults (HTTP/1.0, `Connection: close`) through the same group. */
function keptAndClosing(servers: Srv[]): FailoverCase['model'] {
  return (port, dead, listen) => {
    const m = pool(servers, KEEPALIVE, { keepalive: 4 })(port, dead, listen);
    const server = m.servers![0]!;
    return { ...m, servers: [{ ...server, locations: [...server.locations!, { path: '/ten/', proxyPass: 'http://pool' }] }] };
  };
}

/** A WebSocket handshake at /w/ (keptAndUpgraded). */
const wsAt = (query: string): Req => ({ path: `/w/p?${query}`, ws: true });
const two = [{ name: 'a' }, { name: 'b' }];

const CASES: Record<string, FailoverCase> = {
  'a peer that never answers: 504 only on the last try, counted as a failure':
    { peers: ['a', 'b'], model: pool(two), steps: [req('a=hang'), req(''), req('b=hang'), req('')] },
  'read timeout not in proxy_next_upstream: 504 at once, the peer still counted as failed':
    { peers: ['a', 'b'], model: pool(two, { proxyNextUpstream: ['error'] }), steps: [req('a=hang&b=hang'), req(''), req('')] },
  'peers that close mid-head or reset: retried; a refused peer':
    { peers: ['a', 'b', 'c'], model: pool([{ name: 'a' }, { name: 'x', dead: true }, { name: 'b' }, { name: 'c', maxFails: 2 }]), steps: [req('a=closehead'), req('b=reset'), req('c=closehead'), req(''), req('c=reset'), req('')] },
  'an answer cut mid-body (content-length, chunked; FIN): passed on, not retried, not a failure':
    { peers: ['a', 'b'], model: pool(two, { proxyHttpVersion: '1.1' }), steps: [req('a=closecl&b=closecl'), req('a=closechunk&b=closechunk'), req('a=closebig&b=closebig'), req(''), req('')] },
  'an answer that stalls or is reset mid-body: what nginx holds in its buffers is dropped':
    { peers: ['a'], model: pool([{ name: 'a' }]), steps: [req('a=stall'), req('a=resetbody'), req('a=stallbig'), req('a=stallchunk', { keepAlive: true }), req('a=resetchunk')] },
  'unbuffered, an answer reset mid-body has all it got passed on':
    { peers: ['a'], model: pool([{ name: 'a' }], { proxyBuffering: false }), steps: [req('a=stall'), req('a=resetbody')] },
  '5xx answers: passed on by default; retried when listed, the last try passed on':
    { peers: ['a', 'b', 'c'], model: pool([{ name: 'a' }, { name: 'b' }, { name: 'c' }], { proxyNextUpstream: ['error', 'timeout', 'http_503', 'http_404'] }), steps: [req('a=s502&b=s502&c=s502'), req('a=s503&b=s503&c=s503'), req(''), req('a=s404&b=s404&c=s404'), req(''), req('')] },
  'POST: not retried once sent, retried after a refused connect':
    { peers: ['a', 'b'], model: pool([{ name: 'x', dead: true }, ...two]), steps: [post(''), post('a=closehead&b=closehead'), post('a=hang&b=hang'), post('')] },
  'a peer that resets each connection as the request comes: a GET goes to the next peer, a POST does not (it was sent)':
    { peers: ['rst', 'b'], model: pool([{ name: 'rst', maxFails: 0 }, { name: 'b' }], { websocket: true }), steps: [req(''), post(''), post(''), req(''), post(''), post(''), ws(''), ws(''), req('', { ws: true, method: 'POST', body: 'x' }), req('', { ws: true, method: 'POST', body: 'x' })] },
  'every peer failed: no live upstreams (nginx 1.22 does not reset them); fail_timeout brings them back':
    { peers: ['a', 'b'], model: pool(two.map((s) => ({ ...s, failTimeout: '1s' }))), steps: [req('a=reset&b=reset'), req(''), { sleep: 2100 }, req(''), req('')] },
  'a single peer is never marked failed':
    { peers: ['a'], model: pool([{ name: 'a', maxFails: 1 }]), steps: [req('a=reset'), req(''), req('a=hang'), req('')] },
  'backup peers only when every primary is unavailable; down peers never':
    { peers: ['a', 'b', 'c'], model: pool([{ name: 'a' }, { name: 'd', dead: true, down: true }, { name: 'b' }, { name: 'c', backup: true }]), steps: [req('a=reset'), req('b=reset'), req(''), req('a=s502&b=s502&c=s502')] },
  'max_conns: a full peer is skipped, all full is 502':
    { peers: ['a', 'b'], model: pool(two.map((s) => ({ ...s, maxConns: 1 })), { proxyReadTimeout: '1s' }), steps: [{ parallel: [req('a=slow&b=slow'), req('a=slow&b=slow'), req('')] }, req('')] },
  'proxy_next_upstream_tries; weights after a failure':
    { peers: ['a', 'b', 'c'], model: pool([{ name: 'a', weight: 3 }, { name: 'b', weight: 2, maxFails: 2 }, { name: 'c' }], { proxyNextUpstreamTries: 2 }), steps: [req('a=reset&b=reset&c=reset'), req(''), req(''), req(''), req(''), req(''), req('')] },
  'keepalive connections the upstream closes while idle are not used again':
    { peers: ['a', 'b'], model: pool(two, KEEPALIVE, { keepalive: 4 }), steps: [req('a=okclose&b=okclose'), req('a=okclose&b=okclose'), { sleep: 150 }, req(''), req(''), req(''), req('')] },
  'a stale keepalive connection to a single peer: retried on a new one':
    { peers: ['a'], model: pool([{ name: 'a' }], KEEPALIVE, { keepalive: 4 }), steps: [req('a=stale'), req('a=stale'), req('a=stale'), req('a=hang'), req(''), req('a=closehead'), req('')] },
  'a stale keepalive connection does not use up proxy_next_upstream_tries; a POST on one is not retried':
    { peers: ['a', 'b', 'c'], model: pool([{ name: 'a' }, { name: 'b' }, { name: 'c' }], { ...KEEPALIVE, proxyNextUpstreamTries: 1 }, { keepalive: 4 }), steps: [req('a=stale&b=stale'), req('a=stale&b=stale'), req(''), req('a=stale&b=stale'), post('a=stale&b=stale'), req('')] },
  'keepalive N caps the idle connections of the whole group, not of each peer':
    { peers: ['a', 'b', 'c'], model: pool([{ name: 'a' }, { name: 'b' }, { name: 'c' }], KEEPALIVE, { keepalive: 2 }), steps: [req(''), req(''), req(''), req(''), req(''), req(''), req('')] },
  'a connection freed into a full keepalive cache evicts the least recently used one':
    { peers: ['a'], model: pool([{ name: 'a' }], { ...KEEPALIVE, proxyReadTimeout: '1s' }, { keepalive: 1 }), steps: [{ parallel: [req('a=slow'), req('a=slow')] }, req(''), req('')] },
  'an HTTP/1.0 request with Connection: close takes an idle keepalive connection too (the answer closes it)':
    { peers: ['a', 'b'], model: keptAndClosing(two), steps: [req(''), req(''), { path: '/ten/p?', method: 'GET' }, req(''), { path: '/ten/p?', method: 'GET' }, req(''), req('')] },
  'a WebSocket handshake takes an idle keepalive connection to its peer, as any request of the group, and keeps it':
    { peers: ['a', 'b'], model: keptAndUpgraded(two), steps: [req(''), req(''), wsAt(''), wsAt(''), req(''), req(''), wsAt(''), req('')] },
  'a refused WebSocket handshake (any status but 101) leaves its connection in the keepalive cache, as any request':
    { peers: ['a', 'b'], model: keptAndUpgraded(two), steps: [req(''), req(''), wsAt('a=s403&b=s403'), req(''), req(''), wsAt('a=s503&b=s503'), wsAt(''), req(''), req('')] },
  'a handshake retried on a 403 or 404 without a body leaves that connection in the keepalive cache, as any request':
    { peers: ['a', 'b'], model: keptAndRetried(two), steps: [req(''), req(''), wsAt('a=e404'), req(''), req(''), req(''), wsAt('b=e403'), req(''), req(''), wsAt('a=s404'), req(''), req('')] },
  'a refused handshake after a stale keepalive connection: the new connection it went on is cached':
    { peers: ['a'], model: keptAndUpgraded([{ name: 'a' }]), steps: [req(''), wsAt('a=stalerst'), req(''), req('')] },
  'a stale keepalive connection under a WebSocket handshake: tried again on a new one, without using up a try':
    { peers: ['a'], model: keptAndUpgraded([{ name: 'a' }]), steps: [req('a=stale'), wsAt('a=stale')] },
  'WebSocket handshakes: retried on errors and timeouts like any request':
    { peers: ['a', 'b'], model: pool(two, { websocket: true }), steps: [ws('a=reset'), ws(''), ws('b=closehead'), ws('a=s503')] },
  'a POST upgrade request is not sent again once it went out, as any POST':
    { peers: ['a', 'b'], model: pool(two, { websocket: true }), steps: [req('a=closehead', { ws: true, method: 'POST', body: 'x' }), ws(''), req('b=s503', { ws: true, method: 'POST', body: 'x' })] },
  'a refused upgrade whose answer is cut short (reset, read timeout) frees its peer: max_conns and least_conn count it no more':
    { peers: ['a', 'b'], model: pool([{ name: 'a', maxConns: 1 }, { name: 'b', maxConns: 1 }], { websocket: true, proxyBuffering: false }, { method: { type: 'least_conn' } }), steps: [ws('a=resetbody'), ws('b=stall'), ws(''), req(''), req(''), req('')], connections: false },
  'WebSocket handshakes answered with a status proxy_next_upstream lists: retried':
    { peers: ['a', 'b', 'c'], model: pool([{ name: 'a' }, { name: 'b' }, { name: 'c' }], { websocket: true, proxyNextUpstream: ['error', 'timeout', 'http_503', 'http_404'] }), steps: [ws('a=s503'), ws('b=s404'), ws(''), ws('a=s404&b=s404&c=s404'), ws(''), ws('a=s503&b=s503&c=s503'), ws('')] },
};

test('nginx is installed (the failover parity cases need it)', () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
});

for (const [name, c] of Object.entries(CASES)) {
  test(`failover parity: ${name}`, { timeout: 30_000 }, async () => {
    const { diffs, steps, nginxLog } = await compareFailover(c);
    assert.equal(diffs.length, 0, `${diffs.length} of ${steps} steps differ from nginx:\n${diffs.join('\n')}\nnginx's error log:\n${nginxLog}`);
  });
}
