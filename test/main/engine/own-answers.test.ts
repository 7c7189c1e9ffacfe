// The proxy's own answers (nginx's error pages: 404 with no location, 502 when the upstream refuses,
// the 301 to a location's slash) are recorded as the client got them: their header lines and body size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeRecord } from '../../../main/engine/events.ts';
import { refusedPort } from '../../helpers/upstreams.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { send } from '../../helpers/client.ts';
import { until } from '../../helpers/wait.ts';

const scope = testScope();

test("the proxy's own answers are logged with the headers and body size the client got", async () => {
  const dead = await refusedPort();
  const e = await scope.engine((p) => oneLocation(p, { path: '/api/', proxyPass: `http://127.0.0.1:${dead}` }));
  const seen: ExchangeRecord[] = [];
  e.engine.on('exchange', (x) => seen.push(x));
  for (const path of ['/api/x', '/nowhere', '/api']) {
    const got = await send(`${e.url}${path}`);
    await until(() => seen.length > 0 && seen[seen.length - 1]!.url === path);
    const x = seen[seen.length - 1]!;
    assert.equal(x.status, got.status, path);
    assert.equal(x.responseBytes, Buffer.byteLength(got.body), `${path}: the body size the client got`);
    const names = x.responseHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    assert.ok(names.includes('content-type') && names.includes('content-length'), `${path}: ${JSON.stringify(x.responseHeaders)}`);
    if (got.status === 301) assert.ok(names.includes('location'));
  }
  assert.deepEqual(seen.map((x) => x.status), [502, 404, 301]);
});
