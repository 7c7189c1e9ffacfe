// The upstream keepalive cache (main/engine/keepalive-pool.ts) on its own, with node's http client
// and a real loopback server: which connection a request takes, what is cached and for how long.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KeepaliveAgent, cacheTimeout } from '../../../main/engine/keepalive-pool.ts';

test('cacheTimeout: keepalive_timeout, or a second before the upstream\'s announced Keep-Alive timeout', () => {
  assert.equal(cacheTimeout(undefined, 60_000), 60_000);
  assert.equal(cacheTimeout(['Content-Length', '2'], 60_000), 60_000);
  assert.equal(cacheTimeout(['Keep-Alive', 'timeout=5'], 60_000), 4_000);
  assert.equal(cacheTimeout(['keep-alive', 'timeout=5, max=100'], 60_000), 4_000);
  assert.equal(cacheTimeout(['KEEP-ALIVE', 'timeout=120'], 60_000), 60_000, 'never longer than keepalive_timeout');
  assert.equal(cacheTimeout(['Keep-Alive', 'timeout=1'], 60_000), 0, 'nothing left: not cached');
  assert.equal(cacheTimeout(['Keep-Alive', 'timeout=0'], 60_000), 0);
  assert.equal(cacheTimeout(['Keep-Alive', 'max=5, timeout=3'], 60_000), 60_000, 'as node reads it: only a leading timeout=');
  assert.equal(cacheTimeout(['Keep-Alive', 'max=5', 'Keep-Alive', 'timeout=3'], 60_000), 60_000, 'the first line decides');
});

async function upstream(keepAliveTimeoutMs = 5000): Promise<{ port: number; peers: number[]; close(): Promise<void> }> {
  const peers: number[] = [];
  const server = http.createServer((req, res) => {
    peers.push(req.socket.remotePort!);
    res.end('ok');
  });
  server.keepAliveTimeout = keepAliveTimeoutMs;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    peers,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** An upstream and a cache for `cache` connections, both closed when test `t` ends. */
async function setup(t: { after(fn: () => Promise<void>): void }, cache: number, upstreamKeepAliveMs?: number) {
  const up = await upstream(upstreamKeepAliveMs);
  const agent = new KeepaliveAgent(cache, 60_000);
  t.after(async () => {
    agent.destroy();
    await up.close();
  });
  return { up, agent, name: `127.0.0.1:${up.port}:` };
}

function get(agent: http.Agent, port: number): Promise<{ socket: Socket; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ socket: req.socket!, reused: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

/** Two requests in flight at once: two connections, both cached when they are done. */
async function twoConnections(agent: http.Agent, port: number): Promise<[Socket, Socket]> {
  const [a, b] = await Promise.all([get(agent, port), get(agent, port)]);
  assert.notEqual(a.socket, b.socket);
  await new Promise((r) => setImmediate(r));
  return [a.socket, b.socket];
}

test('a request takes the most recently freed connection to its peer, and a new one when none is idle', async (t) => {
  const { up, agent, name } = await setup(t, 4);
  const [s1, s2] = await twoConnections(agent, up.port);
  assert.equal(agent.freeSockets[name]?.length, 2, 'both cached');
  const lastFreed = agent.freeSockets[name]![1]!;
  const r = await get(agent, up.port);
  assert.equal(r.reused, true);
  assert.equal(r.socket, lastFreed);
  assert.equal(agent.sockets[name], undefined, 'not counted as busy once it is back in the cache');
  // a cached connection that died meanwhile is skipped, not used
  const other = lastFreed === s1 ? s2 : s1;
  agent.freeSockets[name]!.splice(0, agent.freeSockets[name]!.length, other, lastFreed);
  lastFreed.destroy();
  other.destroy();
  await new Promise((r) => setImmediate(r));
  const fresh = await get(agent, up.port);
  assert.equal(fresh.reused, false);
  assert.notEqual(fresh.socket, s1);
  assert.notEqual(fresh.socket, s2);
  assert.equal(up.peers.length, 4);
});

test('a cached connection gets the idle timer of the cache, and is closed when it runs out', async (t) => {
  const { up, agent } = await setup(t, 4, 2000); // node's server announces Keep-Alive: timeout=2
  const r = await get(agent, up.port);
  await new Promise((r) => setImmediate(r));
  assert.equal(r.socket.timeout, 1000, 'a second before the announced 2 s');
  const closed = Date.now();
  await new Promise((resolve) => r.socket.once('close', resolve));
  const after = Date.now() - closed;
  assert.ok(after >= 800 && after < 1900, `closed after ${after} ms in the cache`);
});

test('the cache holds at most N connections for the group, evicting the least recently freed', async (t) => {
  const { up, agent, name } = await setup(t, 1);
  const [a, b] = await twoConnections(agent, up.port);
  const kept = agent.freeSockets[name]!.filter((s) => !s.destroyed);
  assert.equal(kept.length, 1);
  assert.ok(a.destroyed !== b.destroyed, 'one of the two was closed');
});
