// Regex captures ($1…$9) in header values, against real nginx running the exported config: a regex
// location's groups; for a location that runs no regex of its own, the groups of the regex
// server_name that chose the server; none otherwise; a group that did not take part, and one past
// the last, are empty; "$10" is $1 then "0"; the captures are of the normalized URI ($uri's bytes).
// Needs Debian's nginx; fails without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario, type Scenario } from './harness.ts';
import { validateConfig } from '../../app/config/validate.ts';
import { importNginxText } from '../../app/nginx/import.ts';

const CAP = '[$1][$2][$3]';

const scenario: Scenario = {
  name: 'regex captures in header values',
  upstreams: ['u'],
  compare: ['x-cap', 'x-ten'],
  model: ({ up, listen: p }) => {
    const at = `http://127.0.0.1:${up.u}`;
    const cap = (extra: Array<{ name: string; value: string }> = []) => [{ name: 'X-Cap', value: CAP }, ...extra];
    return {
      schemaVersion: 1,
      servers: [
        {
          listen: [{ address: `127.0.0.1:${p}` }],
          serverNames: ['~^(\\w+)\\.(cap)\\.test$'],
          locations: [
            { path: '/', proxyPass: at, proxySetHeader: cap() },
            { modifier: '^~', path: '/pre/', proxyPass: at, proxySetHeader: cap() },
            { modifier: '~', path: '^/r/(\\w+)/(\\d+)$', proxyPass: at, proxySetHeader: cap([{ name: 'X-Ten', value: '$10' }]) },
            { modifier: '~*', path: '^/o/(a)?(b)', proxyPass: at, proxySetHeader: cap() },
          ],
        },
        { listen: [{ address: `127.0.0.1:${p}` }], serverNames: ['plain.test'], locations: [{ path: '/', proxyPass: at, proxySetHeader: cap() }, { modifier: '~', path: '^/r/(\\w+)', proxyPass: at, proxySetHeader: cap() }] },
      ],
    };
  },
  // [Host, path]
  requests: ([
    ['abc.cap.test', '/anything'], ['Abc.Cap.Test', '/pre/x'], ['abc.cap.test', '/r/foo/42'], ['abc.cap.test', '/r/a%5Fb/7'],
    ['abc.cap.test', '/r/foo/notdigits'], ['xyz.cap.test', '/O/B'], ['xyz.cap.test', '/o/ab'], ['plain.test', '/anything'], ['plain.test', '/r/q'],
  ] as const).map(([host, path]) => ({ host, path })),
};

test(`parity: ${scenario.name}`, { timeout: 60_000 }, async () => {
  const { nginx, engine } = await runScenario(scenario);
  scenario.requests.forEach((r, i) => assert.deepEqual(engine[i], nginx[i], `case ${i}: ${r.path} Host=${r.host}`));
  // the cases reach what they test
  assert.deepEqual(nginx.map((o) => o.headers['x-cap']), [
    '[abc][cap][]', '[abc][cap][]', '[foo][42][]', '[a_b][7][]', '[abc][cap][]', '[][B][]', '[a][b][]', '[][][]', '[q][][]',
  ]);
  assert.equal(nginx[2]!.headers['x-ten'], 'foo0');
});

test('captures: $1…$9 are known variables; ${1} is a variable nginx does not know', () => {
  const with_ = (value: string) => validateConfig({ schemaVersion: 1, servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [{ modifier: '~', path: '^/(.*)$', proxyPass: 'http://127.0.0.1:9', proxySetHeader: [{ name: 'X', value }] }] }] });
  assert.ok(with_('$1-$9-$10').ok);
  const braced = with_('${1}');
  assert.deepEqual(braced.ok ? [] : braced.issues.map((i) => i.message), ['unknown variable "${1}"']);
  assert.equal(with_('$0').ok, false, '$0 is no capture to nginx');
});

test('captures: an nginx.conf using them imports them, and ${1} (unknown to nginx) is dropped with a warning', () => {
  const r = importNginxText('http { server { listen 8080; location ~ ^/(\\w+)$ { proxy_pass http://127.0.0.1:9; proxy_set_header X-Cap "$1-$2"; proxy_set_header X-No ${1}; } location / { proxy_pass http://127.0.0.1:9; } } }');
  assert.deepEqual(r.config.servers[0]!.locations[0]!.proxySetHeader, [{ name: 'X-Cap', value: '$1-$2' }]);
  assert.deepEqual(r.warnings.map((w) => w.message.replace(/ hold the request path as decoded.*/, '')), ['proxy_set_header X-No: ${1} cannot be evaluated by Switchyard: header dropped', '$1, $2 in header "X-Cap"']);
});
