// Variables and names as nginx reads them, against real nginx running the exported config:
// variable names in any case ($HOST, $http_X_Foo), a server name outside ASCII as $server_name and
// as $host without a Host header (its UTF-8 bytes), and server and header names too long for
// nginx's default hash buckets (the export sizes them; two servers share the socket so nginx
// hashes the names); `hash` keys with bytes outside ASCII (nginx hashes the bytes as they are);
// a named regex group, which nginx makes a variable.
// Needs Debian's nginx; fails without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario, type Scenario } from './harness.ts';
import { Config, type ConfigInput } from '../../app/config/schema.ts';
import { validateConfig } from '../../app/config/validate.ts';
import { exportNginx } from '../../app/nginx/export.ts';
import { findNginx, startNginx, privateNginxConf } from '../../main/nginx/binary.ts';
import { startHttpUpstream, header } from '../helpers/upstreams.ts';
import { freePorts } from '../helpers/ports.ts';

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

// A named regex group is a variable to nginx, for the whole config: with `(?<arg_a>..)` in some
// location, $arg_a everywhere is the group's capture (empty where it did not match), no longer the
// query argument the engine reads. So check refuses such a group name; nginx shows why.
test('a named group called like a variable the engine reads changes that variable in nginx, so check refuses it', { timeout: 30_000 }, async () => {
  const up = await startHttpUpstream('u');
  const [port] = await freePorts(1);
  const headers = [{ name: 'X-A', value: '[$arg_a]' }, { name: 'X-H', value: '[$http_x]' }];
  const model: ConfigInput = {
    schemaVersion: 1,
    servers: [{
      listen: [{ address: `127.0.0.1:${port}` }],
      locations: [
        { path: '/', proxyPass: `http://127.0.0.1:${up.port}`, proxySetHeader: headers },
        { modifier: '~', path: '^/cap/(?<arg_a>[a-z]+)/(?<http_x>[a-z]+)', proxyPass: `http://127.0.0.1:${up.port}`, proxySetHeader: headers },
      ],
    }],
  };
  const v = validateConfig(model);
  assert.deepEqual(v.ok ? [] : v.issues.map((i) => [i.path, i.code]), [['servers[0].locations[1].path', 'invalid_regex']]);
  // what nginx makes of the file this model would export
  const n = await startNginx(privateNginxConf(exportNginx(Config.parse(model), { shape: 'snippet' })), [port!]);
  try {
    const seen = async (path: string) => {
      await fetch(`http://127.0.0.1:${port}${path}`, { headers: { X: 'header' } }).then((r) => r.text());
      const s = up.seen.at(-1)!;
      return [header(s, 'x-a'), header(s, 'x-h')];
    };
    // the engine sends [1] and [header] for both
    assert.deepEqual(await seen('/p?a=1'), ['[]', '[]']);
    assert.deepEqual(await seen('/cap/foo/bar?a=1'), ['[foo]', '[bar]']);
  } finally {
    await n.stop();
    await up.close();
  }
});
