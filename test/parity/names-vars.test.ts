// Variables and names as nginx reads them, against real nginx running the exported config:
// variable names in any case ($HOST, $http_X_Foo), a server name outside ASCII as $server_name and
// as $host without a Host header (its UTF-8 bytes), and server and header names too long for
// nginx's default hash buckets (the export sizes them; two servers share the socket so nginx
// hashes the names); `hash` keys with bytes outside ASCII (nginx hashes the bytes as they are).
// Needs Debian's nginx; fails without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findNginx } from '../../main/nginx/binary.ts';
import { runScenario, type Scenario } from './harness.ts';

const LONG_NAME = `${'n'.repeat(60)}.test`;
const LONG_HEADER = `X-${'h'.repeat(60)}`;

const scenario: Scenario = {
  name: 'variable-name case, a UTF-8 server name, long names',
  upstreams: ['u', 'other', 'a', 'b', 'c'],
  compare: ['host', 'x-custom', 'x-sn', LONG_HEADER.toLowerCase()],
  model: ({ up, listen: p }) => ({
    schemaVersion: 1,
    upstreams: [
      { name: 'plain', method: { type: 'hash', key: '$HTTP_X_K' }, servers: [{ address: `127.0.0.1:${up.a}` }, { address: `127.0.0.1:${up.b}` }, { address: `127.0.0.1:${up.c}` }] },
      { name: 'ring', method: { type: 'hash', key: 'é$http_x_k', consistent: true }, servers: [{ address: `127.0.0.1:${up.a}` }, { address: `127.0.0.1:${up.b}` }, { address: `127.0.0.1:${up.c}` }] },
    ],
    servers: [
      {
        listen: [{ address: `127.0.0.1:${p}` }],
        serverNames: ['日本.test', LONG_NAME],
        locations: [
          { path: '/case/', proxyPass: `http://127.0.0.1:${up.u}`, proxySetHeader: [{ name: 'X-Custom', value: '[$http_X_Foo][$HTTP_COOKIE][$HOST][$Arg_A][$COOKIE_c][${Request_Uri}]' }] },
          { path: '/sn/', proxyPass: `http://127.0.0.1:${up.u}`, proxySetHeader: [{ name: 'X-SN', value: '$server_name' }, { name: 'Host', value: '$host' }] },
          { path: '/long/', proxyPass: `http://127.0.0.1:${up.u}`, proxySetHeader: [{ name: LONG_HEADER, value: 'long' }] },
          { path: '/plain/', proxyPass: 'http://plain' },
          { path: '/ring/', proxyPass: 'http://ring' },
        ],
      },
      { listen: [{ address: `127.0.0.1:${p}` }], serverNames: ['other.test'], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${up.other}` }] },
    ],
  }),
  requests: [
    { path: '/case/x?a=1&A=2', headers: [['X-Foo', 'bar'], ['Cookie', 'C=3'], ['Cookie', 'd=4']] },
    { path: '/case/', host: 'Some.Host:81', headers: { 'x-foo': 'lower' } },
    { path: '/sn/', host: null },
    { path: '/sn/', host: 'given.test' },
    { path: '/long/', host: LONG_NAME },
    { path: '/long/', host: 'other.test' },
    // (the harness writes header values as UTF-8: "é" arrives as two bytes)
    ...['é', 'café', '中文', 'ü1', 'ß', 'naïve', '€', 'ascii'].flatMap((k) => [{ path: '/plain/', headers: { 'X-K': k } }, { path: '/ring/', headers: { 'X-K': k } }]),
  ],
};

test(`parity: ${scenario.name}`, { timeout: 60_000 }, async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const { nginx, engine } = await runScenario(scenario);
  scenario.requests.forEach((r, i) => assert.deepEqual(engine[i], nginx[i], `case ${i}: ${r.path} Host=${r.host}`));
  // the cases did reach what they test
  assert.equal(nginx[0]!.headers['x-custom'], '[bar][C=3; d=4][parity.test][1][3][/case/x?a=1&A=2]');
  assert.equal(nginx[2]!.headers['x-sn'], Buffer.from('日本.test').toString('latin1'));
  assert.deepEqual([nginx[4]!.upstream, nginx[4]!.headers[LONG_HEADER.toLowerCase()]], ['u', 'long']);
});
