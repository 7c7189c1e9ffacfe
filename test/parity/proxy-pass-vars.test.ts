// A proxy_pass whose URI part has variables (`location ~ ^/api/(.*)$ { proxy_pass http://pool/v2/$1; }`,
// `proxy_pass http://127.0.0.1:9000$request_uri;`): nginx sends the URI as the variables make it
// (no location replaced, no args added; none at all when it comes out empty, and "/" before one that
// starts with "?"), to the same upstream group, with Host $proxy_host, and rewrites no redirect (no
// `proxy_redirect default` with variables). Against real nginx running the export; needs Debian's nginx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario, type Scenario } from './harness.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { exportNginx } from '../../app/nginx/export.ts';
import { importNginxText } from '../../app/nginx/import.ts';
import { validateConfig } from '../../app/config/validate.ts';
import { nginxTest } from '../../main/nginx/binary.ts';
import { wrapForTest } from '../../main/service/nginx-export.ts';

const scenario: Scenario = {
  name: 'proxy_pass with variables in its URI',
  upstreams: ['a', 'b', 'd'],
  model: ({ up, listen: p }) => {
    const at = (n: string) => `http://127.0.0.1:${up[n]}`;
    const show = [{ name: 'X-Custom', value: '$proxy_host|$proxy_port' }];
    return {
      schemaVersion: 1,
      upstreams: [{ name: 'pool', servers: [{ address: `127.0.0.1:${up.a}` }, { address: `127.0.0.1:${up.b}` }] }],
      servers: [{
        listen: [{ address: `127.0.0.1:${p}` }],
        locations: [
          { modifier: '~', path: '^/api/(.*)$', proxyPass: 'http://pool/v2/$1', proxySetHeader: show },
          { modifier: '~*', path: '^/n/(?<rest>[^/]*)/(\\w+)', proxyPass: `${at('d')}/x/$rest/$2$is_args$args`, proxySetHeader: show },
          { path: '/ru/', proxyPass: `${at('d')}$request_uri`, proxySetHeader: show },
          { path: '/u/', proxyPass: `${at('d')}/pre$uri?fixed=1&$args` },
          { path: '/empty/', proxyPass: `${at('d')}$is_args$args` },
          { path: '/redir/', proxyPass: `${at('d')}/redir/$arg_kind` },
          { path: '/xaccel', proxyPass: `${at('d')}/xaccel$is_args$args` },
          { path: '/after/', proxyPass: 'http://POOL/got$uri' },
          { modifier: '~', path: '^/wsv/(.*)$', proxyPass: `${at('d')}/w/$1`, websocket: true },
          { modifier: '=', path: '/exact', proxyPass: `${at('d')}/e/$host/$http_x_in` },
          // (nginx evaluates the URI before it knows $proxy_host and $proxy_port: empty there, set in a header)
          { path: '/ph/', proxyPass: `${at('d')}/ph/$proxy_host/$proxy_port/`, proxySetHeader: show },
          // (after an IPv6 address nginx finds the URI at the first "/" only: one starting with "?" is read
          // as part of the port, and the request answered 500; none listens on [::1] here)
          { path: '/v6/', proxyPass: `http://[::1]:${up.d}$is_args$args`, clientMaxBodySize: '2' },
        ],
      }],
    };
  },
  requests: [
    { path: '/api/a/b?q=1' },
    { path: '/api/a%20b/%2F' },
    { path: '/api/%7e/x;y' },
    { path: '/api/' },
    { path: '/n/one/two?k=v' },
    { path: '/N/%41/two' },
    { path: '/n/one/two' },
    { path: '/ru/a%2Fb/../c?z=%20' },
    { path: '/ru//x' },
    { path: '/u/p%20q?a=1' },
    { path: '/empty/x%2Fy' },
    { path: '//empty/./x' },
    { path: '/empty/x?y=1' },
    { path: '/empty/x?' },
    { path: '/redir/x?kind=self' },
    { path: '/redir/x?kind=relative' },
    { path: '/xaccel?to=/after/x%20y' },
    { path: '/exact', host: 'Some.Test', headers: { 'X-In': 'v' } },
    { path: '/ph/x' },
    { path: '/v6/x?a=1' },
    { path: '/v6/x?a=/b' },
    { path: '/v6/x?a=1', method: 'POST', body: 'abc' },
    { path: '/xaccel?to=/v6/y?b=1' },
    // a handshake too, a decoded space in its capture among them (node's client would refuse that path)
    { path: '/wsv/a/b', ws: true },
    { path: '/wsv/a%20b', ws: true },
  ],
  compare: ['host', 'x-custom'],
};

test(`parity: ${scenario.name}`, { timeout: 60_000 }, async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const { nginx, engine } = await runScenario(scenario);
  scenario.requests.forEach((r, i) => assert.deepEqual(engine[i], nginx[i], `case ${i}: ${r.path}`));
  if (process.env.SHOW) nginx.forEach((o, i) => console.log(scenario.requests[i]!.path, JSON.stringify(o)));
  // what nginx did, for the record: the capture as decoded, no args, the group's two peers in turn
  // (a decoded space goes onto the request line as it is: the upstream's parser refuses it, 400)
  assert.deepEqual(nginx.slice(0, 4).map((o) => [o.status, o.upstream, o.uri]), [[200, 'a', '/v2/a/b'], [400, null, null], [200, 'a', '/v2/~/x;y'], [200, 'b', '/v2/']]);
  assert.equal(nginx[10]!.uri, '/empty/x%2Fy');
  assert.equal(nginx[12]!.uri, '/?y=1');
  assert.equal(nginx[18]!.uri, '/ph///');
  // (a body over the location's client_max_body_size is refused first; after an X-Accel-Redirect too)
  assert.deepEqual(nginx.slice(19, 23).map((o) => o.status), [500, 500, 413, 500]);
});

test('a proxy_pass with variables: checked, exported without "proxy_redirect default" (nginx -t refuses it there), imported back', () => {
  const model = (proxyPass: string, modifier: '' | '~' = '~') => ({
    schemaVersion: 1, upstreams: [{ name: 'pool', servers: [{ address: '127.0.0.1:9001' }] }],
    servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [{ modifier, path: modifier ? '^/(.*)$' : '/', proxyPass }] }],
  });
  const codes = (proxyPass: string, modifier?: '' | '~') => { const v = validateConfig(model(proxyPass, modifier)); return v.ok ? [] : v.issues.map((i) => i.code); };
  assert.deepEqual(codes('http://pool/$1'), []);
  assert.deepEqual(codes('http://127.0.0.1:9001$request_uri', ''), []);
  assert.deepEqual(codes('http://pool/$nope'), ['unknown_variable']);
  assert.deepEqual(codes('http://pool/a$'), ['invalid_variable']);
  assert.deepEqual(codes('http://pool/$binary_remote_addr'), ['binary_variable']);
  assert.deepEqual(codes('http://pool/x'), ['proxy_pass_uri_in_regex']);
  assert.deepEqual(codes('http://pool$arg_x'), ['invalid_proxy_pass']);
  assert.deepEqual(codes('http://pool${URI}?a=$1'), []);
  // a host name nginx would have to resolve at request time, with no resolver: 502 for every request
  assert.deepEqual(codes('http://localhost:9001/$1'), ['variable_proxy_pass_host']);
  // (and no unknown_upstream beside it, whose "use an address with a port" would not help)
  assert.deepEqual(codes('http://app/$1'), ['variable_proxy_pass_host']);
  const v = validateConfig(model('http://pool/v2/$1'));
  assert.ok(v.ok);
  const text = exportNginx(v.config, { shape: 'snippet' });
  assert.match(text, /proxy_pass http:\/\/pool\/v2\/\$1;\s+proxy_redirect off;/);
  const back = importNginxText(text, 'nginx.conf');
  assert.equal(back.config.servers[0]!.locations[0]!.proxyPass, 'http://pool/v2/$1');
  // (nothing dropped: the one word on proxy_pass is check's, that $1 holds the decoded path)
  assert.deepEqual(back.warnings.filter((w) => /proxy_pass|proxy_redirect/.test(w.message)).map((w) => w.message.slice(0, 50)), ['$1 in the proxy_pass URI holds the request path as']);
});

test('$connection_upgrade in a proxy_pass URI: a snippet export names its own map variable there too (nginx -t knows no other), and imports back', async () => {
  const v = validateConfig({
    schemaVersion: 1, upstreams: [{ name: 'pool', servers: [{ address: '127.0.0.1:9001' }] }],
    servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [{ path: '/', proxyPass: 'http://pool/${connection_upgrade}/$uri', websocket: true }] }],
  });
  assert.ok(v.ok);
  for (const shape of ['full', 'snippet'] as const) {
    const text = exportNginx(v.config, { shape });
    const t = await nginxTest(wrapForTest(text, shape).conf);
    assert.ok(t.ok, `${shape}: ${t.output}`);
    assert.equal(importNginxText(text, 'nginx.conf').config.servers[0]!.locations[0]!.proxyPass, 'http://pool/${connection_upgrade}/$uri', shape);
  }
});

// nginx parses the URL again with the variables in (ngx_parse_url): a URI part that comes out not
// starting with "/" or "?" runs into the port (which must stay a number: else 500) or the host
// (a name then, which nginx would resolve: 502 without a resolver); the engine sent it as the path.
const runInto: Scenario = {
  name: 'proxy_pass with variables whose URI runs into the host or port',
  upstreams: ['a', 'd'],
  model: ({ up, listen: p }) => ({
    schemaVersion: 1,
    upstreams: [{ name: 'pool', servers: [{ address: `127.0.0.1:${up.a}` }] }],
    servers: [{
      listen: [{ address: `127.0.0.1:${p}` }],
      locations: [
        { path: '/port/', proxyPass: `http://127.0.0.1:${up.d}\${is_args}%20/x` },
        { modifier: '=', path: '/dot', proxyPass: 'http://pool$is_args.', websocket: true },
        { path: '/name/', proxyPass: 'http://pool${is_args}x:99/' },
        { path: '/bad/', proxyPass: 'http://pool${is_args}x:9z/' },
        { path: '/xaccel', proxyPass: `http://127.0.0.1:${up.d}/xaccel$is_args$args` },
      ],
    }],
  }),
  requests: [
    { path: '/port/q' },
    { path: '/port/q?a=1' },
    { path: '/dot' },
    { path: '/dot?k' },
    { path: '/dot', ws: true },
    { path: '/name/' },
    { path: '/bad/' },
    { path: '/bad/?z' },
    { path: '/xaccel?to=/dot' },
    { path: '/xaccel?to=/port/y' },
  ],
  compare: ['host'],
};

test(`parity: ${runInto.name}`, { timeout: 60_000 }, async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const { nginx, engine } = await runScenario(runInto);
  runInto.requests.forEach((r, i) => assert.deepEqual(engine[i], nginx[i], `case ${i}: ${r.path}`));
  // what nginx did, for the record
  assert.deepEqual(nginx.map((o) => o.status), [500, 200, 502, 200, 502, 502, 500, 200, 502, 500]);
  assert.equal(nginx[1]!.uri, '/?%20/x');
  assert.equal(nginx[3]!.uri, '/?.');
});
