// Parity scenarios: each is one model plus the requests sent to both nginx and the engine.
import type { Scenario, ParityRequest } from './harness.ts';
import { rng } from './random-requests.ts';

const at = (port: number, uri = '') => `http://127.0.0.1:${port}${uri}`;
const listen = (port: number, defaultServer = false) => [{ address: `127.0.0.1:${port}`, defaultServer }];
const get = (...paths: string[]): ParityRequest[] => paths.map((path) => ({ path }));

/** Heads at the edges of nginx's header buffers (1k, then 4 x 8k), and seeded random ones around them. */
function bigHeads(): ParityRequest[] {
  const out: ParityRequest[] = [];
  // one header line of `v + 9` bytes ("X-Big: " v CRLF): 8192 fits a large buffer, 8193 does not
  for (const v of [8182, 8183, 8184, 9000]) out.push({ path: '/h/one', headers: { 'X-Big': 'a'.repeat(v) } });
  // the request line "GET /h/<p> HTTP/1.1" CRLF: 8192 bytes fit
  for (const n of [8173, 8174, 8175]) out.push({ path: `/h/${'u'.repeat(n)}` });
  // five 4k headers fit 4 large buffers; six 5k ones do not
  out.push({ path: '/h/five', headers: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`X-H${i}`, 'b'.repeat(4000)])) });
  out.push({ path: '/h/six', headers: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`X-H${i}`, 'b'.repeat(5000)])) });
  const rand = rng(7);
  for (let k = 0; k < 16; k++) {
    const headers: Record<string, string> = {};
    const count = 2 + rand(8);
    for (let i = 0; i < count; i++) headers[`X-R${i}`] = 'r'.repeat(200 + rand(7800));
    out.push({ path: `/h/r${k}-${'p'.repeat(rand(3000))}`, headers });
  }
  return out;
}

export const scenarios: Scenario[] = [
  {
    name: 'request head limits (client_header_buffer_size 1k, large_client_header_buffers 4 8k)',
    upstreams: ['a'],
    model: ({ up, listen: p }) => ({ schemaVersion: 1, servers: [{ listen: listen(p), locations: [{ path: '/h/', proxyPass: at(up.a!) }] }] }),
    requests: bigHeads(),
    compare: ['x-big'],
  },
  {
    name: 'location selection and URI normalization',
    upstreams: ['root', 'api', 'static', 'img', 'php', 'exact', 'docs', 'v2'],
    model: ({ up, listen: p }) => ({
      schemaVersion: 1,
      servers: [{
        listen: listen(p),
        locations: [
          { path: '/', proxyPass: at(up.root!) },
          { modifier: '=', path: '/exact', proxyPass: at(up.exact!) },
          { path: '/api/', proxyPass: at(up.api!) },
          { path: '/api/v2/', proxyPass: at(up.v2!, '/v2new/') },
          { modifier: '^~', path: '/static/', proxyPass: at(up.static!) },
          { modifier: '~', path: '\\.(png|jpg)$', proxyPass: at(up.img!) },
          { modifier: '~*', path: '\\.PHP$', proxyPass: at(up.php!) },
          { path: '/docs', proxyPass: at(up.docs!) },
        ],
      }],
    }),
    requests: get(
      '/', '/exact', '/exact/', '/exactly', '/api', '/api/', '/api/x', '/api/x.png', '/static/x.png', '/img/a.png',
      '/img/a.JPG', '/x.php', '/x.PhP', '/api/v2/', '/api/v2/deep?q=1', '/api/v2', '/docs', '/docs/x', '/docsx', '//api//x',
      '/api/../static/y.png', '/%61pi/x', '/api/%2e%2e/static/z.png', '/static/%2Fenc', '/a/./b/../api/q', '/api/x?y=1&z=2',
      '/api?only=args', '/static', '/api/x.png?download=1', '/API/x', '/exact?x=1', '/api/v2/%41', '/a/%2e/api/', '/api/./x',
    ),
  },
  {
    name: 'proxy_pass URI rewriting',
    upstreams: ['u'],
    model: ({ up, listen: p }) => ({
      schemaVersion: 1,
      servers: [{
        listen: listen(p),
        locations: [
          { path: '/a/', proxyPass: at(up.u!, '/x/') },
          { path: '/b', proxyPass: at(up.u!, '/y') },
          { path: '/c/', proxyPass: at(up.u!, '/') },
          { modifier: '=', path: '/d', proxyPass: at(up.u!, '/e') },
          { path: '/raw/', proxyPass: at(up.u!) },
          { modifier: '~', path: '^/re/', proxyPass: at(up.u!) },
        ],
      }],
    }),
    requests: get(
      '/a/hello%20world', '/a/%41', '/a/%2F', '/a/b%3Fc', '/a/', '/a/x/y/z', '/raw/%41%2F/../x', '/raw//double', '/c/?q', '/c/deep/path?k=v',
      '/bfoo/bar?x=1', '/b', '/b/', '/d', '/d?z=9', '/re/%41?x', '/a/%7E~user', '/a/sp%20ace?a=b%20c', '/a/%C3%A9t%C3%A9', '/a/..%2F',
    ).concat([
      // "100 Continue" only for a request that is proxied: not with a 404, a 301 or a 413
      { path: '/nowhere', method: 'POST', headers: [['Expect', '100-continue']], body: 'abc' },
      { path: '/a', method: 'POST', headers: [['Expect', '100-continue']], body: 'abc' },
      { path: '/a/big', method: 'POST', headers: [['Expect', '100-continue'], ['Content-Length', '2000000']] },
      { path: '/a/go', method: 'POST', headers: [['Expect', '100-Continue']], body: 'abc' },
    ]),
  },
  {
    name: 'Host modes and forwarded headers',
    upstreams: ['u'],
    model: ({ up, listen: p }) => ({
      schemaVersion: 1,
      servers: [{
        listen: listen(p),
        serverNames: ['parity.test'],
        locations: [
          { path: '/ph/', proxyPass: at(up.u!) },
          { path: '/h/', proxyPass: at(up.u!), proxySetHeader: [{ name: 'Host', value: '$host' }] },
          { path: '/hh/', proxyPass: at(up.u!), proxySetHeader: [{ name: 'Host', value: '$http_host' }] },
          { path: '/xff/', proxyPass: at(up.u!), proxySetHeader: [{ name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' }, { name: 'X-Real-IP', value: '$remote_addr' }, { name: 'X-Forwarded-Proto', value: '$scheme' }] },
          { path: '/custom/', proxyPass: at(up.u!), proxySetHeader: [{ name: 'X-Custom', value: '$http_x_in-$arg_a|$cookie_c' }, { name: 'X-Original-URI', value: '$request_uri' }] },
          { path: '/empty/', proxyPass: at(up.u!), proxySetHeader: [{ name: 'X-Custom', value: '' }] },
          { path: '/named/', proxyPass: 'http://named' },
        ],
      }],
      upstreams: [{ name: 'named', servers: [{ address: `127.0.0.1:${up.u!}` }] }],
    }),
    requests: [
      ...get('/ph/', '/h/', '/hh/', '/xff/', '/named/'),
      { path: '/ph/', host: 'Parity.TEST:1234' },
      { path: '/h/', host: 'Parity.TEST:1234' },
      { path: '/hh/', host: 'Parity.TEST:1234' },
      { path: '/h/', host: null },
      { path: '/hh/', host: null },
      { path: '/ph/', host: null },
      { path: '/h/', host: 'other.example.' },
      { path: '/xff/', headers: { 'X-Forwarded-For': '10.1.1.1, 10.2.2.2' } },
      { path: '/custom/x?a=1&b=2', headers: { 'X-In': 'given', Cookie: 'c=choc; d=x' } },
      { path: '/custom/', headers: {} },
      { path: '/empty/', headers: { 'X-Custom': 'client' } },
      { path: '/ph/', headers: { 'X-Custom': 'passes', 'Keep-Alive': '5', 'X_Under': 'dropped' } },
      { path: '/ph/', method: 'POST', body: 'hello' },
    ],
  },
  {
    name: 'server selection by Host',
    upstreams: ['a', 'wild', 'suffix', 're', 'dflt', 'first', 'esc', 'caps'],
    model: ({ up, listen: p }) => ({
      schemaVersion: 1,
      servers: [
        { listen: listen(p), serverNames: ['first.test'], locations: [{ path: '/', proxyPass: at(up.first!) }] },
        { listen: listen(p), serverNames: ['a.test', '*.wild.test'], locations: [{ path: '/', proxyPass: at(up.a!) }] },
        { listen: listen(p), serverNames: ['*.deeper.wild.test', 'www.suffix.*'], locations: [{ path: '/', proxyPass: at(up.wild!) }] },
        { listen: listen(p), serverNames: ['~^re\\d+\\.test$'], locations: [{ path: '/', proxyPass: at(up.re!) }] },
        // (nginx compiles a regex name caseless only when it has a capital letter in it: the escaped
        // capital matches no Host, which nginx lower-cases; the written one matches either case)
        { listen: listen(p), serverNames: ['~^\\x41bc\\.test$', '~^[\\x41-\\x5a]+\\.up$'], locations: [{ path: '/', proxyPass: at(up.esc!) }] },
        { listen: listen(p), serverNames: ['~^CAPS\\d\\.test$'], locations: [{ path: '/', proxyPass: at(up.caps!) }] },
        { listen: listen(p, true), serverNames: ['dflt.test'], locations: [{ path: '/', proxyPass: at(up.dflt!) }] },
      ],
    }),
    requests: [
      { path: '/', host: 'a.test' }, { path: '/', host: 'A.TEST' }, { path: '/', host: 'x.wild.test' }, { path: '/', host: 'x.deeper.wild.test' },
      { path: '/', host: 'www.suffix.org' }, { path: '/', host: 're5.test' }, { path: '/', host: 're.test' }, { path: '/', host: 'unknown.test' },
      { path: '/', host: null }, { path: '/', host: 'first.test:99' }, { path: '/', host: 'dflt.test' }, { path: '/', host: 'a.test.' },
      { path: '/', host: 'abc.test' }, { path: '/', host: 'ABC.test' }, { path: '/', host: 'xyz.up' }, { path: '/', host: 'caps1.test' }, { path: '/', host: 'CAPS2.TEST' },
    ],
  },
  {
    name: 'weighted round robin',
    upstreams: ['a', 'b', 'c'],
    model: ({ up, listen: p }) => ({
      schemaVersion: 1,
      upstreams: [{ name: 'pool', servers: [{ address: `127.0.0.1:${up.a}`, weight: 5 }, { address: `127.0.0.1:${up.b}` }, { address: `127.0.0.1:${up.c}`, weight: 2 }] }],
      servers: [{ listen: listen(p), locations: [{ path: '/', proxyPass: 'http://pool' }] }],
    }),
    requests: get(...Array.from({ length: 16 }, (_, i) => `/rr/${i}`)),
  },
  {
    name: 'down, refused peer, backup',
    upstreams: ['a', 'b', 'backup'],
    model: ({ up, dead, listen: p }) => ({
      schemaVersion: 1,
      upstreams: [
        { name: 'pool', servers: [{ address: `127.0.0.1:${up.a}`, down: true }, { address: `127.0.0.1:${dead}` }, { address: `127.0.0.1:${up.b}` }, { address: `127.0.0.1:${up.backup}`, backup: true }] },
        { name: 'onlydead', servers: [{ address: `127.0.0.1:${dead}` }, { address: `127.0.0.1:${up.backup}`, backup: true }] },
      ],
      servers: [{ listen: listen(p), locations: [{ path: '/', proxyPass: 'http://pool' }, { path: '/b/', proxyPass: 'http://onlydead' }] }],
    }),
    requests: get('/1', '/2', '/3', '/4', '/b/1', '/b/2', '/b/3'),
  },
  {
    name: 'ip_hash by client address',
    upstreams: ['a', 'b', 'c'],
    model: ({ up, listen: p }) => ({
      schemaVersion: 1,
      upstreams: [{ name: 'pool', method: { type: 'ip_hash' }, servers: [{ address: `127.0.0.1:${up.a}` }, { address: `127.0.0.1:${up.b}`, weight: 2 }, { address: `127.0.0.1:${up.c}` }] }],
      servers: [{ listen: listen(p), locations: [{ path: '/', proxyPass: 'http://pool' }] }],
    }),
    requests: ['127.0.0.1', '127.0.1.1', '127.0.2.9', '127.1.0.1', '127.3.7.1', '127.9.9.9', '127.0.0.77', '127.20.30.40', '127.200.1.1', '127.5.5.5']
      .map((from) => ({ path: '/', from })),
  },
  {
    name: 'hash and hash consistent',
    upstreams: ['a', 'b', 'c'],
    model: ({ up, listen: p }) => ({
      schemaVersion: 1,
      upstreams: [
        { name: 'plain', method: { type: 'hash', key: '$arg_k' }, servers: [{ address: `127.0.0.1:${up.a}` }, { address: `127.0.0.1:${up.b}`, weight: 3 }, { address: `127.0.0.1:${up.c}` }] },
        { name: 'ring', method: { type: 'hash', key: '$request_uri', consistent: true }, servers: [{ address: `127.0.0.1:${up.a}` }, { address: `127.0.0.1:${up.b}` }, { address: `127.0.0.1:${up.c}`, weight: 2 }] },
      ],
      servers: [{ listen: listen(p), locations: [{ path: '/h/', proxyPass: 'http://plain' }, { path: '/c/', proxyPass: 'http://ring' }] }],
    }),
    requests: [
      ...['alpha', 'beta', 'gamma', 'delta', 'x', 'y', 'user42', 'user43'].map((k) => ({ path: `/h/?k=${k}` })),
      ...['/c/one', '/c/two', '/c/three', '/c/four', '/c/five', '/c/six', '/c/seven', '/c/eight'].map((path) => ({ path })),
    ],
  },
  {
    name: 'least_conn (sequential requests fall back to weighted round robin)',
    upstreams: ['a', 'b'],
    model: ({ up, listen: p }) => ({
      schemaVersion: 1,
      upstreams: [{ name: 'pool', method: { type: 'least_conn' }, servers: [{ address: `127.0.0.1:${up.a}`, weight: 3 }, { address: `127.0.0.1:${up.b}` }] }],
      servers: [{ listen: listen(p), locations: [{ path: '/', proxyPass: 'http://pool' }] }],
    }),
    requests: get(...Array.from({ length: 8 }, (_, i) => `/lc/${i}`)),
  },
  {
    name: 'failures: refused, connect timeout, read timeout, next upstream on status',
    upstreams: ['a', 'b'],
    model: ({ up, dead, hole, listen: p }) => ({
      schemaVersion: 1,
      upstreams: [
        { name: 'flaky', servers: [{ address: `127.0.0.1:${up.a}` }, { address: `127.0.0.1:${up.b}` }] },
      ],
      servers: [{
        listen: listen(p),
        locations: [
          { path: '/refused/', proxyPass: at(dead) },
          { path: '/hole/', proxyPass: at(hole), proxyConnectTimeout: '300ms' },
          { path: '/slow/', proxyPass: at(up.a!), proxyReadTimeout: '300ms' },
          { path: '/status/', proxyPass: 'http://flaky', proxyNextUpstream: ['error', 'timeout', 'http_503'] },
          { path: '/nostatus/', proxyPass: 'http://flaky' },
        ],
      }],
    }),
    requests: [
      ...get('/refused/x', '/hole/x', '/slow/x', '/status/503', '/status/503', '/status/500', '/nostatus/status/503', '/missing'),
      { path: '/refused/x', method: 'POST', body: 'data' },
    ],
  },
  {
    name: 'upstreams that close before answering, or answer an invalid header (HTTP and WebSocket)',
    upstreams: ['a'],
    model: ({ up, closes, badHeader, listen: p }) => ({
      schemaVersion: 1,
      upstreams: [
        { name: 'closesfirst', servers: [{ address: `127.0.0.1:${closes}` }, { address: `127.0.0.1:${up.a}` }] },
        { name: 'badfirst', servers: [{ address: `127.0.0.1:${badHeader}` }, { address: `127.0.0.1:${up.a}` }] },
        { name: 'badfirst2', servers: [{ address: `127.0.0.1:${badHeader}` }, { address: `127.0.0.1:${up.a}` }] },
      ],
      servers: [{
        listen: listen(p),
        locations: [
          { path: '/closes/', websocket: true, proxyPass: at(closes) },
          { path: '/bad/', websocket: true, proxyPass: at(badHeader) },
          { path: '/closesfirst/', websocket: true, proxyPass: 'http://closesfirst' },
          { path: '/badfirst/', websocket: true, proxyPass: 'http://badfirst' },
          { path: '/badfirst-retried/', websocket: true, proxyPass: 'http://badfirst2', proxyNextUpstream: ['error', 'timeout', 'invalid_header'] },
        ],
      }],
    }),
    requests: [
      { path: '/closes/x' }, { path: '/closes/x', ws: true }, { path: '/bad/x' }, { path: '/bad/x', ws: true },
      { path: '/closesfirst/x', ws: true }, { path: '/closesfirst/y' },
      { path: '/badfirst/x', ws: true }, { path: '/badfirst/y', ws: true }, { path: '/badfirst/z' },
      { path: '/badfirst-retried/x' }, { path: '/badfirst-retried/y', ws: true },
    ],
  },
  {
    name: 'upstream response heads against proxy_buffer_size (4k): "upstream sent too big header"',
    upstreams: ['a', 'b'],
    model: ({ up, listen: p }) => ({
      schemaVersion: 1,
      upstreams: [{ name: 'ab', servers: [{ address: `127.0.0.1:${up.a}` }, { address: `127.0.0.1:${up.b}` }] }],
      servers: [{
        listen: listen(p),
        locations: [
          { path: '/one/', websocket: true, proxyPass: at(up.a!) },
          { path: '/retried/', websocket: true, proxyPass: 'http://ab', proxyNextUpstream: ['error', 'timeout', 'invalid_header'] },
        ],
      }],
    }),
    // the 200's head is N + 103 bytes here: 4096 fit
    requests: [
      ...get('/one/bighead/3992', '/one/bighead/3993', '/one/bighead/3994', '/one/bighead/3995', '/one/bighead/12000', '/one/bighead/20000', '/retried/bighead/5000'),
      ...[100, 3800, 3990, 4000, 4100, 9000].map((n) => ({ path: `/one/bighead/${n}`, ws: true })),
    ],
  },
  {
    name: 'requests nginx refuses once the head is read (TRACE, CONNECT, Transfer-Encoding)',
    upstreams: ['a'],
    model: ({ up, listen: p }) => ({ schemaVersion: 1, servers: [{ listen: listen(p), locations: [{ path: '/', proxyPass: at(up.a!) }] }] }),
    requests: [
      { path: '/t', method: 'TRACE' }, { path: '/t', method: 'TRACE', host: null }, { path: 'example.com:443', method: 'CONNECT' },
      { path: '/te', method: 'POST', headers: { 'Transfer-Encoding': 'gzip, chunked' } },
      { path: '/te', method: 'POST', headers: { 'Transfer-Encoding': 'gzip' } },
      { path: '/te', method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, host: null },
      { path: '/ok', method: 'PROPFIND' }, { path: '/ok', method: 'OPTIONS' },
    ],
  },
  {
    name: 'repeated header lines (nginx refuses a second line of some) and a Trailer request header',
    upstreams: ['a'],
    model: ({ up, listen: p }) => ({ schemaVersion: 1, servers: [{ listen: listen(p), locations: [{ path: '/', proxyPass: at(up.a!) }] }] }),
    requests: [
      ...['If-Modified-Since', 'If-Unmodified-Since', 'If-Match', 'If-None-Match', 'If-Range', 'Content-Range', 'Expect', 'Authorization', 'User-Agent', 'Referer',
        'Content-Type', 'Range', 'TE', 'Upgrade', 'Accept-Encoding', 'Via', 'Keep-Alive', 'X-Forwarded-For', 'X-Real-IP', 'Accept', 'Accept-Language',
        'Depth', 'Destination', 'Overwrite', 'Date', 'Cookie', 'Connection', 'X-Other']
        .map((name): ParityRequest => ({ path: `/dup/${name}`, headers: [[name, 'one'], [name.toLowerCase(), 'two']] })),
      { path: '/dup/host', headers: [['host', 'b.test']] },
      { path: '/dup/after-bad', headers: [['If-Match', '"a"'], ['Host', 'x'], ['If-Match', '"b"']] },
      { path: '/dup/cl', method: 'POST', headers: [['Content-Length', '3'], ['Content-Length', '3']], body: 'abc' },
      { path: '/expect', headers: [['Expect', 'something-else']] }, { path: '/expect', method: 'POST', headers: [['Expect', '100-continue']], body: 'abc' },
      { path: '/trailer', headers: [['Trailer', 'X-T'], ['X-After', '1']] },
      { path: '/trailer', method: 'POST', body: 'abc', headers: [['trailer', 'X-T'], ['Trailer', 'X-U']] },
    ],
    compare: ['*'],
  },
  {
    name: 'proxy_redirect default: Location and Refresh from the upstream rewritten to the location',
    upstreams: ['a'],
    model: ({ up, listen: p }) => ({
      schemaVersion: 1,
      upstreams: [{ name: 'pool', servers: [{ address: `127.0.0.1:${up.a}` }] }],
      servers: [{
        listen: listen(p),
        serverNames: ['parity.test'],
        locations: [
          { path: '/one/', proxyPass: at(up.a!, '/two/') },
          { path: '/plain/', proxyPass: at(up.a!) },
          { path: '/grp/', proxyPass: 'http://pool' },
          { path: '/slash/', proxyPass: at(up.a!, '/') },
          { modifier: '=', path: '/exact', proxyPass: at(up.a!, '/two/redir/self') },
          { modifier: '~', path: '^/re/', proxyPass: at(up.a!) },
          { path: '/hosty/', proxyPass: at(up.a!, '/two/'), proxySetHeader: [{ name: 'Host', value: '$host' }] },
        ],
      }],
    }),
    requests: [
      ...['self', 'root', 'bare', 'plainpath', 'other', 'relative', 'group', 'upper'].flatMap((k): ParityRequest[] => [
        { path: `/one/redir/${k}` }, { path: `/plain/redir/${k}` }, { path: `/grp/redir/${k}` }, { path: `/slash/redir/${k}` }, { path: `/re/redir/${k}` },
      ]),
      { path: '/exact' }, { path: '/hosty/redir/self' }, { path: '/one/redir/self', host: null }, { path: '/one/redir/self', host: 'Parity.Test:8080' },
      { path: '/one/redir/self', host: 'parity.test.' },
    ],
  },
  {
    name: 'X-Accel-Redirect: the request starts over with the URI the upstream names',
    upstreams: ['a', 'b'],
    model: ({ up, listen: p }) => ({
      schemaVersion: 1,
      servers: [{
        listen: listen(p),
        serverNames: ['parity.test'],
        locations: [
          // (no limit here: the target location's client_max_body_size decides, checked again on the redirect)
          { path: '/x/', proxyPass: at(up.a!), clientMaxBodySize: '0' },
          { path: '/files/', proxyPass: at(up.b!) },
          { path: '/tiny/', proxyPass: at(up.b!), clientMaxBodySize: '1k' },
          { path: '/mapped/', proxyPass: at(up.b!, '/store/') },
          { modifier: '=', path: '/exact', proxyPass: at(up.b!) },
          { path: '/dir/', proxyPass: at(up.b!) },
          { modifier: '~', path: '\\.txt$', proxyPass: at(up.b!), proxySetHeader: [{ name: 'X-Uri', value: '$uri|$args|$request_uri|$is_args' }] },
        ],
      }],
    }),
    requests: [
      ...['/files/f1', '/files/%41%20b?q=1&r', '/mapped/m%2Fx', '/exact', '/dir', '/note.txt?a=1', '/files/../x', '/files/%2e%2e/x', '@named', '', '/nowhere', '/files/a%00b', '/x//files', '/files/./a', '?only', '/files/a%3Fb?c', '/files/bad%zz', '/files/b%4zq', '/files/end%', '/files/twice%2541', '/files/%']
        .map((to): ParityRequest => ({ path: `/x/xaccel?to=${encodeURIComponent(to)}` })),
      { path: '/x/xaccel?to=%2Ffiles%2Fpost', method: 'POST', body: 'payload' },
      { path: '/x/xaccel?to=%2Ffiles%2Fhead', method: 'HEAD' },
      { path: '/x/xaccel?to=%2Ftiny%2Fa', method: 'POST', body: 'y'.repeat(2000) },
      { path: '/x/xaccel?to=%2Ftiny%2Fa', method: 'POST', body: 'small' },
      { path: '/x/xaccel?to=%2Ftiny', method: 'POST', body: 'y'.repeat(2000) },
      { path: '/x/xaccel?to=%2Fnowhere', method: 'POST', body: 'z'.repeat(1100 * 1024) },
      { path: '/x/loop' },
    ],
    compare: ['*', '<', 'body'],
  },
  {
    name: 'WebSocket handshakes',
    upstreams: ['ws', 'plain'],
    model: ({ up, listen: p }) => ({
      schemaVersion: 1,
      upstreams: [{ name: 'wsgroup', servers: [{ address: `127.0.0.1:${up.ws}` }] }],
      servers: [{
        listen: listen(p),
        serverNames: ['parity.test'],
        locations: [
          { path: '/ws/', websocket: true, proxyPass: at(up.ws!) },
          { path: '/wsh/', websocket: true, proxyPass: 'http://wsgroup', proxySetHeader: [{ name: 'Host', value: '$host' }, { name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' }] },
          { path: '/nows/', proxyPass: at(up.plain!) },
          { path: '/http11/', proxyPass: at(up.plain!), proxyHttpVersion: '1.1' },
        ],
      }],
    }),
    requests: [
      { path: '/ws/chat', ws: true }, { path: '/ws/chat?room=1', ws: true }, { path: '/wsh/x', ws: true },
      { path: '/nows/x', ws: true }, { path: '/http11/x', ws: true }, { path: '/missing', ws: true }, { path: '/ws', ws: true },
      { path: '/ws/plain-get' },
    ],
  },
];
