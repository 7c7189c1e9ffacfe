// A proxy_pass URI with ';', '{', '}', quotes or '\': nginx takes it quoted (an imported nginx.conf
// may have one) and sends it as written; so does the engine, and the export quotes it so that
// nothing in it adds a directive. Against real nginx running the export; needs Debian's nginx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario, type Scenario } from './harness.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { exportNginx } from '../../app/nginx/export.ts';
import { importNginxText } from '../../app/nginx/import.ts';
import { validateConfig } from '../../app/config/validate.ts';
import type { Config } from '../../app/config/schema.ts';

const URIS: Record<string, string> = { semi: '/a;b/', braces: '/a{b}c/', quotes: '/a"b\'c/', backslash: '/a\\b\\"/', all: '/x;}{"\\;' };

const scenario: Scenario = {
  name: 'proxy_pass URIs with ; { } quotes and backslashes',
  upstreams: ['u'],
  model: ({ up, listen: p }) => ({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${p}` }], locations: Object.entries(URIS).map(([k, uri]) => ({ path: `/${k}/`, proxyPass: `http://127.0.0.1:${up.u}${uri}` })) }],
  }),
  requests: Object.keys(URIS).flatMap((k) => [{ path: `/${k}/x?q=1` }, { path: `/${k}/` }, { path: `/${k}/%3B;y` }]),
};

test(`parity: ${scenario.name}`, { timeout: 60_000 }, async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const { nginx, engine } = await runScenario(scenario);
  scenario.requests.forEach((r, i) => assert.deepEqual(engine[i], nginx[i], `case ${i}: ${r.path}`));
  assert.deepEqual(nginx.slice(0, 3).map((o) => o.uri), ['/a;b/x?q=1', '/a;b/', '/a;b/;;y']);
  assert.equal(nginx[9]!.uri, '/a\\b\\"/x?q=1');
});

test('an imported quoted proxy_pass with ";" is taken, and exports quoted: one proxy_pass, the same text back', () => {
  const r = importNginxText('server {\n  listen 127.0.0.1:8080;\n  location / { proxy_pass "http://127.0.0.1:1/a;b\\"c{d}/"; }\n}\n', 'site.conf');
  assert.deepEqual([r.issues, r.warnings], [[], []]);
  assert.equal(r.config.servers[0]!.locations[0]!.proxyPass, 'http://127.0.0.1:1/a;b"c{d}/');
  const text = exportNginx(r.config, { shape: 'full' });
  assert.match(text, /proxy_pass "http:\/\/127\.0\.0\.1:1\/a;b\\"c\{d\}\/";/);
  const again = importNginxText(text, 'export.conf');
  assert.deepEqual(again.config.servers[0]!.locations[0]!.proxyPass, r.config.servers[0]!.locations[0]!.proxyPass);
});

test('a proxy_pass URI with a space, or a "$" that starts no variable, is still refused, naming the field', () => {
  const model = (proxyPass: string) => ({ schemaVersion: 1, servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [{ path: '/', proxyPass }] }] });
  for (const [bad, code] of [['http://127.0.0.1:1/a$', 'invalid_variable'], ['http://127.0.0.1:1/a b', 'invalid_proxy_pass']]) {
    const v = validateConfig(model(bad!));
    assert.ok(!v.ok, bad);
    assert.deepEqual(v.issues.map((i) => `${i.path} ${i.code}`), [`servers[0].locations[0].proxyPass ${code}`], bad);
  }
  const ok = validateConfig(model('http://127.0.0.1:1/a;b'));
  assert.ok(ok.ok);
  assert.equal((ok.config as Config).servers[0]!.locations[0]!.proxyPass, 'http://127.0.0.1:1/a;b');
});
