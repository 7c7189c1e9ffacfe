// Passive health checks and the attempt contract, with a clock the test moves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUpstreamGroup, implicitPeer } from '../../../main/upstream/group.ts';
import type { PeerConfig, UpstreamGroup } from '../../../main/upstream/types.ts';

const T0 = 1_700_000_000_000; // a whole second
const peer = (name: string, over: Partial<PeerConfig> = {}): PeerConfig => ({ ...implicitPeer(name, '127.0.0.1', 9000), ...over });

/** One request where the peers named in `failing` refuse; returns the servers tried. */
function request(g: UpstreamGroup, failing: Set<string>): string[] {
  const a = g.attempt({ remoteAddr: '127.0.0.1' });
  const tried: string[] = [];
  for (let i = 0; i < 50; i++) {
    const p = a.next();
    if (!p) return [...tried, 'NOLIVE'];
    tried.push(p.server);
    if (!failing.has(p.server)) {
      a.release(p, false);
      return tried;
    }
    a.release(p, true);
    if (a.triesLeft === 0) return tried;
  }
  throw new Error('runaway');
}

test('a failed peer stays disabled while now - checked <= fail_timeout, in whole seconds', () => {
  let now = T0 + 900; // failure late in second T0
  const g = createUpstreamGroup('u', { type: 'round_robin' }, [peer('a'), peer('b', { failTimeoutMs: 2000 })], { now: () => now });
  const bad = new Set(['b']);
  assert.deepEqual(request(g, bad), ['a']);
  assert.deepEqual(request(g, bad), ['b', 'a']);
  const st = g.status()[1]!;
  assert.equal(st.fails, 1);
  assert.equal(st.unavailableUntil, T0 + 3000); // seconds T0, T0+1, T0+2 are within fail_timeout
  now = T0 + 2999;
  assert.deepEqual([request(g, bad), request(g, bad)], [['a'], ['a']]);
  now = T0 + 3000; // second T0+3: 3 > 2, b is tried again
  assert.equal(g.status()[1]!.unavailableUntil, null);
  // its effective weight fell to 0 with the failure and climbs back one per round
  const seen = [request(g, bad), request(g, bad), request(g, bad), request(g, bad)].flat();
  assert.ok(seen.includes('b'), seen.join(' '));
});

test('after fail_timeout one request probes the peer; others skip it until the probe succeeds', () => {
  let now = T0;
  const g = createUpstreamGroup('u', { type: 'round_robin' }, [peer('a'), peer('b', { failTimeoutMs: 1000 })], { now: () => now });
  request(g, new Set());
  assert.deepEqual(request(g, new Set(['b'])), ['b', 'a']);
  now = T0 + 5000;
  // the probe: picked, still in flight
  let p = null;
  for (let i = 0; i < 5 && p?.server !== 'b'; i++) {
    const probe = g.attempt({ remoteAddr: '127.0.0.1' });
    p = probe.next()!;
    if (p.server === 'a') probe.release(p, false);
  }
  assert.equal(p?.server, 'b');
  assert.notEqual(g.status()[1]!.unavailableUntil, null, 'picking after fail_timeout starts a new check period');
  assert.deepEqual(request(g, new Set()), ['a']);
  assert.deepEqual(request(g, new Set()), ['a']);
});

test('a success resets fails only once a new check period began (fails are not windowed)', () => {
  let now = T0;
  const g = createUpstreamGroup('u', { type: 'round_robin' }, [peer('a', { maxFails: 3, failTimeoutMs: 1000 }), peer('b')], { now: () => now });
  const one = (fail: boolean) => {
    const at = g.attempt({ remoteAddr: '127.0.0.1' });
    for (;;) {
      const p = at.next()!;
      if (p.server === 'a') return at.release(p, fail);
      at.release(p, false);
      return one(fail);
    }
  };
  one(true);
  one(false); // same second: accessed == checked, fails stay
  assert.equal(g.status()[0]!.fails, 1);
  now = T0 + 10_000;
  one(true); // long after: still adds up
  assert.equal(g.status()[0]!.fails, 2);
  now = T0 + 20_000;
  one(false); // picked > fail_timeout after the last check: checked moves past accessed, success resets
  assert.equal(g.status()[0]!.fails, 0);
});

test('tries = non-down primaries + non-down backups; each release uses one', () => {
  const g = createUpstreamGroup('u', { type: 'round_robin' }, [peer('a'), peer('b', { down: true }), peer('c'), peer('d', { backup: true })]);
  const a = g.attempt({ remoteAddr: '127.0.0.1' });
  assert.equal(a.triesLeft, 3);
  const p = a.next()!;
  a.release(p, true);
  assert.equal(a.triesLeft, 2);
  a.release(p, true); // a second release of the same peer is ignored
  assert.equal(a.triesLeft, 2);
  assert.equal(g.status()[p.id]!.fails, 1);
});

test('a single peer is never disabled and ends the request after one try', () => {
  const g = createUpstreamGroup('u', { type: 'round_robin' }, [peer('a', { maxFails: 1 })]);
  for (let i = 0; i < 5; i++) {
    const a = g.attempt({ remoteAddr: '127.0.0.1' });
    const p = a.next()!;
    assert.equal(p.server, 'a');
    a.release(p, true);
    assert.equal(a.triesLeft, 0);
  }
  assert.deepEqual(g.status()[0], { server: 'a', host: '127.0.0.1', port: 9000, backup: false, down: false, conns: 0, fails: 0, unavailableUntil: null });
});

test('all peers down or disabled: next() returns null (no live upstreams)', () => {
  const g = createUpstreamGroup('u', { type: 'round_robin' }, [peer('a', { down: true }), peer('b', { down: true })]);
  const a = g.attempt({ remoteAddr: '127.0.0.1' });
  assert.equal(a.triesLeft, 0);
  assert.equal(a.next(), null);
});

test('status reports conns while requests are open, and ids put primaries first', () => {
  const g = createUpstreamGroup('u', { type: 'least_conn' }, [peer('bk', { backup: true }), peer('a'), peer('b')]);
  const open = [g.attempt({ remoteAddr: '127.0.0.1' }), g.attempt({ remoteAddr: '127.0.0.1' }), g.attempt({ remoteAddr: '127.0.0.1' })].map((a) => ({ a, p: a.next()! }));
  assert.deepEqual(g.status().map((s) => [s.server, s.conns]), [['a', 1], ['b', 2], ['bk', 0]]);
  assert.deepEqual(open.map((o) => o.p.id), [0, 1, 1]);
  for (const o of open) o.a.release(o.p, false);
  assert.deepEqual(g.status().map((s) => s.conns), [0, 0, 0]);
});

test('max_conns: a full peer is skipped, and the request goes to a backup if needed', () => {
  const g = createUpstreamGroup('u', { type: 'round_robin' }, [peer('a', { maxConns: 1 }), peer('bk', { backup: true })]);
  const first = g.attempt({ remoteAddr: '127.0.0.1' });
  assert.equal(first.next()!.server, 'a');
  const second = g.attempt({ remoteAddr: '127.0.0.1' });
  assert.equal(second.next()!.server, 'bk');
});

test('an upstream needs a primary server; weights are positive integers', () => {
  assert.throws(() => createUpstreamGroup('u', { type: 'round_robin' }, [peer('a', { backup: true })]), /no servers in upstream "u"/);
  assert.throws(() => createUpstreamGroup('u', { type: 'round_robin' }, [peer('a', { weight: 0 })]), /invalid weight/);
});

test('implicit upstream peers: weight 1, max_fails 1, fail_timeout 10s', () => {
  assert.deepEqual(implicitPeer('example.com:80', '127.0.0.1', 80), {
    server: 'example.com:80', host: '127.0.0.1', port: 80, weight: 1, maxFails: 1, failTimeoutMs: 10_000, backup: false, down: false, maxConns: 0,
  });
});

test('refundTry gives back a released try, even the one try of a single server (a stale keepalive connection)', () => {
  const g = createUpstreamGroup('u', { type: 'round_robin' }, [peer('a')]);
  const a = g.attempt({ remoteAddr: '127.0.0.1' });
  const p = a.next()!;
  a.release(p, true);
  assert.equal(a.triesLeft, 0);
  a.refundTry();
  assert.equal(a.triesLeft, 1);
  assert.equal(a.next()?.server, 'a');
});
