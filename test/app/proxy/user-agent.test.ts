// What nginx 1.22 makes of a User-Agent: each verdict below was measured on it, through the
// export (a padded 404 page for msie_padding, Connection: close after a POST for keepalive_disable
// msie6); test/parity/client-tools.test.ts sends some of them to both proxies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepaliveDisabled, padsErrorPage, userAgentKind, userAgentRead } from '../../../app/proxy/user-agent.ts';
import { planRoute } from '../../../app/proxy/plan.ts';
import { compileRouteTable } from '../../../app/proxy/route-test.ts';
import { validateConfig } from '../../../app/config/validate.ts';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

test('msie_padding: MSIE and Chrome get padded 4xx and 5xx pages; Firefox, Opera, curl and lower case do not', () => {
  const padded = (ua: string | undefined) => padsErrorPage(404, ua);
  assert.equal(padded(CHROME), true);
  assert.equal(padded('HeadlessChrome/120.0.0.0'), true);
  assert.equal(padded('Chrome/'), true);
  assert.equal(padded('MSIE 8.0; x'), true);
  assert.equal(padded('xMSIE 9.0'), true);
  assert.equal(padded('MSIE 8'), false);
  assert.equal(padded('MSIE 9.'), false, 'three bytes after "MSIE " at least');
  assert.equal(padded('MSIE 9.0'), true);
  assert.equal(padded('Mozilla/5.0 Gecko/20100101 Chrome/1'), false, 'Gecko/ first');
  assert.equal(padded('Chrome/1 Opera'), false);
  assert.equal(padded('MSIE 9.0; Opera'), false);
  assert.equal(padded('chrome/1'), false);
  assert.equal(padded('curl/7.88.1'), false);
  assert.equal(padded(undefined), false);
  for (const status of [400, 405, 413, 494, 500, 501, 502, 504]) assert.equal(padsErrorPage(status, CHROME), true, String(status));
  assert.equal(padsErrorPage(301, CHROME), false, 'not a redirect page');
});

test('keepalive_disable msie6: a POST from MSIE 4, 5 or 6 (but 6 with SV1) ends its connection', () => {
  for (const ua of ['MSIE 6.0; x', 'MSIE 6.0', 'MSIE 5.5; x', 'MSIE 4.01; x']) assert.equal(keepaliveDisabled('POST', ua), true, ua);
  for (const ua of ['MSIE 6.0; SV1', 'MSIE 6.0 SV1', 'MSIE 6.0SV1', 'MSIE 6.0; xSV1', 'MSIE 7.0; x', 'MSIE 6.0; Opera', 'MSIE 6.', 'MSIE 6,0; x', CHROME]) {
    assert.equal(keepaliveDisabled('POST', ua), false, ua);
  }
  assert.equal(keepaliveDisabled('PUT', 'MSIE 6.0; x'), false, 'a POST only');
  assert.equal(keepaliveDisabled('GET', 'MSIE 6.0; x'), false);
  assert.deepEqual(userAgentKind('MSIE 6.0; x'), { msie: true, msie6: true, chrome: false });
});

test('the User-Agent nginx had read when it refused a head: none at the request line, those before the line refused', () => {
  const raw = ['User-Agent', 'Chrome/1', 'Host', 'a', 'User-Agent', 'MSIE 9.0; x'];
  assert.equal(userAgentRead(raw), 'Chrome/1', 'the first line');
  assert.equal(userAgentRead(raw, 0), null);
  assert.equal(userAgentRead(raw, 1), 'Chrome/1');
  assert.equal(userAgentRead(['Host', 'a', 'user-agent', 'x'], 1), null);
  // what planRoute says it had read, for heads refused at the request line, at a Host line, after the head
  const v = validateConfig({ schemaVersion: 1, servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9' }] }] });
  assert.ok(v.ok);
  const table = compileRouteTable(v.config);
  const socket = { localAddress: '127.0.0.1', localPort: 8080 };
  const plan = (over: Record<string, unknown>) => planRoute(table, { method: 'GET', url: '/', httpVersion: '1.1', rawHeaders: ['User-Agent', 'Chrome/1', 'Host', 'a'], socket, ...over });
  const read = (p: ReturnType<typeof plan>) => (p.kind === 'error' ? p.headersRead : 'not refused');
  assert.equal(read(plan({ httpVersion: '2.0' })), 0);
  assert.equal(read(plan({ url: '/../x' })), 0);
  assert.equal(read(plan({ url: `/${'u'.repeat(9000)}` })), 0);
  assert.equal(read(plan({ rawHeaders: ['User-Agent', 'Chrome/1', 'Host', 'a', 'Host', 'b'] })), 2);
  assert.equal(read(plan({ rawHeaders: ['User-Agent', 'Chrome/1', 'Host', 'a', 'If-Match', '1', 'If-Match', '2'] })), 3);
  assert.equal(read(plan({ rawHeaders: ['Host', 'a/b', 'User-Agent', 'Chrome/1'] })), 0, 'the invalid Host, before the User-Agent');
  assert.equal(read(plan({ url: 'http://a..b/', rawHeaders: ['User-Agent', 'Chrome/1', 'Host', 'a'] })), 0, 'an invalid host in the request line');
  assert.equal(read(plan({ url: 'http://a/', rawHeaders: ['User-Agent', 'Chrome/1', 'Host', 'a/b'] })), 1, 'an invalid Host beside an absolute target: at its line (nginx 1.22 pads this page)');
  assert.equal(read(plan({ method: 'TRACE' })), undefined, 'refused once the head is read');
});
