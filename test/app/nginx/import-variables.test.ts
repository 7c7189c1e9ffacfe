// Importing the variables real nginx.conf files use: the request variables, named regex groups
// (variables for the whole file, wherever the regex is), $binary_remote_addr in a hash key; the
// export of what was imported passes nginx -t.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importNginxText } from '../../../app/nginx/import.ts';
import { exportNginx } from '../../../app/nginx/export.ts';
import { findNginx, nginxTest, privateNginxConf } from '../../../main/nginx/binary.ts';

const messages = (r: { warnings: Array<{ line: number; directive: string; message: string }> }) => r.warnings.map((w) => `${w.line} ${w.directive}: ${w.message}`);

const CONF = [
  'upstream app { hash $binary_remote_addr consistent; server 127.0.0.1:1; server 127.0.0.1:2; }',
  'server {',
  '    listen 80;',
  '    server_name ~^(?<tenant>[a-z]+)\\.example\\.com$;',
  '    location / {',
  '        proxy_pass http://app;',
  '        proxy_set_header X-Request-ID $request_id;',
  '        proxy_set_header X-Tenant $tenant;',
  '        proxy_set_header X-Version $ver;',
  '        proxy_set_header X-Auth-User $remote_user;',
  '        proxy_set_header X-Line "$request $msec $time_iso8601 c$connection/$connection_requests";',
  '        proxy_set_header X-Bin $binary_remote_addr;',
  '        proxy_set_header X-V $nginx_version;',
  '    }',
  '    location /api/ { location ~ ^/api/(?<ver>v\\d+)/ { proxy_pass http://app; } }',
  '}',
].join('\n');

test('request variables and named groups import (a group of a nested regex too); a binary value in a header, or an unknown variable, is dropped with a warning', () => {
  const r = importNginxText(CONF, 'app.conf');
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.config.upstreams[0]!.method, { type: 'hash', key: '$binary_remote_addr', consistent: true });
  assert.deepEqual(r.config.servers[0]!.locations[0]!.proxySetHeader.map((h) => h.name), ['X-Request-ID', 'X-Tenant', 'X-Version', 'X-Auth-User', 'X-Line']);
  const w = messages(r);
  assert.ok(w.includes('12 proxy_set_header: proxy_set_header X-Bin: $binary_remote_addr is raw bytes (NUL among them), which Switchyard takes in a hash key only: header dropped'), w.join('\n'));
  assert.ok(w.includes('13 proxy_set_header: proxy_set_header X-V: $nginx_version cannot be evaluated by Switchyard: header dropped'), w.join('\n'));
});

test('the export of an imported config with named groups and request variables passes nginx -t', async () => {
  assert.ok(findNginx(), 'nginx must be installed for this test (apt-get install -y nginx)');
  const r = importNginxText(CONF, 'app.conf');
  const t = await nginxTest(privateNginxConf(exportNginx(r.config, { shape: 'snippet' })));
  assert.equal(t.ok, true, t.output);
});

test('a named group of a regex the import drops (a location without proxy_pass, a server without a listen it models) takes its headers and hash keys with it, each warned of: the result is valid', () => {
  const r = importNginxText([
    'upstream app { hash $file; server 127.0.0.1:1; server 127.0.0.1:2; }',
    'server { listen unix:/run/x.sock; server_name ~^(?<site>[a-z]+)\\.test$; }',
    'server {',
    '    listen 80;',
    '    location ~ ^/static/(?<file>.+)$ { root /srv; }',
    '    location / {',
    '        proxy_pass http://app;',
    '        proxy_set_header X-File $file;',
    '        proxy_set_header X-Site "${site}!";',
    '        proxy_set_header X-Id $request_id;',
    '    }',
    '}',
  ].join('\n'), 'app.conf');
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.config.servers[0]!.locations.map((l) => [l.path, l.proxySetHeader.map((h) => h.name)]), [['/', ['X-Id']]]);
  assert.deepEqual(r.config.upstreams[0]!.method, { type: 'round_robin' });
  const w = messages(r);
  for (const line of [
    '8 proxy_set_header: proxy_set_header X-File: $file is a named group of a regex the import dropped (above): header dropped',
    '9 proxy_set_header: proxy_set_header X-Site: $site is a named group of a regex the import dropped (above): header dropped',
    '1 hash: hash key "$file": $file is a named group of a regex the import dropped (above): round robin is used instead',
  ]) assert.ok(w.includes(line), `${line}\nin\n${w.join('\n')}`);
});

test('a proxy_pass with variables: "proxy_redirect default" beside it is named (nginx -t refuses it), and a dropped one says why it is', () => {
  const r = importNginxText([
    'upstream backend { server 127.0.0.1:1; }',
    'server {',
    '    listen 80;',
    '    location /a/ { proxy_pass http://backend$request_uri; proxy_redirect default; }',
    '    location /b/ { proxy_pass https://backend$request_uri; }',
    '    location /c/ { proxy_pass "http://backend/a b$uri"; }',
    '    location /d/ { proxy_pass $scheme://backend; }',
    '}',
  ].join('\n'), 'v.conf');
  assert.deepEqual(messages(r).filter((m) => /^\d+ proxy_/.test(m)), [
    '4 proxy_redirect: "proxy_redirect default" beside a "proxy_pass" with variables (nginx -t refuses this: such a proxy_pass has no default rewrite; Switchyard rewrites no redirect for it, as "proxy_redirect off" does): dropped',
    '5 proxy_pass: proxy_pass "https://backend$request_uri": Switchyard speaks plain HTTP to upstreams (https:// is not modelled): dropped',
    '6 proxy_pass: proxy_pass "http://backend/a b$uri" is not modelled (http://upstream, http://host:port[/uri]): dropped',
    '7 proxy_pass: proxy_pass "$scheme://backend" uses variables before its URI part, which Switchyard does not model (variables after http://host[:port] it does): dropped',
  ]);
  assert.deepEqual(r.config.servers[0]!.locations.map((l) => l.proxyPass), ['http://backend$request_uri']);
});

test('a proxy_pass with variables to a name that is no upstream stays as written (nginx resolves it per request, not at port 80 once): an issue, no ":80" rewrite', () => {
  const r = importNginxText('server { listen 80; location / { proxy_pass http://app$request_uri; } }', 'p.conf');
  assert.equal(r.config.servers[0]!.locations[0]!.proxyPass, 'http://app$request_uri');
  assert.deepEqual(messages(r).filter((m) => m.includes('port 80')), []);
  assert.deepEqual(r.issues.map((i) => i.code), ['variable_proxy_pass_host']);
});

test('a variable one or two slips from one nginx knows is named with the one it likely meant: nginx -t refuses the file ("unknown variable"), not only Switchyard', () => {
  const r = importNginxText([
    'map $http_upgrade $connection_upgrade { default upgrade; \'\' close; }',
    'map $http_x_tenant $tenat { default a; }',
    'upstream app { hash $remote_adr; server 127.0.0.1:1; server 127.0.0.1:2; }',
    'server {',
    '    listen 80;',
    '    location / {',
    '        proxy_pass http://app;',
    '        proxy_http_version 1.1;',
    '        proxy_set_header Upgrade $http_upgrade;',
    '        proxy_set_header Connection $conection_upgrade;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forward_for;',
    '        proxy_set_header X-Tenant $tenat;',
    '        proxy_set_header X-Time $request_tme;',
    '        proxy_set_header X-Scheme $request_scheme;',
    '    }',
    '}',
  ].join('\n'), 'app.conf');
  const refuses = 'nginx -t refuses a variable it does not know';
  assert.deepEqual(messages(r).filter((m) => !m.includes('maps are not modelled')), [
    `3 hash: hash key "$remote_adr": $remote_adr cannot be evaluated by Switchyard (did you mean "$remote_addr"? ${refuses}): round robin is used instead`,
    `10 proxy_set_header: proxy_set_header Connection: $conection_upgrade cannot be evaluated by Switchyard (did you mean "$connection_upgrade"? ${refuses}): header dropped`,
    `11 proxy_set_header: proxy_set_header X-Forwarded-For: $proxy_add_x_forward_for cannot be evaluated by Switchyard (did you mean "$proxy_add_x_forwarded_for"? ${refuses}): header dropped`,
    // a map of the file's own defines $tenat (dropped, as maps are): no slip
    '12 proxy_set_header: proxy_set_header X-Tenant: $tenat cannot be evaluated by Switchyard: header dropped',
    // $request_time is nginx's: the one it likely meant, though Switchyard does not evaluate it either
    `13 proxy_set_header: proxy_set_header X-Time: $request_tme cannot be evaluated by Switchyard (did you mean "$request_time"? ${refuses}): header dropped`,
    // nothing near enough to name
    '14 proxy_set_header: proxy_set_header X-Scheme: $request_scheme cannot be evaluated by Switchyard: header dropped',
  ]);
});

test('a proxy_pass made of variables the server sets once to fixed text (Nginx Proxy Manager\'s "$forward_scheme://$server:$port$request_uri") is read with their values, still a proxy_pass with variables', () => {
  const r = importNginxText([
    'server {',
    '  set $forward_scheme http;',
    '  set $server         "127.0.0.1";',
    '  set $port           8123;',
    '  set $unused x;',
    '  set $changed a;',
    '  listen 80;',
    '  if ($http_x_b) { set $changed b; }',
    '  location / { proxy_set_header Host $host; proxy_pass $forward_scheme://$server:$port$request_uri; }',
    '  location /b/ { proxy_pass http://$changed:81$request_uri; }',
    // no variable left once read: another kind of proxy_pass (it would rewrite redirects), left as it is
    '  location /c/ { proxy_pass $forward_scheme://$server:$port; }',
    '}',
  ].join('\n'));
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.config.servers[0]!.locations.map((l) => l.proxyPass), ['http://127.0.0.1:8123$request_uri']);
  assert.deepEqual(messages(r).map((m) => m.replace(/(dropped).*/, '$1')), [
    '5 set: "set" in server is not modelled by Switchyard: dropped',
    '6 set: "set" in server is not modelled by Switchyard: dropped',
    '8 if: "if ($http_x_b)" in server is not modelled by Switchyard: dropped',
    '9 proxy_pass: proxy_pass "$forward_scheme://$server:$port$request_uri": $forward_scheme, $server, $port are set once in this server to fixed text (lines 2, 3, 4), read in: "http://127.0.0.1:8123$request_uri"',
    '10 proxy_pass: proxy_pass "http://$changed:81$request_uri" uses variables before its URI part, which Switchyard does not model (variables after http://host[:port] it does): dropped',
    '10 location: location /b/ has no proxy_pass Switchyard can model: the location is dropped',
    '11 proxy_pass: proxy_pass "$forward_scheme://$server:$port" uses variables before its URI part, which Switchyard does not model (variables after http://host[:port] it does): dropped',
    '11 location: location /c/ has no proxy_pass Switchyard can model: the location is dropped',
  ]);
});
