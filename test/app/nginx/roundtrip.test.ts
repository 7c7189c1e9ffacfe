// Round trips: import(export(model)) deep-equals the model (defaults applied), export(import(text))
// of an exported text is byte-identical, and nginx -t accepts every export of a random valid model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateConfig } from '../../../app/config/validate.ts';
import { configWarnings } from '../../../app/config/warnings.ts';
import type { ConfigInput } from '../../../app/config/schema.ts';
import { exportNginx } from '../../../app/nginx/export.ts';
import { importNginxText } from '../../../app/nginx/import.ts';
import { findNginx, nginxTest, privateNginxConf } from '../../../main/nginx/binary.ts';
import { validModel } from './arbitrary.ts';
import { README_MODEL } from './models.ts';

function roundTrip(model: ConfigInput) {
  const v = validateConfig(model);
  assert.ok(v.ok, `the arbitrary made an invalid model: ${JSON.stringify(!v.ok && v.issues)}`);
  const out = { full: '', snippet: '' };
  for (const shape of ['full', 'snippet'] as const) {
    const text = exportNginx(v.config, { shape });
    const back = importNginxText(text, `export.${shape}.conf`);
    // what the import warns of is what check warns of the model (a server name an earlier server on
    // the same socket has: nginx -t warns and takes it; a header with $uri), nothing more
    const expected: string[] = configWarnings(v.config).map((w) => w.code);
    const code = (w: { directive: string; message: string }) => (/^conflicting server name /.test(w.message) ? 'conflicting_server_name' : w.directive === 'proxy_set_header' && / holds? the request path as decoded/.test(w.message) ? 'decoded_uri_in_header' : w.message);
    assert.deepEqual(back.warnings.map(code), expected, text);
    assert.deepEqual(back.issues, [], text);
    assert.deepEqual(back.config, v.config, text);
    assert.equal(exportNginx(back.config, { shape }), text);
    out[shape] = text;
  }
  return out.full;
}

test('README example round-trips', () => {
  roundTrip(README_MODEL);
});

test('websocket: true with proxyHttpVersion "1.1" comes back as "1.0" (both export the same; the switch forces 1.1)', () => {
  const model: ConfigInput = { schemaVersion: 1, servers: [{ listen: [{ address: '80' }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:1', websocket: true, proxyHttpVersion: '1.1' }] }] };
  const v = validateConfig(model);
  assert.ok(v.ok);
  const back = importNginxText(exportNginx(v.config, { shape: 'full' }));
  assert.equal(back.config.servers[0]!.locations[0]!.proxyHttpVersion, '1.0');
  assert.equal(exportNginx(back.config, { shape: 'full' }), exportNginx(v.config, { shape: 'full' }));
});

test('a client_max_body_size that means 1m but is written otherwise ("1M", "1024k") round-trips as written', () => {
  for (const size of ['1M', '1024k', '01m', '1048576']) {
    roundTrip({ schemaVersion: 1, servers: [{ listen: [{ address: '80' }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:1', clientMaxBodySize: size }] }] });
  }
});

test('property: random valid models round-trip exactly (both shapes)', () => {
  fc.assert(fc.property(validModel, (m) => void roundTrip(m)), { numRuns: 300 });
});

test('property: nginx -t accepts the full export of random valid models', { timeout: 120_000 }, async () => {
  const nginx = findNginx();
  assert.ok(nginx, 'nginx must be installed for this test (apt-get install -y nginx)');
  await fc.assert(
    fc.asyncProperty(validModel, async (m) => {
      const text = roundTrip(m);
      const r = await nginxTest(privateNginxConf(text, true), nginx);
      assert.ok(r.ok, `nginx -t refused:\n${r.output}\n---\n${text}`);
    }),
    { numRuns: 80 },
  );
});
