// nginx.conf → model: inheritance pushed down, the WebSocket idiom recognised, every loss warned
// with file:line; real-world files (the seed note, Debian's shipped config, published snippets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { importNginx, importNginxText, type ConfReader } from '../../../app/nginx/import.ts';
import { memoryReader } from './models.ts';
import { exportNginx } from '../../../app/nginx/export.ts';
import { findNginx, nginxTest, privateNginxConf } from '../../../main/nginx/binary.ts';

const FIX = fileURLToPath(new URL('../../fixtures/nginx/', import.meta.url));
const fixture = (name: string) => readFile(`${FIX}${name}`, 'utf8');
/** Reads /etc/nginx/... from the Debian fixture folder. */
const debianReader: ConfReader = {
  read: (p) => readFile(p.replace(/^\/etc\/nginx\//, `${FIX}debian/`), 'utf8'),
  list: (d) => readdir(d.replace(/^\/etc\/nginx\/?/, `${FIX}debian/`)),
};
const fsReader: ConfReader = { read: (p) => readFile(p, 'utf8'), list: (d) => readdir(d) };
const messages = (r: { warnings: Array<{ line: number; directive: string; message: string }> }) => r.warnings.map((w) => `${w.line} ${w.directive}: ${w.message}`);

async function acceptedByNginx(text: string) {
  assert.ok(findNginx(), 'nginx must be installed for this test (apt-get install -y nginx)');
  const r = await nginxTest(privateNginxConf(text, true));
  assert.ok(r.ok, `${r.output}\n${text}`);
}

test('server- and http-level proxy_set_header and timeouts are pushed down; own headers replace the whole list', () => {
  const r = importNginxText(`
    proxy_set_header X-Http 1;
    proxy_connect_timeout 7s;
    server {
        listen 8080;
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_read_timeout 1h;
        location / { proxy_pass http://127.0.0.1:1; }
        location /b { proxy_pass http://127.0.0.1:1; proxy_set_header X-B b; proxy_read_timeout 5s; }
    }
    server { listen 8081; location / { proxy_pass http://127.0.0.1:1; } }
  `);
  assert.deepEqual(r.issues, []);
  const [a, b] = r.config.servers[0]!.locations;
  assert.deepEqual(a!.proxySetHeader, [{ name: 'Host', value: '$host' }, { name: 'X-Real-IP', value: '$remote_addr' }]);
  assert.deepEqual([a!.proxyConnectTimeout, a!.proxyReadTimeout], ['7s', '1h']);
  assert.deepEqual(b!.proxySetHeader, [{ name: 'X-B', value: 'b' }]);
  assert.deepEqual([b!.proxyConnectTimeout, b!.proxyReadTimeout], ['7s', '5s']);
  assert.deepEqual(r.config.servers[1]!.locations[0]!.proxySetHeader, [{ name: 'X-Http', value: '1' }]);
  assert.deepEqual(r.warnings, []);
});

test('proxy_buffering imports from any level (a flag: any case) and exports back; a bad value is a warning', async () => {
  const text = `
    proxy_buffering OFF;
    server {
        listen 8080;
        location / { proxy_pass http://127.0.0.1:1; }
        location /b { proxy_pass http://127.0.0.1:1; proxy_buffering on; }
    }
    server { listen 8081; proxy_buffering on; location / { proxy_pass http://127.0.0.1:1; } location /x { proxy_pass http://127.0.0.1:1; proxy_buffering maybe; } }
  `;
  const r = importNginxText(text);
  assert.deepEqual(r.issues, []);
  const [a, b] = r.config.servers[0]!.locations;
  const [c, x] = r.config.servers[1]!.locations;
  assert.deepEqual([a!.proxyBuffering, b!.proxyBuffering, c!.proxyBuffering, x!.proxyBuffering], [false, true, true, true]);
  assert.deepEqual(messages(r), ['8 proxy_buffering: proxy_buffering takes "on" or "off", got "maybe": dropped (nginx\'s on applies)']);
  const out = exportNginx(r.config, { shape: 'full' });
  assert.equal(out.split('proxy_buffering off;').length - 1, 1, out);
  assert.ok(!out.includes('proxy_buffering on'), 'on is nginx\'s default and is not written');
  await acceptedByNginx(out);
  assert.deepEqual(importNginxText(out).config.servers.map((s) => s.locations.map((l) => l.proxyBuffering)), [[false, true], [true, true]]);
});

test('the standard map + Upgrade/Connection over 1.1 become websocket: true (also when inherited)', () => {
  const r = importNginxText(`
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    server {
        listen 80;
        proxy_http_version 1.1;
        location /ws { proxy_pass http://127.0.0.1:1; proxy_set_header Host $host; proxy_set_header upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; }
        location / { proxy_pass http://127.0.0.1:1; }
    }
  `);
  assert.deepEqual(r.warnings, []);
  const [ws, plain] = r.config.servers[0]!.locations;
  assert.deepEqual([ws!.websocket, ws!.proxyHttpVersion, ws!.proxySetHeader], [true, '1.0', [{ name: 'Host', value: '$host' }]]);
  assert.deepEqual([plain!.websocket, plain!.proxyHttpVersion], [false, '1.1']);
});

test('the standard map under another name ($proxy_connection, as nginx-proxy writes it) is the WebSocket switch too', () => {
  const r = importNginxText(`
    map $http_upgrade $proxy_connection { default upgrade; '' close; }
    server { listen 80; location / { proxy_pass http://127.0.0.1:1; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $proxy_connection; } }
  `);
  assert.deepEqual(messages(r), ["2 map: map $http_upgrade $proxy_connection is nginx.org's standard WebSocket map under another name: read as $connection_upgrade (the WebSocket switch where a location sends it as Connection)"]);
  const l = r.config.servers[0]!.locations[0]!;
  assert.deepEqual([l.websocket, l.proxySetHeader], [true, []]);
});

test('proxy timeouts longer than the engine can time are capped, saying so; two words are named as nginx would refuse them', () => {
  const r = importNginxText('server { listen 80; location / { proxy_pass http://127.0.0.1:1; proxy_read_timeout 30d; proxy_send_timeout 1h 30m; proxy_connect_timeout 3600000; } }');
  const l = r.config.servers[0]!.locations[0]!;
  assert.deepEqual([l.proxyReadTimeout, l.proxySendTimeout, l.proxyConnectTimeout], ['2147483s', '60s', '2147483s']);
  assert.deepEqual(messages(r), [
    "1 proxy_read_timeout: proxy_read_timeout 30d is longer than Switchyard's longest timeout (2147483s, about 24.8 days): imported as 2147483s",
    '1 proxy_send_timeout: proxy_send_timeout takes one value, got 2 (nginx refuses this line; quote a time with spaces, "1h 30m"): dropped (60s applies)',
    "1 proxy_connect_timeout: proxy_connect_timeout 3600000 is longer than Switchyard's longest timeout (2147483s, about 24.8 days): imported as 2147483s",
  ]);
});

test('client_max_body_size is inherited from http and server levels, kept per location, and exported back only where it differs from 1m', () => {
  const r = importNginxText(`client_max_body_size 50M;
    server { listen 80; location / { proxy_pass http://127.0.0.1:1; } location /tiny { proxy_pass http://127.0.0.1:1; client_max_body_size 1m; } location /bad { proxy_pass http://127.0.0.1:1; client_max_body_size 1.5m; } }`);
  assert.deepEqual(r.config.servers[0]!.locations.map((l) => l.clientMaxBodySize), ['50M', '1m', '50M']);
  assert.deepEqual(messages(r), ['2 client_max_body_size: client_max_body_size takes one size such as "10m", got "1.5m": dropped (nginx\'s 1m applies)']);
  const out = exportNginx(r.config, { shape: 'full' });
  assert.deepEqual([...out.matchAll(/client_max_body_size (\S+);/g)].map((m) => m[1]), ['50M', '50M']);
});

test('a literal Connection "upgrade" stays as headers; a different map is warned about', () => {
  const lit = importNginxText('server { listen 80; location / { proxy_pass http://127.0.0.1:1; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; } }');
  const l = lit.config.servers[0]!.locations[0]!;
  assert.deepEqual([l.websocket, l.proxyHttpVersion, l.proxySetHeader.length], [false, '1.1', 2]);
  const custom = importNginxText(`map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
    server { listen 80; location / { proxy_pass http://127.0.0.1:1; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; } }`);
  assert.equal(custom.config.servers[0]!.locations[0]!.websocket, false);
  assert.ok(messages(custom).some((m) => m.startsWith('1 map: this map for $connection_upgrade differs')));
  assert.ok(messages(custom).some((m) => /^2 proxy_set_header: .*evaluates it with the standard map/.test(m)));
});

test('unevaluable variables, unmodelled directives and parameters are warnings with their line', () => {
  const r = importNginxText([
    'upstream u {',
    '    zone u 64k;',
    '    hash $ssl_session_id;',
    '    server 127.0.0.1:1 slow_start=30s;',
    '    server unix:/run/app.sock;',
    '}',
    'server {',
    '    listen 443 ssl;',
    '    listen unix:/run/nginx.sock;',
    '    location / { proxy_pass http://u; proxy_set_header X-Id $request_time; proxy_buffers 16 8k; }',
    '    location @fallback { return 502; }',
    '    location /static/ { root /srv; }',
    '    location /v { proxy_pass http://$host; }',
    '    location ~ ^/(a)$ { proxy_pass http://127.0.0.1:1; location ~ b { proxy_pass http://127.0.0.1:2; } }',
    '    location /r/ { proxy_pass http://127.0.0.1:3/; proxy_redirect default; }',
    '    location /s/ { proxy_pass http://127.0.0.1:3/; proxy_redirect off; }',
    '}',
  ].join('\n'), 'w.conf');
  assert.deepEqual(messages(r), [
    '2 zone: "zone" in upstream "u" is not modelled by Switchyard: dropped',
    '3 hash: hash key "$ssl_session_id": $ssl_session_id cannot be evaluated by Switchyard: round robin is used instead',
    '4 server: server 127.0.0.1:1: parameter "slow_start=30s" is not modelled: dropped',
    '5 server: unix socket "unix:/run/app.sock" is not modelled (TCP addresses only): server dropped',
    '8 listen: listen 443: parameter "ssl" is not modelled: dropped, so this port serves plain HTTP (TLS is not modelled)',
    '9 listen: listen "unix:/run/nginx.sock" is not modelled (an IP, "*" or localhost with a port, or a port): dropped',
    '10 proxy_set_header: proxy_set_header X-Id: $request_time cannot be evaluated by Switchyard: header dropped',
    '10 proxy_buffers: "proxy_buffers 16 8k" in location / is not modelled: with proxy_buffering on, Switchyard holds response bodies in nginx\'s default 4k buffers; dropped',
    '11 location: location @fallback: named locations are not modelled: the location is dropped',
    '12 root: "root" in location /static/ is not modelled by Switchyard: dropped',
    '12 location: location /static/ has no proxy_pass Switchyard can model: the location is dropped (only proxied routes are modelled); the requests it took go to whichever other location matches them, or get 404',
    '13 proxy_pass: proxy_pass "http://$host" uses variables before its URI part, which Switchyard does not model (variables after http://host[:port] it does): dropped',
    '13 location: location /v has no proxy_pass Switchyard can model: the location is dropped (only proxied routes are modelled); the requests it took go to whichever other location matches them, or get 404',
    '14 location: location ~ b is nested in "location ~ ^/(a)$": imported as a sibling that follows it; as a sibling it also matches URIs "location ~ ^/(a)$" does not (nginx tried it only for URIs that one matched)',
    '16 proxy_redirect: "proxy_redirect off" in location /s/ is not modelled: Switchyard rewrites upstream redirects as nginx\'s "proxy_redirect default" does; dropped',
  ]);
  assert.ok(r.warnings.every((w) => w.file === 'w.conf'));
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.config.servers[0]!.locations.map((l) => l.path), ['/', '^/(a)$', 'b', '/r/', '/s/']);
});

test('a regex nested in a prefix location says what flattening changes: never reached under ^~, matching outside a plain prefix', () => {
  const r = importNginxText([
    'server { listen 80;',
    '  location ^~ /static/ { proxy_pass http://127.0.0.1:1;',
    '    location ~ \\.map$ { proxy_pass http://127.0.0.1:2; } }',
    '  location /api/ { proxy_pass http://127.0.0.1:1;',
    '    location ~ /ws$ { proxy_pass http://127.0.0.1:3; } }',
    '  location / { proxy_pass http://127.0.0.1:1; } }',
  ].join('\n'));
  assert.deepEqual(messages(r), [
    '3 location: location ~ \\.map$ is nested in "location ^~ /static/": imported as a sibling that follows it; as a sibling it is never reached for the URIs "location ^~ /static/" matches (that location stops the regex search), the ones it was for, and it now matches URIs outside "/static/" that nginx sent elsewhere',
    '5 location: location ~ /ws$ is nested in "location /api/": imported as a sibling that follows it; as a sibling it also matches URIs outside "/api/" (nginx tried it only for URIs "location /api/" matched)',
  ]);
});

test('dropped access control says the route is now open; a dropped rewrite says the URI is not rewritten', () => {
  const r = importNginxText('server { listen 80; auth_basic "R"; location /internal/ { allow 127.0.0.2; auth_request /oauth; proxy_pass http://127.0.0.1:1; } location /p/ { auth_basic off; rewrite ^(/g)?(/.*) $2 break; proxy_pass http://127.0.0.1:1; } }\n');
  const said = new Map(r.warnings.map((w) => [w.directive, w.message]).reverse() as Array<[string, string]>); // (the first of each)
  assert.match(said.get('auth_basic')!, /in server .*dropped, so this server's routes are reachable without it \(WebSocket upgrades too\)/);
  assert.match(said.get('allow')!, /dropped \(allow and deny rules are not modelled: every address reaches this route\)/);
  assert.match(said.get('auth_request')!, /dropped, so this route is reachable without it/);
  assert.match(said.get('rewrite')!, /the URI goes upstream as proxy_pass makes it, not rewritten/);
  assert.equal(r.warnings.filter((w) => /reachable without it/.test(w.message)).length, 2, '"auth_basic off" opens nothing');
});

test('a $connection_upgrade map that leaves Connection out of plain requests says that they get "Connection: close" instead', () => {
  const r = importNginxText("map $http_upgrade $connection_upgrade { default upgrade; '' ''; }\nserver { listen 80; location / { proxy_pass http://127.0.0.1:1; } }\n");
  assert.match(messages(r)[0]!, /^1 map: this map for \$connection_upgrade differs from the standard one .*a request without Upgrade then sends "Connection: close" where this map leaves Connection out/);
  const keepAlive = importNginxText("map $http_upgrade $connection_upgrade { default upgrade; '' keep-alive; }\nserver { listen 80; location / { proxy_pass http://127.0.0.1:1; } }\n");
  assert.match(messages(keepAlive)[0]!, /where this map gives "keep-alive"$/);
});

test('a header validation refuses is named by its own proxy_set_header line, not its location\'s', () => {
  const r = importNginxText('server {\n listen 80;\n location / {\n  proxy_pass http://127.0.0.1:1;\n  proxy_set_header X-A "a";\n  proxy_set_header X-Bad "a\\rb";\n }\n}\n');
  assert.deepEqual(r.issues.map((i) => [i.path, i.source?.line]), [['servers[0].locations[0].proxySetHeader[1].value', 6]]);
});

test('variable names in any case are kept, as nginx reads them case-insensitively', () => {
  const r = importNginxText('upstream u { hash $Remote_Addr; server 127.0.0.1:1; } server { listen 80; location / { proxy_pass http://u; proxy_set_header Host $HOST; proxy_set_header X-Foo $http_X_Foo; } }');
  assert.deepEqual([r.warnings, r.issues], [[], []]);
  assert.deepEqual(r.config.upstreams[0]!.method, { type: 'hash', key: '$Remote_Addr', consistent: false });
  assert.deepEqual(r.config.servers[0]!.locations[0]!.proxySetHeader, [{ name: 'Host', value: '$HOST' }, { name: 'X-Foo', value: '$http_X_Foo' }]);
});

test('server_names_hash_bucket_size / proxy_headers_hash_bucket_size are accepted silently: an export with long names round-trips', () => {
  const long = `${'n'.repeat(60)}.test`;
  const text = [
    'server_names_hash_bucket_size 128;',
    'proxy_headers_hash_bucket_size 128;',
    `server { listen 127.0.0.1:80; server_name ${long}; location / { proxy_pass http://127.0.0.1:1; proxy_set_header X-${'h'.repeat(60)} 1; proxy_headers_hash_bucket_size 256; } }`,
    'server { listen 127.0.0.1:80; server_name b.test; location / { proxy_pass http://127.0.0.1:2; } }',
  ].join('\n');
  const r = importNginxText(text);
  assert.deepEqual([r.warnings, r.issues], [[], []]);
  assert.deepEqual(r.config.servers[0]!.serverNames, [long]);
  const out = exportNginx(r.config, { shape: 'full' });
  assert.match(out, /server_names_hash_bucket_size 128;\n {4}proxy_headers_hash_bucket_size 128;/);
  const again = importNginxText(out);
  assert.deepEqual([again.warnings, again.config], [[], r.config]);
  assert.equal(exportNginx(again.config, { shape: 'full' }), out);
});

test('import validates the result and reports problems', () => {
  const r = importNginxText('server { listen 80; location ~ /a { proxy_pass http://127.0.0.1:1/x; } }');
  assert.deepEqual(r.issues.map((i) => `${i.path} ${i.code}`), ['servers[0].locations[0].proxyPass proxy_pass_uri_in_regex']);
});

test('a proxy timeout of 0 (nginx: time out at once) is kept, so the import fails validation at each location it reaches', () => {
  const r = importNginxText('proxy_read_timeout 0; server { listen 80; location / { proxy_pass http://127.0.0.1:1; } location /b { proxy_pass http://127.0.0.1:1; proxy_read_timeout 5s; proxy_connect_timeout 0s; } }');
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.issues.map((i) => `${i.path} ${i.code}`), ['servers[0].locations[0].proxyReadTimeout zero_timeout', 'servers[0].locations[1].proxyConnectTimeout zero_timeout']);
});

test('a server without listen gets nginx\'s *:80, with a warning', () => {
  const r = importNginxText('server { server_name a; }', 'n.conf');
  assert.deepEqual(r.config.servers[0]!.listen, [{ address: '80', defaultServer: false }]);
  assert.match(messages(r)[0]!, /^1 server: server has no "listen"/);
});

test('seed note: the WebSocket location and its upstream import with nothing lost', async () => {
  const r = importNginxText(await fixture('seed-websocket.conf'), 'seed-websocket.conf');
  // (but what nginx answers itself, outside its locations)
  assert.deepEqual(messages(r).map((m) => m.slice(0, m.indexOf(':'))), ['13 server']);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.config.upstreams[0]!.servers.map((s) => s.address), ['localhost:8080', 'localhost:8081', 'localhost:8082', '10.20.1.2:8080', '10.20.1.2:8081']);
  const s = r.config.servers[0]!;
  assert.deepEqual([s.listen, s.serverNames], [[{ address: '*:80', defaultServer: true }], ['www.xxx.net']]);
  assert.deepEqual(s.locations[0], {
    name: '', modifier: '', path: '/ver', proxyPass: 'http://localhost:9010', websocket: false, proxyHttpVersion: '1.1',
    proxySetHeader: [{ name: 'Upgrade', value: '$http_upgrade' }, { name: 'Connection', value: 'upgrade' }, { name: 'Host', value: '$proxy_host' }],
    proxyConnectTimeout: '5s', proxySendTimeout: '15s', proxyReadTimeout: '86400s', proxyNextUpstream: ['error', 'timeout'], proxyNextUpstreamTries: 0, proxyBuffering: true, clientMaxBodySize: '1m',
  });
  assert.deepEqual(s.locations[1]!.proxyPass, 'http://backends');
});

test('seed note verbatim: its "//" remark swallows proxy_pass, and the import says so', async () => {
  const r = importNginxText(await fixture('seed-websocket-verbatim.conf'), 'v.conf');
  assert.deepEqual(r.config.servers[0]!.locations, []);
  const m = messages(r);
  assert.match(m[0]!, /^14 \/\/默认60s: "\/\/" does not start a comment in nginx.*proxy_pass http:\/\/localhost:9010/);
  assert.match(m[1]!, /^6 location: location \/ver has no proxy_pass/);
});

test('each included file is read once, also one found in a folder above a snippet', async () => {
  const files: Record<string, string> = {
    '/x/sites/app.conf': 'server {\n  listen 8080;\n  include snippets/ws.conf;\n  include /x/common.conf;\n  location / { proxy_pass http://127.0.0.1:1; }\n}\n',
    '/x/snippets/ws.conf': 'proxy_read_timeout 5s;\n',
    '/x/common.conf': 'proxy_connect_timeout 3s;\n',
  };
  const { reader, reads } = memoryReader(files);
  const r = await importNginx('/x/sites/app.conf', reader);
  assert.deepEqual(r.issues, []);
  assert.equal(r.config.servers[0]!.locations[0]!.proxyReadTimeout, '5s');
  assert.equal(r.config.servers[0]!.locations[0]!.proxyConnectTimeout, '3s');
  assert.deepEqual(reads.filter((p) => files[p] !== undefined).sort(), Object.keys(files).sort(), 'every file once');
});

test('Debian\'s nginx.conf with its includes: every directive accounted for', async () => {
  const r = await importNginx('/etc/nginx/nginx.conf', debianReader);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.config.servers, [{
    listen: [{ address: '80', defaultServer: true }, { address: '[::]:80', defaultServer: true }], serverNames: ['_'], locations: [],
  }]);
  const where = r.warnings.map((w) => `${w.file.replace('/etc/nginx/', '')}:${w.line} ${w.directive}`);
  for (const d of ['nginx.conf:1 user', 'nginx.conf:2 worker_processes', 'nginx.conf:8 worker_connections', 'nginx.conf:46 gzip', 'mime.types:2 types',
    'sites-enabled/default:41 root', 'sites-enabled/default:51 try_files', 'sites-enabled/default:48 location']) {
    assert.ok(where.includes(d), `missing warning ${d} in ${where.join(', ')}`);
  }
  assert.ok(r.warnings.every((w) => w.file.startsWith('/etc/nginx/') && w.line > 0 && w.message.length > 0));
});

test('Debian\'s sites-available/default alone', async () => {
  const r = importNginxText(await fixture('debian/sites-available/default'), 'default');
  assert.deepEqual(messages(r).map((m) => m.split(':')[0]), ['41 root', '44 index', '51 try_files', '48 location']);
});

const snippets: Array<[string, (r: Awaited<ReturnType<typeof importNginx>>) => void]> = [
  ['nginx-org-websocket.conf', (r) => {
    assert.deepEqual(messages(r).map((m) => m.slice(0, m.indexOf(':'))), ['4 worker_connections', '17 server']);
    assert.match(messages(r)[1]!, /server has no "location \/": nginx answers the requests none of its locations match from its root folder/);
    const l = r.config.servers[0]!.locations[0]!;
    assert.deepEqual([l.path, l.proxyPass, l.websocket, l.proxySetHeader], ['/chat/', 'http://backend', true, []]);
  }],
  ['socketio.conf', (r) => {
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.config.upstreams[0]!.method, { type: 'hash', key: '$remote_addr', consistent: true });
    const l = r.config.servers[0]!.locations[0]!;
    assert.deepEqual([l.websocket, l.proxyHttpVersion, l.proxySetHeader.map((h) => h.name)], [false, '1.1', ['X-Forwarded-For', 'Host', 'Upgrade', 'Connection']]);
  }],
  ['node-app.conf', (r) => {
    assert.deepEqual(messages(r), ['14 proxy_cache_bypass: "proxy_cache_bypass" in location / is not modelled by Switchyard: dropped']);
    assert.deepEqual(r.config.servers[0]!.listen.map((l) => l.address), ['80', '[::]:80']);
    assert.deepEqual(r.config.servers[0]!.serverNames, ['example.com', 'www.example.com']);
  }],
  ['upstream-ip-hash.conf', (r) => {
    const u = r.config.upstreams[0]!;
    assert.deepEqual([u.method, u.keepalive, u.servers.map((s) => [s.weight, s.maxFails, s.failTimeout, s.down])], [{ type: 'ip_hash' }, 32, [[3, 1, '10s', false], [1, 3, '30s', false], [1, 1, '10s', true]]]);
    const [sock, api] = r.config.servers[0]!.locations;
    assert.deepEqual([sock!.name, sock!.websocket, sock!.proxySetHeader, sock!.proxyReadTimeout], ['sockets', true, [], '3600s']);
    assert.deepEqual([api!.proxySetHeader.map((h) => h.name), api!.proxyReadTimeout, api!.proxyNextUpstream, api!.proxyNextUpstreamTries], [['Host', 'X-Real-IP', 'X-Forwarded-For'], '3600s', ['error', 'timeout', 'http_502'], 2]);
    assert.deepEqual(messages(r).map((m) => m.split(':')[0]), ['14 keepalive_timeout', '18 listen', '18 listen', '20 ssl_certificate', '21 ssl_certificate_key', '34 proxy_set_header', '44 return', '43 location', '17 server']);
  }],
  ['proxy-params/nginx.conf', (r) => {
    const [root, live] = r.config.servers[0]!.locations;
    assert.deepEqual(root!.proxySetHeader.map((h) => `${h.name}: ${h.value}`), ['Host: $host', 'X-Real-IP: $remote_addr', 'X-Forwarded-For: $proxy_add_x_forwarded_for', 'X-Forwarded-Proto: $scheme']);
    assert.deepEqual([live!.websocket, live!.proxySetHeader], [true, [{ name: 'Host', value: '$host' }]]);
    assert.deepEqual(messages(r).map((m) => m.split(':')[0]), ['17 root']);
  }],
];
for (const [name, check] of snippets) {
  test(`published snippet ${name}: imports, and its export passes nginx -t and re-imports identically`, async () => {
    const r = await importNginx(`${FIX}${name}`, fsReader);
    assert.deepEqual(r.issues, []);
    check(r);
    const text = exportNginx(r.config, { shape: 'full' });
    await acceptedByNginx(text);
    const again = importNginxText(text, 'exported.conf');
    assert.deepEqual(again.warnings, []);
    assert.deepEqual(again.config, r.config);
    assert.equal(exportNginx(again.config, { shape: 'full' }), text);
  });
}

test('the original fixtures themselves pass nginx -t (they are real configurations)', async () => {
  for (const name of ['nginx-org-websocket.conf', 'proxy-params/nginx.conf']) {
    const text = (await fixture(name)).replace('include proxy_params;', await fixture('proxy-params/proxy_params'));
    await acceptedByNginx(text);
  }
  await acceptedByNginx(`events {}\nhttp {\n${await fixture('seed-websocket.conf')}\n}`);
});

test('a dropped answer of nginx its own says where its requests go instead (return), or that the route is open (deny)', () => {
  const r = importNginxText('server { listen 80; return 301 https://$host$request_uri; location / { deny all; proxy_pass http://127.0.0.1:1; } }');
  assert.deepEqual(messages(r), [
    '1 return: "return 301 https://$host$request_uri" in server is not modelled by Switchyard: dropped; its requests are proxied (or get 404) instead',
    '1 deny: "deny all" in location / is not modelled by Switchyard: dropped, so this route is reachable without it (WebSocket upgrades too)',
  ]);
});

test('an ingress-nginx (OpenResty) nginx.conf imports: each Lua block is one warning saying what is lost', async () => {
  const r = importNginxText(await fixture('ingress-nginx.conf'), 'nginx.conf');
  const lua = r.warnings.filter((w) => w.directive.endsWith('_by_lua_block')).map((w) => `${w.line} ${w.directive}`);
  assert.deepEqual(lua, ['26 init_by_lua_block', '46 init_worker_by_lua_block', '164 balancer_by_lua_block', '192 rewrite_by_lua_block', '205 header_filter_by_lua_block', '210 body_filter_by_lua_block', '214 log_by_lua_block']);
  assert.ok(messages(r).includes('115 map: map $request_uri $loggable: maps are not modelled (with 1 entry): dropped; values using its variable are dropped too'));
  assert.match(messages(r).find((m) => m.startsWith('164 '))!, /is Lua code \(OpenResty\), which Switchyard does not run: dropped; the peers it picks are lost/);
  const l = r.config.servers[0]!.locations[0]!;
  assert.deepEqual([l.path, l.proxyPass, l.proxyConnectTimeout, l.proxyNextUpstreamTries], ['/', 'http://upstream_balancer', '5s', 3]);
  assert.equal(r.config.upstreams[0]!.keepalive, 320);
});

test('proxy_pass to a host name without a port and no such upstream (a Docker service) gets nginx\'s port 80, saying so', () => {
  const r = importNginxText('upstream Api { server 127.0.0.1:1; }\nserver {\n  listen 80;\n  location / { proxy_pass http://web; }\n  location /v1/ {\n    proxy_pass http://backend.internal/api/;\n  }\n  location /a/ { proxy_pass http://api; }\n  location /l/ { proxy_pass http://localhost; }\n  location /i/ { proxy_pass http://10.0.0.2/; }\n}');
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.config.servers[0]!.locations.map((l) => l.proxyPass), ['http://web:80', 'http://backend.internal:80/api/', 'http://api', 'http://localhost', 'http://10.0.0.2/']);
  assert.deepEqual(messages(r), [
    '4 proxy_pass: no upstream "web" is defined in the imported files, so nginx resolves "web" as a host name and connects to port 80: imported as "http://web:80"',
    '6 proxy_pass: no upstream "backend.internal" is defined in the imported files, so nginx resolves "backend.internal" as a host name and connects to port 80: imported as "http://backend.internal:80/api/"',
  ]);
});

test('proxy_pass: the scheme in any case, as nginx reads it; https:// is named as what is missing', () => {
  const r = importNginxText('server {\n  listen 80;\n  location / { proxy_pass HTTP://127.0.0.1:1/A; }\n  location /s { proxy_pass https://api.example.com; }\n}');
  assert.deepEqual(r.config.servers[0]!.locations.map((l) => l.proxyPass), ['http://127.0.0.1:1/A']);
  assert.equal(messages(r)[0], '4 proxy_pass: proxy_pass "https://api.example.com": Switchyard speaks plain HTTP to upstreams (https:// is not modelled): dropped');
});
