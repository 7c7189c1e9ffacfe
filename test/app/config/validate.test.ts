// Validation: shape errors and nginx's own configuration rules, each with a stable code and path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../app/config/validate.ts';
import { parseNginxTime } from '../../../app/config/time.ts';

function issues(doc: unknown) {
  const r = validateConfig(doc);
  return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.code}`);
}
const server = (locations: unknown[], extra: Record<string, unknown> = {}) => ({ listen: [{ address: '127.0.0.1:8080' }], locations, ...extra });
const doc = (servers: unknown[], upstreams: unknown[] = []) => ({ schemaVersion: 1, upstreams, servers });

test('a minimal config is valid and gets nginx defaults', () => {
  const r = validateConfig(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:9000' }])]));
  assert.ok(r.ok);
  const loc = r.config.servers[0]!.locations[0]!;
  assert.equal(loc.modifier, '');
  assert.equal(loc.proxyHttpVersion, '1.0');
  assert.equal(loc.proxyReadTimeout, '60s');
  assert.deepEqual(loc.proxyNextUpstream, ['error', 'timeout']);
});

test('shape errors name the field with its JSON path and a stable code', () => {
  assert.deepEqual(issues({ schemaVersion: 2 }), ['schemaVersion invalid_value']);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxyReadTimeout: '5 parsecs' }])])), ['servers[0].locations[0].proxyReadTimeout invalid_duration']);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', bogus: 1 }])])), ['servers[0].locations[0].bogus unknown_field']);
  assert.deepEqual(issues(doc([{ listen: [{ address: 'nope' }] }])), ['servers[0].listen[0].address invalid_listen']);
  assert.deepEqual(issues(doc([], [{ name: 'bad name', servers: [{ address: '127.0.0.1:1' }] }])), ['upstreams[0].name invalid_name']);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [{ name: 'X', value: 'a\r\nInjected: 1' }] }])])), ['servers[0].locations[0].proxySetHeader[0].value control_character']);
  // a tab is part of a header value in HTTP, and nginx sends it
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [{ name: 'X', value: 'a\tb' }] }])])), []);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [{ name: 'X', value: 'a\u000bb' }] }])])), ['servers[0].locations[0].proxySetHeader[0].value control_character']);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [{ name: 'X Y', value: 'v' }] }])])), ['servers[0].locations[0].proxySetHeader[0].name invalid_header_name']);
});

test("nginx's configuration rules", () => {
  assert.deepEqual(issues(doc([server([{ modifier: '~', path: '^/a', proxyPass: 'http://127.0.0.1:1/x' }])])), ['servers[0].locations[0].proxyPass proxy_pass_uri_in_regex']);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://nowhere' }])])), ['servers[0].locations[0].proxyPass unknown_upstream']);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1' }, { path: '/', proxyPass: 'http://127.0.0.1:2' }])])), ['servers[0].locations[1].path duplicate_location']);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1' }, { modifier: '^~', path: '/', proxyPass: 'http://127.0.0.1:2' }])])), ['servers[0].locations[1].path duplicate_location'], '^~ and plain prefixes share one namespace');
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1' }, { modifier: '=', path: '/', proxyPass: 'http://127.0.0.1:2' }])])), []);
  assert.deepEqual(issues(doc([server([{ path: 'api', proxyPass: 'http://127.0.0.1:1' }])])), ['servers[0].locations[0].path invalid_location_path']);
  assert.deepEqual(issues(doc([server([{ modifier: '~', path: '(unclosed', proxyPass: 'http://127.0.0.1:1' }])])), ['servers[0].locations[0].path invalid_regex']);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [{ name: 'X', value: '$nope' }] }])])), ['servers[0].locations[0].proxySetHeader[0].value unknown_variable']);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [{ name: 'X', value: 'cost: 5$' }] }])])), ['servers[0].locations[0].proxySetHeader[0].value invalid_variable']);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', websocket: true, proxySetHeader: [{ name: 'Upgrade', value: '$http_upgrade' }] }])])), ['servers[0].locations[0].proxySetHeader[0].name websocket_header_conflict']);
  assert.deepEqual(issues(doc([], [{ name: 'u', method: { type: 'ip_hash' }, servers: [{ address: '127.0.0.1:1' }, { address: '127.0.0.1:2', backup: true }] }])), ['upstreams[0].servers[1].backup backup_not_supported']);
  assert.deepEqual(issues(doc([], [{ name: 'u', servers: [{ address: '127.0.0.1:1' }] }, { name: 'u', servers: [{ address: '127.0.0.1:2' }] }])), ['upstreams[1].name duplicate_upstream']);
  assert.deepEqual(
    issues(doc([{ listen: [{ address: '8080', defaultServer: true }] }, { listen: [{ address: '*:8080', defaultServer: true }] }])),
    ['servers[1].listen[0].defaultServer duplicate_default_server'],
  );
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://u:81' }])], [{ name: 'u', servers: [{ address: '127.0.0.1:1' }] }])), ['servers[0].locations[0].proxyPass upstream_with_port']);
});

test("a schema error does not hide nginx's rules elsewhere in the draft", () => {
  const badTime = { path: '/a', proxyPass: 'http://127.0.0.1:1', proxyReadTimeout: '5 parsecs' };
  assert.deepEqual(
    issues(doc([server([badTime, { path: '/', proxyPass: 'http://nowhere' }, { path: '/', proxyPass: 'http://127.0.0.1:2' }])])),
    ['servers[0].locations[0].proxyReadTimeout invalid_duration', 'servers[0].locations[1].proxyPass unknown_upstream', 'servers[0].locations[2].path duplicate_location'],
  );
  // the location with the bad field still takes part: its modifier and path parse
  assert.deepEqual(
    issues(doc([server([badTime, { path: '/a', proxyPass: 'http://127.0.0.1:2' }])])),
    ['servers[0].locations[0].proxyReadTimeout invalid_duration', 'servers[0].locations[1].path duplicate_location'],
  );
  // and its own proxy_pass is checked too
  assert.deepEqual(
    issues(doc([server([{ ...badTime, proxyPass: 'http://nowhere' }])])),
    ['servers[0].locations[0].proxyReadTimeout invalid_duration', 'servers[0].locations[0].proxyPass unknown_upstream'],
  );
  // an error in another server, or in an upstream, hides nothing either
  assert.deepEqual(
    issues(doc([{ listen: [{ address: 'nope' }] }, server([{ path: '/', proxyPass: 'http://nowhere' }])])),
    ['servers[0].listen[0].address invalid_listen', 'servers[1].locations[0].proxyPass unknown_upstream'],
  );
  assert.deepEqual(
    issues(doc([{ listen: [{ address: '8080' }, { address: 'bad' }, { address: '*:8080' }], serverNames: ['a b', '*'] }])),
    ['servers[0].listen[1].address invalid_listen', 'servers[0].serverNames[0] invalid_server_name', 'servers[0].listen[2].address duplicate_listen', 'servers[0].serverNames[1] invalid_server_name'],
  );
  assert.deepEqual(
    issues(doc([], [{ name: 'u', method: { type: 'ip_hash' }, servers: [{ address: '127.0.0.1:1', weight: 0 }, { address: '127.0.0.1:2', backup: true }] }])),
    ['upstreams[0].servers[0].weight too_small', 'upstreams[0].servers[1].backup backup_not_supported'],
  );
  // the result keeps its shape: issues only, no config
  const r = validateConfig(doc([server([badTime, { path: '/', proxyPass: 'http://nowhere' }])]));
  assert.equal(r.ok, false);
  assert.ok(!('config' in r));
});

test('a malformed upstream still defines its name: no spurious unknown_upstream', () => {
  const uses = (name: string) => server([{ path: '/', proxyPass: `http://${name}` }]);
  // a bad server weight: the upstream "app" exists, it just needs fixing
  assert.deepEqual(
    issues(doc([uses('app')], [{ name: 'app', servers: [{ address: '127.0.0.1:1', weight: 0 }] }])),
    ['upstreams[0].servers[0].weight too_small'],
  );
  // names compare case-insensitively here too, and a malformed one still counts for duplicates
  assert.deepEqual(
    issues(doc([uses('APP')], [{ name: 'app', servers: [{ address: '127.0.0.1:1', maxFails: -1 }] }, { name: 'App', servers: [{ address: '127.0.0.1:1' }] }])),
    ['upstreams[0].servers[0].maxFails too_small', 'upstreams[1].name duplicate_upstream'],
  );
  // an invalid name is still the name that is defined: a route using it is not told it is unknown
  assert.deepEqual(issues(doc([uses('.app')], [{ name: '.app', servers: [{ address: '127.0.0.1:1' }] }])), ['upstreams[0].name invalid_name']);
  // an entry whose name cannot be read might be any upstream: unknown hosts are not reported meanwhile
  assert.deepEqual(issues(doc([uses('app')], [{ servers: [{ address: '127.0.0.1:1' }] }])), ['upstreams[0].name required']);
  // ...but a name that is really missing is still reported
  assert.deepEqual(
    issues(doc([uses('nowhere')], [{ name: 'app', servers: [{ address: '127.0.0.1:1' }], keepalive: -1 }])),
    ['upstreams[0].keepalive too_small', 'servers[0].locations[0].proxyPass unknown_upstream'],
  );
});

test('configs nginx -t refuses are refused here (found by the export property test)', () => {
  assert.deepEqual(issues(doc([], [{ name: 'a', servers: [{ address: '127.0.0.1:1' }] }, { name: 'A', servers: [{ address: '127.0.0.1:2' }] }])), ['upstreams[1].name duplicate_upstream']);
  assert.deepEqual(issues(doc([{ listen: [{ address: '8080' }, { address: '*:8080' }] }])), ['servers[0].listen[1].address duplicate_listen']);
  assert.deepEqual(issues(doc([{ listen: [{ address: '999.1.1.1:8080' }] }])), ['servers[0].listen[0].address invalid_listen']);
  assert.deepEqual(issues(doc([], [{ name: 'u', servers: [{ address: '[:::::]:80' }] }])), ['upstreams[0].servers[0].address invalid_address']);
  assert.deepEqual(issues(doc([], [{ name: 'u', servers: [{ address: '[::1]:80' }, { address: '[2001:db8::1]:81' }, { address: '[::ffff:127.0.0.1]:82' }] }])), []);
  assert.deepEqual(issues(doc([{ listen: [{ address: '8080' }], serverNames: ['.'] }])), ['servers[0].serverNames[0] invalid_server_name']);
  assert.deepEqual(issues(doc([{ listen: [{ address: '8080' }], serverNames: ['~^www\\d+\\.example\\.com$'] }])), [], 'regex names need backslashes');
  // ngx_hash_add_key: "invalid server name or wildcard" (with two servers on the socket)
  assert.deepEqual(issues(doc([{ listen: [{ address: '8080' }], serverNames: ['a..b', '..', '*..a', 'a.b..', 'ok.test', '~^a..b$'] }])),
    ['servers[0].serverNames[0] invalid_server_name', 'servers[0].serverNames[1] invalid_server_name', 'servers[0].serverNames[2] invalid_server_name', 'servers[0].serverNames[3] invalid_server_name']);
});

test('two spellings of one listen address are one socket, as nginx compares addresses', () => {
  assert.deepEqual(
    issues(doc([{ listen: [{ address: '[::1]:8080', defaultServer: true }] }, { listen: [{ address: '[0::1]:8080', defaultServer: true }] }])),
    ['servers[1].listen[0].defaultServer duplicate_default_server'],
  );
  assert.deepEqual(
    issues(doc([{ listen: [{ address: '127.0.0.10:8080', defaultServer: true }] }, { listen: [{ address: '127.000.0.010:08080', defaultServer: true }] }])),
    ['servers[1].listen[0].defaultServer duplicate_default_server'],
  );
  assert.deepEqual(issues(doc([{ listen: [{ address: '[::1]:8080' }, { address: '[0:0:0:0:0:0:0:1]:8080' }] }])), ['servers[0].listen[1].address duplicate_listen']);
  assert.deepEqual(issues(doc([{ listen: [{ address: '[::1]:8080' }] }, { listen: [{ address: '[0::1]:8080' }] }])), [], 'two servers on one socket');
  assert.deepEqual(issues(doc([{ listen: [{ address: '[::ffff:7f00:1]:8080' }] }])), ['servers[0].listen[0].address invalid_listen'], 'IPv4-mapped however written');
  assert.deepEqual(issues(doc([{ listen: [{ address: '[::1:8080' }] }])), ['servers[0].listen[0].address invalid_listen'], 'no closing bracket');
  assert.deepEqual(issues(doc([], [{ name: 'u', servers: [{ address: '[1.2.3.4::]:80' }] }])), ['upstreams[0].servers[0].address invalid_address'], 'an IPv4 tail comes last');
});

test('localhost is every address it resolves to: beside [::1] it is a duplicate where /etc/hosts has "::1 localhost", as nginx -t says', () => {
  const both = ['127.0.0.1', '::1'];
  const oneServer = doc([{ listen: [{ address: 'localhost:18080' }, { address: '[::1]:18080' }] }]);
  const twoDefaults = doc([{ listen: [{ address: 'localhost:18080', defaultServer: true }] }, { listen: [{ address: '[::1]:18080', defaultServer: true }] }]);
  // (nginx 1.22 with such a hosts file: "a duplicate listen [::1]:18080", "a duplicate default server for [::1]:18080")
  const r1 = validateConfig(oneServer, both);
  assert.ok(!r1.ok);
  assert.deepEqual(r1.issues.map((i) => `${i.path} ${i.code} ${i.message}`), ['servers[0].listen[1].address duplicate_listen a duplicate listen [::1]:18080 in this server']);
  const r2 = validateConfig(twoDefaults, both);
  assert.ok(!r2.ok);
  assert.deepEqual(r2.issues.map((i) => `${i.path} ${i.code} ${i.message}`), ['servers[1].listen[0].defaultServer duplicate_default_server a duplicate default server for [::1]:18080']);
  const r3 = validateConfig(doc([{ listen: [{ address: '[::1]:18080' }, { address: 'localhost:18080' }] }]), both);
  assert.ok(!r3.ok);
  assert.match(r3.issues[0]!.message, /^a duplicate listen \[::1\]:18080 in this server \(localhost:18080 is 127\.0\.0\.1:18080 and \[::1\]:18080 here\)$/);
  // where localhost is 127.0.0.1 only, both configs are fine (nginx -t on this kind of machine takes them)
  assert.deepEqual(issues(oneServer), []);
  assert.deepEqual(issues(twoDefaults), []);
});

test('nginx time syntax, as ngx_parse_time reads msec values', () => {
  assert.equal(parseNginxTime('60s'), 60_000);
  assert.equal(parseNginxTime('60'), 60_000);
  assert.equal(parseNginxTime('500ms'), 500);
  assert.equal(parseNginxTime('1h 30m'), 5_400_000);
  assert.equal(parseNginxTime('1d2h'), 93_600_000);
  assert.equal(parseNginxTime('86400s'), 86_400_000);
  for (const bad of ['', 's', '1x', '30m 1h', '1s 1s', '1.5s', '-1s', '1y', '5 s']) assert.equal(parseNginxTime(bad), null, bad);
  assert.equal(parseNginxTime('500ms', { seconds: true }), null, 'fail_timeout is seconds-valued');
  assert.deepEqual(issues(doc([], [{ name: 'u', servers: [{ address: '127.0.0.1:1', failTimeout: '500ms' }] }])), ['upstreams[0].servers[0].failTimeout invalid_duration']);
  // seconds-valued times take years and months (nginx's ngx_parse_time with is_sec), and no timer
  // holds fail_timeout, so a long one is no "duration_too_long"
  assert.equal(parseNginxTime('1y 2M 3w', { seconds: true, unbounded: true }), (365 + 60 + 21) * 86_400_000);
  assert.equal(parseNginxTime('1M', { seconds: true, unbounded: true }), 30 * 86_400_000);
  assert.equal(parseNginxTime('1M'), null, 'not for a millisecond-valued time');
  assert.equal(parseNginxTime('2M 1y', { seconds: true, unbounded: true }), null, 'units in decreasing order');
  // nginx's limits, counted in integers: 2^63 - 1 in the directive's unit, each part within it once scaled
  const sec = { seconds: true, unbounded: true };
  assert.notEqual(parseNginxTime('9223372036854775807', sec), null);
  assert.equal(parseNginxTime('9223372036854775808', sec), null);
  assert.notEqual(parseNginxTime('292471208677y', sec), null);
  assert.equal(parseNginxTime('292471208678y', sec), null);
  assert.notEqual(parseNginxTime('9223372036854775s', { unbounded: true }), null);
  assert.equal(parseNginxTime('9223372036854776s', { unbounded: true }), null);
  assert.equal(parseNginxTime('9223372036854775808ms', { unbounded: true }), null);
  assert.equal(parseNginxTime(`${'0'.repeat(80)}1`, sec), 1000, 'leading zeros, however many');
  for (const t of ['1y', '3M', '30d', '100000d']) assert.deepEqual(issues(doc([], [{ name: 'u', servers: [{ address: '127.0.0.1:1', failTimeout: t }] }])), [], t);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxyReadTimeout: '30d' }])])), ['servers[0].locations[0].proxyReadTimeout duration_too_long']);
});

test('a time past nginx\'s own limit (2^63 - 1) says it is too long, not that it is no nginx time, in every time field', () => {
  const messages = (d: unknown) => { const r = validateConfig(d); return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.code}: ${i.message}`); };
  const failTimeout = (t: string) => messages(doc([], [{ name: 'u', servers: [{ address: '127.0.0.1:1', failTimeout: t }] }]));
  for (const t of ['9223372036854775808s', '9223372036854775808', '292471208678y', '1y 9223372036854775807s']) {
    assert.deepEqual(failTimeout(t), ['upstreams[0].servers[0].failTimeout duration_too_long: fail_timeout: longer than nginx takes (it refuses such a config): at most 9223372036854775807s, 2^63 - 1 seconds with every part added up'], t);
  }
  assert.deepEqual(failTimeout('9223372036854775807s'), []);
  assert.deepEqual(failTimeout('9223372036854775808x').map((m) => m.split(':')[0]), ['upstreams[0].servers[0].failTimeout invalid_duration'], 'a syntax error is still one');
  for (const field of ['proxyConnectTimeout', 'proxySendTimeout', 'proxyReadTimeout']) {
    for (const t of ['9223372036854775808s', '9223372036854775808ms', '9223372036854776s']) {
      const got = messages(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', [field]: t }])]));
      assert.deepEqual(got.map((m) => m.split(':')[0]), [`servers[0].locations[0].${field} duration_too_long`], `${field} ${t}`);
    }
  }
});

test('a schemaVersion that is not a number names the field and what it is, as a version this one does not read (unknown_version)', () => {
  const said = (v: unknown) => { const r = validateConfig({ schemaVersion: v, servers: [] }); return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message} [${i.code}]`); };
  assert.deepEqual(said('1'), ['schemaVersion: schemaVersion is a number, 1 for this version (without quotes), not the text "1" [unknown_version]']);
  assert.deepEqual(said(null), ['schemaVersion: schemaVersion is a number, 1 for this version (without quotes), not null [unknown_version]']);
  assert.deepEqual(said([1]), ['schemaVersion: schemaVersion is a number, 1 for this version (without quotes), not a list [unknown_version]']);
  // a long text is cut, never inside an emoji: half of one was quoted as "\ud83d"
  assert.deepEqual(said(`${'a'.repeat(39)}\u{1f600} and more`), [`schemaVersion: schemaVersion is a number, 1 for this version (without quotes), not the text "${'a'.repeat(39)}…" [unknown_version]`]);
  assert.deepEqual(said(`${'a'.repeat(38)}\u{1f600} and more`), [`schemaVersion: schemaVersion is a number, 1 for this version (without quotes), not the text "${'a'.repeat(38)}\u{1f600}…" [unknown_version]`]);
});

test('a proxySetHeader name past 200 characters says the limit (too_long); the token message lists every character a name may have', () => {
  const said = (name: string) => { const r = validateConfig(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [{ name, value: 'v' }] }])])); return r.ok ? [] : r.issues.map((i) => `${i.code}: ${i.message}`); };
  assert.deepEqual(said('A'.repeat(201)), ['too_long: at most 200 characters (this has 201)']);
  assert.deepEqual(said('A'.repeat(200)), []);
  for (const name of ['X_Foo', 'X.Foo', 'X!y', "a#$%&'*+-.^_`|~9"]) assert.deepEqual(said(name), [], name);
  assert.deepEqual(said('X Foo'), ['invalid_header_name: header names are HTTP tokens: letters, digits and ! # $ % & \' * + - . ^ _ ` | ~']);
});

test('empty server and listen lists have their own codes (no_servers, no_listen)', () => {
  const r = validateConfig({ schemaVersion: 1, upstreams: [{ name: 'a', servers: [] }], servers: [{ listen: [], locations: [] }] });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(r.issues.map((i) => [i.path, i.code]), [['upstreams[0].servers', 'no_servers'], ['servers[0].listen', 'no_listen']]);
});

test('a missing field is "required", an unknown one is named at its own path with the field it may have meant', () => {
  const r = validateConfig({ servers: [server([{ proxy_pass: 'http://127.0.0.1:1', proxyPass: 'http://127.0.0.1:1', Proxy_Read_Timeout: '1s', zzz: 1 }])] });
  assert.ok(!r.ok);
  const byPath = Object.fromEntries(r.issues.map((i) => [i.path, `${i.code}: ${i.message}`]));
  assert.equal(byPath.schemaVersion, 'required: "schemaVersion" is required');
  assert.equal(byPath['servers[0].locations[0].path'], 'required: "path" is required');
  assert.equal(byPath['servers[0].locations[0].proxy_pass'], 'unknown_field: unknown field "proxy_pass" (did you mean "proxyPass"?)');
  assert.equal(byPath['servers[0].locations[0].Proxy_Read_Timeout'], 'unknown_field: unknown field "Proxy_Read_Timeout" (did you mean "proxyReadTimeout"?)');
  assert.equal(byPath['servers[0].locations[0].zzz'], 'unknown_field: unknown field "zzz"');
});

test('an unknown field one or two typing slips from a known one, or in another case, gets the field it may have meant; a key near none, or near two, gets no guess', () => {
  const hint = (key: string) => {
    const r = validateConfig(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', [key]: '1s' }])]));
    return r.ok ? null : r.issues.find((i) => i.code === 'unknown_field')?.message.match(/did you mean "([^"]+)"/)?.[1] ?? '';
  };
  assert.equal(hint('proxypass'), 'proxyPass');
  assert.equal(hint('proxyReadTimout'), 'proxyReadTimeout');
  assert.equal(hint('webscoket'), 'websocket');
  assert.equal(hint('wieght'), 'weight');
  assert.equal(hint('pat'), '', 'too short to guess');
  assert.equal(hint('xyzzy'), '');
});

test('a text or list past its bound is too_long, said in words with its length; a long upstream name says its bound', () => {
  const r = validateConfig(doc(
    [server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: Array.from({ length: 101 }, (_, i) => ({ name: `X-${i}`, value: 'v' })) }], { serverNames: ['a'.repeat(501)] })],
    [{ name: 'u'.repeat(101), servers: [{ address: '127.0.0.1:1' }] }],
  ));
  assert.ok(!r.ok);
  assert.deepEqual(r.issues.map((i) => `${i.path} ${i.code}: ${i.message}`).sort(), [
    'servers[0].locations[0].proxySetHeader too_long: at most 100 entries (this has 101)',
    'servers[0].serverNames[0] too_long: at most 500 characters (this has 501)',
    'upstreams[0].name invalid_name: upstream names use letters, digits, "_", "." and "-", at most 100 of them',
  ]);
});

test('a field written in the wrong object is named with where it belongs, not offered as its own guess', () => {
  const r = validateConfig(doc(
    [{ listen: [{ address: '127.0.0.1:8080' }], $schema: 'x', locations: [{ path: '/', proxyPass: 'http://u', weight: 2, address: 'a' }] }],
    [{ name: 'u', websocket: true, servers: [{ address: '127.0.0.1:1' }] }],
  ));
  assert.ok(!r.ok);
  assert.deepEqual(r.issues.filter((i) => i.code === 'unknown_field').map((i) => `${i.path}: ${i.message}`).sort(), [
    'servers[0].$schema: unknown field "$schema" here (it belongs in the document\'s top level)',
    'servers[0].locations[0].address: unknown field "address" here (it belongs in a listen entry or an upstream\'s server)',
    'servers[0].locations[0].weight: unknown field "weight" here (it belongs in an upstream\'s server)',
    'upstreams[0].websocket: unknown field "websocket" here (it belongs in a location)',
  ]);
  // a guess that is a field of another object says where that one belongs
  const guess = validateConfig(doc([{ listen: [{ address: '127.0.0.1:8080' }], proxy_pass: 'x', locations: [] }]));
  assert.ok(!guess.ok);
  assert.deepEqual(guess.issues.map((i) => i.message), ['unknown field "proxy_pass" (did you mean "proxyPass", which belongs in a location?)']);
});

test('what nginx would refuse or read otherwise: an IPv4-mapped listen address, server_name $hostname, text UTF-8 cannot hold', () => {
  assert.deepEqual(issues(doc([{ listen: [{ address: '[::ffff:127.0.0.1]:8080' }], locations: [] }])), ['servers[0].listen[0].address invalid_listen']);
  assert.deepEqual(issues(doc([{ listen: [{ address: '[::1]:8080' }], locations: [] }])), []);
  assert.deepEqual(issues(doc([server([], { serverNames: ['$hostname'] })])), ['servers[0].serverNames[0] unsupported_server_name']);
  assert.deepEqual(issues(doc([server([], { serverNames: ['$HOSTNAME', '$HostName'] })])), ['servers[0].serverNames[0] unsupported_server_name', 'servers[0].serverNames[1] unsupported_server_name'], 'in any case, as nginx reads it');
  assert.deepEqual(issues(doc([server([], { serverNames: ['a$b.test'] })])), [], 'any other "$" is literal text to nginx too');
  assert.deepEqual(issues(doc([server([{ path: '/\ud800x', proxyPass: 'http://127.0.0.1:1' }])])), ['servers[0].locations[0].path invalid_text']);
  assert.deepEqual(issues(doc([server([{ path: '/\ud83d\ude00', proxyPass: 'http://127.0.0.1:1' }])])), [], 'a surrogate pair is one character');
  assert.deepEqual(issues({ ...doc([]), ['k\udc00']: 1 }), ['["k\\udc00"] invalid_text', '["k\\udc00"] unknown_field']);
});

test('variable names in any case: nginx lowercases them ($HOST is $host)', () => {
  const headers = [{ name: 'Host', value: '$HOST' }, { name: 'X-Foo', value: '[$http_X_Foo] ${Remote_Addr}' }];
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://u', proxySetHeader: headers }])], [{ name: 'u', method: { type: 'hash', key: '$REQUEST_URI' }, servers: [{ address: '127.0.0.1:1' }] }])), []);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [{ name: 'X', value: '$NOPE' }] }])])), ['servers[0].locations[0].proxySetHeader[0].value unknown_variable']);
});

test('proxy_set_header Content-Length / Transfer-Encoding (any case, any value) is refused: nginx would send it and break the body framing', () => {
  const with_ = (name: string, value: string) => issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [{ name: 'X-Ok', value: '1' }, { name, value }] }])]));
  for (const [name, value] of [['Content-Length', '0'], ['content-length', ''], ['TRANSFER-ENCODING', '$http_x_te'], ['Transfer-Encoding', 'chunked']] as const) {
    assert.deepEqual(with_(name, value), ['servers[0].locations[0].proxySetHeader[1].name framing_header'], name);
  }
  const r = validateConfig(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [{ name: 'Content-Length', value: '0' }] }])]));
  assert.ok(!r.ok);
  assert.match(r.issues[0]!.message, /^nginx would send Content-Length as set here/);
  const empty = validateConfig(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [{ name: 'Content-Length', value: '' }] }])]));
  assert.ok(!empty.ok);
  assert.match(empty.issues[0]!.message, /^an empty Content-Length would remove nginx's own, and the upstream could not tell where the request body ends/, 'an empty value sends no header at all');
});

test('a proxy timeout of 0 is refused (zero_timeout): nginx times out at once, it is not "no timeout"', () => {
  const loc = (t: Record<string, string>) => issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', ...t }])]));
  assert.deepEqual(loc({ proxyReadTimeout: '0' }), ['servers[0].locations[0].proxyReadTimeout zero_timeout']);
  assert.deepEqual(loc({ proxyConnectTimeout: '0s', proxySendTimeout: '0ms' }), ['servers[0].locations[0].proxyConnectTimeout zero_timeout', 'servers[0].locations[0].proxySendTimeout zero_timeout']);
  assert.deepEqual(loc({ proxyReadTimeout: '1ms' }), []);
  // fail_timeout=0 is a window nginx keeps (a failed peer is skipped within the same second), not a timeout
  assert.deepEqual(issues(doc([], [{ name: 'u', servers: [{ address: '127.0.0.1:1', failTimeout: '0' }] }])), []);
  const r = validateConfig(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxyReadTimeout: '0' }])]));
  assert.ok(!r.ok);
  assert.match(r.issues[0]!.message, /^proxy_read_timeout: nginx would time out at once with 0/);
});

test('messages a user can act on: an empty text is "must not be empty" (code required), a duplicate location names the first one', () => {
  const r = validateConfig(doc([server([{ path: '', proxyPass: '' }, { path: '/a', proxyPass: 'http://127.0.0.1:1' }, { modifier: '^~', path: '/a', proxyPass: 'http://127.0.0.1:2' }])]));
  assert.ok(!r.ok);
  const byPath = new Map(r.issues.map((i) => [i.path, i]));
  assert.deepEqual(byPath.get('servers[0].locations[0].proxyPass'), { path: 'servers[0].locations[0].proxyPass', code: 'required', message: '"proxyPass" must not be empty' });
  assert.equal(byPath.get('servers[0].locations[2].path')?.message, 'duplicate location "/a": the same as locations[1] of this server (/a → http://127.0.0.1:1); nginx refuses two');
});

test('a document nested far deeper than any config is refused at once, at the path where it goes too deep', () => {
  const deep = (n: number): unknown => JSON.parse('['.repeat(n) + ']'.repeat(n));
  const started = Date.now();
  // (a 400 KB file of brackets: walking it with a path per value took minutes)
  const r = validateConfig(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', name: deep(200_000) }])]));
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  assert.ok(!r.ok);
  assert.deepEqual(r.issues.map((i) => i.code), ['too_deep']);
  assert.match(r.issues[0]!.path, /^servers\[0\]\.locations\[0\]\.name(\[0\])+$/);
  assert.match(r.issues[0]!.message, /nested more than 32 levels deep/);
  assert.deepEqual(issues(deep(200_000)), [`${'[0]'.repeat(32)} too_deep`]);
  // a few levels under a field are its ordinary issue
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', extra: deep(20) }])])), ['servers[0].locations[0].extra unknown_field']);
});

test('a whole number past 2^53 gets one error, its range (not a second "whole number" one)', () => {
  const up = (weight: number) => doc([server([{ path: '/', proxyPass: 'http://u' }])], [{ name: 'u', servers: [{ address: '127.0.0.1:1', weight }] }]);
  const messages = (weight: number) => { const r = validateConfig(up(weight)); return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.code}: ${i.message}`); };
  assert.deepEqual(messages(1e30), ['upstreams[0].servers[0].weight too_big: weight is 1-1000 (a bound of Switchyard\'s: nginx takes more; the consistent hash ring holds 160 points per unit)']);
  assert.deepEqual(messages(-1e30), ['upstreams[0].servers[0].weight too_small: weight is 1-1000 (nginx refuses weight=0)']);
  assert.deepEqual(messages(2.5), ['upstreams[0].servers[0].weight invalid_type: weight is a whole number']);
});

test('proxy_pass with a port out of range says so, as a listen address does', () => {
  const with_ = (proxyPass: string) => { const r = validateConfig(doc([server([{ path: '/', proxyPass }])])); return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.code}: ${i.message}`); };
  assert.deepEqual(with_('http://127.0.0.1:99999'), ['servers[0].locations[0].proxyPass invalid_port: port must be 1-65535']);
  assert.deepEqual(with_('http://[::1]:0/x'), ['servers[0].locations[0].proxyPass invalid_port: port must be 1-65535']);
  assert.deepEqual(with_('http://127.0.0.1:8080'), []);
  assert.deepEqual(with_('ftp://x'), ['servers[0].locations[0].proxyPass invalid_proxy_pass: expected "http://upstream_name", "http://host:port" or "http://host:port/uri"']);
  // an https:// upstream, which nginx takes, is said to be what Switchyard does not model (not a malformed URL)
  assert.deepEqual(with_('HTTPS://127.0.0.1:9101'), ['servers[0].locations[0].proxyPass invalid_proxy_pass: Switchyard speaks plain HTTP to upstreams (https:// is not modelled): use "http://upstream_name" or "http://host:port"']);
});

test('"$schema" at the top (an editor\'s pointer to the JSON Schema) is taken; elsewhere, or not text, it is an error', () => {
  const ok = validateConfig({ $schema: './schema/switchyard.config.schema.json', schemaVersion: 1, servers: [] });
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.issues));
  const notText = validateConfig({ $schema: 1, schemaVersion: 1 });
  assert.equal(!notText.ok && notText.issues[0]!.path, '$schema');
  const nested = validateConfig({ schemaVersion: 1, servers: [{ $schema: 'x', listen: [{ address: '8080' }] }] });
  assert.equal(!nested.ok && nested.issues[0]!.code, 'unknown_field');
});

test('a regex group named like a variable an export defines (its upgrade maps) is refused, in any case: nginx would send the group as Connection', () => {
  const refusal = (modifier: string, path: string, serverNames: string[] = []) => {
    const r = validateConfig(doc([server([{ modifier, path, proxyPass: 'http://127.0.0.1:1', websocket: true }], { serverNames })]));
    return r.ok ? [] : r.issues.map((i) => [i.path, i.code, i.message]);
  };
  const said = (name: string) => `group name "${name}" is the variable $${name}, the WebSocket upgrade map of Switchyard's nginx export: nginx makes a named group a variable, and would send the client's text from the group as the Connection header of every WebSocket route; rename the group`;
  for (const name of ['switchyard_connection_upgrade', 'Switchyard_Connection_Upgrade', 'connection_upgrade']) {
    assert.deepEqual(refusal('~', `^/ws/(?<${name}>[^/]*)$`).map(([p, c, m]) => [p, c, m!.endsWith(said(name))]), [['servers[0].locations[0].path', 'invalid_regex', true]], name);
  }
  assert.deepEqual(refusal('~', "^/ws/(?P<switchyard_connection_upgrade>[^/]*)$").map(([p, c]) => `${p} ${c}`), ['servers[0].locations[0].path invalid_regex']);
  assert.deepEqual(refusal('', '/', ['~^(?<switchyard_connection_upgrade>.+)\\.test$']).map(([p, c]) => `${p} ${c}`), ['servers[0].serverNames[0] invalid_regex']);
  // other names stay free
  assert.deepEqual(refusal('~', '^/ws/(?<room>[^/]*)$'), []);
});
