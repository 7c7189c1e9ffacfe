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
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://a', proxyReadTimeout: '5 parsecs' }])])), ['servers[0].locations[0].proxyReadTimeout invalid_duration']);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', bogus: 1 }])])), ['servers[0].locations[0] unknown_field']);
  assert.deepEqual(issues(doc([{ listen: [{ address: 'nope' }] }])), ['servers[0].listen[0].address invalid_listen']);
  assert.deepEqual(issues(doc([], [{ name: 'bad name', servers: [{ address: '127.0.0.1:1' }] }])), ['upstreams[0].name invalid_name']);
  assert.deepEqual(issues(doc([server([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [{ name: 'X', value: 'a\r\nInjected: 1' }] }])])), ['servers[0].locations[0].proxySetHeader[0].value control_character']);
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

test('configs nginx -t refuses are refused here (found by the export property test)', () => {
  assert.deepEqual(issues(doc([], [{ name: 'a', servers: [{ address: '127.0.0.1:1' }] }, { name: 'A', servers: [{ address: '127.0.0.1:2' }] }])), ['upstreams[1].name duplicate_upstream']);
  assert.deepEqual(issues(doc([{ listen: [{ address: '8080' }, { address: '*:8080' }] }])), ['servers[0].listen[1].address duplicate_listen']);
  assert.deepEqual(issues(doc([{ listen: [{ address: '999.1.1.1:8080' }] }])), ['servers[0].listen[0].address invalid_listen']);
  assert.deepEqual(issues(doc([], [{ name: 'u', servers: [{ address: '[:::::]:80' }] }])), ['upstreams[0].servers[0].address invalid_address']);
  assert.deepEqual(issues(doc([], [{ name: 'u', servers: [{ address: '[::1]:80' }, { address: '[2001:db8::1]:81' }, { address: '[::ffff:127.0.0.1]:82' }] }])), []);
  assert.deepEqual(issues(doc([{ listen: [{ address: '8080' }], serverNames: ['.'] }])), ['servers[0].serverNames[0] invalid_server_name']);
  assert.deepEqual(issues(doc([{ listen: [{ address: '8080' }], serverNames: ['~^www\\d+\\.example\\.com$'] }])), [], 'regex names need backslashes');
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
});
