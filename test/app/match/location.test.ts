import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Location } from '../../../app/config/schema.ts';
import { compileLocations, type LocationDecision } from '../../../app/match/location.ts';

const L = (modifier: string, path: string) => Location.parse({ modifier, path, proxyPass: 'http://127.0.0.1:9' });

function pick(d: LocationDecision): string {
  if (d.type === 'location') return `${d.kind}:${d.index}`;
  if (d.type === 'redirect') return `301:${d.index}:${d.location}`;
  return 'none';
}

const locs = [
  L('=', '/api'),        // 0
  L('', '/api'),         // 1
  L('', '/api/'),        // 2
  L('^~', '/static/'),   // 3
  L('~', '\\.php$'),     // 4
  L('~*', '\\.(PNG|jpg)$'), // 5
  L('', '/api/v2/'),     // 6
  L('', '/'),            // 7
  L('=', '/only/'),      // 8
  L('~', '^/api/v2/(\\w+)/(\\d+)'), // 9
  L('', '/docs/'),       // 10
];
const m = compileLocations(locs);

test('exact beats everything; same-name prefix is a separate location', () => {
  assert.equal(pick(m.match('/api')), 'exact:0');
  assert.equal(m.match('/api').explain, 'exact match = /api');
  assert.equal(pick(m.match('/apix')), 'prefix:1');
});

test('longest prefix, then regexes in order, first match wins', () => {
  assert.equal(pick(m.match('/api/x')), 'prefix:2');
  assert.equal(pick(m.match('/api/x.php')), 'regex:4');
  assert.equal(pick(m.match('/api/v2/users/12')), 'regex:9');
  assert.deepEqual((m.match('/api/v2/users/12') as { captures: string[] }).captures, ['users', '12']);
  assert.equal(pick(m.match('/api/v2/users/12.php')), 'regex:4'); // declared earlier
  assert.equal(pick(m.match('/api/v2/x')), 'prefix:6');
  assert.equal(pick(m.match('/img/a.PNG')), 'regex:5');
  assert.equal(pick(m.match('/img/a.JPG')), 'regex:5');
  assert.match(m.match('/img/a.png').explain, /regex ~\* .*first matching regex, declared 6th/);
  assert.equal(pick(m.match('/other')), 'prefix:7');
  assert.equal(m.match('/api/v2/x').explain, 'longest prefix /api/v2/ (no regex matched)');
});

test('^~ stops the regex search', () => {
  assert.equal(pick(m.match('/static/a.php')), 'preferential:3');
  assert.equal(m.match('/static/a.php').explain, 'longest prefix ^~ /static/ (^~ stops regex search)');
  assert.equal(pick(m.match('/static/sub/x.php')), 'preferential:3');
  // a longer plain prefix under a ^~ one does not inherit it
  const n = compileLocations([L('^~', '/s/'), L('', '/s/deep/'), L('~', 'php')]);
  assert.equal(pick(n.match('/s/deep/x.php')), 'regex:2');
  assert.equal(pick(n.match('/s/x.php')), 'preferential:0');
});

test('auto-redirect: URI + "/" names a prefix or exact location with proxy_pass', () => {
  assert.equal(pick(m.match('/docs')), '301:10:/docs/');
  assert.equal(pick(m.match('/static')), '301:3:/static/');
  assert.equal(pick(m.match('/only')), '301:8:/only/');
  assert.equal(pick(m.match('/only/')), 'exact:8');
  assert.equal(pick(m.match('/only/x')), 'prefix:7');
  // an existing location of the same name wins over the redirect
  assert.equal(pick(m.match('/api')), 'exact:0');
  // the redirect is decided before regexes
  const r = compileLocations([L('~', '^/d'), L('', '/d/')]);
  assert.equal(pick(r.match('/d')), '301:1:/d/');
  // the Location value is escaped like nginx's escaped_name
  const e = compileLocations([L('', '/caf\u00e9 x/')]);
  assert.equal(pick(e.match('/caf\u00c3\u00a9 x')), '301:0:/caf%C3%A9%20x/');
  // siblings that sort between "/x" and "/x/" do not hide it
  const s = compileLocations([L('', '/x-y'), L('', '/x.z'), L('', '/x/'), L('', '/x0')]);
  assert.equal(pick(s.match('/x')), '301:2:/x/');
});

test('case-sensitive prefixes on UTF-8 bytes; no match is none', () => {
  const n = compileLocations([L('', '/Api/'), L('', '/caf\u00e9/')]);
  assert.equal(pick(n.match('/api/x')), 'none');
  assert.equal(n.match('/api/x').explain, 'no location matches: 404');
  assert.equal(pick(n.match('/Api/x')), 'prefix:0');
  assert.equal(pick(n.match('/caf\u00c3\u00a9/m')), 'prefix:1');
  assert.equal(pick(n.match('/caf\u00e9/m')), 'none');
  assert.equal(pick(compileLocations([]).match('/')), 'none');
});

test('a regex location\'s named groups: lowercase names, "" for a group that took no part; none for a regex without', () => {
  const named = compileLocations([L('~', "^/(?<Ver>v\\d)(?'opt'-beta)?/(?P<rest>.*)"), L('~', '^/x/(\\d+)')]);
  const a = named.match('/v2/a/b');
  assert.ok(a.type === 'location');
  assert.deepEqual([a.captures, a.named], [['v2', '', 'a/b'], Object.assign(Object.create(null), { ver: 'v2', opt: '', rest: 'a/b' })], 'a record without a prototype');
  const b = named.match('/x/12');
  assert.ok(b.type === 'location');
  assert.deepEqual([b.captures, b.named], [['12'], undefined]);
});
