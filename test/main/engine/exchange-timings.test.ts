// An exchange's timings count from the request's arrival, all three: a try that timed out before
// the one that answered shows in connect and first byte, not as time spent receiving the body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { ExchangeRecord } from '../../../app/engine/records.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { rawExchange, refusedPort } from '../../helpers/upstreams.ts';
import { until } from '../../helpers/wait.ts';

const scope = testScope();

test('timings after a timed-out try: connect and first byte include it; receiving the body stays short', async () => {
  const silent = net.createServer((s) => s.on('error', () => {})); // accepts, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  scope.defer(async () => { silent.close(); });
  const u = await scope.http('u');
  const ports = [(silent.address() as net.AddressInfo).port, u.port];
  const e = await scope.engine((p) => oneLocation(p, { path: '/', proxyPass: 'http://pair', proxyReadTimeout: '400ms' }, {
    upstreams: [{ name: 'pair', servers: ports.map((port) => ({ address: `127.0.0.1:${port}` })) }],
  }));
  const exchanges: ExchangeRecord[] = [];
  e.engine.on('exchange', (x) => exchanges.push(x));
  const got = await rawExchange(e.port, 'GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  assert.match(got, /^HTTP\/1\.1 200 /);
  await until(() => exchanges.length === 1);
  const { connectMs, firstByteMs, totalMs } = exchanges[0]!.timings;
  assert.equal(exchanges[0]!.tries.length, 1, JSON.stringify(exchanges[0]!.tries));
  assert.ok(connectMs! >= 400 && firstByteMs! >= connectMs! && totalMs! >= firstByteMs!, JSON.stringify(exchanges[0]!.timings));
  assert.ok(totalMs! - firstByteMs! < 200, `receiving a short body took ${totalMs! - firstByteMs!} ms`);
});

test('a 504 on the read keeps the connect time of the try that connected; a refused connection has none', async () => {
  const silent = net.createServer((s) => s.on('error', () => {}));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  scope.defer(async () => { silent.close(); });
  const silentPort = (silent.address() as net.AddressInfo).port;
  const dead = await refusedPort();
  const e = await scope.engine((p) => oneLocation(p, { path: '/slow/', proxyPass: `http://127.0.0.1:${silentPort}`, proxyReadTimeout: '300ms' }));
  const refused = await scope.engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${dead}` }));
  const exchanges: ExchangeRecord[] = [];
  e.engine.on('exchange', (x) => exchanges.push(x));
  refused.engine.on('exchange', (x) => exchanges.push(x));
  assert.match(await rawExchange(e.port, 'GET /slow/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 504 /);
  await until(() => exchanges.length === 1);
  const timedOut = exchanges[0]!.timings;
  assert.ok(timedOut.connectMs !== undefined && timedOut.connectMs < 250, JSON.stringify(timedOut));
  assert.equal(timedOut.firstByteMs, undefined);
  assert.ok(timedOut.totalMs! >= 300, JSON.stringify(timedOut));
  assert.match(await rawExchange(refused.port, 'GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 502 /);
  await until(() => exchanges.length === 2);
  assert.equal(exchanges[1]!.timings.connectMs, undefined, JSON.stringify(exchanges[1]!.timings));
});
