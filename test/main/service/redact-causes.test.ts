// A cause or close reason may quote a header line, as nginx's messages do ("client sent duplicate
// header line: ..."): the value of a redacted header never leaves the service in one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardService } from '../../../main/service/service.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { rawExchange } from '../../helpers/upstreams.ts';
import { until } from '../../helpers/wait.ts';
import { value } from '../../helpers/service.ts';
import type { ExchangeView } from '../../../app/api/contract.ts';

const scope = testScope();

/** One exchange of `request`'s bytes through an engine and its service: the answer, and the exchange as the service shows it. */
async function exchangeOf(request: string) {
  const u = await scope.http('u');
  const e = await scope.engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${u.port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {} });
  scope.defer(async () => service.close());
  const got = await rawExchange(e.port, request);
  await until(() => service.traffic.exchanges().length === 1);
  return { service, got, x: value<ExchangeView[]>(await service.handle('exchanges', {}))[0]! };
}

test('a duplicate Authorization line: its values are redacted in the exchange, its cause and the HAR; shown with redaction off', async () => {
  const { service, got, x } = await exchangeOf('GET /a HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer TOPSECRET1\r\nauthorization: Bearer TOPSECRET2\r\nConnection: close\r\n\r\n');
  assert.match(got, /^HTTP\/1\.1 400 /);
  assert.match(x.cause!, /^client sent duplicate header line: "authorization: \[redacted\]"$/);
  assert.doesNotMatch(JSON.stringify(x), /TOPSECRET/);
  assert.doesNotMatch(value<string>(await service.handle('exportHar', {})), /TOPSECRET/);
  value(await service.handle('setSettings', { redact: false }));
  assert.match(value<ExchangeView[]>(await service.handle('exchanges', {}))[0]!.cause!, /TOPSECRET2/);
});

test("the web host's own token header is redacted by default, should a stale page's API call reach a proxied app", async () => {
  const { got, x } = await exchangeOf('POST /api/getConfig HTTP/1.1\r\nHost: t\r\nX-Switchyard-Token: OLDTOKEN123\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
  assert.match(got, /^HTTP\/1\.1 200 /);
  assert.ok(x.requestHeaders.includes('[redacted]'), JSON.stringify(x.requestHeaders));
  assert.doesNotMatch(JSON.stringify(x), /OLDTOKEN123/);
});
