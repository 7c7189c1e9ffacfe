// Import parity on nginx.conf files written the way projects' own docs write them for WebSocket and
// HTTP proxying (Jupyter, Gitea, Guacamole, OctoPrint, socket.io, Mattermost, Mastodon's streaming,
// Synapse, a Debian site with snippets, Nginx Proxy Manager), adapted to loopback upstreams: each imports without a loss
// (import-parity.ts), and real nginx running it, the engine running the import and nginx running the
// re-export answer the same requests the same way, the upgrade handshake included.
// Needs Debian's nginx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Env } from './harness.ts';
import type { ImportCase } from './import-gen.ts';
import { differences, runImportCase } from './import-parity.ts';

const UPGRADE_MAP = "map $http_upgrade $connection_upgrade {\n    default upgrade;\n    ''      close;\n}";
const http = (body: string) => `events {}\nhttp {\n${body}\n}\n`;

const CASES: Array<Omit<ImportCase, 'upstreams' | 'compare'>> = [
  {
    // the kernel channels on their own backend, with the handshake's headers written as fixed text
    name: 'Jupyter: a case-blind regex location for the channels, fixed Upgrade and Connection',
    files: (env) => ({ main: http(`${UPGRADE_MAP}
server {
    listen 127.0.0.1:${env.listen};
    server_name jupyter.example.com;
    location / {
        proxy_pass http://127.0.0.1:${env.up.u0};
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header X-Scheme $scheme;
        proxy_buffering off;
    }
    location ~* /(api/kernels/[^/]+/(channels|iopub|shell|stdin)|terminals/websocket)/? {
        proxy_pass http://127.0.0.1:${env.up.u1};
        proxy_set_header Host $host;
        proxy_http_version 1.1;
        proxy_set_header Upgrade "websocket";
        proxy_set_header Connection "Upgrade";
        proxy_read_timeout 86400;
    }
}`), extra: null }),
    requests: [{ path: '/' }, { path: '/lab?x=1', ws: true }, { path: '/api/kernels/k1/channels', ws: true }, { path: '/API/Kernels/k1/shell' }, { path: '/terminals/websocket/1', ws: true }, { path: '/api/contents', method: 'POST', body: '{}' }],
  },
  {
    // Gitea, Guacamole, Nginx Proxy Manager: the client's own Connection header passed on, with or
    // without proxy_http_version; OctoPrint under a prefix with its URI replaced and no body limit
    name: 'Connection $http_connection; a prefix replaced by "/" with client_max_body_size 0',
    files: (env) => ({ main: http(`server {
    listen 127.0.0.1:${env.listen};
    location / {
        client_max_body_size 512M;
        proxy_pass http://127.0.0.1:${env.up.u0};
        proxy_set_header Connection $http_connection;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
    location /guacamole/ {
        proxy_pass http://127.0.0.1:${env.up.u1};
        proxy_buffering off;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $http_connection;
    }
    location /octoprint/ {
        proxy_pass http://127.0.0.1:${env.up.u2}/;
        proxy_set_header Host $http_host;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_set_header X-Script-Name /octoprint;
        proxy_http_version 1.1;
        client_max_body_size 0;
    }
}`), extra: null }),
    requests: [
      { path: '/user/login', headers: { Connection: 'keep-alive' } }, { path: '/api/ws', ws: true }, { path: '/guacamole/websocket-tunnel?token=t', ws: true },
      { path: '/guacamole/api/session', headers: [['Connection', 'keep-alive, X-Gone'], ['X-Gone', '1']] }, { path: '/octoprint/sockjs/websocket', ws: true },
      { path: '/octoprint', method: 'POST', body: 'x'.repeat(1_500_000) }, { path: '/', method: 'POST', body: 'x'.repeat(1_500_000) },
    ],
  },
  {
    // socket.io's sticky sessions by a consistent hash; Mattermost's pool with keepalive, its
    // WebSocket route by a regex and the rest with Connection ""; Mastodon's streaming route as ^~
    // with the httpoxy guard (Proxy "")
    name: 'hash $remote_addr consistent, keepalive with Connection "", ^~ streaming with Proxy ""',
    files: (env) => ({ main: http(`${UPGRADE_MAP}
upstream nodes {
    hash $remote_addr consistent;
    server 127.0.0.1:${env.up.u0};
    server 127.0.0.1:${env.up.u1};
}
upstream backend {
    server 127.0.0.1:${env.up.u1};
    keepalive 32;
}
upstream streaming {
    least_conn;
    server 127.0.0.1:${env.up.u2} fail_timeout=0;
}
server {
    listen 127.0.0.1:${env.listen};
    server_name example.com;
    client_max_body_size 99m;
    location /socket.io/ {
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header Host $host;
        proxy_pass http://nodes;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
    location ~ /api/v[0-9]+/(users/)?websocket$ {
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        client_max_body_size 50M;
        proxy_set_header Host $http_host;
        proxy_read_timeout 600s;
        proxy_http_version 1.1;
        proxy_pass http://backend;
    }
    location ^~ /api/v1/streaming {
        proxy_set_header Host $host;
        proxy_set_header Proxy "";
        proxy_pass http://streaming;
        proxy_buffering off;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
    }
    location / {
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_http_version 1.1;
        proxy_pass http://backend;
    }
}`), extra: null }),
    requests: [
      { path: '/socket.io/?EIO=4&transport=polling' }, { path: '/socket.io/?EIO=4&transport=websocket', ws: true }, { path: '/api/v4/websocket', ws: true },
      { path: '/api/v4/users/websocket?x=1', ws: true }, { path: '/api/v1/streaming?stream=user', ws: true }, { path: '/api/v1/streaming/health', headers: { Proxy: 'http://evil.test' } },
      { path: '/api/v4/users/me', headers: { Connection: 'keep-alive' } }, { path: '/', ws: true },
    ],
  },
  {
    // a prefix with the WebSocket route and a regex nested in it, inheriting proxy_http_version,
    // headers and timeouts from it; Synapse's regex location to localhost without a URI part
    name: 'nested locations inheriting the WebSocket settings; a regex to localhost',
    files: (env) => ({ main: http(`${UPGRADE_MAP}
server {
    listen 127.0.0.1:${env.listen};
    location / {
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Outer yes;
        proxy_read_timeout 1h;
        proxy_pass http://127.0.0.1:${env.up.u0};
        location /ws/ {
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_pass http://127.0.0.1:${env.up.u1};
        }
        location /api/ {
            proxy_pass http://127.0.0.1:${env.up.u2}/v2/;
        }
    }
    location ~ ^(/_matrix|/_synapse/client) {
        proxy_pass http://localhost:${env.up.u2};
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header Host $host;
        client_max_body_size 50M;
        proxy_http_version 1.1;
    }
}`), extra: null }),
    requests: [{ path: '/ws/chat', ws: true }, { path: '/ws/chat' }, { path: '/api/x?y=1' }, { path: '/api/ws', ws: true }, { path: '/_matrix/client/versions' }, { path: '/_synapse/client/sso', ws: true }, { path: '/x/_matrix' }],
  },
  {
    // a Debian sites-enabled file: the proxy headers and the WebSocket lines in snippets it includes
    name: 'a sites-enabled file with the proxy and WebSocket snippets included',
    files: (env, dir) => ({
      main: http(`${UPGRADE_MAP}
server {
    listen 127.0.0.1:${env.listen};
    server_name app.example.com;
    location / {
        include ${join(dir, 'extra.conf')};
        proxy_pass http://127.0.0.1:${env.up.u0};
    }
    location /ws/ {
        include ${join(dir, 'extra.conf')};
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_read_timeout 3600s;
        proxy_pass http://127.0.0.1:${env.up.u1};
    }
}`),
      extra: 'proxy_set_header Host $http_host;\nproxy_set_header X-Real-IP $remote_addr;\nproxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\nproxy_set_header X-Forwarded-Proto $scheme;\n',
    }),
    requests: [{ path: '/', host: 'app.example.com' }, { path: '/ws/x', host: 'app.example.com', ws: true }, { path: '/ws/x', host: 'app.example.com:81', headers: { 'X-Forwarded-For': '10.0.0.9' } }, { path: '/ws', ws: true }],
  },
  {
    // Nginx Proxy Manager's proxy host: the target set once at server level, the WebSocket lines at
    // both levels, the proxy_pass of variables in a snippet included in the location
    name: 'Nginx Proxy Manager: proxy_pass $forward_scheme://$server:$port$request_uri from server-level sets',
    files: (env, dir) => ({
      main: http(`server {
  set $forward_scheme http;
  set $server         "127.0.0.1";
  set $port           ${env.up.u1};
  listen 127.0.0.1:${env.listen};
  server_name ha.example.com;
  proxy_set_header Upgrade $http_upgrade;
  proxy_set_header Connection $http_connection;
  proxy_http_version 1.1;
  location / {
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $http_connection;
    proxy_http_version 1.1;
    include ${join(dir, 'extra.conf')};
  }
}`),
      extra: 'proxy_set_header Host $host;\nproxy_set_header X-Forwarded-Scheme $scheme;\nproxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\nproxy_pass       $forward_scheme://$server:$port$request_uri;\n',
    }),
    requests: [
      { path: '/', host: 'ha.example.com' }, { path: '/api/websocket', host: 'ha.example.com', ws: true }, { path: '/a%20b/../c?x=1' },
      { path: '/redir/self', host: 'ha.example.com' }, { path: '/p', method: 'POST', body: 'x'.repeat(2_000_000) },
    ],
  },
];

for (const c of CASES) {
  test(c.name, { timeout: 60_000 }, async () => {
    const full: ImportCase = { ...c, upstreams: ['u0', 'u1', 'u2'], compare: ['*', 'version'] };
    const o = await runImportCase(full);
    assert.equal(o.kind, 'compared', JSON.stringify(o));
    if (o.kind !== 'compared') return;
    const env: Env = { up: { u0: 1, u1: 2, u2: 3 }, dead: 4, hole: 0, closes: 0, badHeader: 0, raw: 0, listen: 9 };
    assert.deepEqual(differences(full, o.sides), [], c.files(env, '/DIR').main);
    // the handshakes the file routes to an upgrading location were switched, by nginx as written too
    const switched = full.requests.flatMap((q, i) => (q.ws ? [`${q.path} ${o.sides.original![i]!.status}`] : []));
    assert.ok(switched.some((s) => s.endsWith(' 101')), switched.join('\n'));
  });
}
