// The route tester over a draft: the answers follow nginx 1.22's rules (server_name order,
// location precedence, auto-redirect, proxy_pass URI replacement, the proxy header list).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftSockets, testRoute, type RouteTest, type RouteTestInput, type RouteTestResult } from '../../../app/proxy/route-test.ts';
import type { ConfigInput } from '../../../app/config/schema.ts';

const DRAFT: ConfigInput = {
  schemaVersion: 1,
  upstreams: [
    { name: 'chat', method: { type: 'least_conn' }, servers: [{ address: '127.0.0.1:9001', weight: 2 }, { address: '127.0.0.1:9002', backup: true }] },
    { name: 'hashy', method: { type: 'hash', key: '$request_uri', consistent: true }, servers: [{ address: '127.0.0.1:9003' }] },
  ],
  servers: [
    {
      listen: [{ address: '127.0.0.1:8080', defaultServer: true }],
      serverNames: ['example.com', '*.example.org'],
      locations: [
        { path: '/', proxyPass: 'http://127.0.0.1:3000' },
        {
          modifier: '^~', path: '/api/', proxyPass: 'http://127.0.0.1:3000/v1/',
          proxySetHeader: [{ name: 'Host', value: '$host' }, { name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' }],
        },
        { modifier: '=', path: '/exact', proxyPass: 'http://chat' },
        { modifier: '~', path: '\\.php$', proxyPass: 'http://127.0.0.1:3001' },
        { name: 'chat socket', path: '/ws/', proxyPass: 'http://chat', websocket: true },
        { path: '/docs/', proxyPass: 'http://127.0.0.1:3002/manual/' },
        { path: '/h/', proxyPass: 'http://hashy' },
        { path: '/café/', proxyPass: 'http://127.0.0.1:3004/' },
      ],
    },
    { listen: [{ address: '127.0.0.1:8080' }], serverNames: ['other.test'], locations: [{ path: '/only/', proxyPass: 'http://127.0.0.1:4000' }] },
    { listen: [{ address: '8081' }], locations: [] },
  ],
};

function run(input: RouteTestInput, draft: unknown = DRAFT): RouteTest {
  const r = testRoute(draft, input);
  assert.ok(r.ok, `expected a result, got ${JSON.stringify(r)}`);
  return r;
}
function proxied(r: RouteTest) {
  assert.equal(r.outcome.kind, 'proxy', JSON.stringify(r.outcome));
  return r.outcome as Extract<RouteTest['outcome'], { kind: 'proxy' }>;
}
function problem(r: RouteTestResult) {
  assert.ok(!r.ok, `expected a problem, got ${JSON.stringify(r)}`);
  return r;
}

test('^~ prefix: stops the regex search; proxy_pass URI replaces the prefix; $host and X-Forwarded-For', () => {
  const r = run({ url: '/api/users.php?id=1', clientAddress: '192.0.2.7', headers: 'X-Forwarded-For: 10.0.0.1\nAccept: */*' });
  assert.equal(r.request.socket, '127.0.0.1:8080');
  assert.deepEqual(r.request.headers, [['Host', '127.0.0.1:8080'], ['X-Forwarded-For', '10.0.0.1'], ['Accept', '*/*']]);
  assert.equal(r.server?.index, 0);
  assert.equal(r.server?.explain, 'no server_name matches "127.0.0.1": the default_server');
  assert.equal(r.location?.label, 'location ^~ /api/');
  assert.equal(r.location?.kind, 'preferential');
  assert.equal(r.location?.explain, 'longest prefix ^~ /api/ (^~ stops regex search)');
  const p = proxied(r);
  assert.equal(p.uri, '/v1/users.php?id=1');
  assert.equal(p.requestLine, 'GET /v1/users.php?id=1 HTTP/1.0');
  assert.match(p.uriExplain, /replaces the matched prefix "\/api\/"/);
  assert.deepEqual(p.headers.map((h) => [h.name, h.value, h.source]), [
    ['Host', '127.0.0.1', 'proxy_set_header'],
    ['X-Forwarded-For', '10.0.0.1, 192.0.2.7', 'proxy_set_header'],
    ['Connection', 'close', 'default'],
    ['Accept', '*/*', 'client'],
  ]);
  assert.deepEqual(p.upstream, { kind: 'address', address: '127.0.0.1:3000' });
  assert.equal(p.upgrade, null);
});

test('regex after prefixes; exact match wins outright; longest plain prefix otherwise', () => {
  assert.equal(run({ url: '/x/y.php' }).location?.explain, 'regex ~ \\.php$ (first matching regex, declared 4th)');
  const exact = run({ url: '/exact' });
  assert.equal(exact.location?.kind, 'exact');
  const p = proxied(exact);
  assert.equal(p.uri, '/exact', 'proxy_pass without a URI part sends the URI as received');
  assert.equal(p.upstream.kind, 'group');
  assert.deepEqual(p.upstream.kind === 'group' && p.upstream.servers, [{ address: '127.0.0.1:9001', params: 'weight=2' }, { address: '127.0.0.1:9002', params: 'backup' }]);
  assert.equal(p.upstream.kind === 'group' && p.upstream.method, 'least_conn');
  assert.equal(run({ url: '/exact/more' }).location?.explain, 'longest prefix / (no regex matched)');
});

test('auto-redirect: a prefix location "X/" with proxy_pass answers "X" with a 301, keeping the args', () => {
  const r = run({ url: '/docs?page=2' });
  assert.deepEqual(r.outcome, {
    kind: 'redirect', status: 301, location: 'http://127.0.0.1:8080/docs/?page=2',
    explain: '301 to /docs/: location /docs/ ends with "/" and has proxy_pass (nginx auto_redirect)',
  });
  assert.equal(r.location?.label, 'location /docs/');
  // Host without the port: nginx adds the socket's port (port_in_redirect)
  assert.equal(run({ url: '/docs', host: 'Example.COM.' }).outcome.kind === 'redirect' && (run({ url: '/docs', host: 'Example.COM.' }).outcome as { location: string }).location, 'http://example.com:8080/docs/');
});

test('normalization: %XX decoded, dot segments resolved; the rest is re-escaped after the proxy_pass URI', () => {
  const r = run({ url: '/docs/a%20b/./c/../d?q' });
  assert.deepEqual(r.normalized, { uri: '/docs/a b/d', args: 'q' });
  assert.equal(proxied(r).uri, '/manual/a%20b/d?q');
  const utf8 = run({ url: '/café/menu' });
  assert.equal(utf8.location?.label, 'location /café/');
  assert.equal(proxied(utf8).uri, '/menu');
  const bad = run({ url: '/../etc/passwd' });
  assert.deepEqual(bad.outcome, { kind: 'error', status: 400, reason: 'client sent invalid request' });
  assert.equal(bad.normalized, null);
});

test('server_name: exact, wildcard, other server on the same socket, 404 when no location matches', () => {
  assert.equal(run({ url: '/', host: 'www.example.org' }).server?.explain, 'server_name *.example.org (longest leading wildcard)');
  const other = run({ url: 'http://other.test:8080/api/x' });
  assert.equal(other.request.socket, '127.0.0.1:8080');
  assert.deepEqual(other.request.headers[0], ['Host', 'other.test:8080']);
  assert.equal(other.server?.index, 1);
  assert.equal(other.server?.explain, 'server_name other.test (exact)');
  assert.deepEqual(other.outcome, { kind: 'error', status: 404, reason: 'no location matches: 404' });
  assert.deepEqual(other.servers.map((s) => [s.index, s.defaultServer]), [[0, true], [1, false]]);
  const wildcard = run({ url: 'http://127.0.0.1:8081/anything' });
  assert.equal(wildcard.request.socket, '0.0.0.0:8081');
  assert.equal(wildcard.server?.explain, 'no server_name matches "127.0.0.1": the first server for this address');
  assert.equal(wildcard.outcome.kind === 'error' && wildcard.outcome.status, 404);
});

test('WebSocket: the switch forwards Upgrade over HTTP/1.1 with Host $proxy_host; without it nginx drops Upgrade', () => {
  const r = run({ url: 'ws://127.0.0.1:8080/ws/chat' });
  assert.equal(r.request.websocket, true);
  const p = proxied(r);
  assert.equal(p.requestLine, 'GET /ws/chat HTTP/1.1');
  assert.deepEqual(p.headers.map((h) => [h.name, h.value, h.source]), [
    ['Upgrade', 'websocket', 'websocket'], ['Connection', 'upgrade', 'websocket'], ['Host', 'chat', 'default'],
    ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==', 'client'], ['Sec-WebSocket-Version', '13', 'client'],
  ]);
  assert.equal(p.upgrade?.forwarded, true);
  assert.equal(r.location?.name, 'chat socket');

  const off = proxied(run({ url: '/api/socket', websocket: true }));
  assert.equal(off.upgrade?.forwarded, false);
  assert.match(off.upgrade!.explain, /WebSocket switch is off/);
  assert.ok(!off.headers.some((h) => h.name === 'Upgrade'));
  assert.deepEqual(off.dropped.find((d) => d.name === 'Upgrade'), { name: 'Upgrade', value: 'websocket', why: 'nginx does not pass Upgrade (its default proxy_set_header Upgrade "")' });
  assert.match(off.dropped.find((d) => d.name === 'Connection')!.why, /replaced by nginx's default Connection close/);
  // a plain request on the WebSocket route: $connection_upgrade is "close"
  assert.deepEqual(proxied(run({ url: '/ws/x' })).headers.slice(0, 2).map((h) => h.value), ['close', 'chat']);
});

test('client headers nginx drops: invalid names (underscores), hash key evaluated per request', () => {
  const p = proxied(run({ url: '/h/abc?x=1', headers: 'X_Custom: 1\nX-Ok: 2' }));
  assert.deepEqual(p.dropped.map((d) => [d.name, d.why]), [
    ['Host', "replaced by nginx's default Host $proxy_host"],
    ['X_Custom', 'nginx ignores header names with characters other than letters, digits and "-" (underscores_in_headers off)'],
  ]);
  assert.deepEqual(p.headers[0], { name: 'Host', value: 'hashy', source: 'default', template: '$proxy_host' });
  assert.ok(p.headers.some((h) => h.name === 'X-Ok'));
  assert.deepEqual(p.upstream.kind === 'group' && p.upstream.hashKey, { template: '$request_uri', value: '/h/abc?x=1' });
});

test('400s: no Host on HTTP/1.1, two Host headers, an invalid Host', () => {
  assert.deepEqual(run({ url: '/', host: null }).outcome, { kind: 'error', status: 400, reason: 'client sent HTTP/1.1 request without "Host" header' });
  assert.deepEqual(run({ url: '/', headers: 'Host: a.test' }).outcome, { kind: 'error', status: 400, reason: 'client sent duplicate host header' });
  assert.deepEqual(run({ url: '/', host: 'a..b' }).outcome, { kind: 'error', status: 400, reason: 'client sent invalid host header' });
});

test('the listen socket: picked, from the URL port, refused when nothing listens there', () => {
  assert.equal(run({ url: '/', listen: '0.0.0.0:8081' }).request.socket, '0.0.0.0:8081');
  assert.deepEqual(run({ url: '/' }).sockets, ['127.0.0.1:8080', '0.0.0.0:8081']);
  assert.deepEqual(draftSockets(DRAFT), ['127.0.0.1:8080', '0.0.0.0:8081'], 'the picker\'s list, without a request');
  assert.deepEqual(draftSockets({ schemaVersion: 1, servers: [{ listen: [{ address: 'nope' }] }] }), []);
  const refused = problem(testRoute(DRAFT, { url: 'http://127.0.0.1:9999/' }));
  assert.equal(refused.problem === 'bad_input' && refused.field, 'url');
  assert.match(refused.message, /nothing in the draft listens on port 9999/);
  const wrongIp = problem(testRoute(DRAFT, { url: 'http://127.0.0.2:8080/' }));
  assert.match(wrongIp.message, /connection refused: nothing listens on 127\.0\.0\.2:8080/);
  const picked = problem(testRoute(DRAFT, { url: '/', listen: '10.0.0.1:1' }));
  assert.equal(picked.problem === 'bad_input' && picked.field, 'listen');
});

test('an IPv6 URL reaches the [::] wildcard, not 0.0.0.0 (nginx\'s IPv6 sockets are ipv6only)', () => {
  const draft: ConfigInput = {
    schemaVersion: 1,
    servers: [
      { listen: [{ address: '[::]:8080' }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:3000' }] },
      { listen: [{ address: '8081' }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:3001' }] },
    ],
  };
  const six = run({ url: 'http://[0::1]:8080/' }, draft);
  assert.equal(six.request.socket, ':::8080');
  assert.equal(six.server?.index, 0);
  assert.deepEqual(six.request.headers, [['Host', '[0::1]:8080']]);
  assert.match(problem(testRoute(draft, { url: 'http://127.0.0.1:8080/' })).message, /connection refused: nothing listens on 127\.0\.0\.1:8080/);
  assert.match(problem(testRoute(draft, { url: 'http://[::1]:8081/' })).message, /connection refused: nothing listens on ::1:8081/);
  assert.equal(run({ url: '/', listen: ':::8080' }, draft).server?.index, 0, 'the picked [::] socket, reached on ::1');
});

test('bad input names the field; an invalid draft says so with its issues', () => {
  const cases: Array<[RouteTestInput, string, RegExp]> = [
    [{ url: '' }, 'url', /type a path/],
    [{ url: '/a b' }, 'url', /spaces/],
    [{ url: 'https://example.com/' }, 'url', /plain HTTP: use http:\/\//],
    [{ url: 'example.com/x' }, 'url', /start with "\/"/],
    [{ url: '/', clientAddress: 'nope' }, 'clientAddress', /not an IPv4 or IPv6 address/],
    [{ url: '/', headers: 'X-Ok: 1\nbroken' }, 'headers', /^line 2: write "Name: value"/],
    [{ url: '/', headers: 'Bad Name: 1' }, 'headers', /"Bad Name" is not a header name \(an HTTP token: letters, digits and ! # \$ % & ' \* \+ - \. \^ _ ` \| ~\)/],
  ];
  // the characters the message names are taken
  assert.equal(run({ url: '/', headers: "X_Foo.Bar!#$%&'*+^`|~: 1" }, DRAFT).location?.index !== undefined, true);
  for (const [input, field, message] of cases) {
    const r = problem(testRoute(DRAFT, input));
    assert.equal(r.problem, 'bad_input');
    assert.equal(r.problem === 'bad_input' && r.field, field, JSON.stringify(input));
    assert.match(r.message, message);
  }
  const broken = structuredClone(DRAFT);
  broken.servers![0]!.locations![0]!.path = 'no-slash';
  const r = problem(testRoute(broken, { url: '/' }));
  assert.equal(r.problem, 'invalid_draft');
  assert.match(r.message, /The draft has 1 problem: fix it/);
  assert.deepEqual(r.problem === 'invalid_draft' && r.issues.map((i) => i.code), ['invalid_location_path']);
});

test('what nginx refuses once the head is read: too large a head, TRACE, an unknown Transfer-Encoding', () => {
  const refused = (input: RouteTestInput) => {
    const o = run(input).outcome;
    assert.equal(o.kind, 'error', JSON.stringify(o));
    return o.kind === 'error' ? [o.status, o.reason] : null;
  };
  assert.deepEqual(refused({ url: '/api/x', headers: `Cookie: ${'c'.repeat(9000)}` }), [400, 'client sent too long header line']);
  assert.deepEqual(refused({ url: `/${'u'.repeat(9000)}` }), [414, 'client sent too long URI']);
  assert.deepEqual(refused({ url: '/api/x', method: 'TRACE' }), [405, 'client sent TRACE method']);
  assert.deepEqual(refused({ url: '/api/x', method: 'POST', headers: 'Transfer-Encoding: gzip, chunked' }), [501, 'client sent unknown "Transfer-Encoding": "gzip, chunked"']);
  assert.equal(run({ url: '/api/x', method: 'POST', headers: 'Transfer-Encoding: Chunked' }).outcome.kind, 'proxy');
});
