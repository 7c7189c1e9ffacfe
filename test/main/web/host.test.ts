// The loopback web host: 127.0.0.1 only, the token on every request (page, API, feed), a strict
// CSP, and the API answering with the contract's Result shape.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import WebSocket from 'ws';
import { startWebHost, type WebHost } from '../../../main/web/host.ts';
import { API_LIMITS, maxRequestBytes } from '../../../app/api/contract.ts';
import { SwitchyardService } from '../../../main/service/service.ts';
import { send } from '../../helpers/client.ts';
import { rawExchange as rawTo } from '../../helpers/upstreams.ts';
import { FakeEngine } from '../service/fake-engine.ts';

let host: WebHost;
let service: SwitchyardService;
let engine: FakeEngine;
let dir: string;
let base: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-renderer-'));
  mkdirSync(join(dir, '__switchyard_assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><title>t</title><script type="module" src="/__switchyard_assets/app.js"></script></head></html>');
  writeFileSync(join(dir, '__switchyard_assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(tmpdir(), 'switchyard-secret.txt'), 'secret');
  symlinkSync(join(tmpdir(), 'switchyard-secret.txt'), join(dir, '__switchyard_assets', 'link.js'));
  symlinkSync(tmpdir(), join(dir, '__switchyard_assets', 'linkdir'));
  engine = new FakeEngine();
  service = await SwitchyardService.create(engine.asEngine(), { initialDraft: { schemaVersion: 1 }, frameTap: null });
  host = await startWebHost({ service, rendererDir: dir });
  base = `http://127.0.0.1:${host.port}`;
});
after(async () => {
  service.close();
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = () => ({ 'x-switchyard-token': host.token });
const post = (name: string, body: unknown, headers: Record<string, string> = auth()) =>
  send(`${base}/api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('binds 127.0.0.1 only, on a random port, with a long random token', async () => {
  assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  assert.ok(host.port > 0);
  const other = await new Promise<string>((resolve) => {
    const s = net.connect(host.port, '127.0.0.2');
    s.once('connect', () => { s.destroy(); resolve('connected'); });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
  assert.equal(other, 'ECONNREFUSED', 'not reachable on another address');
});

test('no token → 401, a wrong token → 403, for the page and the API', async () => {
  const jar = (t: string) => ({ cookie: `switchyard_${host.port}=${t}` });
  assert.equal((await send(`${base}/`)).status, 401);
  assert.equal((await send(`${base}/?token=nope`)).status, 403);
  assert.equal((await post('getConfig', {}, {})).status, 401);
  assert.equal((await post('getConfig', {}, { 'x-switchyard-token': 'x'.repeat(43) })).status, 403);
  assert.equal((await post('getConfig', {}, { 'x-switchyard-token': `${host.token}x` })).status, 403);
  assert.equal((await post('getConfig', {}, jar(host.token))).status, 401, 'the API takes no cookie');
  assert.equal((await send(`${base}/`, { headers: jar(host.token) })).status, 401, 'nor does the page');
  assert.equal((await send(`${base}/api/getConfig?token=${host.token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 401, 'nor the query');
});

test('the page carries its token for the API and sets no cookie; its public assets need no token', async () => {
  const page = await send(host.url);
  assert.equal(page.status, 200);
  assert.match(page.body, new RegExp(`<meta name="switchyard-token" content="${host.token}" />\\s*</head>`));
  // cookies on 127.0.0.1 reach every port: any local server could read one and learn the token
  assert.equal(page.headers['set-cookie'], undefined);
  const asset = await send(`${base}/__switchyard_assets/app.js`);
  assert.equal(asset.status, 200);
  assert.equal(asset.body, 'console.log(1)');
  assert.equal(asset.headers['set-cookie'], undefined);
  assert.equal((await send(`${base}/__switchyard_assets/missing.js`)).status, 404);
  assert.equal((await send(`${base}/__switchyard_assets/app.js`, { headers: { host: 'evil.example' } })).status, 403, 'Host is still checked');
  assert.equal((await post('getConfig', {})).status, 200, 'the API takes the header');
});

test('every answer carries a strict CSP', async () => {
  for (const r of [await send(`${base}/`), await send(`${base}/`, { headers: auth() })]) {
    const csp = String(r.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  }
});

test('a foreign Host or Origin is refused (DNS rebinding, cross-site requests)', async () => {
  assert.equal((await send(`${base}/`, { headers: { ...auth(), host: 'evil.example' } })).status, 403);
  assert.equal((await post('getConfig', {}, { ...auth(), origin: 'http://evil.example' })).status, 403);
  assert.equal((await post('getConfig', {}, { ...auth(), origin: base })).status, 200);
});

test('files outside the renderer are not served', async () => {
  const paths = [
    '/__switchyard_assets/../../switchyard-secret.txt', '/__switchyard_assets/%2e%2e/%2e%2e/switchyard-secret.txt', '/__switchyard_assets/..%2f..%2fswitchyard-secret.txt',
    '/__switchyard_assets/..%5c..%5cswitchyard-secret.txt', '/__switchyard_assets\\..\\..\\switchyard-secret.txt', '/__switchyard_assets/app.js%00.txt',
    '/__switchyard_assets/link.js', '/__switchyard_assets/linkdir/switchyard-secret.txt', // symlinks out of the root
  ];
  for (const p of paths) {
    const r = await send(`${base}${p}`, { headers: auth() });
    assert.notEqual(r.body, 'secret', p);
    assert.ok(r.status === 404 || /<html>/.test(r.body), `${p}: ${r.status}`);
  }
  // the asset path needs no token, so what it serves stays among the assets: not the page, decoded out of them
  for (const p of ['/__switchyard_assets/..%2findex.html', '/__switchyard_assets/%2e%2e/index.html', '/__switchyard_assets/..%5cindex.html']) {
    const r = await send(`${base}${p}`);
    assert.ok(r.status === 404 || r.status === 401, `${p}: ${r.status}`); // (URL parsing resolves "%2e%2e" itself: then it is the page, and needs the token)
  }
});

test('the API answers Results: ok values, and codes instead of exceptions', async () => {
  const ok = JSON.parse((await post('getConfig', {})).body);
  assert.equal(ok.ok, true);
  assert.deepEqual(ok.value.draft, { schemaVersion: 1 });
  const bad = JSON.parse((await post('session', { id: 'x' })).body);
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, 'bad_params');
  const unknown = await post('shutdown', {});
  assert.equal(unknown.status, 404);
  const missing = JSON.parse((await post('closeSession', { id: 99, code: 1000 })).body);
  assert.equal(missing.error.code, 'not_live');
  const invalid = JSON.parse((await post('apply', { draft: { schemaVersion: 1, servers: [{ listen: [] }] } })).body);
  assert.equal(invalid.error.code, 'invalid_config');
  assert.equal(invalid.error.issues[0].path, 'servers[0].listen');
  assert.equal((await send(`${base}/api/getConfig`, { method: 'POST', headers: { ...auth(), 'content-type': 'text/plain' }, body: '{}' })).status, 415);
  assert.equal((await send(`${base}/api/getConfig`, { headers: auth() })).status, 405);
});

test('a body that is not UTF-8 is refused naming the byte, not read with U+FFFD in its text', async () => {
  const before = JSON.parse((await post('getConfig', {})).body).value.draft;
  const body = Buffer.concat([Buffer.from('{"draft":{"schemaVersion":1,"servers":[{"serverNames":["a'), Buffer.from([0xe9]), Buffer.from('"]}]}}')]);
  const r = await send(`${base}/api/setDraft`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body });
  assert.equal(r.status, 400);
  const err = JSON.parse(r.body).error;
  assert.equal(err.code, 'bad_json');
  assert.match(err.message, /not UTF-8: byte 0xe9 at offset 57/);
  const draft = JSON.parse((await post('getConfig', {})).body).value.draft;
  assert.deepEqual(draft, before, 'nothing changed');
});

function openFeed(headers: Record<string, string>, protocols: string[] = []): Promise<{ ws: WebSocket; first: unknown } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/feed`, protocols, { headers });
    ws.once('message', (d) => resolve({ ws, first: JSON.parse(String(d)) }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode! }));
    ws.once('error', reject);
  });
}

test('the feed needs the token (in its subprotocol list), then sends a snapshot and live deltas', async () => {
  assert.deepEqual(await openFeed({}), { status: 401 });
  assert.deepEqual(await openFeed({}, ['switchyard', 'token.wrong']), { status: 403 });
  assert.deepEqual(await openFeed({ cookie: `switchyard_${host.port}=${host.token}` }), { status: 401 }, 'not a cookie');
  assert.deepEqual(await openFeed({ origin: 'http://evil.example' }, ['switchyard', `token.${host.token}`]), { status: 403 });
  const r = await openFeed({}, ['switchyard', `token.${host.token}`]);
  assert.ok('ws' in r);
  assert.equal(r.ws.protocol, 'switchyard', 'the token is not echoed back');
  assert.equal((r.first as { event: string }).event, 'snapshot');
  const next = new Promise<{ event: string; payload: { sessions: Array<{ id: number; state: string }> } }>((resolve) => r.ws.once('message', (d) => resolve(JSON.parse(String(d)))));
  engine.openSession(7);
  const delta = await next;
  assert.equal(delta.event, 'delta');
  assert.equal(delta.payload.sessions[0]!.id, 7);
  r.ws.close();
});

/** Raw bytes to the host; what came back when the host closes (or after 2 s). */
const rawExchange = (bytes: string) => rawTo(host.port, bytes, { timeoutMs: 2000 });

test('a request target that is not a path is 400, without a token, and never stops the host', async () => {
  const h = `Host: 127.0.0.1:${host.port}\r\n`;
  const upgrade = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
  for (const target of ['http://[', '*', `http://127.0.0.1:${host.port}/feed`]) {
    const plain = await rawExchange(`GET ${target} HTTP/1.1\r\n${h}Connection: close\r\n\r\n`);
    assert.match(plain, /^HTTP\/1\.1 400 /, `GET ${target}`);
    const upg = await rawExchange(`GET ${target} HTTP/1.1\r\n${h}${upgrade}\r\n`);
    assert.match(upg, /^HTTP\/1\.1 400 /, `upgrade ${target}`);
  }
  assert.match(await rawExchange(`GET //[ HTTP/1.1\r\n${h}Connection: close\r\n\r\n`), /^HTTP\/1\.1 401 /, 'a path, gated as any other');
  assert.equal((await post('getConfig', {})).status, 200, 'still serving');
});

test('HEAD of the page and of an asset says the Content-Length a GET gets, and sends no body', async () => {
  const h = `Host: 127.0.0.1:${host.port}\r\nConnection: close\r\n`;
  for (const target of [`/?token=${host.token}`, '/__switchyard_assets/app.js']) {
    const get = await rawExchange(`GET ${target} HTTP/1.1\r\n${h}\r\n`);
    const head = await rawExchange(`HEAD ${target} HTTP/1.1\r\n${h}\r\n`);
    const [getHead, getBody] = [get.slice(0, get.indexOf('\r\n\r\n')), get.slice(get.indexOf('\r\n\r\n') + 4)];
    const length = (text: string) => /\r\ncontent-length: (\d+)/i.exec(text)?.[1];
    assert.match(head, /^HTTP\/1\.1 200 /, target);
    assert.equal(length(getHead), String(Buffer.byteLength(getBody)), `${target}: GET`);
    assert.equal(length(head), length(getHead), `${target}: HEAD says the GET's length`);
    assert.ok(head.endsWith('\r\n\r\n'), `${target}: HEAD sends no body`);
  }
});

/** A body over `limit` for request `name`: refused 413 too_large on its Content-Length, and when streamed. */
async function refusedOverLimit(name: string, limit: number): Promise<string> {
  const head = `POST /api/${name} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nX-Switchyard-Token: ${host.token}\r\nContent-Type: application/json\r\n`;
  const declared = await rawExchange(`${head}Content-Length: ${limit + 1}\r\n\r\n{"text":"`);
  assert.match(declared, /^HTTP\/1\.1 413 /, 'refused on its Content-Length, before the body');
  assert.match(declared, /"code":"too_large"/);
  assert.match(declared, new RegExp(`${limit} bytes`), 'names the limit');

  const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, path: `/api/${name}`, method: 'POST', agent: false, headers: { ...auth(), 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(256 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent <= limit + chunk.length) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    req.write('{"text":"');
    pump();
  });
  assert.equal(streamed.status, 413);
  const error = JSON.parse(streamed.body).error as { code: string; message: string };
  assert.equal(error.code, 'too_large');
  assert.equal((await post('getConfig', {})).status, 200, 'still serving');
  return error.message;
}

test('a body over the API limit is answered 413 too_large, declared or streamed, and the host keeps serving', async () => {
  await refusedOverLimit('setDraft', API_LIMITS.maxRequestBytes);
});

test('importHar takes a body past the API limit (HAR files are large), up to its own limit, then 413 naming it', { timeout: 60_000 }, async () => {
  assert.ok(API_LIMITS.maxImportHarBytes > API_LIMITS.maxRequestBytes);
  const big = { log: { version: '1.2', creator: { name: 'big' }, entries: [{ startedDateTime: '2026-03-01T10:00:00.000Z', time: 1, request: { method: 'GET', url: 'ws://h/ws', headers: [] }, response: { status: 101, headers: [] }, _webSocketMessages: [{ type: 'send', time: 1, opcode: 1, data: 'x'.repeat(API_LIMITS.maxRequestBytes + 1024) }] }] } };
  const r = await post('importHar', { text: JSON.stringify(big) });
  assert.equal(r.status, 200);
  const v = JSON.parse(r.body).value as { creator: string; sessions: Array<{ payloads: Record<number, { bytes: number }> }> };
  assert.equal(v.creator, 'big');
  assert.equal(v.sessions[0]!.payloads[0]!.bytes, API_LIMITS.maxRequestBytes + 1024, 'the whole message');
  assert.equal((await post('setDraft', { draft: { text: 'x'.repeat(API_LIMITS.maxRequestBytes + 1024) } })).status, 413, 'other requests keep the API limit');
  assert.match(await refusedOverLimit('importHar', maxRequestBytes('importHar')), /HAR file is too large to import.*64 MiB/);
});

test('a HAR file under the import limit imports though JSON-quoting it for the request makes it larger than the limit', { timeout: 60_000 }, async () => {
  // (compact JSON messages in a pretty-printed file: each quote is \" in the file and \\\" in the request)
  const data = '"a",'.repeat(7_000_000);
  const file = JSON.stringify({ log: { version: '1.2', creator: { name: 'quoted' }, entries: [{ startedDateTime: '2026-03-01T10:00:00.000Z', time: 1, request: { method: 'GET', url: 'ws://h/ws', headers: [] }, response: { status: 101, headers: [] }, _webSocketMessages: [{ type: 'send', time: 1, opcode: 1, data }] }] } }, null, 2);
  const body = JSON.stringify({ text: file });
  assert.ok(Buffer.byteLength(file) < API_LIMITS.maxImportHarBytes && Buffer.byteLength(body) > API_LIMITS.maxImportHarBytes, 'the file fits, its request does not');
  const r = await post('importHar', { text: file });
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body).value as { sessions: Array<{ payloads: Record<number, { bytes: number }> }> }).sessions[0]!.payloads[0]!.bytes, data.length);
});

/** `bytes` from a client that keeps its own side open after the host's answer, as one holding
 * sockets would; what came back, once the host has let go of the connection (the client's writes,
 * from the host's FIN on, then meet a closed socket). A socket the host keeps half-open takes them
 * all: the test times out. */
function answeredAndClosed(bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ port: host.port, host: '127.0.0.1', allowHalfOpen: true });
    let got = '';
    s.on('data', (d) => { got += d; });
    const poke = () => s.write('x', (e) => { if (!e) setTimeout(poke, 20); });
    s.on('end', poke);
    s.on('error', () => {});
    s.on('close', () => resolve(got));
    s.write(bytes);
  });
}

test('a refused feed upgrade lets go of its connection, though the client keeps its side open', { timeout: 10_000 }, async () => {
  // (each one held open for good would cost the process a file descriptor: enough of them and
  // neither this host nor the proxy's listeners, in the same process, accept a connection)
  const upgrade = `Host: 127.0.0.1:${host.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n`;
  assert.match(await answeredAndClosed(`GET /feed HTTP/1.1\r\n${upgrade}\r\n`), /^HTTP\/1\.1 401 /);
  assert.match(await answeredAndClosed(`GET /feed HTTP/1.1\r\n${upgrade}Sec-WebSocket-Protocol: switchyard, token.wrong\r\n\r\n`), /^HTTP\/1\.1 403 /);
  assert.match(await answeredAndClosed(`GET /other HTTP/1.1\r\n${upgrade}X-Switchyard-Token: ${host.token}\r\n\r\n`), /^HTTP\/1\.1 404 /);
  assert.match(await answeredAndClosed(`GET /feed HTTP/1.1\r\n${upgrade.replace(`127.0.0.1:${host.port}`, 'evil.example')}\r\n`), /^HTTP\/1\.1 403 /);
});
