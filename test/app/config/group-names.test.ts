// Variables a config may use: the named groups of its regexes (nginx makes each one a variable for
// the whole config), the request variables, and $binary_remote_addr in a hash key only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../app/config/validate.ts';
import { regexGroupNames } from '../../../app/config/group-names.ts';
import { compileNginxRegex } from '../../../app/match/regex.ts';

function issues(doc: unknown) {
  const r = validateConfig(doc);
  return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.code}`);
}
const header = (value: string) => ({ name: 'X-V', value });
const doc = (locations: Array<Record<string, unknown>>, serverNames: string[] = [], upstreams: unknown[] = []) => ({
  schemaVersion: 1, upstreams, servers: [{ listen: [{ address: '127.0.0.1:8080' }], serverNames, locations }],
});

test('the named groups of location and server name regexes, in every PCRE spelling, lowercase', () => {
  const config = doc([
    { path: '^/(?<Ver>v\\d)/(?P<rest>.*)', modifier: '~', proxyPass: 'http://127.0.0.1:1' },
    { path: "^/(?'id'\\d+)", modifier: '~*', proxyPass: 'http://127.0.0.1:1' },
    { path: '/(?<notregex>x)', proxyPass: 'http://127.0.0.1:1' },
    { path: '(?<bad>', modifier: '~', proxyPass: 'http://127.0.0.1:1' },
  ], ['~^(?<sub>[a-z]+)\\.ex$', 'plain.test']);
  assert.deepEqual([...regexGroupNames(config)].sort(), ['id', 'rest', 'sub', 'ver']);
});

test('a named group is a variable anywhere in the config, in headers and hash keys; one no regex defines is unknown', () => {
  const locations = [
    { path: '^/(?<ver>v\\d)/', modifier: '~', proxyPass: 'http://127.0.0.1:1' },
    { path: '/', proxyPass: 'http://pool', proxySetHeader: [header('[$ver][${VER}][$sub]')] },
  ];
  const upstreams = [{ name: 'pool', method: { type: 'hash', key: '$sub$ver' }, servers: [{ address: '127.0.0.1:2' }] }];
  assert.deepEqual(issues(doc(locations, ['~^(?<sub>[a-z]+)\\.ex$'], upstreams)), []);
  assert.deepEqual(issues(doc(locations, [], upstreams)), [
    'upstreams[0].method.key unknown_variable',
    'servers[0].locations[1].proxySetHeader[0].value unknown_variable',
  ]);
});

test('the request variables are known; $binary_remote_addr goes in a hash key, not a header; $nginx_version, $pid, $request_length are not evaluated', () => {
  const value = '$request_id $content_length $content_type $https $request $remote_user $hostname $connection $connection_requests $msec $time_local $time_iso8601 $realip_remote_addr $realip_remote_port';
  assert.deepEqual(issues(doc([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [header(value)] }])), []);
  const upstreams = [{ name: 'pool', method: { type: 'hash', key: '$binary_remote_addr' }, servers: [{ address: '127.0.0.1:2' }] }];
  assert.deepEqual(issues(doc([{ path: '/', proxyPass: 'http://pool', proxySetHeader: [header('[$Binary_Remote_Addr]')] }], [], upstreams)), ['servers[0].locations[0].proxySetHeader[0].value binary_variable']);
  for (const v of ['$nginx_version', '$pid', '$request_length']) {
    assert.deepEqual(issues(doc([{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [header(v)] }])), ['servers[0].locations[0].proxySetHeader[0].value unknown_variable'], v);
  }
});

test('two group names of one regex that differ only in case are refused: one variable to nginx', () => {
  const r = compileNginxRegex('^/(?<Id>a)(?<id>b)', false);
  assert.ok(!r.ok);
  assert.match(r.message, /group names "Id" and "id" are one variable to nginx, \$id/);
  // a group called like a variable nginx or the engine has stays refused, in any case
  const taken = compileNginxRegex('^/(?<Request_Id>a)', false);
  assert.ok(!taken.ok && /is the variable \$Request_Id/.test(taken.message));
});
