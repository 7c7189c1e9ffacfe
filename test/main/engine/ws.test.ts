// The upgrade pass on real loopback sockets, with the `ws` library on both ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import net from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { SessionRecord } from '../../../main/engine/events.ts';
import { sleep, until } from '../../helpers/wait.ts';
import { startHttpUpstream, startBrokenUpstream, refusedPort, rawExchange, answered, header, type Upstream } from '../../helpers/upstreams.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';

const scope = testScope();
const wsUp = scope.ws;
const engine = scope.engine;
function wsLoc(u: Upstream, extra: Record<string, unknown> = {}) {
  return { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${u.port}`, ...extra };
}
function open(url: string, opts?: WebSocket.ClientOptions): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected ${res.statusCode}`)));
  });
}
function echo(ws: WebSocket, data: string | Buffer): Promise<WebSocket.RawData> {
  return new Promise((resolve) => { ws.once('message', (d) => resolve(d)); ws.send(data); });
}
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const upgradeRequest = (path: string, host = 'client.test') =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;

test('handshake passes through unchanged: Sec-WebSocket-Accept matches the client key (RFC 6455 sample)', async () => {
  const u = await wsUp('u');
  const e = await engine((p) => oneLocation(p, wsLoc(u)));
  const got = await rawExchange(e.port, upgradeRequest('/ws'), { until: (s) => s.includes('\r\n\r\n') });
  assert.match(got, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(got, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/i);
  const seen = u.seen.at(-1)!;
  assert.equal(header(seen, 'host'), `127.0.0.1:${u.port}`, 'Host is $proxy_host by default (the seed note\'s trap)');
  assert.equal(header(seen, 'upgrade'), 'websocket');
  assert.equal(header(seen, 'connection'), 'upgrade');
  assert.equal(header(seen, 'sec-websocket-key'), KEY);
});

test('text, binary, large and compressed messages echo through; the session is reported', async () => {
  const u = await wsUp('u', { perMessageDeflate: true });
  const e = await engine((p) => oneLocation(p, wsLoc(u)));
  const opened: unknown[] = [];
  const closed: unknown[] = [];
  e.engine.on('session-open', (s) => opened.push(s));
  e.engine.on('session-close', (s) => closed.push(s));
  const ws = await open(`ws://127.0.0.1:${e.port}/ws/chat`, { perMessageDeflate: true });
  assert.match(ws.extensions, /permessage-deflate/);
  assert.equal(String(await echo(ws, 'hello')), 'hello');
  const bin = Buffer.from([0, 1, 2, 255]);
  assert.deepEqual(await echo(ws, bin), bin);
  const big = Buffer.alloc(300_000, 7);
  assert.deepEqual(await echo(ws, big), big);
  assert.equal(opened.length, 1);
  assert.equal(e.engine.liveSessions().length, 1);
  ws.close(1000, 'bye');
  await new Promise((r) => ws.once('close', r));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(closed.length, 1);
  const s = closed[0] as SessionRecord;
  assert.equal(s.state, 'closed');
  // TCP-level: after the client's Close frame the server closes the connection first (RFC 6455 §7.1.1)
  assert.equal(s.closedBy, 'upstream');
  // the closing handshake: the client started it
  assert.deepEqual(s.closeFrame, { from: 'client', code: 1000, reason: 'bye' });
  assert.ok(s.bytesFromClient > 0);
  assert.match(s.extensions ?? '', /permessage-deflate/);
});

test('a non-101 answer reaches the client as an HTTP response, chunked bodies included', async () => {
  const u = await startHttpUpstream('u');
  scope.defer(u.close);
  u.server.on('upgrade', (_req, socket: net.Socket) => {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nno ws\r\n0\r\n\r\n');
  });
  const e = await engine((p) => oneLocation(p, wsLoc(u)));
  const ended: SessionRecord[] = [];
  e.engine.on('session-close', (s) => ended.push(s));
  const got = await rawExchange(e.port, upgradeRequest('/ws'), { until: answered });
  assert.match(got, /^HTTP\/1\.1 403 Forbidden\r\n/);
  // chunked for the client, as nginx sends a body it reads chunked, and the connection kept alive
  assert.ok(got.endsWith('\r\n\r\n5\r\nno ws\r\n0\r\n\r\n') && /\r\nTransfer-Encoding: chunked\r\n/i.test(got) && /\r\nConnection: keep-alive\r\n/i.test(got), JSON.stringify(got));
  // a refused session counts what each side sent, as an open one does: the handshake, the answer
  await until(() => ended.length === 1);
  const answer = 'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nno ws\r\n0\r\n\r\n';
  assert.deepEqual([ended[0]!.state, ended[0]!.bytesFromClient, ended[0]!.bytesFromUpstream], ['rejected', Buffer.byteLength(upgradeRequest('/ws')), answer.length]);
  assert.deepEqual(ended[0]!.tries, [{ upstream: `127.0.0.1:${u.port}`, outcome: 'status 403' }]);
});

test('refused upstream: 502 to the client; with a second peer the session opens', async () => {
  const dead = await refusedPort();
  const u = await wsUp('u');
  const e1 = await engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${dead}` }));
  const ended: Array<{ state: string; status: number | null; closeReason: string | null }> = [];
  e1.engine.on('session-close', (s) => ended.push({ state: s.state, status: s.status, closeReason: s.closeReason }));
  assert.match(await rawExchange(e1.port, upgradeRequest('/ws'), { until: answered }), /^HTTP\/1\.1 502 /);
  await until(() => ended.length === 1);
  // the session records the answer the client got, and nginx's cause for it
  const refused = `upstream error (ECONNREFUSED) while connecting to upstream, upstream: 127.0.0.1:${dead}`;
  assert.deepEqual(ended, [{ state: 'rejected', status: 502, closeReason: refused }]);
  const e2 = await engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: 'http://pool' }, {
    upstreams: [{ name: 'pool', servers: [{ address: `127.0.0.1:${dead}` }, { address: `127.0.0.1:${u.port}` }] }],
  }));
  const tries: Array<SessionRecord['tries']> = [];
  e2.engine.on('session-close', (s) => tries.push(s.tries));
  for (let i = 0; i < 3; i++) {
    const ws = await open(`ws://127.0.0.1:${e2.port}/ws`);
    assert.equal(String(await echo(ws, `m${i}`)), `m${i}`);
    ws.terminate();
    await until(() => tries.length === i + 1);
  }
  const ok = { upstream: `127.0.0.1:${u.port}`, outcome: 'status 101' };
  assert.deepEqual(tries, [[{ upstream: `127.0.0.1:${dead}`, outcome: refused }, ok], [ok], [ok]], 'every peer each handshake went to, and what came of it (the refused one then failed)');
});

test('an upstream that closes before answering the upgrade: 502 at once; with a second peer the session opens', { timeout: 15_000 }, async () => {
  const broken = await startBrokenUpstream('close');
  scope.defer(broken.close);
  const u = await wsUp('u');
  const e1 = await engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${broken.port}` }));
  const t0 = Date.now();
  assert.match(await rawExchange(e1.port, upgradeRequest('/ws'), { until: answered, timeoutMs: 5000 }), /^HTTP\/1\.1 502 /);
  assert.ok(Date.now() - t0 < 2000, 'not left hanging');
  assert.ok(e1.logs.some((l) => l.message === `upstream prematurely closed connection while reading response header from upstream, upstream: 127.0.0.1:${broken.port}`), JSON.stringify(e1.logs));
  // nginx's default proxy_next_upstream (error timeout) covers it: the next peer gets the request
  const e2 = await engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: 'http://pool' }, {
    upstreams: [{ name: 'pool', servers: [{ address: `127.0.0.1:${broken.port}` }, { address: `127.0.0.1:${u.port}` }] }],
  }));
  const ws = await open(`ws://127.0.0.1:${e2.port}/ws`);
  assert.equal(String(await echo(ws, 'after a retry')), 'after a retry');
  ws.terminate();
  assert.equal(broken.requests, 2);
});

test('an invalid answer to the upgrade: 502, not retried unless proxy_next_upstream has invalid_header', { timeout: 15_000 }, async () => {
  const broken = await startBrokenUpstream('bad');
  scope.defer(broken.close);
  const u = await wsUp('u');
  const pool = (extra: Record<string, unknown>) => (p: number) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: 'http://pool', ...extra }, {
    upstreams: [{ name: 'pool', servers: [{ address: `127.0.0.1:${broken.port}` }, { address: `127.0.0.1:${u.port}` }] }],
  });
  const e1 = await engine(pool({}));
  assert.match(await rawExchange(e1.port, upgradeRequest('/ws'), { until: answered, timeoutMs: 5000 }), /^HTTP\/1\.1 502 /);
  assert.equal(u.seen.length, 0, 'the second peer was not tried');
  assert.ok(e1.logs.some((l) => /^upstream sent an invalid response header \(HPE_\w+\) while reading response header from upstream/.test(l.message)), JSON.stringify(e1.logs));
  const e2 = await engine(pool({ proxyNextUpstream: ['error', 'timeout', 'invalid_header'] }));
  const ws = await open(`ws://127.0.0.1:${e2.port}/ws`);
  assert.equal(String(await echo(ws, 'retried')), 'retried');
  ws.terminate();
});

/** An upstream whose 101 comes `delayMs` after the request; then it echoes. Returns its sockets too. */
async function slowUpgradeUpstream(delayMs: number) {
  const wss = new WebSocketServer({ noServer: true });
  const sockets: net.Socket[] = [];
  const server = http.createServer();
  server.on('upgrade', (req, sock: net.Socket, head) => {
    sockets.push(sock);
    setTimeout(() => { if (!sock.destroyed) wss.handleUpgrade(req, sock, head, (ws) => ws.on('message', (d, bin) => ws.send(d, { binary: bin }))); }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  scope.defer(async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(r)); });
  return { port: (server.address() as net.AddressInfo).port, sockets };
}

test('client_body_timeout on an upgrade request with a body: the connection closes, the upstream is not contacted', { timeout: 15_000 }, async () => {
  const { clientBodyTimeout } = await import('../../../main/engine/client-timeouts.ts');
  const saved = clientBodyTimeout.ms;
  clientBodyTimeout.ms = 300;
  try {
    const up = await slowUpgradeUpstream(0);
    const e = await engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${up.port}` }));
    const closed: SessionRecord[] = [];
    e.engine.on('session-close', (s) => closed.push(s));
    const c = net.connect(e.port, '127.0.0.1');
    c.on('error', () => {});
    let answer = '';
    c.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
    c.write(upgradeRequest('/ws').replace('\r\n\r\n', '\r\nContent-Length: 5\r\n\r\nab'));
    await new Promise<void>((r) => c.on('close', () => r()));
    assert.equal(answer, '');
    await until(() => closed.length === 1);
    assert.deepEqual([closed[0]!.state, closed[0]!.closedBy, closed[0]!.closeReason], ['rejected', 'client', 'client timed out while sending the request body: client_body_timeout (300ms)']);
    assert.equal(up.sockets.length, 0, 'the upstream was not contacted');
  } finally {
    clientBodyTimeout.ms = saved;
  }
});

test('a client that leaves before the upstream answered: the upstream connection is closed and the session ends (nginx: 499)', { timeout: 15_000 }, async () => {
  const up = await slowUpgradeUpstream(400);
  const e = await engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${up.port}` }));
  const closed: SessionRecord[] = [];
  e.engine.on('session-close', (s) => closed.push(s));
  for (const leave of ['destroy', 'end'] as const) {
    const c = net.connect(e.port, '127.0.0.1');
    c.on('error', () => {});
    c.write(upgradeRequest('/ws'));
    await until(() => up.sockets.length > closed.length);
    if (leave === 'destroy') c.destroy();
    else c.end(); // a half-close ends it too, as in nginx
    await until(() => closed.length === (leave === 'destroy' ? 1 : 2));
    const s = closed.at(-1)!;
    assert.deepEqual([s.state, s.closedBy, s.closeReason], ['rejected', 'client', 'client closed the connection before the upstream answered']);
    await until(() => up.sockets.every((x) => x.destroyed), 3000);
    c.destroy();
  }
  await sleep(600); // past the upstream's delay: no session opens after all
  assert.equal(e.engine.liveSessions().length, 0);
});

test('frames a client sends before the 101 reach the upstream after the handshake', { timeout: 15_000 }, async () => {
  const up = await slowUpgradeUpstream(300);
  const e = await engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${up.port}` }));
  const c = net.connect(e.port, '127.0.0.1');
  const frame = (text: string) => {
    const body = Buffer.from(text);
    const mask = Buffer.from([9, 8, 7, 6]);
    const len = body.length < 126 ? Buffer.from([0x80 | body.length]) : Buffer.from([0x80 | 126, body.length >> 8, body.length & 255]);
    return Buffer.concat([Buffer.from([0x81]), len, mask, Buffer.from(body.map((b, i) => b ^ mask[i & 3]!))]);
  };
  let got = '';
  c.on('data', (d) => (got += d.toString('latin1')));
  c.write(upgradeRequest('/ws') + frame('first').toString('latin1'), 'latin1');
  await sleep(100);
  c.write(frame('second')); // read by the proxy while the upstream has not answered yet
  // more than EARLY_BYTES_LIMIT: the proxy stops reading until the session opens
  const big = ['w', 'x', 'y', 'z'].map((ch) => ch.repeat(30_000));
  for (const t of big) c.write(frame(t));
  await until(() => big.every((t) => got.includes(t)), 5000);
  assert.match(got, /^HTTP\/1\.1 101 /);
  const order = ['first', 'second', ...big].map((t) => got.indexOf(t));
  assert.deepEqual(order, [...order].sort((x, y) => x - y));
  c.destroy();
});

test('proxy_send_timeout: an upstream that stops reading ends the session; one that pauses for less keeps it', { timeout: 30_000 }, async () => {
  // raw upstream: answers the handshake, then reads nothing at all ('stuck'), or nothing for half the
  // timeout and then everything ('pause')
  const ups: net.Socket[] = [];
  const raw = net.createServer((sock) => {
    ups.push(sock);
    sock.on('error', () => {});
    sock.once('data', (d) => {
      const key = /^Sec-WebSocket-Key: *([^\r]+)/im.exec(d.toString('latin1'))![1]!;
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      sock.pause();
      if (/GET \/ws\/pause/.test(d.toString('latin1'))) setTimeout(() => sock.resume(), 300);
    });
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
  scope.defer(async () => { for (const u of ups) u.destroy(); raw.close(); });
  const port = (raw.address() as net.AddressInfo).port;
  const e = await engine((p) => oneLocation(p, { path: '/ws/', websocket: true, proxySendTimeout: '600ms', proxyReadTimeout: '60s', proxyPass: `http://127.0.0.1:${port}` }));
  const closed: SessionRecord[] = [];
  e.engine.on('session-close', (s) => closed.push(s));
  const flood = async (path: string) => {
    const ws = await open(`ws://127.0.0.1:${e.port}${path}`);
    const chunk = Buffer.alloc(64 * 1024, 7);
    const t = setInterval(() => { if (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < 8 * 1024 * 1024) ws.send(chunk); }, 5);
    // (the socket's own errors: ws reports a reset as a close, not an error)
    const errors: string[] = [];
    (ws as unknown as { _socket: net.Socket })._socket.on('error', (err) => errors.push(err.message));
    return { ws, errors, stop: () => clearInterval(t) };
  };
  const stuck = await flood('/ws/stuck');
  const t0 = Date.now();
  // the client, still sending, gets the lingering close: a FIN it reads as the end, not a reset
  await until(() => stuck.ws.readyState === WebSocket.CLOSED, 10_000);
  stuck.stop();
  assert.deepEqual(stuck.errors, []);
  await until(() => closed.length === 1, 10_000);
  assert.equal(closed[0]!.closeReason, 'upstream took no data for proxy_send_timeout (600ms): it stopped reading');
  assert.ok(Date.now() - t0 < 5000);
  const slow = await flood('/ws/pause');
  await sleep(2500); // four send timeouts: the stall was shorter than one, so the session stays
  slow.stop();
  assert.equal(closed.length, 1, JSON.stringify(closed.map((c) => c.closeReason)));
  assert.equal(e.engine.liveSessions().length, 1);
  slow.ws.terminate();
});

test('a client that stops reading: proxy_read_timeout does not end the session meanwhile (nginx stops that timer); reading again, it gets everything', { timeout: 30_000 }, async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  scope.defer(async () => { for (const c of wss.clients) c.terminate(); await new Promise((r) => wss.close(r)); });
  let sent = 0;
  wss.on('connection', (ws) => {
    const chunk = Buffer.alloc(64 * 1024, 1);
    const t = setInterval(() => {
      while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < 4 * 1024 * 1024 && sent < 400) { ws.send(chunk); sent++; }
    }, 5);
    ws.once('close', () => clearInterval(t));
  });
  const port = (wss.address() as net.AddressInfo).port;
  const e = await engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyReadTimeout: '500ms', proxyPass: `http://127.0.0.1:${port}` }));
  const closed: SessionRecord[] = [];
  e.engine.on('session-close', (s) => closed.push(s));
  const ws = await open(`ws://127.0.0.1:${e.port}/ws`);
  let got = 0;
  ws.on('message', () => got++);
  const sock = (ws as unknown as { _socket: net.Socket })._socket;
  sock.pause(); // the client stops reading at once
  await sleep(2000); // four read timeouts
  assert.deepEqual(closed.map((c) => c.closeReason), []);
  assert.equal(e.engine.liveSessions().length, 1);
  sock.resume();
  await until(() => got === 400, 10_000);
  // idle both ways now: the read timeout applies again
  await until(() => closed.length === 1, 5000);
  assert.match(closed[0]!.closeReason!, /^proxy_read_timeout \(500ms\) expired/);
  ws.terminate();
});

test('a route without the websocket switch does not upgrade (as nginx), and the engine says why', async () => {
  const u = await wsUp('u');
  const e = await engine((p) => oneLocation(p, { path: '/ws', proxyPass: `http://127.0.0.1:${u.port}` }));
  const got = await rawExchange(e.port, upgradeRequest('/ws'), { until: answered });
  assert.match(got, /^HTTP\/1\.1 200 /, 'the upstream saw a plain request and answered it');
  const seen = u.seen.at(-1)!;
  assert.equal(header(seen, 'upgrade'), undefined);
  assert.equal(header(seen, 'connection'), 'close');
  assert.ok(e.logs.some((l) => l.code === 'upgrade_without_websocket' && /without WebSocket/.test(l.message)));
});

test('proxy_read_timeout closes an idle session; traffic in either direction keeps it open', async () => {
  const u = await wsUp('u');
  const e = await engine((p) => oneLocation(p, wsLoc(u, { proxyReadTimeout: '400ms' })));
  const busy = await open(`ws://127.0.0.1:${e.port}/ws`);
  const idle = await open(`ws://127.0.0.1:${e.port}/ws`);
  const idleClosed = new Promise<number>((r) => idle.once('close', (code) => r(code)));
  const t0 = Date.now();
  let busyClosed = false;
  busy.once('close', () => (busyClosed = true));
  // client→upstream pings only (no upstream data except pongs): keeps the session alive
  const timer = setInterval(() => busy.send('x'), 100);
  const code = await idleClosed;
  assert.equal(code, 1006, 'closed at the TCP level, as nginx does');
  assert.ok(Date.now() - t0 >= 350);
  await new Promise((r) => setTimeout(r, 500));
  clearInterval(timer);
  assert.equal(busyClosed, false);
  busy.terminate();
});

test('applying a new config keeps live sessions; new connections get the new routes', async () => {
  const u = await wsUp('u');
  const v = await wsUp('v');
  const e = await engine((p) => oneLocation(p, wsLoc(u)));
  const ws = await open(`ws://127.0.0.1:${e.port}/ws`);
  const r = await e.engine.apply(oneLocation(e.port, wsLoc(v)));
  assert.ok(r.ok);
  assert.equal(String(await echo(ws, 'still here')), 'still here');
  const ws2 = await open(`ws://127.0.0.1:${e.port}/ws`);
  await echo(ws2, 'x');
  assert.equal(v.seen.length, 1);
  assert.equal(u.seen.length, 1);
  ws.terminate();
  ws2.terminate();
});

test('upstream dying mid-session closes the client side; the engine keeps serving', async () => {
  const u = await wsUp('u');
  const e = await engine((p) => oneLocation(p, wsLoc(u)));
  const ws = await open(`ws://127.0.0.1:${e.port}/ws`);
  const closed = new Promise<number>((r) => ws.once('close', (c) => r(c)));
  for (const c of u.wss.clients) (c as unknown as { _socket: net.Socket })._socket.destroy();
  assert.equal(await closed, 1006);
  const ws2 = await open(`ws://127.0.0.1:${e.port}/ws`);
  assert.equal(String(await echo(ws2, 'ok')), 'ok');
  ws2.terminate();
});

test('garbage and resets from clients never crash the engine', async () => {
  const u = await wsUp('u');
  const e = await engine((p) => oneLocation(p, wsLoc(u)));
  for (let i = 0; i < 5; i++) {
    const s = net.connect(e.port, '127.0.0.1');
    s.on('error', () => {});
    s.write(upgradeRequest('/ws'));
    s.write(Buffer.from([0x81, 0xff, 0, 0]));
    s.resetAndDestroy();
  }
  const bad = await rawExchange(e.port, 'GARBAGE \x00\x01\r\n\r\n');
  assert.match(bad, /^HTTP\/1\.1 400/);
  await new Promise((r) => setTimeout(r, 100));
  const ws = await open(`ws://127.0.0.1:${e.port}/ws`);
  assert.equal(String(await echo(ws, 'alive')), 'alive');
  ws.terminate();
  void http;
});
