// Upstream failure parity over time: peers that fail and come back after fail_timeout (nginx counts
// it in whole seconds, so steps wait for a second's start), with every balancing method that
// rehashes past a failed peer, and failures failover.test.ts does not make: connect and send
// timeouts, heads nginx cannot take, a peer that goes away, a client that leaves. Each case runs
// through real nginx on the export and through the engine, and compares, request by request, what
// the client got and which peers got the request, on which connection. Needs Debian's nginx; fails
// without it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBlackhole } from '../helpers/blackhole.ts';
import { compareFailover, KEEPALIVE, pool, post, req, ws, type FailoverCase, type Srv } from './failover-harness.ts';

/** At the start of the next second, and 150 ms on: fail_timeout's seconds then tick between steps, not during one. */
const SECOND = { align: 150 };
/** fail_timeout 1s for each peer named. */
const failing1s = (names: string[], extra: Partial<Srv> = {}): Srv[] => names.map((name) => ({ name, failTimeout: '1s', ...extra }));
/** The same key k=1…6 each. */
const keys = (extra = ''): ReturnType<typeof req>[] => ['1', '2', '3', '4', '5', '6'].map((k) => req(`k=${k}${extra}`));
const hash = (consistent: boolean) => ({ method: { type: 'hash', key: '$arg_k', consistent } });

let hole: Awaited<ReturnType<typeof startBlackhole>>;
before(async () => { hole = await startBlackhole(); });
after(async () => { await hole.close(); });

/** `pool` with a first server whose connect never completes (a full accept queue), with `flags`. */
function behindHole(servers: Srv[], loc: Record<string, unknown>, flags: object): FailoverCase['model'] {
  return (port, dead, listen) => {
    const model = pool(servers, loc)(port, dead, listen) as { upstreams: { servers: object[] }[] };
    model.upstreams[0]!.servers.unshift({ address: `127.0.0.1:${hole.port}`, ...flags });
    return model as ReturnType<FailoverCase['model']>;
  };
}

const CASES: Record<string, FailoverCase> = {
  'after fail_timeout one request probes the failed peer; a failed probe disables it again, a good one clears its count':
    { peers: ['a', 'b', 'c'], model: pool(failing1s(['a', 'b', 'c'])), steps: [SECOND, req('a=reset'), req(''), req(''), req(''), req(''), SECOND, { sleep: 1000 }, req('a=reset'), req(''), req(''), req(''), SECOND, { sleep: 1000 }, req(''), req(''), req(''), req(''), req('a=reset'), req(''), req('')] },
  'max_fails 2: failures add up; a probe that fails disables the peer at once, one that passes clears its count':
    { peers: ['a', 'b'], model: pool(failing1s(['a', 'b'], { maxFails: 2 })), steps: [SECOND, req('a=reset&b=reset'), req('a=reset&b=reset'), req(''), SECOND, { sleep: 1000 }, req('a=reset'), req(''), req(''), SECOND, { sleep: 1000 }, req(''), req(''), req(''), req('a=reset&b=reset'), req(''), req('')] },
  'backups while every primary is failed, primaries again after fail_timeout; all failed is no live upstreams':
    { peers: ['a', 'b', 'c', 'd'], model: pool([...failing1s(['a', 'b']), ...failing1s(['c', 'd'], { backup: true })]), steps: [SECOND, req('a=reset&b=reset'), req(''), req(''), req('c=reset'), req('d=reset'), req(''), SECOND, { sleep: 1000 }, req(''), req(''), req(''), req('')] },
  'hash: the keys of a failed peer rehash to others, and come back after fail_timeout':
    { peers: ['a', 'b', 'c'], model: pool(failing1s(['a', 'b', 'c']), {}, hash(false)), steps: [SECOND, ...keys(), req('k=1&a=reset&b=reset&c=reset'), ...keys(), SECOND, { sleep: 1000 }, ...keys()] },
  'hash consistent: a failed peer\'s keys walk on to the next point, and come back after fail_timeout':
    { peers: ['a', 'b', 'c'], samePorts: true, model: pool(failing1s(['a', 'b', 'c']), {}, hash(true)), steps: [SECOND, ...keys(), req('k=1&a=reset&b=reset'), ...keys(), SECOND, { sleep: 1000 }, ...keys()] },
  'hash: a failed peer with most of the weight: 20 rehashes miss, then round robin':
    { peers: ['a', 'b', 'c'], model: pool([{ name: 'a', weight: 40, failTimeout: '1s' }, ...failing1s(['b', 'c'])], {}, hash(false)), steps: [SECOND, req('k=1&a=reset'), ...keys(), SECOND, { sleep: 1000 }, req('k=2'), req('k=3')] },
  'ip_hash: rehash past failed and down peers, round robin after 20 misses':
    { peers: ['a', 'b', 'c', 'd'], model: pool([{ name: 'a', weight: 40, failTimeout: '1s' }, ...failing1s(['b', 'c'], { weight: 2 }), { name: 'd', down: true }], {}, { method: { type: 'ip_hash' } }), steps: [SECOND, req(''), req('a=reset&b=reset'), req(''), req(''), req('c=reset'), req(''), SECOND, { sleep: 1000 }, req(''), req('a=hang&b=hang&c=hang'), req('')] },
  'a connect that times out: retried, a POST too (it was not sent), a WebSocket handshake too':
    { peers: ['a', 'b'], model: behindHole(failing1s(['a', 'b']), { websocket: true }, { maxFails: 0 }), steps: [req(''), req(''), post(''), ws(''), req('')] },
  'a connect that times out, with proxy_next_upstream error: 504, and the peer failed':
    { peers: ['a', 'b'], model: behindHole(failing1s(['a', 'b']), { proxyNextUpstream: ['error'] }, { failTimeout: '10s' }), steps: [req(''), req(''), req('')] },
  'a peer that stops reading a large body: send timeout; a PUT goes to the next peer, a POST does not':
    { peers: ['a', 'b'], model: pool(failing1s(['a', 'b']), { proxySendTimeout: '300ms', clientMaxBodySize: '32m' }), steps: [req('a=noread', { method: 'PUT', body: 'x'.repeat(8 << 20) }), req(''), req(''), req('b=noread', { method: 'POST', body: 'x'.repeat(8 << 20) }), req(''), req('')] },
  'heads nginx cannot take (a NUL, over 4 KB): 502, not retried by default, the peer failed; retried when invalid_header is listed':
    { peers: ['a', 'b'], model: pool(failing1s(['a', 'b'])), steps: [req('a=bad'), req(''), req(''), req('b=bighead'), req('')] },
  'invalid_header listed: retried, but not a POST once sent; WebSocket handshakes alike':
    { peers: ['a', 'b'], model: pool(failing1s(['a', 'b']), { websocket: true, proxyNextUpstream: ['error', 'timeout', 'invalid_header'] }), steps: [SECOND, req('a=bighead'), req(''), post('b=bad'), req(''), SECOND, { sleep: 1000 }, ws('a=bighead'), ws(''), ws('b=bad'), ws('')] },
  'a peer that goes away with idle keepalive connections: they close, its connects are refused and it fails; back after fail_timeout':
    { peers: ['a', 'b'], model: pool(failing1s(['a', 'b']), KEEPALIVE, { keepalive: 4 }), steps: [SECOND, req(''), req(''), req(''), req(''), { stop: 'a' }, req(''), req(''), req(''), { start: 'a' }, SECOND, { sleep: 1000 }, req(''), req(''), req(''), req('')] },
  'a client that leaves while the upstream thinks: not a failure of the peer':
    { peers: ['a', 'b'], model: pool(failing1s(['a', 'b']), { proxyReadTimeout: '1s', websocket: true }), steps: [req('a=hang&b=hang', { abort: 200 }), { sleep: 100 }, req(''), req(''), req('a=hang&b=hang', { ws: true, abort: 200 }), { sleep: 100 }, req(''), req('')] },
  'WebSocket sessions hold their peer for least_conn until they end':
    { peers: ['a', 'b'], model: pool(failing1s(['a', 'b']), { websocket: true }, { method: { type: 'least_conn' } }), steps: [{ parallel: [req('', { ws: true, hold: 600 }), ws(''), ws('')] }, ws(''), ws('a=reset'), ws('')] },
};

for (const [name, c] of Object.entries(CASES)) {
  test(`failover parity over time: ${name}`, { timeout: 40_000 }, async () => {
    const { diffs, steps, nginxLog } = await compareFailover(c);
    assert.equal(diffs.length, 0, `${diffs.length} of ${steps} steps differ from nginx:\n${diffs.join('\n')}\nnginx's error log:\n${nginxLog}`);
  });
}
