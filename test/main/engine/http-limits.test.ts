// What nginx's defaults limit or refuse, on real loopback sockets: request and response head sizes,
// upstream answers node parses but nginx and the engine will not pass on, keepalive_requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { rawExchange, startBrokenUpstream, startTcpServer } from '../../helpers/upstreams.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { send } from '../../helpers/client.ts';
import { until } from '../../helpers/wait.ts';

const scope = testScope();
const up = scope.http;
const engine = scope.engine;

test('an invalid response header is 502 and not retried (nginx: invalid_header is not in the default proxy_next_upstream); an early close is', async () => {
  const bad = await startBrokenUpstream('bad');
  const closes = await startBrokenUpstream('close');
  scope.defer(bad.close);
  scope.defer(closes.close);
  const b = await up('b');
  const pool = (first: number, extra: Record<string, unknown> = {}) => (p: number) => oneLocation(p, { path: '/', proxyPass: 'http://pool', ...extra }, {
    upstreams: [{ name: 'pool', servers: [{ address: `127.0.0.1:${first}` }, { address: `127.0.0.1:${b.port}` }] }],
  });
  const e1 = await engine(pool(bad.port));
  const causes: string[] = [];
  e1.engine.on('exchange', (x) => causes.push(x.cause ?? ''));
  assert.equal((await send(`${e1.url}/x`)).status, 502);
  assert.equal(b.seen.length, 0, 'not retried');
  await until(() => causes.length === 1);
  assert.match(causes[0]!, /^upstream sent an invalid response header \(HPE_\w+\) while reading response header from upstream, upstream: 127\.0\.0\.1:\d+$/);
  const e2 = await engine(pool(bad.port, { proxyNextUpstream: ['error', 'invalid_header'] }));
  assert.equal((await send(`${e2.url}/y`)).status, 200);
  assert.equal(b.seen.length, 1);
  const e3 = await engine(pool(closes.port));
  assert.equal((await send(`${e3.url}/z`)).status, 200, 'retried on the next peer');
  assert.deepEqual([closes.requests, b.seen.length], [1, 2]);
});

test('a response head larger than proxy_buffer_size (4k) is "upstream sent too big header": 502, the connection closed', async () => {
  const big = await up('big', (_req, res) => { res.writeHead(200, { 'Set-Cookie': `s=${'c'.repeat(5000)}` }); res.end('body'); });
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${big.port}` }));
  const causes: string[] = [];
  e.engine.on('exchange', (x) => causes.push(x.cause ?? ''));
  assert.equal((await send(`${e.url}/`)).status, 502);
  await until(() => causes.length === 1);
  assert.equal(causes[0], `upstream sent too big header while reading response header from upstream, upstream: 127.0.0.1:${big.port}`);
  // the engine stays usable: a small head passes
  const small = await up('small');
  const e2 = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${small.port}` }));
  assert.equal((await send(`${e2.url}/`)).status, 200);
});

test('a response status node parses but will not send on (099) is 502; the engine stays up', async () => {
  const answers: Record<string, string> = {
    '/s099': 'HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nok',
  };
  const raw = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.once('data', (d) => sock.end(answers[d.toString('latin1').split(' ')[1]!] ?? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'latin1'));
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
  scope.defer(async () => { await new Promise((r) => raw.close(r)); });
  const port = (raw.address() as net.AddressInfo).port;
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${port}` }));
  const causes: string[] = [];
  e.engine.on('exchange', (x) => causes.push(x.cause ?? ''));
  assert.equal((await send(`${e.url}/s099`)).status, 502);
  assert.equal((await send(`${e.url}/fine`)).status, 200);
  await until(() => causes.length === 2);
  assert.match(causes[0]!, /^upstream sent status 099 while reading response header from upstream/);
});

test('an upstream answering 101 to a request that is not upgraded: 502 at once (node would drop it silently)', { timeout: 15_000 }, async () => {
  const raw = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.once('data', () => sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
  scope.defer(async () => { raw.close(); });
  const port = (raw.address() as net.AddressInfo).port;
  for (const websocket of [false, true]) {
    const e = await engine((p) => oneLocation(p, { path: '/', websocket, proxyPass: `http://127.0.0.1:${port}` }));
    const causes: string[] = [];
    e.engine.on('exchange', (x) => causes.push(x.cause ?? ''));
    const t0 = Date.now();
    assert.equal((await send(`${e.url}/plain`)).status, 502);
    assert.ok(Date.now() - t0 < 2000);
    await until(() => causes.length === 1);
    assert.match(causes[0]!, /^upstream switched protocols \(101\) on a request that was not upgraded/);
  }
});

test('request heads: the header buffer limits of nginx (1k + 4 x 8k), with its 414 and "Request Header Or Cookie Too Large" pages', async () => {
  const u = await up('u');
  const e = await engine((p) => oneLocation(p, { path: '/', websocket: true, proxyPass: `http://127.0.0.1:${u.port}` }));
  const ask = (head: string) => rawExchange(e.port, `${head}\r\n`, { timeoutMs: 5000 });
  const cookie = await ask(`GET / HTTP/1.1\r\nHost: a\r\nCookie: ${'c'.repeat(9000)}\r\n`);
  assert.match(cookie, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*<title>400 Request Header Or Cookie Too Large<\/title>/);
  const uri = await ask(`GET /${'u'.repeat(9000)} HTTP/1.1\r\nHost: a\r\n`);
  assert.match(uri, /^HTTP\/1\.1 414 Request-URI Too Large\r\n[\s\S]*<title>414 Request-URI Too Large<\/title>/);
  // nginx closes the connection after these (and after any 400, 413, 500, 501)
  for (const r of [cookie, uri]) assert.match(r, /\r\nConnection: close\r\n/i);
  // 20 KB of headers in 4 KB lines: nginx takes them (node's own default limit is 16 KiB)
  const many = Array.from({ length: 5 }, (_, i) => `X-H${i}: ${'h'.repeat(4000)}\r\n`).join('');
  assert.match(await ask(`GET /many HTTP/1.1\r\nHost: a\r\nConnection: close\r\n${many}`), /^HTTP\/1\.1 200 /);
  assert.equal(u.seen.at(-1)?.url, '/many');
  // past what node parses at all: still nginx's answers
  assert.match(await ask(`GET /${'u'.repeat(70_000)} HTTP/1.1\r\nHost: a\r\n`), /^HTTP\/1\.1 414 /);
  assert.match(await ask(`GET / HTTP/1.1\r\nHost: a\r\n${Array.from({ length: 10 }, (_, i) => `X-${i}: ${'v'.repeat(7000)}\r\n`).join('')}`), /^HTTP\/1\.1 400 [\s\S]*Request Header Or Cookie Too Large/);
  // an upgrade request is held to the same limits
  const ws = await ask(`GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: ${'c'.repeat(9000)}\r\n`);
  assert.match(ws, /^HTTP\/1\.1 400 [\s\S]*Request Header Or Cookie Too Large/);
});

test('keepalive_requests 1000: the 1000th response on a client connection closes it, as nginx does', { timeout: 60_000 }, async () => {
  const u = await up('u', (_req, res) => res.end('ok'));
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${u.port}` }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  scope.defer(async () => agent.destroy());
  const sockets = new Set<unknown>();
  const closes: number[] = [];
  for (let i = 1; i <= 1001; i++) {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(`${e.url}/n${i}`, { agent }, resolve).on('error', reject));
    sockets.add(res.socket);
    if (res.headers.connection === 'close') closes.push(i);
    res.resume();
    await new Promise((r) => res.once('end', r));
  }
  assert.deepEqual(closes, [1000]);
  assert.equal(sockets.size, 2, 'request 1001 went on a new connection');
});

test('upstream keepalive_requests 1000: a pooled upstream connection is closed after its 1000th request', { timeout: 60_000 }, async () => {
  const connections: net.Socket[] = [];
  const u = await up('u', (_req, res) => res.end('ok'));
  u.server.on('connection', (c: net.Socket) => connections.push(c));
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: 'http://pool', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] }, {
    upstreams: [{ name: 'pool', keepalive: 2, servers: [{ address: `127.0.0.1:${u.port}` }] }],
  }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  scope.defer(async () => agent.destroy());
  for (let i = 1; i <= 1001; i++) {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(`${e.url}/n${i}`, { agent }, resolve).on('error', reject));
    res.resume();
    await new Promise((r) => res.once('end', r));
    if (i === 1000) await until(() => connections[0]!.destroyed, 2000);
  }
  assert.equal(connections.length, 2, 'request 1001 went on a new upstream connection');
  assert.equal(connections[1]!.destroyed, false, 'which stays in the pool');
});

test('a request pipelined behind an early 413 (its Content-Length over client_max_body_size) is never served, as nginx never reads it', async () => {
  let connections = 0;
  const u = await up('u');
  u.server.on('connection', () => connections++);
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${u.port}`, clientMaxBodySize: '1k' }));
  const got = await rawExchange(e.port, `POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n${'b'.repeat(2000)}GET /next HTTP/1.1\r\nHost: x\r\n\r\n`, { timeoutMs: 3000 });
  assert.match(got, /^HTTP\/1\.1 413 /);
  assert.equal(got.match(/HTTP\/1\.1 /g)!.length, 1, got);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(connections, 0, 'the upstream was never contacted');
});

test('proxy_send_timeout toward an upstream that stops reading a large body: 504 one timeout after it stopped, not two (node lets one expiry pass while a write is queued)', { timeout: 30_000 }, async () => {
  // the upstream reads the request head, then nothing
  const stuck = await startTcpServer((s) => {
    s.on('error', () => {});
    s.once('data', () => s.pause());
  });
  scope.defer(stuck.close);
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${stuck.port}`, proxySendTimeout: '1s', clientMaxBodySize: '64m' }));
  const statuses: number[] = [];
  e.engine.on('exchange', (x) => statuses.push(x.status ?? 0));
  const body = Buffer.alloc(24 * 1024 * 1024, 0x61);
  const t0 = Date.now();
  const res = await new Promise<{ status: number; at: number }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: e.port, method: 'POST', path: '/up', headers: { 'Content-Length': body.length } }, (r) => {
      r.resume();
      resolve({ status: r.statusCode ?? 0, at: Date.now() });
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(res.status, 504);
  // (the body is read whole first; the upstream stops reading once its socket buffers are full)
  const took = res.at - t0;
  assert.ok(took < 1900, `504 after ${took} ms (proxy_send_timeout 1s; node's idle timer alone gave about 2 s)`);
  await until(() => statuses.length === 1);
  assert.equal(statuses[0], 504);
});
