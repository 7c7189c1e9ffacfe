// Characters that make nginx.conf read other than it is (the bidirectional controls, which reorder
// what an editor or the nginx.conf view shows; U+2028, U+2029 and the C1 controls, which some
// editors break lines at) are refused in every text of the config, named by their code point, at
// the field's path: a header value "v<RLO>;..." exported as it was showed a second
// proxy_set_header that nginx never reads, and a route label "api<U+2028>proxy_pass ..." a
// directive line under its comment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../app/config/validate.ts';

const doc = (loc: Record<string, unknown>, serverNames: string[] = ['app.test']) => ({
  schemaVersion: 1,
  servers: [{ listen: [{ address: '127.0.0.1:8080' }], serverNames, locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9', ...loc }] }],
});
const issues = (d: unknown) => {
  const r = validateConfig(d);
  return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.code} ${i.message}`);
};
const L = 'servers[0].locations[0]';

test('bidirectional controls, line separators and C1 controls are refused where they are, named by code point', () => {
  assert.deepEqual(issues(doc({ proxySetHeader: [{ name: 'X-A', value: 'v\u202e;"lave" A-X redaeh_tes_yxorp' }] })),
    [`${L}.proxySetHeader[0].value hidden_control character 2 is U+202E, a bidirectional control: nginx.conf would read other than it is`]);
  assert.deepEqual(issues(doc({ name: 'api\u2028proxy_pass http://evil:80' })),
    [`${L}.name hidden_control character 4 is U+2028, which editors may break a line at: nginx.conf would read other than it is`]);
  assert.deepEqual(issues(doc({}, ['a\u2066b'])), ['servers[0].serverNames[0] hidden_control character 2 is U+2066, a bidirectional control: nginx.conf would read other than it is']);
  assert.deepEqual(issues(doc({ path: '/a\u0085b' })), [`${L}.path hidden_control character 3 is U+0085, which editors may break a line at: nginx.conf would read other than it is`]);
  for (const c of ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u2067', '\u2068', '\u2069', '\u2029', '\u0080', '\u009f']) {
    assert.equal(issues(doc({ name: `x${c}` }))[0]?.split(' ')[1], 'hidden_control', `U+${c.charCodeAt(0).toString(16)}`);
  }
});

test('letters of any script and other spaces stay valid', () => {
  for (const t of ['é', '字', 'שלום', 'مرحبا', '😀', '\u00a0', '\u200b', '\ufeff']) assert.deepEqual(issues(doc({ name: `x${t}` })), [], JSON.stringify(t));
});
