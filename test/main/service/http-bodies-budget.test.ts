// HTTP body captures in progress count against the total payload cap (as WebSocket captures do):
// many slow exchanges each holding a capture hold no more than the cap between them; one the cap has
// no room for is relayed whole and logged as evicted; the room goes back when the exchange is logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { SwitchyardService } from '../../../main/service/service.ts';
import { startEngine, oneLocation } from '../../helpers/engine.ts';
import { startHttpUpstream, type Seen } from '../../helpers/upstreams.ts';
import { send } from '../../helpers/client.ts';
import { value } from '../../helpers/service.ts';
import { sleep, until } from '../../helpers/wait.ts';
import type { ExchangeBody } from '../../../app/api/contract.ts';

const KiB = 1024;

test('slow exchanges: their captures hold at most the total cap, the rest are relayed whole and logged evicted', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let started = 0;
  const up = await startHttpUpstream('a', (req, res) => {
    if (req.url === '/first') return void res.writeHead(204).end();
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write(Buffer.alloc(64 * KiB, 'a'));
    started++;
    void held.then(() => res.end('z'));
  });
  const e = await startEngine((port) => oneLocation(port, { path: '/', proxyPass: `http://127.0.0.1:${up.port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {}, frameTap: null, limits: { payloadPerMessage: 64 * KiB, payloadTotal: 256 * KiB } });
  const store = service.traffic.payloads;
  try {
    await send(`${e.url}/first`, { method: 'POST', body: 'b'.repeat(100) });
    await until(() => service.traffic.exchanges().length === 1);
    assert.equal(store.bytes, 100);
    const n = 10;
    const replies = Array.from({ length: n }, (_, i) => send(`${e.url}/slow${i}`, { method: 'POST', body: 'q'.repeat(10) }));
    await until(() => started === n);
    await sleep(100);
    // (what each capture holds and claims grows by doubling: some could not grow beside the others)
    assert.ok(store.reserved > 128 * KiB, `${store.reserved} bytes in progress`);
    assert.ok(store.bytes + store.reserved <= 256 * KiB, 'in progress and kept, within the cap');
    release();
    for (const r of await Promise.all(replies)) assert.equal(r.body.length, 64 * KiB + 1, 'relayed whole');
    await until(() => service.traffic.exchanges().length === n + 1);
    assert.equal(store.reserved, 0, 'given back once logged');
    assert.ok(store.bytes <= 256 * KiB);
    const sides = await Promise.all(service.traffic.exchanges().slice(1).map(async (x) => value<ExchangeBody>(await service.handle('exchangeBody', { id: x.id, side: 'response' }))));
    const evicted = sides.filter((b) => b.evicted);
    assert.ok(evicted.length >= n - 4, `${evicted.length} evicted`);
    for (const b of evicted) assert.equal(b.total, 64 * KiB + 1);
    const requests = await Promise.all(service.traffic.exchanges().slice(1).map(async (x) => value<ExchangeBody>(await service.handle('exchangeBody', { id: x.id, side: 'request' }))));
    assert.ok(requests.some((b) => b.data === 'q'.repeat(10)), 'a short request body claims its size');
  } finally {
    release();
    service.close();
    await e.stop();
    await up.close();
  }
});

test('retries, X-Accel-Redirect, an upstream that dies mid-body, a client that goes: bodies kept once, every room given back', async () => {
  let retried = 0;
  const handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => {
    if (req.url === '/retry' && retried++ === 0) return void res.writeHead(500).end('first try');
    if (req.url === '/accel') return void res.writeHead(200, { 'X-Accel-Redirect': '/target' }).end('dropped');
    if (req.url === '/die') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '5000' });
      return void res.write('d'.repeat(1000), () => setTimeout(() => res.socket!.destroy(), 30));
    }
    if (req.url === '/gone') return void res.writeHead(200).write('g'.repeat(5000));
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`${req.url}:${seen.body}`);
  };
  const [a, b] = await Promise.all([startHttpUpstream('a', handler), startHttpUpstream('b', handler)]);
  const e = await startEngine((port) => oneLocation(port, { path: '/', proxyPass: 'http://pool', proxyNextUpstream: ['error', 'http_500'] }, {
    upstreams: [{ name: 'pool', servers: [{ address: `127.0.0.1:${a.port}` }, { address: `127.0.0.1:${b.port}` }] }],
  }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {}, frameTap: null, limits: { payloadPerMessage: 4 * KiB, payloadTotal: 64 * KiB } });
  const bodyOf = async (url: string, side: 'request' | 'response') => {
    await until(() => service.traffic.exchanges().some((x) => x.url === url));
    return value<ExchangeBody>(await service.handle('exchangeBody', { id: service.traffic.exchanges().find((x) => x.url === url)!.id, side }));
  };
  try {
    assert.equal((await send(`${e.url}/retry`, { method: 'PUT', body: 'R'.repeat(50) })).body, `/retry:${'R'.repeat(50)}`);
    assert.equal((await send(`${e.url}/accel`, { method: 'POST', body: 'A'.repeat(20) })).body, `/target:${'A'.repeat(20)}`);
    await send(`${e.url}/die`).catch(() => undefined);
    await new Promise<void>((resolve) => {
      const req = http.get(`${e.url}/gone`, (res) => res.once('data', () => { req.destroy(); resolve(); }));
      req.on('error', () => undefined);
    });
    assert.deepEqual([(await bodyOf('/retry', 'request')).data, (await bodyOf('/retry', 'response')).data], ['R'.repeat(50), `/retry:${'R'.repeat(50)}`], 'the body sent twice is kept once; the answer relayed');
    assert.deepEqual([(await bodyOf('/accel', 'request')).data, (await bodyOf('/accel', 'response')).data], ['A'.repeat(20), `/target:${'A'.repeat(20)}`]);
    const died = await bodyOf('/die', 'response');
    assert.deepEqual([died.data, died.total, died.truncated], ['d'.repeat(1000), 1000, false]);
    const gone = await bodyOf('/gone', 'response');
    assert.ok(gone.bytes > 0 && gone.bytes <= 4 * KiB && !gone.evicted);
    assert.equal(service.traffic.payloads.reserved, 0, 'no capture holds room once its exchange is logged');
  } finally {
    service.close();
    await e.stop();
    await Promise.all([a.close(), b.close()]);
  }
});
