// The HTTP pass on real loopback sockets: routing, URI rewriting, headers, failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { refusedPort, header, describe, startTcpServer, type Seen } from '../../helpers/upstreams.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { send, sendJson } from '../../helpers/client.ts';
import { startBlackhole } from '../../helpers/blackhole.ts';

const scope = testScope();
const up = scope.http;
const engine = scope.engine;

test('proxies with nginx default headers: Host $proxy_host, Connection close, X-Forwarded-For only when set', async () => {
  const a = await up('a');
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${a.port}` }));
  const r = await sendJson<Seen>(`${e.url}/x/y?q=1`, { headers: { 'X-Custom': 'v', 'Keep-Alive': 'timeout=5', 'TE': 'trailers', 'Some_Underscore': 'dropped' } });
  assert.equal(r.status, 200);
  assert.equal(r.json.url, '/x/y?q=1');
  assert.equal(header(r.json, 'host'), `127.0.0.1:${a.port}`);
  assert.equal(header(r.json, 'connection'), 'close');
  assert.equal(header(r.json, 'x-custom'), 'v');
  assert.equal(header(r.json, 'keep-alive'), undefined);
  assert.equal(header(r.json, 'te'), undefined);
  assert.equal(header(r.json, 'some_underscore'), undefined, 'nginx ignores header names with underscores by default');
  assert.equal(header(r.json, 'x-forwarded-for'), undefined);
  assert.equal(r.json.httpVersion, '1.0', 'proxy_http_version defaults to 1.0');
});

test('proxy_http_version 1.1 with Connection "" and an upstream keepalive pool reuses connections', async () => {
  const a = await up('a');
  const sockets = new Set<unknown>();
  a.server.on('connection', (s) => sockets.add(s));
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: 'http://pool', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] }, {
    upstreams: [{ name: 'pool', keepalive: 4, servers: [{ address: `127.0.0.1:${a.port}` }] }],
  }));
  for (let i = 0; i < 5; i++) {
    const r = await sendJson<Seen>(`${e.url}/k${i}`);
    assert.equal(r.json.httpVersion, '1.1');
    assert.equal(header(r.json, 'connection'), undefined, 'nginx sends no Connection header here');
  }
  assert.equal(sockets.size, 1, 'one pooled upstream connection served all five requests');
});

test('the upstream\'s Keep-Alive: timeout=N does not shorten the keepalive cache (nginx does not read it)', async () => {
  const a = await up('a');
  a.server.keepAliveTimeout = 1500; // node answers "Keep-Alive: timeout=1" (and closes at 1.5 s)
  const sockets = new Set<unknown>();
  a.server.on('connection', (s) => sockets.add(s));
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: 'http://pool', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] }, {
    upstreams: [{ name: 'pool', keepalive: 4, servers: [{ address: `127.0.0.1:${a.port}` }] }],
  }));
  for (let i = 0; i < 3; i++) {
    assert.equal((await sendJson<Seen>(`${e.url}/k${i}`)).status, 200);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(sockets.size, 1, 'one connection served all three, as in nginx (node would not cache it at all)');
});

test('bytes from the upstream on an idle cached connection close it: the next request opens another (nginx closes a cached connection that becomes readable)', async (t) => {
  let connections = 0;
  const tcp = await startTcpServer((c) => {
    connections++;
    c.on('error', () => {});
    c.on('data', () => {
      c.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      if (connections === 1) setTimeout(() => c.write('XYZ'), 30);
    });
  });
  t.after(() => tcp.close());
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: 'http://pool', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] }, {
    upstreams: [{ name: 'pool', keepalive: 4, servers: [{ address: `127.0.0.1:${tcp.port}` }] }],
  }));
  assert.equal((await send(`${e.url}/1`)).status, 200);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal((await send(`${e.url}/2`)).status, 200);
  assert.equal((await send(`${e.url}/3`)).status, 200);
  assert.equal(connections, 2, 'the first connection was closed, the second served both later requests');
});

test('a response retried on the next peer (proxy_next_upstream http_500) closes its connection, as nginx does', async () => {
  const a = await up('a', (_req, res) => res.writeHead(500, { 'Content-Length': '4' }).end('oops'));
  const b = await up('b');
  const closedByProxy = new Promise<void>((resolve) => a.server.on('connection', (s) => s.once('end', () => resolve())));
  const e = await engine((p) => oneLocation(p, {
    path: '/', proxyPass: 'http://pool', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }], proxyNextUpstream: ['error', 'timeout', 'http_500'],
  }, {
    upstreams: [{ name: 'pool', keepalive: 4, servers: [{ address: `127.0.0.1:${a.port}` }, { address: `127.0.0.1:${b.port}` }] }],
  }));
  const r = await sendJson<Seen>(`${e.url}/retry`);
  assert.equal(r.status, 200);
  assert.equal(r.json.name, 'b');
  const closed = await Promise.race([closedByProxy.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), 2000))]);
  assert.ok(closed, 'the proxy closed the connection that answered 500 (node would have kept it for reuse)');
});

/** Peer `a` answering /r with a body-less 404 and /x with a body-less X-Accel-Redirect to /int/y, counting its connections. */
async function bodilessPeer() {
  const conns = { n: 0 };
  const a = await up('a', (req, res, seen) => {
    if (req.url === '/r') res.writeHead(404, { 'Content-Length': '0' }).end();
    else if (req.url === '/x') res.writeHead(200, { 'X-Accel-Redirect': '/int/y', 'Content-Length': '0' }).end();
    else describe(res, seen);
  });
  a.server.on('connection', () => conns.n++);
  return { a, conns };
}

/** proxy_http_version 1.1 and Connection "", which the keepalive cache needs. */
const keepalive11 = () => ({ proxyHttpVersion: '1.1' as const, proxySetHeader: [{ name: 'Connection', value: '' }] });

test('a body-less 404 retried on the next peer keeps its connection in the cache, as nginx does (it releases a 404\'s peer as "next")', async () => {
  const { a, conns } = await bodilessPeer();
  const b = await up('b');
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: 'http://pool', ...keepalive11(), proxyNextUpstream: ['error', 'timeout', 'http_404'] }, {
    upstreams: [{ name: 'pool', keepalive: 4, servers: [{ address: `127.0.0.1:${a.port}` }, { address: `127.0.0.1:${b.port}` }] }],
  }));
  assert.equal((await sendJson<Seen>(`${e.url}/r`)).json.name, 'b', 'the 404 was retried on b');
  for (let i = 0; i < 3; i++) assert.equal((await sendJson<Seen>(`${e.url}/k${i}`)).status, 200);
  assert.ok(a.seen.length >= 2, `a served ${a.seen.length}`);
  assert.equal(conns.n, 1, 'a served the 404 and the later requests on one connection');
});

test('a body-less X-Accel-Redirect answer keeps its connection in the cache for the redirect\'s own request, as nginx does', async () => {
  const { a, conns } = await bodilessPeer();
  const e = await engine((p) => ({
    schemaVersion: 1,
    servers: [{
      listen: [{ address: `127.0.0.1:${p}` }],
      locations: [{ path: '/x', modifier: '=', proxyPass: 'http://pool', ...keepalive11() }, { path: '/int/', proxyPass: 'http://pool', ...keepalive11() }],
    }],
    upstreams: [{ name: 'pool', keepalive: 4, servers: [{ address: `127.0.0.1:${a.port}` }] }],
  }));
  assert.equal((await sendJson<Seen>(`${e.url}/x`)).json.url, '/int/y', 'the redirect was followed');
  assert.equal(a.seen.length, 2);
  assert.equal(conns.n, 1, 'the redirect and its target went over one connection');
});

test('Host modes: $host, $http_host and forwarded headers', async () => {
  const a = await up('a');
  const e = await engine((p) => ({
    schemaVersion: 1,
    servers: [{
      listen: [{ address: `127.0.0.1:${p}` }],
      serverNames: ['switchyard.test'],
      locations: [
        { path: '/host/', proxyPass: `http://127.0.0.1:${a.port}`, proxySetHeader: [{ name: 'Host', value: '$host' }, { name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' }, { name: 'X-Real-IP', value: '$remote_addr' }] },
        { path: '/http_host/', proxyPass: `http://127.0.0.1:${a.port}`, proxySetHeader: [{ name: 'Host', value: '$http_host' }] },
        { path: '/empty/', proxyPass: `http://127.0.0.1:${a.port}`, proxySetHeader: [{ name: 'X-Custom', value: '' }] },
      ],
    }],
  }));
  let r = await sendJson<Seen>(`${e.url}/host/`, { headers: { Host: 'Example.COM:8443', 'X-Forwarded-For': '10.0.0.1' } });
  assert.equal(header(r.json, 'host'), 'example.com');
  assert.equal(header(r.json, 'x-forwarded-for'), '10.0.0.1, 127.0.0.1');
  assert.equal(header(r.json, 'x-real-ip'), '127.0.0.1');
  r = await sendJson<Seen>(`${e.url}/http_host/`, { headers: { Host: 'Example.COM:8443' } });
  assert.equal(header(r.json, 'host'), 'Example.COM:8443');
  r = await sendJson<Seen>(`${e.url}/empty/`, { headers: { 'X-Custom': 'from-client' } });
  assert.equal(header(r.json, 'x-custom'), undefined, 'an empty proxy_set_header value drops the header');
  // HTTP/1.0 without Host: $host falls back to the server name
  const raw = await import('../../helpers/upstreams.ts').then((m) => m.rawExchange(e.port, 'GET /host/ HTTP/1.0\r\n\r\n'));
  assert.match(raw, /"host","switchyard\.test"/i);
});

test('proxy_pass URI rewriting: prefix replaced with a URI part, request URI unchanged without', async () => {
  const a = await up('a');
  const e = await engine((p) => ({
    schemaVersion: 1,
    servers: [{
      listen: [{ address: `127.0.0.1:${p}` }],
      locations: [
        { path: '/api/', proxyPass: `http://127.0.0.1:${a.port}/v2/` },
        { path: '/raw/', proxyPass: `http://127.0.0.1:${a.port}` },
        { modifier: '=', path: '/exact', proxyPass: `http://127.0.0.1:${a.port}/target` },
      ],
    }],
  }));
  assert.equal((await sendJson<Seen>(`${e.url}/api/users?id=7`)).json.url, '/v2/users?id=7');
  assert.equal((await sendJson<Seen>(`${e.url}/raw//a/./b/../c%41?x`)).json.url, '/raw//a/./b/../c%41?x');
  assert.equal((await sendJson<Seen>(`${e.url}/api/a%20b/%41`)).json.url, '/v2/a%20b/A');
  assert.equal((await sendJson<Seen>(`${e.url}/exact?z=1`)).json.url, '/target?z=1');
});

test('no matching location is 404; a prefix ending in / redirects its bare form with 301', async () => {
  const a = await up('a');
  const e = await engine((p) => oneLocation(p, { path: '/app/', proxyPass: `http://127.0.0.1:${a.port}` }));
  assert.equal((await send(`${e.url}/other`)).status, 404);
  const r = await send(`${e.url}/app?x=1`);
  assert.equal(r.status, 301);
  assert.equal(r.headers.location, `http://127.0.0.1:${e.port}/app/?x=1`);
  assert.equal(a.seen.length, 0);
});

test('refused upstream is 502; with two peers the next one answers and the refusing one is marked failed', async () => {
  const dead = await refusedPort();
  const a = await up('a');
  const e1 = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${dead}` }));
  assert.equal((await send(`${e1.url}/`)).status, 502);
  const e2 = await engine((p) => oneLocation(p, { path: '/', proxyPass: 'http://pool' }, {
    upstreams: [{ name: 'pool', servers: [{ address: `127.0.0.1:${dead}` }, { address: `127.0.0.1:${a.port}` }] }],
  }));
  for (let i = 0; i < 4; i++) assert.equal((await send(`${e2.url}/`)).status, 200);
  const status = e2.engine.upstreamStatus().find((u) => u.name === 'pool')!;
  const deadPeer = status.peers.find((p) => p.port === dead)!;
  assert.equal(deadPeer.fails, 1, 'max_fails=1: one failure marks it unavailable, so it is not tried again within fail_timeout');
  assert.ok(deadPeer.unavailableUntil! > Date.now());
});

test('POST is not retried on another peer once sent; GET is', async () => {
  let calls = 0;
  const closer = await up('closer', (_req, res) => { calls++; res.socket!.destroy(); });
  const b = await up('b');
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: 'http://pool' }, {
    upstreams: [{ name: 'pool', servers: [{ address: `127.0.0.1:${closer.port}`, maxFails: 0 }, { address: `127.0.0.1:${b.port}`, maxFails: 0 }] }],
  }));
  const results = [];
  for (let i = 0; i < 4; i++) results.push((await send(`${e.url}/`, { method: 'POST', body: 'x' })).status);
  assert.deepEqual(results.sort(), [200, 200, 502, 502]);
  for (let i = 0; i < 4; i++) assert.equal((await send(`${e.url}/`)).status, 200);
  assert.ok(calls >= 4);
});

test('read timeout before the response header is 504; after it the connection is cut', async () => {
  const slow = await up('slow', (req, res) => {
    if (req.url === '/header-late') setTimeout(() => res.end('late'), 1500);
    else { res.writeHead(200, { 'Content-Length': '10' }); res.write('12345'); }
  });
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${slow.port}`, proxyReadTimeout: '300ms' }));
  const t0 = Date.now();
  assert.equal((await send(`${e.url}/header-late`)).status, 504);
  assert.ok(Date.now() - t0 < 1400, 'answered by the proxy timeout, not the upstream');
  await assert.rejects(send(`${e.url}/body-stalls`), /aborted|socket hang up|ECONNRESET/);
});

test('timeouts on a pooled keepalive connection: a slow answer after fast ones is 504, a body stalling later is cut, and the pool keeps working', async () => {
  const sockets = new Set<unknown>();
  const slow = await up('pooled', (req, res) => {
    if (req.url === '/late') setTimeout(() => { if (!res.destroyed) res.end('late'); }, 1500);
    else if (req.url === '/stall') { res.writeHead(200, { 'Content-Length': '10' }); res.write('12345'); }
    else res.end('fast');
  });
  slow.server.on('connection', (s) => sockets.add(s));
  const e = await engine((p) => oneLocation(p, {
    path: '/', proxyPass: 'http://pool', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }], proxyReadTimeout: '300ms', proxySendTimeout: '5s',
  }, { upstreams: [{ name: 'pool', keepalive: 4, servers: [{ address: `127.0.0.1:${slow.port}` }] }] }));
  for (let i = 0; i < 3; i++) assert.equal((await send(`${e.url}/fast${i}`)).status, 200);
  assert.equal(sockets.size, 1, 'the fast requests shared one pooled connection');
  // the idle time between requests does not count: the read timeout runs from the request's last write
  await new Promise((r) => setTimeout(r, 400));
  assert.equal((await send(`${e.url}/fast-after-idle`)).status, 200, 'idle time in the pool is not a read timeout');
  const t0 = Date.now();
  assert.equal((await send(`${e.url}/late`)).status, 504);
  const took = Date.now() - t0;
  assert.ok(took >= 250 && took < 1400, `504 after the read timeout (300ms), took ${took}ms`);
  await assert.rejects(send(`${e.url}/stall`), /aborted|socket hang up|ECONNRESET/);
  for (let i = 0; i < 2; i++) assert.equal((await send(`${e.url}/again${i}`)).status, 200, 'the pool recovers after timed-out connections');
});

test('upstream dying mid-response cuts the client connection (no truncated success)', async () => {
  const dying = await up('dying', (_req, res) => {
    res.writeHead(200, { 'Content-Length': '100000' });
    res.write(Buffer.alloc(5000, 97), () => res.socket!.destroy());
  });
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${dying.port}` }));
  const causes: Array<string | null> = [];
  e.engine.on('exchange', (x) => causes.push(x.cause ?? null));
  await assert.rejects(send(`${e.url}/`), /aborted|socket hang up|ECONNRESET/);
  for (let i = 0; i < 100 && !causes.length; i++) await new Promise((r) => setTimeout(r, 20));
  // (said once: not "mid-response (upstream closed the connection mid-response)")
  assert.match(causes[0] ?? '', /^upstream closed the connection mid-response( \((aborted|read ECONNRESET)\))?$/);
});

test('proxy_pass to one host in two spellings is one implicit group (one balancing state), named as first written, as in nginx', async () => {
  const a = await up('a', (_req, res) => res.end('a'));
  const e = await engine((p) => ({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${p}` }], locations: [{ path: '/x/', proxyPass: `http://LocalHost:${a.port}` }, { path: '/y/', proxyPass: `http://localhost:${a.port}` }, { path: '/z/', proxyPass: `http://127.0.0.1:${a.port}` }] }],
  }));
  assert.deepEqual(e.engine.upstreamStatus().map((u) => u.name), [`LocalHost:${a.port}`, `127.0.0.1:${a.port}`]);
  assert.equal((await send(`${e.url}/y/`)).body, 'a');
});

test('bodiless responses (HEAD, 204, 304) pass with their headers and end, on a reused upstream connection too', async () => {
  const a = await up('a', (req, res) => {
    if (req.url === '/204') return void res.writeHead(204, { 'X-Kind': 'no-content' }).end();
    if (req.url === '/304') return void res.writeHead(304, { ETag: '"v1"' }).end();
    res.writeHead(200, { 'Content-Length': '11', 'X-Kind': 'full' });
    res.end(req.method === 'HEAD' ? undefined : 'hello world');
  });
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: 'http://pool', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] }, {
    upstreams: [{ name: 'pool', keepalive: 2, servers: [{ address: `127.0.0.1:${a.port}` }] }],
  }));
  const head = await send(`${e.url}/x`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '11');
  assert.equal(head.body, '');
  const noContent = await send(`${e.url}/204`);
  assert.equal(noContent.status, 204);
  assert.equal(noContent.headers['x-kind'], 'no-content');
  const notModified = await send(`${e.url}/304`);
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers.etag, '"v1"');
  const full = await send(`${e.url}/x`);
  assert.equal(full.body, 'hello world');
});

test('connect timeout is 504 (a peer whose connect hangs)', async () => {
  const hole = await startBlackhole();
  scope.defer(hole.close);
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${hole.port}`, proxyConnectTimeout: '300ms' }));
  const t0 = Date.now();
  const r = await send(`${e.url}/`);
  assert.equal(r.status, 504);
  assert.ok(Date.now() - t0 < 3000);
});

test('request bodies over client_max_body_size (1m) get 413; bodies are sent with Content-Length', async () => {
  const a = await up('a');
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${a.port}` }));
  assert.equal((await send(`${e.url}/`, { method: 'POST', body: Buffer.alloc(1024 * 1024 + 1) })).status, 413);
  const r = await sendJson<Seen>(`${e.url}/upload//x?y=1`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: 'hello' });
  assert.equal(r.json.body, 'hello');
  assert.equal(r.json.url, '/upload//x?y=1', 'the replayed body does not race the request line');
  assert.equal(header(r.json, 'content-length'), '5');
  assert.equal(header(r.json, 'transfer-encoding'), undefined);
});

test('a new config applies to new requests; an invalid one changes nothing', async () => {
  const a = await up('a');
  const b = await up('b');
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${a.port}` }));
  assert.equal((await sendJson<Seen>(`${e.url}/`)).json.name, 'a');
  const bad = await e.engine.apply({ schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${e.port}` }], locations: [{ path: 'nope', proxyPass: 'ftp://x' }] }] });
  assert.equal(bad.ok, false);
  assert.equal((await sendJson<Seen>(`${e.url}/`)).json.name, 'a');
  const good = await e.engine.apply(oneLocation(e.port, { path: '/', proxyPass: `http://127.0.0.1:${b.port}` }));
  assert.equal(good.ok, true);
  assert.equal((await sendJson<Seen>(`${e.url}/`)).json.name, 'b');
});

test('a listener that cannot bind is reported and the others run', async () => {
  const a = await up('a');
  const busy = http.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  scope.defer(() => new Promise((r) => busy.close(() => r())));
  const busyPort = (busy.address() as import('node:net').AddressInfo).port;
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${a.port}` }));
  const r = await e.engine.apply({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${e.port}` }, { address: `127.0.0.1:${busyPort}` }], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${a.port}` }] }],
  });
  assert.ok(r.ok);
  const failed = r.listeners.find((l) => l.port === busyPort)!;
  assert.equal(failed.state, 'failed');
  assert.match(failed.error!.message, /address already in use/);
  assert.equal((await send(`${e.url}/`)).status, 200);
});
