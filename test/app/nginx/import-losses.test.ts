// What the import says of a directive it drops, where the words matter to a user taking a real
// config over: an "internal" location opened, an "if" named with what it held, a redirect server
// (its own "return" or catch-all "rewrite") not said to serve files, the upgrade map written twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importNginxText } from '../../../app/nginx/import.ts';

const messages = (r: { warnings: Array<{ line: number; directive: string; message: string }> }) => r.warnings.map((w) => `${w.line} ${w.directive}: ${w.message}`);

test('a dropped "internal" says clients now reach the location directly (the auth_request and X-Accel-Redirect targets of real configs)', () => {
  const r = importNginxText([
    'server { listen 80;',
    '  location = /oauth2/auth { internal; proxy_pass http://127.0.0.1:4180; }',
    '  location /protected/ { internal; proxy_pass http://127.0.0.1:2/files/; }',
    '  location / { proxy_pass http://127.0.0.1:1; } }',
  ].join('\n'));
  const rest = 'is not modelled by Switchyard: dropped, so clients reach this route directly (nginx answers them 404: only its own X-Accel-Redirect, error_page and subrequests reach an internal location)';
  assert.deepEqual(messages(r), [`2 internal: "internal" in location = /oauth2/auth ${rest}`, `3 internal: "internal" in location /protected/ ${rest}`]);
});

test('a dropped "if" names its condition and what it held: the requests it matches are handled as if it were not there (Certbot\'s redirect, a WebSocket switch)', () => {
  const r = importNginxText([
    'server { listen 80;',
    '  location / { proxy_pass http://127.0.0.1:1;',
    '    if ($http_upgrade = "websocket") { proxy_pass http://127.0.0.1:2; }',
    '    if ($request_method = OPTIONS) { add_header X-A 1; add_header X-B 2; return 204; } } }',
    'server { if ($host = example.com) { return 301 https://$host$request_uri; } listen 81; location / { proxy_pass http://127.0.0.1:1; } }',
  ].join('\n'));
  const rest = 'is not modelled by Switchyard: dropped, so the requests it matches are handled as if it were not there';
  assert.deepEqual(messages(r), [
    `3 if: "if ($http_upgrade = websocket)" in location / ${rest} (it holds proxy_pass)`,
    `4 if: "if ($request_method = OPTIONS)" in location / ${rest} (it holds add_header, return)`,
    `5 if: "if ($host = example.com)" in server ${rest} (it holds return)`,
  ]);
});

test('a server answered by its own "return" or redirecting catch-all "rewrite" (the HTTP-to-HTTPS redirect of Certbot and every app\'s docs) is not said to serve files from its root folder: nginx never looks for a location there', () => {
  const r = importNginxText([
    'server { listen 80; server_name ha.example.com; return 301 https://$host$request_uri; }',
    'server { if ($host = chat.example.com) { return 301 https://$host$request_uri; } listen 81; server_name chat.example.com; return 404; }',
    'server { listen 82; if ($http_x_old) { return 410; } location /api/ { proxy_pass http://127.0.0.1:1; } }',
    // the older way to write the redirect: a rewrite that matches every URI and redirects
    'server { listen 83; rewrite ^ https://$server_name$request_uri? permanent; }',
    'server { listen 84; rewrite ^/(.*)$ /app/$1 redirect; location /app/ { proxy_pass http://127.0.0.1:1; } }',
    // one that matches some URIs, or rewrites without redirecting, leaves the rest to the locations
    'server { listen 85; rewrite ^/old/(.*)$ https://new.example.com/$1 permanent; location /api/ { proxy_pass http://127.0.0.1:1; } }',
    'server { listen 86; rewrite ^/(.*)$ /v2/$1 break; location /api/ { proxy_pass http://127.0.0.1:1; } }',
  ].join('\n'));
  assert.deepEqual(messages(r).map((m) => m.replace(/(: (?:dropped|nginx answers the requests)).*/, '$1')), [
    '1 return: "return 301 https://$host$request_uri" in server is not modelled by Switchyard: dropped',
    '2 if: "if ($host = chat.example.com)" in server is not modelled by Switchyard: dropped',
    '2 return: "return 404" in server is not modelled by Switchyard: dropped',
    // a "return" inside "if" answers only some requests: the rest still look for a location
    '3 if: "if ($http_x_old)" in server is not modelled by Switchyard: dropped',
    '3 server: server has no "location /": nginx answers the requests',
    '4 rewrite: "rewrite ^ https://$server_name$request_uri? permanent" in server is not modelled by Switchyard: dropped',
    '5 rewrite: "rewrite ^/(.*)$ /app/$1 redirect" in server is not modelled by Switchyard: dropped',
    '6 rewrite: "rewrite ^/old/(.*)$ https://new.example.com/$1 permanent" in server is not modelled by Switchyard: dropped',
    '6 server: server has no "location /": nginx answers the requests',
    '7 rewrite: "rewrite ^/(.*)$ /v2/$1 break" in server is not modelled by Switchyard: dropped',
    '7 server: server has no "location /": nginx answers the requests',
  ]);
});

test('the upgrade map written twice (each site file carrying its own copy, as apps\' docs say): nginx uses the last one, and the same map again is nothing to say', () => {
  const STANDARD = "map $http_upgrade $connection_upgrade { default upgrade; '' close; }";
  const KEEPALIVE = "map $http_upgrade $connection_upgrade { default upgrade; '' ''; }";
  const site = (n: number) => `server { listen 8${n}; location / { proxy_pass http://127.0.0.1:1; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; } }`;
  const run = (maps: string[]) => {
    const r = importNginxText([...maps, site(0), site(1)].join('\n'));
    return { said: messages(r).map((m) => m.replace(/(differs from the standard one).*/, '$1')), websocket: r.config.servers.map((s) => s.locations[0]!.websocket) };
  };
  assert.deepEqual(run([STANDARD, STANDARD]), { said: [], websocket: [true, true] });
  assert.deepEqual(run([KEEPALIVE, KEEPALIVE]).said, ['1 map: this map for $connection_upgrade differs from the standard one', '3 proxy_set_header: this file\'s own map for $connection_upgrade is not modelled: Switchyard evaluates it with the standard map (default upgrade; \'\' close)', '4 proxy_set_header: this file\'s own map for $connection_upgrade is not modelled: Switchyard evaluates it with the standard map (default upgrade; \'\' close)']);
  // the last one decides (nginx sets the variable's handler from each map in turn): the standard one here
  assert.deepEqual(run([KEEPALIVE, STANDARD]), {
    said: ['1 map: this map for $connection_upgrade differs from the standard one', '2 map: a second map for $connection_upgrade: the last one decides, this one (the standard map), so the one on line 1 is not used'],
    websocket: [true, true],
  });
  assert.deepEqual(run([STANDARD, KEEPALIVE]).said.slice(0, 2), ['2 map: this map for $connection_upgrade differs from the standard one', '2 map: a second map for $connection_upgrade: the last one decides, this one, so the one on line 1 is not used']);
});

test('a server without "location /" that answers the rest by its own try_files (Puma\'s and Rails\' docs: a file, else @app) is said to do that, not to serve only its root folder', () => {
  const r = importNginxText([
    'upstream app { server 127.0.0.1:1; }',
    'server { listen 80; root /srv/public;',
    '  try_files $uri/index.html $uri @app;',
    '  location @app { proxy_pass http://app; }',
    '  location /cable { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "Upgrade"; } }',
  ].join('\n'));
  assert.deepEqual(messages(r).filter((m) => m.includes('server: ')), [
    '2 server: server has no "location /": nginx answers the requests none of its locations match by the server\'s own "try_files $uri/index.html $uri @app" (line 3): a file of its root folder, else @app; Switchyard answers them 404, as the export\'s "location / { return 404; }" does',
  ]);
});

test('access control in a location dropped for having no proxy_pass (Debian\'s "location ~ /\\.ht { deny all; }", Nextcloud\'s deny list) says where the requests it kept out go now, not that the route is open', () => {
  const r = importNginxText([
    'server { listen 80;',
    '  location ~ /\\.ht { deny all; }',
    '  location ~ ^/(?:build|tests|config|lib|3rdparty|templates|data)/ { allow 10.0.0.0/8; deny all; }',
    '  location /files/ { internal; alias /srv/files/; }',
    '  location /admin/ { deny all; proxy_pass http://127.0.0.1:1; }',
    '  location / { proxy_pass http://127.0.0.1:1; } }',
  ].join('\n'));
  const gone = 'is not modelled by Switchyard: dropped with its location, which has no proxy_pass: the requests it kept out go to whichever other location matches them, or get 404 (WebSocket upgrades too)';
  assert.deepEqual(messages(r).filter((m) => !/ location: | alias: /.test(m)), [
    `2 deny: "deny all" in location ~ /\\.ht ${gone}`,
    `3 allow: "allow 10.0.0.0/8" in location ~ ^/(?:build|tests|config|lib|3rdparty|templates|data)/ ${gone}`,
    `3 deny: "deny all" in location ~ ^/(?:build|tests|config|lib|3rdparty|templates|data)/ ${gone}`,
    `4 internal: "internal" in location /files/ ${gone}`,
    // a route that stays: open without it
    '5 deny: "deny all" in location /admin/ is not modelled by Switchyard: dropped, so this route is reachable without it (WebSocket upgrades too)',
  ]);
});
