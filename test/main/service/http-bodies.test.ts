// HTTP bodies in the log, through a real engine on loopback: the first payloadPerMessage bytes of
// each request and response body are kept (as the client sent them and was sent them), counted in
// the payload total with WebSocket payloads and evicted oldest first; the engine copies nothing
// when no service records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { SwitchyardService } from '../../../main/service/service.ts';
import { startEngine, oneLocation, type TestEngine } from '../../helpers/engine.ts';
import { startHttpUpstream, type Upstream } from '../../helpers/upstreams.ts';
import { send } from '../../helpers/client.ts';
import { value } from '../../helpers/service.ts';
import { until } from '../../helpers/wait.ts';
import type { ExchangeBody, ExchangeView } from '../../../app/api/contract.ts';

/** An upstream that answers per path: /json echoes the body as JSON, /bin binary, /gz gzip, /br brotli, /chunked in chunks, /big 100 000 bytes. */
async function upstream(): Promise<Upstream> {
  const big = Buffer.alloc(100_000, 'x');
  return startHttpUpstream('a', (req, res, seen) => {
    const p = req.url!;
    if (p === '/json') res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ got: JSON.parse(seen.body) }));
    else if (p === '/bin') res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(Buffer.from([0, 1, 0xfe, 0xff]));
    else if (p === '/gz') res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' }).end(gzipSync('hello gzip'));
    else if (p === '/br') res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'br' }).end(brotliCompressSync('hello br'));
    else if (p === '/chunked') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('one,');
      setTimeout(() => res.end('two'), 20);
    } else if (p === '/big') res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' }).end(big);
    else res.writeHead(204).end();
  });
}

async function setup(limits = {}): Promise<{ e: TestEngine; up: Upstream; service: SwitchyardService; close(): Promise<void> }> {
  const up = await upstream();
  const e = await startEngine((port) => oneLocation(port, { path: '/', proxyPass: `http://127.0.0.1:${up.port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {}, frameTap: null, limits });
  return { e, up, service, close: async () => { service.close(); await e.stop(); await up.close(); } };
}

async function exchangeOf(service: SwitchyardService, url: string): Promise<ExchangeView> {
  await until(() => service.traffic.exchanges().some((x) => x.url === url));
  return service.traffic.exchanges().find((x) => x.url === url)!;
}

const body = async (service: SwitchyardService, id: number, side: 'request' | 'response') => value<ExchangeBody>(await service.handle('exchangeBody', { id, side }));

test('a JSON POST: both bodies kept whole, as text, and the proxied bytes unchanged', async () => {
  const { e, up, service, close } = await setup();
  try {
    const sent = JSON.stringify({ name: 'héllo', n: [1, 2] });
    const r = await send(`${e.url}/json`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: sent });
    assert.equal(up.seen[0]!.body, sent);
    assert.equal(r.body, JSON.stringify({ got: JSON.parse(sent) }));
    const x = await exchangeOf(service, '/json');
    assert.equal(x.bodies, true);
    const req = await body(service, x.id, 'request');
    assert.deepEqual({ ...req }, { encoding: 'text', data: sent, bytes: Buffer.byteLength(sent), total: Buffer.byteLength(sent), truncated: false, evicted: false, contentType: 'application/json' });
    const res = await body(service, x.id, 'response');
    assert.equal(res.data, r.body);
    assert.equal(res.total, x.responseBytes);
  } finally {
    await close();
  }
});

test('binary as base64, chunked whole, gzip and br decoded for display, no body: no_body', async () => {
  const { e, service, close } = await setup();
  try {
    await send(`${e.url}/bin`);
    await send(`${e.url}/chunked`, { method: 'PUT', headers: { 'Transfer-Encoding': 'chunked' }, body: 'abc' });
    await send(`${e.url}/gz`);
    await send(`${e.url}/br`);
    await send(`${e.url}/none`);
    const bin = await body(service, (await exchangeOf(service, '/bin')).id, 'response');
    assert.deepEqual([bin.encoding, bin.data, bin.bytes], ['base64', Buffer.from([0, 1, 0xfe, 0xff]).toString('base64'), 4]);
    const chunked = await exchangeOf(service, '/chunked');
    assert.equal((await body(service, chunked.id, 'response')).data, 'one,two');
    assert.equal((await body(service, chunked.id, 'request')).data, 'abc');
    const gz = await body(service, (await exchangeOf(service, '/gz')).id, 'response');
    assert.equal(gz.encoding, 'base64', 'the kept bytes are the gzip stream, as sent');
    assert.equal(gz.contentEncoding, 'gzip');
    assert.deepEqual(gz.decoded, { encoding: 'text', data: 'hello gzip', bytes: 10 });
    const br = await body(service, (await exchangeOf(service, '/br')).id, 'response');
    assert.deepEqual(br.decoded, { encoding: 'text', data: 'hello br', bytes: 8 });
    const none = await service.handle('exchangeBody', { id: (await exchangeOf(service, '/none')).id, side: 'response' });
    assert.ok(!none.ok && none.error.code === 'no_body', JSON.stringify(none));
  } finally {
    await close();
  }
});

test('capped at payloadPerMessage: "first K of M", never decoded when cut', async () => {
  const { e, service, close } = await setup({ payloadPerMessage: 4096 });
  try {
    const r = await send(`${e.url}/big`, { method: 'POST', body: Buffer.alloc(10_000, 'y') });
    assert.equal(r.body.length, 100_000);
    const x = await exchangeOf(service, '/big');
    const res = await body(service, x.id, 'response');
    assert.deepEqual([res.bytes, res.total, res.truncated, res.data], [4096, 100_000, true, 'x'.repeat(4096)]);
    assert.match(res.decodeError ?? '', /only the start/);
    const req = await body(service, x.id, 'request');
    assert.deepEqual([req.bytes, req.total, req.truncated], [4096, 10_000, true]);
    assert.equal(service.traffic.payloads.bytes, 8192, 'the kept bytes count in the payload total, exactly');
    assert.equal(service.traffic.payloads.count, 2);
  } finally {
    await close();
  }
});

test('bodies count against the payload total: the oldest are evicted and say so', async () => {
  const { e, service, close } = await setup({ payloadPerMessage: 4096, payloadTotal: 8000 });
  try {
    for (const n of [1, 2, 3]) await send(`${e.url}/p${n}`, { method: 'POST', body: Buffer.alloc(3000, String(n)) });
    const ids = await Promise.all([1, 2, 3].map(async (n) => (await exchangeOf(service, `/p${n}`)).id));
    const first = await body(service, ids[0]!, 'request');
    assert.deepEqual([first.evicted, first.data, first.bytes], [true, '', 0]);
    const last = await body(service, ids[2]!, 'request');
    assert.ok(!last.evicted && last.data === '3'.repeat(3000));
    assert.equal(service.traffic.payloads.bytes, 6000);
    assert.equal(service.traffic.payloads.count, 2);
    // lowering the total evicts at once
    value(await service.handle('setSettings', { payloadTotal: 0 }));
    assert.equal((await body(service, ids[2]!, 'request')).evicted, true);
    assert.equal(service.traffic.payloads.bytes, 0);
    await send(`${e.url}/p4`, { method: 'POST', body: 'later' });
    const later = await service.handle('exchangeBody', { id: (await exchangeOf(service, '/p4')).id, side: 'request' });
    assert.ok(!later.ok && later.error.code === 'no_body', 'a total of 0 keeps no bodies: the engine captures none');
  } finally {
    await close();
  }
});

test('bodies leave with their exchanges: nothing is kept for an exchange the log dropped', async () => {
  const { e, service, close } = await setup({ exchanges: 2 });
  try {
    for (const n of [1, 2, 3]) await send(`${e.url}/q${n}`, { method: 'POST', body: `body ${n}` });
    await until(() => service.traffic.exchanges().some((x) => x.url === '/q3'));
    assert.deepEqual(service.traffic.exchanges().map((x) => x.url), ['/q2', '/q3']);
    assert.equal(service.traffic.payloads.count, 2, 'the two kept exchanges\' request bodies (their 204s have none)');
    assert.equal(service.traffic.payloads.bytes, 2 * 6);
  } finally {
    await close();
  }
});

test('without a recorder the engine keeps no bodies, and a closed service stops it', async () => {
  const { e, up, close } = await setup();
  const got: unknown[] = [];
  e.engine.on('exchange', (_r, bodies) => got.push(bodies));
  try {
    await send(`${e.url}/json`, { method: 'POST', body: '{"a":1}' });
    await until(() => got.length === 1);
    assert.ok(got[0], 'recorded: kept');
    e.engine.captureBodies(0);
    await send(`${e.url}/json`, { method: 'POST', body: '{"a":2}' });
    await until(() => got.length === 2);
    assert.equal(got[1], undefined);
  } finally {
    await close();
  }
  const bare = await startEngine((port) => oneLocation(port, { path: '/', proxyPass: `http://127.0.0.1:${up.port}` }));
  assert.equal((bare.engine as unknown as { hooks: { bodyCap: number } }).hooks.bodyCap, 0, 'an engine nobody records keeps nothing');
  await bare.stop();
});
