// Applying a new config to a running engine, as `nginx -s reload` applies one (test/parity/reload.test.ts
// runs the same reloads through real nginx).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync } from 'node:fs';
import WebSocket from 'ws';
import { Engine } from '../../../main/engine/engine.ts';
import { describe as answer } from '../../helpers/upstreams.ts';
import { freePorts } from '../../helpers/ports.ts';
import { send } from '../../helpers/client.ts';
import { sleep } from '../../helpers/wait.ts';
import { testScope } from '../../helpers/scope.ts';

const scope = testScope();

function model(ports: number[], target: number, wsTarget = target) {
  return {
    schemaVersion: 1,
    upstreams: [{ name: 'g', keepalive: 4, servers: [{ address: `127.0.0.1:${target}` }] }],
    servers: [{
      listen: ports.map((p) => ({ address: `127.0.0.1:${p}` })),
      locations: [
        { path: '/ws/', proxyPass: `http://127.0.0.1:${wsTarget}`, websocket: true },
        { path: '/', proxyPass: 'http://g', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] },
      ],
    }],
  };
}

async function newEngine(input: unknown): Promise<Engine> {
  const e = new Engine();
  scope.defer(() => e.stop());
  const r = await e.apply(input);
  assert.ok(r.ok && r.listeners.every((l) => l.state === 'listening'), JSON.stringify(r));
  return e;
}

const resources = () => {
  const active = process.getActiveResourcesInfo();
  return { fds: readdirSync('/proc/self/fd').length, handles: active.filter((r) => r !== 'Timeout').length, timers: active.filter((r) => r === 'Timeout').length };
};

test('20 reloads in a second, some at once, while traffic flows: all apply in order, nothing fails, nothing leaks', async () => {
  const u = await scope.ws('u');
  const v = await scope.ws('v');
  const [l1, l2] = await freePorts(2);
  // odd reloads add a second listener and move the group to v; even ones take them back
  const nth = (i: number) => model(i % 2 ? [l1!, l2!] : [l1!], i % 2 ? v.port : u.port, u.port);
  const e = await newEngine(nth(0));
  const ws = new WebSocket(`ws://127.0.0.1:${l1}/ws/`);
  await new Promise((r) => ws.once('open', r));
  let echoes = 0;
  ws.on('message', () => echoes++);
  await send(`http://127.0.0.1:${l1}/`);
  await sleep(100);
  const before = resources();
  let stop = false;
  let sent = 0;
  const failures: string[] = [];
  const traffic = (async () => {
    while (!stop) {
      const r = await send(`http://127.0.0.1:${l1}/`).catch((x: Error) => ({ status: x.message }));
      if (r.status !== 200) failures.push(String(r.status));
      ws.send('x');
      sent++;
    }
  })();
  const spaced = [];
  for (let i = 1; i <= 10; i++) {
    spaced.push(e.apply(nth(i)));
    await sleep(50);
  }
  const burst = Array.from({ length: 10 }, (_, i) => e.apply(nth(11 + i)));
  const results = await Promise.race([Promise.all([...spaced, ...burst]), sleep(5000).then(() => null)]);
  stop = true;
  await traffic;
  assert.ok(results, 'every apply resolves');
  results.forEach((r, i) => assert.deepEqual(r.ok && r.listeners.map((l) => l.state), (i + 1) % 2 ? ['listening', 'listening'] : ['listening'], `reload ${i + 1}`));
  assert.deepEqual(e.listenerStatus().map((l) => l.port), [l1]); // the last one asked for (20: one listener)
  assert.deepEqual(failures, []);
  await sleep(200);
  assert.equal(echoes, sent, 'the session relayed every message');
  assert.equal(ws.readyState, WebSocket.OPEN);
  // the same sockets and listeners as before; timers give or take the idle timers of the last
  // exchange's keepalive connections (one leaked per reload would be ten or more)
  const after = resources();
  assert.ok(after.fds <= before.fds && after.handles <= before.handles && after.timers <= before.timers + 2, `before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
  ws.terminate();
});

/** A keepalive client connection: `get` sends one request and resolves with the answer's head and body, once complete. */
function client(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let got = '';
  const ended = new Promise<void>((r) => socket.once('close', () => r()));
  socket.on('data', (d) => (got += d));
  return {
    socket,
    ended,
    async get(path: string): Promise<string> {
      got = '';
      socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`);
      for (let i = 0; i < 200 && !/\r\n0\r\n\r\n$|\}$/.test(got) && !socket.destroyed; i++) await sleep(10);
      return got;
    },
  };
}

test('a reload keeps client keepalive connections on a listener it keeps (new config for the next request); on one it removes, they close after the response under way', async () => {
  // the upstream answers /slow after 300 ms, /stream in two chunks 300 ms apart
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, seen: never) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'X-Upstream': 'u' });
      res.write('first ');
      setTimeout(() => res.end('}'), 300);
    } else setTimeout(() => answer(res, seen), req.url === '/slow' ? 300 : 0);
  };
  const u = await scope.http('u', handler as never);
  const v = await scope.http('v');
  const [kept, gone] = await freePorts(2);
  const unbuffered = (m: ReturnType<typeof model>) => (m.servers[0]!.locations[1] = { ...m.servers[0]!.locations[1]!, proxyBuffering: false } as never, m);
  const e = await newEngine(unbuffered(model([kept!, gone!], u.port)));
  const idleKept = client(kept!);
  const idleGone = client(gone!);
  assert.match(await idleKept.get('/'), /X-Upstream: u/);
  assert.match(await idleGone.get('/'), /X-Upstream: u/);
  const slowGone = client(gone!);
  const slow = slowGone.get('/slow');
  const streamGone = client(gone!);
  const stream = streamGone.get('/stream');
  await sleep(100);
  const r = await e.apply(unbuffered(model([kept!], v.port)));
  assert.ok(r.ok);
  // the response under way completes under the old config, then the connection closes
  const slowAnswer = await slow;
  assert.match(slowAnswer, /^HTTP\/1\.1 200 [\s\S]*X-Upstream: u[\s\S]*\r\nConnection: close\r\n/);
  assert.match(await stream, /X-Upstream: u[\s\S]*first [\s\S]*\}/);
  await Promise.all([slowGone.ended, streamGone.ended, idleGone.ended]);
  // on the listener that stays, the same connection goes on, with the new routes
  assert.match(await idleKept.get('/'), /X-Upstream: v/);
  idleKept.socket.destroy();
});

test('a reload that needs a busy port: refused whole with refuseListenFailure (serve\'s SIGHUP, as nginx), the old config and listeners kept; without it, reported and the rest applied', async () => {
  const u = await scope.http('u');
  const v = await scope.http('v');
  const busy = (await scope.http('blocker')).port;
  const [a, b] = await freePorts(2);
  const e = await newEngine(model([a!], u.port));
  // moved from a to the busy port, the group moved to v
  const refused = await e.apply(model([busy], v.port), { refuseListenFailure: true });
  assert.deepEqual(refused, { ok: false, issues: [{ path: 'servers[0].listen[0].address', code: 'listen_failed', message: `cannot listen on 127.0.0.1:${busy}: address already in use` }] });
  assert.deepEqual(e.listenerStatus().map((l) => [l.port, l.state]), [[a, 'listening']]);
  assert.match((await send(`http://127.0.0.1:${a}/`)).body, /"name":"u"/);
  // a socket that was failing already does not block a reload that keeps it
  const reported = await e.apply(model([a!, busy], u.port));
  assert.ok(reported.ok);
  assert.deepEqual(reported.listeners.map((l) => [l.port, l.state]), [[a, 'listening'], [busy, 'failed']]);
  const next = await e.apply(model([a!, busy, b!], v.port), { refuseListenFailure: true });
  assert.ok(next.ok);
  assert.deepEqual(next.listeners.map((l) => [l.port, l.state]), [[a, 'listening'], [busy, 'failed'], [b, 'listening']]);
  assert.match((await send(`http://127.0.0.1:${b}/`)).body, /"name":"v"/);
});
