// What nginx -t warns of in a config it takes is what configWarnings says, at the field's path:
// checked against the warnings real nginx prints for the exported file (fails without nginx).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configWarnings } from '../../../app/config/warnings.ts';
import { validateConfig } from '../../../app/config/validate.ts';
import { exportNginx } from '../../../app/nginx/export.ts';
import { nginxTakes } from '../nginx/models.ts';
import { importNginxText } from '../../../app/nginx/import.ts';

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

test('a header value with the decoded path ($uri, $document_uri, a regex location\'s captures) is warned of: a client\'s %0d%0a is a line break there, in nginx too; $request_uri is not', () => {
  const loc = (modifier: string, path: string, values: string[]) => ({ modifier, path, proxyPass: 'http://127.0.0.1:9', proxySetHeader: values.map((value, i) => ({ name: `X-${i}`, value })) });
  const v = validateConfig({ schemaVersion: 1, servers: [{ listen: [{ address: '127.0.0.1:18099' }], serverNames: ['~^(?<sub>[a-z]+)\\.test$'], locations: [
    loc('', '/', ['$uri', '$request_uri', '${document_uri}?$args', '$URI and $uri', '$1', '$host$arg_a$http_x$cookie_c$is_args$query_string']),
    loc('~', '^/ws/([^/]*)/(.*)$', ['/$1/$2', '$request_uri', '$1$uri']),
    loc('~*', '^/x/(.*)$', ['[$9]']),
  ] }] });
  assert.ok(v.ok);
  const at = (li: number, hi: number) => `servers[0].locations[${li}].proxySetHeader[${hi}].value`;
  const w = configWarnings(v.config);
  assert.deepEqual(w.map((i) => [i.path, i.code]), [
    [at(0, 0), 'decoded_uri_in_header'], [at(0, 2), 'decoded_uri_in_header'], [at(0, 3), 'decoded_uri_in_header'],
    [at(1, 0), 'decoded_uri_in_header'], [at(1, 2), 'decoded_uri_in_header'],
    [at(2, 0), 'decoded_uri_in_header'],
  ], 'not $request_uri, not $1 from a server name regex (the Host has no line break), not $args and the rest');
  assert.equal(w[0]!.message, '$uri in header "X-0" holds the request path as decoded: a client can put line breaks in it (%0d%0a), and the upstream reads what follows as header lines of the client\'s; nginx passes them on too. $request_uri is the path as the client sent it, not decoded: use it instead where the upstream can take that');
  assert.match(w[2]!.message, /^\$uri in header "X-3" holds/, 'named once, in lower case');
  assert.match(w[3]!.message, /^\$1, \$2 in header "X-0" hold the request path as decoded \(this location's regex captures from it\): a client can put line breaks/);
  assert.match(w[4]!.message, /^\$1, \$uri in header "X-2" hold/);
});

test('a regex location\'s named groups in its header values are warned of as its $1…$9 are; a server name\'s, or another location\'s, are not', () => {
  const loc = (modifier: string, path: string, value: string) => ({ modifier, path, proxyPass: 'http://127.0.0.1:9', proxySetHeader: [{ name: 'X-V', value }] });
  const v = validateConfig({ schemaVersion: 1, servers: [{ listen: [{ address: '127.0.0.1:18099' }], serverNames: ['~^(?<sub>[a-z]+)\\.test$'], locations: [
    loc('~', '^/api/(?<Rest>.*)$', '[$sub][$REST]'),
    loc('~*', "^/b/(?'id'\\d+)", '[$sub][$rest]'),
    loc('', '/', '[$rest][$id]'),
  ] }] });
  assert.ok(v.ok, JSON.stringify(!v.ok && v.issues));
  const w = configWarnings(v.config);
  assert.deepEqual(w.map((i) => [i.path, i.message.slice(0, 96)]), [
    ['servers[0].locations[0].proxySetHeader[0].value', '$rest in header "X-V" holds the request path as decoded (this location\'s regex captures from it)'],
  ]);
});

test('$remote_user in a header value is warned of: the user of Authorization: Basic as decoded, where a client can put line breaks; $http_authorization is not', () => {
  const v = validateConfig({ schemaVersion: 1, servers: [{ listen: [{ address: '127.0.0.1:18099' }], locations: [
    { path: '/', proxyPass: 'http://127.0.0.1:9', proxySetHeader: [{ name: 'X-User', value: 'user=${REMOTE_USER}' }, { name: 'X-Auth', value: '$http_authorization' }, { name: 'X-Both', value: '$remote_user$uri' }] },
  ] }] });
  assert.ok(v.ok, JSON.stringify(!v.ok && v.issues));
  const at = (hi: number) => `servers[0].locations[0].proxySetHeader[${hi}].value`;
  const w = configWarnings(v.config);
  assert.deepEqual(w.map((i) => [i.path, i.code]), [[at(0), 'decoded_user_in_header'], [at(2), 'decoded_user_in_header'], [at(2), 'decoded_uri_in_header']]);
  assert.match(w[0]!.message, /^\$remote_user in header "X-User" holds the user name of an Authorization: Basic header as decoded from its base64: a client can put line breaks in it/);
});

test('an imported proxy_set_header with $uri is warned of at its line, as proxy_set_header', () => {
  const r = importNginxText('http {\n  server {\n    listen 127.0.0.1:8080;\n    location / {\n      proxy_pass http://127.0.0.1:9;\n      proxy_set_header X-Uri $uri;\n      proxy_set_header X-Req $request_uri;\n    }\n  }\n}\n', 'site.conf');
  assert.deepEqual(r.warnings.map((w) => [w.file, w.line, w.directive, w.message.slice(0, 40)]), [['site.conf', 6, 'proxy_set_header', '$uri in header "X-Uri" holds the request']]);
});

test('a proxy_pass with variables holding the decoded path ($uri, a regex location\'s captures) or $remote_user is warned of as a header is: a client\'s %0d%0a splits the request line there, in nginx too; $request_uri is not', () => {
  const v = validateConfig({ schemaVersion: 1, upstreams: [{ name: 'pool', servers: [{ address: '127.0.0.1:9' }] }], servers: [{ listen: [{ address: '127.0.0.1:18099' }], serverNames: ['~^(?<sub>[a-z]+)\\.test$'], locations: [
    { path: '/a/', proxyPass: 'http://pool/a$uri' },
    { path: '/b/', proxyPass: 'http://pool$request_uri' },
    { modifier: '~', path: '^/c/(?<rest>.*)$', proxyPass: 'http://pool/c/$rest?u=$remote_user' },
    { path: '/d/', proxyPass: 'http://pool/d/$1$sub', proxySetHeader: [{ name: 'X-U', value: '$uri' }] },
  ] }] });
  assert.ok(v.ok, JSON.stringify(!v.ok && v.issues));
  const w = configWarnings(v.config);
  assert.deepEqual(w.map((i) => [i.path, i.code]), [
    ['servers[0].locations[0].proxyPass', 'decoded_uri_in_proxy_pass'],
    ['servers[0].locations[2].proxyPass', 'decoded_user_in_proxy_pass'], ['servers[0].locations[2].proxyPass', 'decoded_uri_in_proxy_pass'],
    ['servers[0].locations[3].proxySetHeader[0].value', 'decoded_uri_in_header'],
  ], 'not $request_uri, not a server name regex\'s $1 or group (the Host has no line break)');
  assert.match(w[0]!.message, /^\$uri in the proxy_pass URI holds the request path as decoded: a client can put line breaks in it/);
  const r = importNginxText('server {\n  listen 127.0.0.1:8080;\n  location / {\n    proxy_pass http://127.0.0.1:9$uri;\n  }\n}\n', 'v.conf');
  assert.deepEqual(r.warnings.map((x) => [x.line, x.directive, x.message.slice(0, 34)]), [[3, 'proxy_pass', '$uri in the proxy_pass URI holds t']]);
});
