// The upstream keepalive cache (main/engine/keepalive-pool.ts) on its own, with node's http client
// and a real loopback server: which connection a request takes, what is cached and for how long.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import net from 'node:net';
import { KeepaliveAgent } from '../../../main/engine/keepalive-pool.ts';

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
async function setup(t: { after(fn: () => Promise<void>): void }, cache: number, upstreamKeepAliveMs?: number, idleMs = 60_000) {
  const up = await upstream(upstreamKeepAliveMs);
  const agent = new KeepaliveAgent(cache, idleMs);
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

test('a cached connection gets the idle timer of the cache (keepalive_timeout), whatever the upstream announced, and is closed when it runs out', async (t) => {
  const { up, agent } = await setup(t, 4, 20_000, 600); // node's server announces Keep-Alive: timeout=20
  const r = await get(agent, up.port);
  await new Promise((r) => setImmediate(r));
  assert.equal(r.socket.timeout, 600);
  const closed = Date.now();
  await new Promise((resolve) => r.socket.once('close', resolve));
  const after = Date.now() - closed;
  assert.ok(after >= 400 && after < 1500, `closed after ${after} ms in the cache`);
  // and an announced timeout shorter than keepalive_timeout is not followed either (nginx reads no Keep-Alive)
  const { up: short, agent: other } = await setup(t, 4, 1000, 60_000);
  const again = await get(other, short.port);
  await new Promise((r) => setImmediate(r));
  assert.equal(again.socket.timeout, 60_000);
  assert.equal(other.freeSockets[`127.0.0.1:${short.port}:`]?.length, 1, 'cached although the upstream said timeout=1');
});

/** A raw upstream answering each request with `answer` (and then, if given, `after` on the idle connection). */
async function rawUpstream(t: { after(fn: () => Promise<void>): void }, answer: string, after?: string): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((c) => {
    sockets.add(c);
    c.on('data', () => {
      c.write(answer);
      if (after !== undefined) setTimeout(() => c.write(after), 50);
    });
    c.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const c of sockets) c.destroy();
    server.close(() => resolve());
  }));
  return (server.address() as AddressInfo).port;
}

test('an HTTP/1.0 answer closes its connection, Keep-Alive or not (nginx: any 1.0 answer is connection close)', async (t) => {
  const port = await rawUpstream(t, 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok');
  const agent = new KeepaliveAgent(4, 60_000);
  t.after(() => agent.destroy());
  const r = await get(agent, port);
  await new Promise((r) => setImmediate(r));
  assert.equal(agent.freeSockets[`127.0.0.1:${port}:`], undefined, 'not cached');
  assert.equal(r.socket.destroyed, true);
  const again = await get(agent, port);
  assert.equal(again.reused, false);
});

test('an answer whose Connection has "close" anywhere in it (x-close, closed) is not cached, as nginx reads it', async (t) => {
  for (const value of ['x-close', 'closed', 'Keep-Alive, X-CLOSE-LATER']) {
    const sockets: Socket[] = [];
    const server = http.createServer((req, res) => {
      res.setHeader('Connection', value);
      res.end('ok');
    });
    server.on('connection', (s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const agent = new KeepaliveAgent(4, 60_000);
    t.after(() => {
      agent.destroy();
      server.closeAllConnections();
      server.close();
    });
    await get(agent, port);
    await get(agent, port);
    assert.equal(sockets.length, 2, `${value}: a new connection for the second request`);
  }
  // (node's own token reading still counts: "keep-alive" alone is cached)
  const { up, agent } = await setup(t, 4);
  const first = await get(agent, up.port);
  await new Promise((r) => setImmediate(r));
  assert.equal((await get(agent, up.port)).socket, first.socket);
});

test("a connection taken for good keeps none of the cache's listeners: one held the cache, and its group's pools, for a session's life", async (t) => {
  const { up, agent } = await setup(t, 4);
  const { socket } = await get(agent, up.port);
  await new Promise((r) => setImmediate(r));
  const taken = agent.takeIdle('127.0.0.1', up.port)!;
  assert.equal(taken, socket);
  assert.deepEqual(['close', 'data', 'error', 'free', 'timeout', 'agentRemove'].map((e) => taken.listenerCount(e)), [0, 0, 0, 0, 0, 0]);
  taken.destroy();
});
