// What an exchange's record keeps of the request it describes: the location as written when it
// served the request (the routes may change after), what the client got when the engine answered
// an upgrade request itself, the note on an upgrade forwarded as plain HTTP, and the client's
// address (an IPv6 one in brackets, on sessions too) and its request line's HTTP version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { ExchangeRecord, SessionRecord } from '../../../app/engine/records.ts';
import type { ConfigInput } from '../../../app/config/schema.ts';
import { testScope } from '../../helpers/scope.ts';
import { rawExchange } from '../../helpers/upstreams.ts';
import { until } from '../../helpers/wait.ts';

const scope = testScope();
const UPGRADE = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

test('a record names its location as written then, whatever the routes become', async () => {
  const u = await scope.http('u');
  const config = (port: number, locations: Array<Record<string, unknown>>): ConfigInput => ({
    schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: locations as never }],
  });
  const a = { path: '/a/', proxyPass: `http://127.0.0.1:${u.port}` };
  const b = { modifier: '~' as const, path: '^/b', name: 'bee', proxyPass: `http://127.0.0.1:${u.port}` };
  const e = await scope.engine((port) => config(port, [a, b]));
  const exchanges: ExchangeRecord[] = [];
  e.engine.on('exchange', (x) => exchanges.push(x));
  assert.match(await rawExchange(e.port, 'GET /b/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /);
  await until(() => exchanges.length === 1);
  assert.deepEqual(exchanges[0]!.route, { server: 0, location: 1, name: 'bee', where: '~ ^/b', explain: exchanges[0]!.route!.explain });
  assert.equal(exchanges[0]!.httpVersion, '1.1');
  // location 0 goes: index 1 no longer exists, and index 0 is now '~ ^/b' — the record still says what served it
  const r = await e.engine.apply(config(e.port, [b]));
  assert.ok(r.ok);
  assert.equal(exchanges[0]!.route!.where, '~ ^/b');
  assert.match(await rawExchange(e.port, 'GET /nowhere HTTP/1.0\r\nHost: t\r\n\r\n'), /^HTTP\/1\.1 404 /);
  await until(() => exchanges.length === 2);
  assert.equal(exchanges[1]!.httpVersion, '1.0', "the request line's version, for the HAR");
  assert.equal(exchanges[1]!.route!.location, null);
  assert.equal(exchanges[1]!.route!.where, '');
});

test('an upgrade request the engine answers itself records the headers and body the client got', async () => {
  const u = await scope.ws('w');
  const e = await scope.engine((port) => ({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/ws/', proxyPass: `http://127.0.0.1:${u.port}`, websocket: true }] }],
  }));
  const exchanges: ExchangeRecord[] = [];
  e.engine.on('exchange', (x) => exchanges.push(x));
  for (const [path, status] of [['/nothing', 404], ['/ws', 301]] as const) {
    // (the connection is kept alive after the answer, as after any: read up to the page's end)
    const got = await rawExchange(e.port, `GET ${path} HTTP/1.1\r\nHost: t\r\n${UPGRADE}\r\n`, { until: (g) => g.endsWith('</html>\r\n') });
    assert.match(got, new RegExp(`^HTTP/1\\.1 ${status} `));
    assert.match(got, /\r\nConnection: keep-alive\r\n/);
    await until(() => exchanges.some((x) => x.url === path));
    const x = exchanges.find((r) => r.url === path)!;
    const [head, body] = [got.slice(0, got.indexOf('\r\n\r\n')), got.slice(got.indexOf('\r\n\r\n') + 4)];
    // (as for any answer, the record has the lines the client got, node's Date and Connection too)
    assert.deepEqual(x.responseHeaders, headLines(head), path);
    assert.equal(x.responseBytes, Buffer.byteLength(body, 'latin1'), path);
    if (status === 301) assert.ok(x.responseHeaders.includes('Location'), 'the redirect keeps its Location');
  }
});

/** A head's header lines as [name, value, …]. */
const headLines = (head: string) => head.split('\r\n').slice(1).flatMap((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]);

test('a proxied answer\'s record has the header lines the client got: those passed on, and Date, Connection, Transfer-Encoding', async () => {
  const u = await scope.http('u', (req, res) => {
    res.setHeader('X-Up', 'kept');
    res.setHeader('Keep-Alive', 'timeout=5');
    res.write('chunk');
    res.end();
  });
  const e = await scope.engine((port) => ({
    schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${u.port}` }] }],
  }));
  const exchanges: ExchangeRecord[] = [];
  e.engine.on('exchange', (x) => exchanges.push(x));
  for (const [path, request] of [['/keep', 'Host: t'], ['/close', 'Host: t\r\nConnection: close']] as const) {
    const got = await rawExchange(e.port, `GET ${path} HTTP/1.1\r\n${request}\r\n\r\n`, { until: (g) => g.endsWith('0\r\n\r\n') });
    await until(() => exchanges.some((x) => x.url === path));
    const lines = headLines(got.slice(0, got.indexOf('\r\n\r\n')));
    assert.deepEqual(exchanges.find((x) => x.url === path)!.responseHeaders, lines, path);
    for (const name of ['X-Up', 'Date', 'Connection', 'Transfer-Encoding']) assert.ok(lines.includes(name), `${path}: ${name} in ${lines.join(', ')}`);
    assert.ok(!lines.includes('Keep-Alive'), 'the upstream\'s hop-by-hop header is not passed on, nor recorded');
  }
});

test('an upgrade request on a route without the WebSocket switch is noted on its exchange', async () => {
  const u = await scope.http('u');
  const e = await scope.engine((port) => ({
    schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${u.port}` }] }],
  }));
  const exchanges: ExchangeRecord[] = [];
  e.engine.on('exchange', (x) => exchanges.push(x));
  assert.match(await rawExchange(e.port, `GET /chat HTTP/1.1\r\nHost: t\r\n${UPGRADE}\r\n`, { until: (g) => g.includes('\r\n\r\n') }), /^HTTP\/1\.1 200 /);
  await until(() => exchanges.length === 1);
  assert.match(exchanges[0]!.note ?? '', /^upgrade requested on a route without WebSocket: \/chat matched .*turn on the route's WebSocket switch/);
  assert.equal(exchanges[0]!.cause, undefined, 'the upstream answered: no cause of the engine\'s own');
});

test('an IPv6 client is "[address]:port" on its exchange and its session, as listen addresses and peers are written', async () => {
  const u = await scope.ws('w');
  const e = await scope.engine((port) => ({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `[::1]:${port}` }], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${u.port}`, websocket: true }] }],
  }));
  const exchanges: ExchangeRecord[] = [];
  const sessions: SessionRecord[] = [];
  e.engine.on('exchange', (x) => exchanges.push(x));
  e.engine.on('session-close', (s) => sessions.push(s));
  // (each connection ends once the answer's head came: the client's port is its local one)
  const fromV6 = (request: string) => new Promise<number>((resolve, reject) => {
    let local = 0;
    const c = net.connect(e.port, '::1', () => { local = c.localPort!; c.write(request); });
    let got = '';
    c.on('data', (d: Buffer) => { got += d.toString('latin1'); if (got.includes('\r\n\r\n')) c.end(); });
    c.on('error', reject);
    c.on('close', () => resolve(local));
  });
  const http = await fromV6('GET /plain HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  const ws = await fromV6(`GET /ws HTTP/1.1\r\nHost: t\r\n${UPGRADE}\r\n`);
  await until(() => exchanges.length === 1 && sessions.length === 1);
  assert.equal(exchanges[0]!.clientAddress, `[::1]:${http}`);
  assert.equal(sessions[0]!.clientAddress, `[::1]:${ws}`);
});

test("a head refused for a header keeps its request line's HTTP version, as nginx logs it; the HAR says it", async () => {
  const { exchangeView } = await import('../../../main/service/views.ts');
  const { exchangeEntry } = await import('../../../main/service/har.ts');
  const u = await scope.http('u');
  const e = await scope.engine((port) => ({ schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${u.port}` }] }] }));
  const exchanges: ExchangeRecord[] = [];
  e.engine.on('exchange', (x) => exchanges.push(x));
  // (nginx 1.22 logs it as "[GET /x HTTP/1.0] [HTTP/1.0] 400" with $request and $server_protocol)
  assert.match(await rawExchange(e.port, 'GET /x HTTP/1.0\r\nBad Header\r\n\r\n'), /^HTTP\/1\.1 400 /);
  await until(() => exchanges.length === 1);
  assert.equal(exchanges[0]!.status, 400);
  assert.equal(exchanges[0]!.httpVersion, '1.0');
  assert.equal(exchangeEntry(exchangeView(exchanges[0]!)).request.httpVersion, 'HTTP/1.0', 'not HTTP/1.1');
});
