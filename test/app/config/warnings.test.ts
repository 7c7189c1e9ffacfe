// What nginx -t warns of in a config it takes is what configWarnings says, at the field's path:
// checked against the warnings real nginx prints for the exported file (fails without nginx).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configWarnings } from '../../../app/config/warnings.ts';
import { validateConfig } from '../../../app/config/validate.ts';
import { exportNginx } from '../../../app/nginx/export.ts';
import { nginxTakes } from '../nginx/models.ts';

const server = (names: string[], port: number) => ({ listen: [{ address: '127.0.0.1:18099' }], serverNames: names, locations: [{ path: '/', proxyPass: `http://127.0.0.1:${port}` }] });

test('a server name with "/" is warned of as nginx -t warns of it, regex names too; a conflicting one as well', async () => {
  const v = validateConfig({ schemaVersion: 1, servers: [server(['a/b.test', 'ok.test', '~^x/y$'], 9000), server(['ok.test', 'c.test'], 9001)] });
  assert.ok(v.ok);
  const warnings = configWarnings(v.config);
  assert.deepEqual(warnings.map((w) => [w.path, w.code]), [
    ['servers[0].serverNames[0]', 'suspicious_server_name'],
    ['servers[0].serverNames[2]', 'suspicious_server_name'],
    ['servers[1].serverNames[0]', 'conflicting_server_name'],
  ]);
  assert.match(warnings[0]!.message, /server name "a\/b\.test" has suspicious symbols/);
  const text = exportNginx(v.config, { shape: 'snippet' });
  const said = await nginxTakes(text);
  assert.deepEqual([...said.matchAll(/\[warn\] \d+#\d+: (server name ".*?" has suspicious symbols|conflicting server name ".*?")/g)].map((m) => m[1]), [
    'server name "a/b.test" has suspicious symbols',
    'server name "~^x/y$" has suspicious symbols',
    'conflicting server name "ok.test"',
  ]);
});

test('a name one server repeats is warned of where nginx hashes the socket (two or more servers), not on a socket of its own', async () => {
  const shared = validateConfig({ schemaVersion: 1, servers: [server(['a.test', 'A.test'], 9000), server(['b.test'], 9001)] });
  assert.ok(shared.ok);
  assert.deepEqual(configWarnings(shared.config).map((w) => [w.path, w.code, w.message]), [
    ['servers[0].serverNames[1]', 'conflicting_server_name', 'conflicting server name "a.test" on 127.0.0.1:18099: this server has it already, so nginx ignores it here, and so does Switchyard (nginx -t warns the same)'],
  ]);
  assert.deepEqual([...(await nginxTakes(exportNginx(shared.config, { shape: 'snippet' }))).matchAll(/\[warn\] \d+#\d+: (conflicting server name ".*?")/g)].map((m) => m[1]), ['conflicting server name "a.test"']);
  const alone = validateConfig({ schemaVersion: 1, servers: [server(['a.test', 'A.test'], 9000)] });
  assert.ok(alone.ok);
  assert.deepEqual(configWarnings(alone.config), []);
  assert.doesNotMatch(await nginxTakes(exportNginx(alone.config, { shape: 'snippet' })), /conflicting server name/);
});

test('a socket whose default server has a regex name with captures is hashed too: a repeated name there is warned of, as nginx -t does', async () => {
  const one = (names: string[]) => validateConfig({ schemaVersion: 1, servers: [server(names, 9000)] });
  for (const re of ['~^(www)\\.x$', '~^(?<sub>q)\\.x$']) {
    const v = one([re, 'a', 'a']);
    assert.ok(v.ok);
    assert.deepEqual(configWarnings(v.config).map((w) => [w.path, w.code]), [['servers[0].serverNames[2]', 'conflicting_server_name']], re);
    assert.match(await nginxTakes(exportNginx(v.config, { shape: 'snippet' })), /conflicting server name "a"/, re);
  }
  // (nginx takes a server's captures from its last regex name: one with captures before one without is not enough)
  const before = one(['~^(a)\\.t$', '~^b\\.t$', 'x.t', 'x.t']);
  assert.ok(before.ok);
  assert.deepEqual(configWarnings(before.config), []);
  assert.doesNotMatch(await nginxTakes(exportNginx(before.config, { shape: 'snippet' })), /conflicting server name/);
  const noCaptures = one(['~^(?:www)\\.x$', 'a', 'a']);
  assert.ok(noCaptures.ok);
  assert.deepEqual(configWarnings(noCaptures.config), []);
  assert.doesNotMatch(await nginxTakes(exportNginx(noCaptures.config, { shape: 'snippet' })), /conflicting server name/);
});

test('listen localhost:P counts on every address localhost binds: beside [::1]:P it shares that socket\'s names', () => {
  const v = validateConfig({ schemaVersion: 1, servers: [
    { listen: [{ address: 'localhost:18512' }], serverNames: ['a'], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9000' }] },
    { listen: [{ address: '[::1]:18512' }], serverNames: ['a'], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9001' }] },
  ] });
  assert.ok(v.ok);
  assert.deepEqual(configWarnings(v.config), [], 'localhost as 127.0.0.1 only: two sockets');
  // (nginx 1.22 with "::1 localhost" in its hosts file: conflicting server name "a" on [::1]:18512, ignored)
  assert.deepEqual(configWarnings(v.config, ['127.0.0.1', '::1']).map((w) => [w.path, w.message]), [
    ['servers[1].serverNames[0]', 'conflicting server name "a" on [::1]:18512: servers[0] has it already, so nginx ignores it here, and so does Switchyard (nginx -t warns the same)'],
  ]);
});
