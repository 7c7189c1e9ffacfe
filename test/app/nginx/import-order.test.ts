// Import cases where what nginx does depends on the order or the form of what is written:
// `keepalive` before the balancing method, a `backup` server before it, `set_by_lua_block $var`,
// a second `http` block, `ipv6only=on`, and include globs with a wildcard in a middle folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importNginx, importNginxText } from '../../../app/nginx/import.ts';
import { memoryReader, nginxTakes } from './models.ts';

const messages = (r: { warnings: Array<{ line: number; message: string }> }) => r.warnings.map((w) => `${w.line}: ${w.message}`);

test('keepalive written before the method: nginx keeps no connection ("load balancing method redefined"), so neither does the import', () => {
  for (const method of ['least_conn', 'ip_hash', 'hash $request_uri', 'random']) {
    const r = importNginxText(`upstream u {\n  keepalive 4;\n  ${method};\n  server 127.0.0.1:1;\n}\nserver { listen 8080; location / { proxy_pass http://u; } }\n`);
    assert.equal(r.config.upstreams[0]!.keepalive, 0, method);
    assert.deepEqual(messages(r), [`2: keepalive before "${method.split(' ')[0]}" (line 3): nginx's method replaces keepalive's connection cache ("load balancing method redefined"), so no connection is kept: keepalive dropped (write it after the method)`]);
  }
  // after the method, as nginx.org writes it: kept, nothing to say
  const after = importNginxText('upstream u { least_conn; server 127.0.0.1:1; keepalive 4; }\nserver { listen 8080; location / { proxy_pass http://u; } }\n');
  assert.equal(after.config.upstreams[0]!.keepalive, 4);
  assert.deepEqual(after.warnings, []);
});

test('a backup server before hash/ip_hash/random (nginx -t takes that order) is dropped with a warning, not called refused', async () => {
  const text = 'upstream u {\n  server 127.0.0.1:1;\n  server 127.0.0.1:2 backup;\n  hash $uri;\n}\nserver { listen 8080; location / { proxy_pass http://u; } }\n';
  await nginxTakes(text);
  const r = importNginxText(text);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.config.upstreams[0]!.servers.map((s) => s.address), ['127.0.0.1:1']);
  assert.deepEqual(messages(r), ['3: backup server before "hash": nginx accepts this order (it checks backup against the method only once the method is read), but Switchyard models no backup server with "hash": server dropped']);
  // after the method nginx refuses it, and validation says so
  const refused = importNginxText('upstream u { hash $uri; server 127.0.0.1:1; server 127.0.0.1:2 backup; }\nserver { listen 8080; location / { proxy_pass http://u; } }\n');
  assert.equal(refused.issues.length, 1);
  assert.match(refused.issues[0]!.message, /backup/);
});

test('set_by_lua_block $var { ... } is skipped as Lua like the other *_by_lua_block directives', () => {
  const r = importNginxText('server { listen 8080; location / {\n  set_by_lua_block $backend {\n    -- don\'t use "}" here\n    local t = { a = 1 }\n    return \'b\'\n  }\n  proxy_pass http://127.0.0.1:1;\n} }\n');
  assert.deepEqual(r.issues, []);
  assert.equal(r.config.servers[0]!.locations[0]!.proxyPass, 'http://127.0.0.1:1');
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!.message, /set_by_lua_block/);
});

test('a second http block is named as what nginx refuses; ipv6only=on on an IPv6 listen is the default, said nothing of', () => {
  const two = importNginxText('events {}\nhttp { server { listen 8080; location / { proxy_pass http://127.0.0.1:1; } } }\nhttp { server { listen 8081; location / { proxy_pass http://127.0.0.1:2; } } }\n');
  assert.deepEqual(messages(two), ['3: a second "http" block: nginx refuses the file ("http" directive is duplicate); its contents are imported with the first one\'s']);
  assert.equal(two.config.servers.length, 2);
  const v6 = importNginxText('server { listen [::]:8080 ipv6only=on; location / { proxy_pass http://127.0.0.1:1; } }\n');
  assert.deepEqual(v6.warnings, []);
  assert.equal(v6.config.servers[0]!.listen[0]!.address, '[::]:8080');
});

test('ipv6only=off (one dual-stack socket in nginx) is imported as an IPv6 and an IPv4 listen, default_server on both, and said; proxy_protocol says what a dropped PROXY header does', () => {
  const r = importNginxText('server { listen [::]:8080 default_server ipv6only=off; listen 8443 proxy_protocol; location / { proxy_pass http://127.0.0.1:1; } }\n');
  assert.deepEqual(r.config.servers[0]!.listen, [{ address: '[::]:8080', defaultServer: true }, { address: '8080', defaultServer: true }, { address: '8443', defaultServer: false }]);
  assert.deepEqual(r.issues, []);
  const dual = messages(r).find((m) => m.includes('ipv6only'));
  const proxyProtocol = messages(r).find((m) => m.includes('proxy_protocol'));
  assert.match(dual!, /^1: listen \[::\]:8080 ipv6only=off: .*imported as two listens, \[::\]:8080 and 8080 \(IPv4\)/);
  assert.match(proxyProtocol!, /proxy_protocol.*expects plain HTTP; a load balancer that sends the PROXY header first gets 400/);
});

test('ipv6only=off: another server on [::]:P shares the socket, so it takes IPv4 clients too; "080" is port 80', () => {
  const r = importNginxText('server { listen [::]:80 ipv6only=off default_server; location / { proxy_pass http://127.0.0.1:1; } } server { listen [::]:80; server_name b; location / { proxy_pass http://127.0.0.1:2; } }\n');
  assert.deepEqual(r.config.servers.map((s) => s.listen.map((l) => `${l.address}${l.defaultServer ? ' default' : ''}`)), [['[::]:80 default', '80 default'], ['[::]:80', '80']]);
  assert.match(messages(r)[0]!, /so do the 1 other server\(s\) on \[::\]:80/);
  const padded = importNginxText('server { listen [::]:080 ipv6only=off; listen 80; location / { proxy_pass http://127.0.0.1:1; } }\n');
  assert.deepEqual(padded.issues, []);
  assert.match(messages(padded).join('\n'), /nginx cannot start with this file/);
});

test('ipv6only=off beside another listen of IPv4 port P (nginx cannot start such a file) stays IPv6 only, and says why', () => {
  for (const [conf, other] of [
    ['server { listen [::]:8080 ipv6only=off; listen 8080; location / { proxy_pass http://127.0.0.1:1; } }', '8080'],
    ['server { listen [::]:8080 ipv6only=off default_server; location / { proxy_pass http://127.0.0.1:1; } } server { listen *:8080 default_server; location / { proxy_pass http://127.0.0.1:2; } }', '*:8080'],
    ['server { listen 127.0.0.1:8080; listen [::]:8080 ipv6only=off; location / { proxy_pass http://127.0.0.1:1; } }', '127.0.0.1:8080'],
  ] as const) {
    const r = importNginxText(`${conf}\n`);
    assert.deepEqual(r.issues, [], conf);
    assert.equal(r.config.servers.flatMap((s) => s.listen).filter((l) => l.address === '8080').length, other === '8080' ? 1 : 0, conf);
    assert.match(messages(r).join('\n'), new RegExp(`nginx cannot start with this file .*"listen ${other.replace('*', '\\*')}" binds it as well`), conf);
  }
});

test('http-level settings in a file with no server (a conf.d file given beside the sites) reach no imported server, and are said', async () => {
  const files: Record<string, string> = {
    '/x/websocket.conf': "map $http_upgrade $connection_upgrade { default upgrade; '' close; }\nproxy_read_timeout 300s;\nclient_max_body_size 20m;\n",
    '/x/app': 'server { listen 8080; location / { proxy_pass http://127.0.0.1:1; } }\n',
  };
  const r = await importNginx(['/x/websocket.conf', '/x/app'], memoryReader(files, {}).reader);
  assert.equal(r.config.servers[0]!.locations[0]!.proxyReadTimeout, '60s');
  assert.deepEqual(r.warnings.map((w) => `${w.file}:${w.line}: ${w.directive}`), ['/x/websocket.conf:2: proxy_read_timeout', '/x/websocket.conf:3: client_max_body_size']);
  assert.match(r.warnings[0]!.message, /^set at http level in a file with no server, so no imported server gets it/);
  // through the nginx.conf that includes both, they apply, and nothing is said
  files['/x/nginx.conf'] = 'http { include websocket.conf; include app; }\n';
  const whole = await importNginx('/x/nginx.conf', memoryReader(files, {}).reader);
  assert.equal(whole.config.servers[0]!.locations[0]!.proxyReadTimeout, '300s');
  assert.deepEqual(whole.warnings, []);
});

test('an include glob with a wildcard folder reads the folders that have the file, and warns of none that lack it', async () => {
  const files: Record<string, string> = {
    '/x/nginx.conf': 'http { include sites/*/site.conf; }\n',
    '/x/sites/a/site.conf': 'server { listen 8080; location / { proxy_pass http://127.0.0.1:1; } }\n',
  };
  const dirs: Record<string, string[]> = { '/x/sites': ['a', 'b'], '/x/sites/a': ['site.conf'], '/x/sites/b': ['other.conf'] };
  const { reader } = memoryReader(files, dirs);
  const r = await importNginx('/x/nginx.conf', reader);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.config.servers.length, 1);
});

test('several files: each is read for what it is, an nginx.conf with its http block or a sites-enabled file of servers', async () => {
  const files: Record<string, string> = {
    '/e/nginx.conf': 'events {}\nhttp {\n  upstream app { server 127.0.0.1:9001; }\n  server { listen 8080; location / { proxy_pass http://app; } }\n}\n',
    '/e/site': 'server {\n  listen 8081;\n  location / { proxy_pass http://127.0.0.1:9002/; }\n}\n',
    '/e/other.conf': 'http {\n  server { listen 8082; location / { proxy_pass http://127.0.0.1:9003; } }\n}\n',
  };
  const { reader } = memoryReader(files);
  for (const order of [['/e/nginx.conf', '/e/site', '/e/other.conf'], ['/e/site', '/e/other.conf', '/e/nginx.conf']]) {
    const r = await importNginx(order, reader);
    assert.deepEqual(r.warnings, [], order.join(' '));
    assert.deepEqual(r.config.servers.map((s) => s.listen[0]!.address).sort(), ['8080', '8081', '8082']);
  }
  // a second http block within one file is still nginx's error
  const twice = importNginxText('http { }\nhttp { }\n');
  assert.match(messages(twice).join('\n'), /2: a second "http" block/);
});

test('a server name an earlier server on the same socket has (nginx -t: "conflicting server name", ignored) is said, in the import and by check', async () => {
  const text = 'server {\n  listen 8080;\n  server_name a.test;\n  location / { proxy_pass http://127.0.0.1:1; }\n}\nserver {\n  listen 8080;\n  server_name b.test A.test;\n  location / { proxy_pass http://127.0.0.1:2; }\n}\nserver {\n  listen 8081;\n  server_name a.test;\n  location / { proxy_pass http://127.0.0.1:3; }\n}\n';
  assert.match(await nginxTakes(text), /conflicting server name "a\.test" on 0\.0\.0\.0:8080, ignored/);
  const r = importNginxText(text);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(messages(r), ['6: conflicting server name "a.test" on 0.0.0.0:8080: servers[0] has it already, so nginx ignores it here, and so does Switchyard (nginx -t warns the same)']);
  const { configWarnings } = await import('../../../app/config/warnings.ts');
  // two servers without a name on one socket: "" conflicts too
  const none = importNginxText('server { listen 8080; location / { proxy_pass http://127.0.0.1:1; } }\nserver { listen 8080; location / { proxy_pass http://127.0.0.1:2; } }\n');
  assert.deepEqual(configWarnings(none.config).map((w) => w.path), ['servers[1].serverNames']);
});

test('what nginx -t refuses is named so: a server parameter value it does not take (weight=0), server_name without a name', () => {
  const r = importNginxText('upstream u {\n  server 127.0.0.1:1 weight=0;\n  server 127.0.0.1:2 max_fails=x slow_start=3s;\n}\nserver { listen 8080;\n  server_name;\n  location / { proxy_pass http://u; } }\n');
  assert.deepEqual(messages(r), [
    '2: server 127.0.0.1:1: "weight=0" is not a value nginx takes for weight (nginx -t refuses it): dropped',
    '3: server 127.0.0.1:2: "max_fails=x" is not a value nginx takes for max_fails (nginx -t refuses it): dropped',
    '3: server 127.0.0.1:2: parameter "slow_start=3s" is not modelled: dropped',
    '6: server_name without a name (nginx -t refuses it: "invalid number of arguments"): dropped',
  ]);
});

test('several files that overlap: a file another one includes is imported there only; maps count from any file; an unreadable one is named', async () => {
  const files: Record<string, string> = {
    '/d/nginx.conf': 'http {\n  proxy_read_timeout 300s;\n  include /d/sites-enabled/*;\n}\n',
    '/d/sites-enabled/default': 'server { listen 8080; location / { proxy_pass http://127.0.0.1:1; proxy_set_header Connection $proxy_connection; } }\n',
    '/d/maps.conf': "map $http_upgrade $proxy_connection { default upgrade; '' close; }\n",
  };
  const { reader } = memoryReader(files);
  for (const order of [['/d/nginx.conf', '/d/sites-enabled/default', '/d/maps.conf'], ['/d/sites-enabled/default', '/d/maps.conf', '/d/nginx.conf']]) {
    const r = await importNginx(order, reader);
    assert.equal(r.config.servers.length, 1, order.join(' '));
    const loc = r.config.servers[0]!.locations[0]!;
    assert.equal(loc.proxyReadTimeout, '300s', 'with nginx.conf\'s http-level settings');
    assert.deepEqual(loc.proxySetHeader, [{ name: 'Connection', value: '$connection_upgrade' }], 'the map of another file counts');
    assert.ok(r.warnings.some((w) => w.directive === '(file)' && /nginx\.conf includes this file: imported there, not a second time/.test(w.message)), JSON.stringify(r.warnings));
  }
  // (given after the file that includes it, it is not read a second time)
  const counted = memoryReader(files);
  await importNginx(['/d/nginx.conf', '/d/sites-enabled/default'], counted.reader);
  assert.deepEqual(counted.reads.filter((p) => p === '/d/sites-enabled/default').length, 1);
  const { ConfReadError } = await import('../../../app/nginx/import.ts');
  await assert.rejects(importNginx(['/d/nginx.conf', '/d/nothere.conf'], reader), (e) => e instanceof ConfReadError && e.message === 'cannot read /d/nothere.conf: no such file (ENOENT)');
});

test('a proxy_pass port past 65535 (nginx -t: "invalid port in upstream") is an error at its location\'s line, as a listen port is, not a dropped route', () => {
  const r = importNginxText('server {\n  listen 8080;\n  location / {\n    proxy_pass http://127.0.0.1:70000;\n  }\n  location /b/ { proxy_pass http://127.0.0.1:0/x/; }\n}\n');
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.config.servers[0]!.locations.map((l) => l.proxyPass), ['http://127.0.0.1:70000', 'http://127.0.0.1:0/x/']);
  assert.deepEqual(r.issues.map((i) => `${i.source?.line}: ${i.path}: ${i.message} [${i.code}]`), [
    '3: servers[0].locations[0].proxyPass: port must be 1-65535 [invalid_port]',
    '6: servers[0].locations[1].proxyPass: port must be 1-65535 [invalid_port]',
  ]);
});
