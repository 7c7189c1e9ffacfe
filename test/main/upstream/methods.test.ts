// Method details the nginx fixtures cannot pin down: address bytes, point generation, and the
// random methods (nginx's RNG cannot be replayed, so distribution and the two-choice rule).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPoints, findPoint, splitServer } from '../../../main/upstream/consistent-hash.ts';
import { createUpstreamGroup, implicitPeer } from '../../../main/upstream/group.ts';
import { hashRound } from '../../../main/upstream/hash.ts';
import { ipHashBytes } from '../../../main/upstream/ip-hash.ts';
import { buildPeerSet } from '../../../main/upstream/peers.ts';
import type { PeerConfig } from '../../../main/upstream/types.ts';

const peer = (name: string, over: Partial<PeerConfig> = {}): PeerConfig => ({ ...implicitPeer(name, '127.0.0.1', 9000), ...over });

/** Deterministic uniform [0,1) (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('ip_hash hashes 3 octets of IPv4 (also v4-mapped), 16 bytes of IPv6', () => {
  assert.deepEqual(ipHashBytes('10.1.2.3'), [10, 1, 2]);
  assert.deepEqual(ipHashBytes('::ffff:10.1.2.3'), [10, 1, 2]);
  assert.deepEqual(ipHashBytes('2001:db8::1'), [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(ipHashBytes('::1'), [...Array(15).fill(0), 1]);
  assert.deepEqual(ipHashBytes('64:ff9b::1.2.3.4').slice(12), [1, 2, 3, 4]);
  assert.deepEqual(ipHashBytes('unix:'), [0, 0, 0]);
});

test('ip_hash: clients differing only in the last octet share a peer', () => {
  const g = createUpstreamGroup('u', { type: 'ip_hash' }, ['a', 'b', 'c', 'd'].map((n) => peer(n)));
  for (const net of ['10.0.0', '192.168.7', '127.33.1']) {
    const picks = new Set([1, 2, 77, 254].map((x) => g.attempt({ remoteAddr: `${net}.${x}` }).next()!.server));
    assert.equal(picks.size, 1);
  }
});

test('consistent hash splits HOST and PORT from the server as written', () => {
  assert.deepEqual(splitServer('127.0.0.1:9001'), { host: '127.0.0.1', port: '9001' });
  assert.deepEqual(splitServer('backend.local'), { host: 'backend.local', port: '' });
  assert.deepEqual(splitServer('[::1]:80'), { host: '[::1]', port: '80' });
  assert.deepEqual(splitServer('UNIX:/tmp/s.sock'), { host: '/tmp/s.sock', port: '' });
  assert.deepEqual(splitServer('host:8a'), { host: 'host:8a', port: '' });
});

test('consistent hash points: 160 per weight unit, sorted and unique', () => {
  const set = buildPeerSet('u', [peer('127.0.0.1:1'), peer('127.0.0.1:2', { weight: 3 }), peer('127.0.0.1:3', { down: true })]);
  const pts = buildPoints(set);
  assert.equal(pts.length, 160 * 5); // down servers keep their points
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i - 1]!.hash < pts[i]!.hash);
  assert.equal(pts.filter((p) => p.server === '127.0.0.1:2').length, 480);
  assert.equal(findPoint(pts, 0), 0);
  assert.equal(findPoint(pts, 0xffffffff), pts.length);
  assert.equal(findPoint(pts, pts[7]!.hash), 7);
  assert.equal(findPoint(pts, pts[7]!.hash + 1), 8);
});

test('consistent hash: addresses of one server name share its points and round-robin among themselves', () => {
  const peers = [peer('app:80', { host: '10.0.0.1' }), peer('app:80', { host: '10.0.0.2' }), peer('db:80')];
  const g = createUpstreamGroup('u', { type: 'hash', key: '$k', consistent: true }, peers);
  const hosts = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const p = g.attempt({ remoteAddr: '', hashKey: `k${i}` }).next()!;
    if (p.server === 'app:80') hosts.add(p.host);
  }
  assert.deepEqual([...hosts].sort(), ['10.0.0.1', '10.0.0.2']);
});

test('plain hash round value: 15 bits of crc32([rehash] key)', () => {
  for (const k of ['a', 'user-1', 'é']) {
    const v = hashRound(Buffer.from(k), 0);
    assert.ok(v >= 0 && v < 0x8000);
    assert.notEqual(hashRound(Buffer.from(k), 1), v);
  }
});

test('random: picks follow the weights', () => {
  const g = createUpstreamGroup('u', { type: 'random', two: false }, [peer('a'), peer('b', { weight: 3 }), peer('c', { down: true })], { random: rng(1) });
  const n = 8000;
  const count: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const at = g.attempt({ remoteAddr: '' });
    const p = at.next()!;
    count[p.server] = (count[p.server] ?? 0) + 1;
    at.release(p, false);
  }
  assert.equal(count.c, undefined);
  assert.ok(Math.abs(count.b! / n - 0.75) < 0.03, JSON.stringify(count));
});

test('random two: of two distinct draws, the one with fewer conns/weight wins (the second on a tie)', () => {
  // draws cycle a, a (same peer again: drawn anew), b
  const draws = [0.1, 0.1, 0.6];
  let i = 0;
  const g = createUpstreamGroup('u', { type: 'random', two: true }, [peer('a'), peer('b')], { random: () => draws[i++ % draws.length]! });
  const picks = [0, 1, 2, 3].map(() => g.attempt({ remoteAddr: '' }).next()!.server); // never released
  // 0:0 tie -> b; b busier -> a; 1:1 tie -> b; b busier -> a
  assert.deepEqual(picks, ['b', 'a', 'b', 'a']);
});

test('random two: load spreads towards idle peers', () => {
  const g = createUpstreamGroup('u', { type: 'random', two: true }, ['a', 'b', 'c', 'd'].map((n) => peer(n)), { random: rng(7) });
  for (let i = 0; i < 400; i++) g.attempt({ remoteAddr: '' }).next(); // never released
  const conns = g.status().map((s) => s.conns);
  assert.equal(conns.reduce((x, y) => x + y, 0), 400);
  assert.ok(Math.max(...conns) - Math.min(...conns) <= 3, conns.join(','));
});

test('random: down and tried peers are skipped; after 20 misses round robin takes over', () => {
  const g = createUpstreamGroup('u', { type: 'random', two: false }, [peer('a'), peer('b', { down: true })], { random: () => 0.99 });
  const at = g.attempt({ remoteAddr: '' });
  const p = at.next()!;
  assert.equal(p.server, 'a');
  at.release(p, true);
  assert.equal(at.triesLeft, 0);
});
