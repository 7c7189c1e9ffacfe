// Thousands of client connections may be discarding a body or lingering at once: their read
// watches share one timer (a timer each, polling every 250 ms, cost ten times the CPU with 5,000
// of them), and a connection that goes leaves no timer or listener behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHook } from 'node:async_hooks';
import { lingeringClose } from '../../../main/engine/client-close.ts';
import { sleep } from '../../helpers/wait.ts';
import { startTcpServer, type TcpServer } from '../../helpers/upstreams.ts';

/** `count` connected pairs through a loopback server: the server's side of each, and the client's. */
async function pairs(count: number): Promise<{ server: TcpServer; accepted: net.Socket[]; clients: net.Socket[] }> {
  const accepted: net.Socket[] = [];
  const server = await startTcpServer((s) => {
    s.on('error', () => {});
    accepted.push(s);
  }, { allowHalfOpen: true });
  const { port } = server;
  const clients = Array.from({ length: count }, () => net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }).on('error', () => {}));
  while (accepted.length < count) await sleep(10);
  return { server, accepted, clients };
}

test('connections in their lingering close share one timer, and leave none behind when they go', { timeout: 15_000 }, async () => {
  const { server, accepted, clients } = await pairs(300);
  const live = new Set<number>();
  const hook = createHook({
    init: (id, type) => void (type === 'Timeout' && live.add(id)),
    destroy: (id) => void live.delete(id),
  }).enable();
  try {
    for (const s of accepted) lingeringClose(s);
    assert.ok(live.size <= 1, `${live.size} timers for 300 lingering connections`);
    // the clients keep sending: the connections linger on, still read
    for (const c of clients) c.write('x');
    await sleep(400);
    assert.equal(accepted.filter((s) => s.destroyed).length, 0);
    assert.ok(accepted.every((s) => s.listenerCount('close') <= 2));
    // the clients go: so does every timer the lingering close made
    for (const c of clients) c.destroy();
    while (!accepted.every((s) => s.destroyed)) await sleep(20);
    await sleep(600);
    await new Promise((r) => setImmediate(r)); // (the sleep's own timer is reported gone after it)
    assert.equal(live.size, 0, 'a timer outlived its connections');
  } finally {
    hook.disable();
    await server.close();
  }
});
