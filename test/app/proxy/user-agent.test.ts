// What nginx 1.22 makes of a User-Agent: each verdict below was measured on it, through the
// export (a padded 404 page for msie_padding, Connection: close after a POST for keepalive_disable
// msie6); test/parity/client-tools.test.ts sends some of them to both proxies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepaliveDisabled, padsErrorPage, userAgentKind } from '../../../app/proxy/user-agent.ts';

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
