// What an open WebSocket session keeps alive: its sockets, relays and record, not its handshake
// (the client's request object with its parser state and head buffer, the request to the upstream
// and the upstream's response object). An idle session lives for
// hours, so anything it holds by mistake is paid per session (the bench's idle memory row); a
// listener made as an arrow function in the upgrade handler once kept the request this way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { sleep } from '../../helpers/wait.ts';

const scope = testScope();

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('an open WebSocket session does not keep its handshake\'s request and response objects alive', async () => {
  const u = await scope.ws('u');
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${u.port}` }));
  // the request objects node hands the engine's listener with each upgrade (not the upstream's)
  const requests: WeakRef<http.IncomingMessage>[] = [];
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'upgrade' && (this.address() as AddressInfo | null)?.port === e.port) requests.push(new WeakRef(args[0] as http.IncomingMessage));
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
  // the engine's requests to the upstream, and the upstream's answers, as node's HTTP client reports them
  const upstreamSide: WeakRef<object>[] = [];
  const clientEmit = http.ClientRequest.prototype.emit;
  http.ClientRequest.prototype.emit = function (this: http.ClientRequest, event: string | symbol, ...args: unknown[]) {
    if (event === 'upgrade' && this.socket?.remotePort === u.port) upstreamSide.push(new WeakRef(this), new WeakRef(args[0] as object));
    return clientEmit.apply(this, [event, ...args] as Parameters<typeof clientEmit>);
  } as typeof clientEmit;
  const clients: WebSocket[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${e.port}/ws/${i}`);
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      clients.push(ws);
    }
  } finally {
    http.Server.prototype.emit = emit;
    http.ClientRequest.prototype.emit = clientEmit;
  }
  scope.defer(async () => { for (const ws of clients) ws.terminate(); });
  for (const ws of clients) {
    const echoed = new Promise((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('before');
    assert.equal(await echoed, 'before');
  }
  assert.equal(requests.length, 5);
  assert.equal(upstreamSide.length, 10);
  for (let i = 0; i < 3; i++) {
    await sleep(20);
    gc();
  }
  assert.equal(requests.filter((r) => r.deref() !== undefined).length, 0, 'no open session holds its request object');
  assert.equal(upstreamSide.filter((r) => r.deref() !== undefined).length, 0, 'nor its request to the upstream or the upstream\'s response');
  assert.equal(e.engine.liveSessions().length, 5);
  // and the sessions still work
  for (const ws of clients) {
    const echoed = new Promise((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('after');
    assert.equal(await echoed, 'after');
  }
});

test('a session on a connection from the keepalive cache does not keep the plain request that opened it alive', async () => {
  const u = await scope.ws('u');
  const e = await scope.engine((port) => ({
    schemaVersion: 1,
    upstreams: [{ name: 'g', keepalive: 8, servers: [{ address: `127.0.0.1:${u.port}` }] }],
    servers: [{
      listen: [{ address: `127.0.0.1:${port}` }],
      locations: [
        { path: '/', proxyPass: 'http://g', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] },
        { path: '/ws', websocket: true, proxyPass: 'http://g' },
      ],
    }],
  }));
  // the plain requests node hands the engine; each opens the upstream connection the next handshake takes
  const requests: WeakRef<http.IncomingMessage>[] = [];
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'request' && (this.address() as AddressInfo | null)?.port === e.port) requests.push(new WeakRef(args[0] as http.IncomingMessage));
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
  const get = () => new Promise<void>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: e.port, path: '/plain', agent: false }, (r) => { r.resume(); r.on('end', resolve); }).on('error', reject);
  });
  let connections = 0;
  u.server.on('connection', () => connections++);
  const clients: WebSocket[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      await get();
      const ws = new WebSocket(`ws://127.0.0.1:${e.port}/ws/${i}`);
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      clients.push(ws);
    }
  } finally {
    http.Server.prototype.emit = emit;
  }
  scope.defer(async () => { for (const ws of clients) ws.terminate(); });
  assert.equal(requests.length, 3);
  assert.equal(connections, 3, 'each handshake went on the connection its plain request left idle');
  for (let i = 0; i < 3; i++) {
    await sleep(20);
    gc();
  }
  assert.equal(requests.filter((r) => r.deref() !== undefined).length, 0, 'no open session holds the request its connection carried before');
});
