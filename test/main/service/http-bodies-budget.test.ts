// HTTP body captures in progress count against the total payload cap (as WebSocket captures do):
// many slow exchanges each holding a capture hold no more than the cap between them; one the cap has
// no room for is relayed whole and logged as evicted; the room goes back when the exchange is logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardService } from '../../../main/service/service.ts';
import { startEngine, oneLocation } from '../../helpers/engine.ts';
import { startHttpUpstream } from '../../helpers/upstreams.ts';
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
