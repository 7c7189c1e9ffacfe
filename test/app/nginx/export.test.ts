// Model → nginx.conf: exact text for the README's example, what is and is not written, both shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportNginx } from '../../../app/nginx/export.ts';
import { importNginxText } from '../../../app/nginx/import.ts';
import { README_MODEL, valid } from './models.ts';
import { findNginx, nginxTest, privateNginxConf } from '../../../main/nginx/binary.ts';
import { parseNginx } from '../../../app/nginx/parser.ts';
import type { Directive } from '../../../app/nginx/ast.ts';
import { EXPORT_DEFINED_VARIABLES } from '../../../app/nginx/defaults.ts';
import { isTakenByVariable } from '../../../app/proxy/variable-names.ts';

const README_HTTP = `map $http_upgrade $connection_upgrade {
    default upgrade;
    "" close;
}

upstream chat {
    least_conn;
    server 127.0.0.1:9001 weight=2;
    server 127.0.0.1:9002 max_fails=3 fail_timeout=30s;
    server 127.0.0.1:9003 backup;
    keepalive 16;
}

server {
    listen 127.0.0.1:8080 default_server;
    server_name localhost;

    # route: chat socket
    location /ws/ {
        proxy_pass http://chat;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_read_timeout 86400s;
    }

    location ^~ /api/ {
        proxy_pass http://127.0.0.1:3000/v1/;
    }

    # no route matches: 404, as in Switchyard
    location / {
        return 404;
    }
}
`;

const indent = (s: string) => s.split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');

// What a snippet adds to the http block's text: its own map variable, each server's pinned
// defaults, and `proxy_redirect default` in each proxied location (after its proxy_pass).
const README_SNIPPET = README_HTTP
  .replaceAll('$connection_upgrade', '$switchyard_connection_upgrade')
  .replace('    server_name localhost;\n', `    server_name localhost;

    # the defaults Switchyard assumes, whatever the including http block sets
    proxy_http_version 1.0;
    proxy_set_header Host $proxy_host;
    proxy_set_header Connection close;
    proxy_connect_timeout 60s;
    proxy_send_timeout 60s;
    proxy_read_timeout 60s;
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 0;
    proxy_buffering on;
    client_max_body_size 1m;
`)
  .replace(/(proxy_pass \S+;\n)/g, '$1        proxy_redirect default;\n');

test('snippet: the http-level part, its map under its own name and every inheritable setting pinned, exactly', () => {
  assert.equal(exportNginx(valid(README_MODEL), { shape: 'snippet' }), README_SNIPPET);
  assert.match(README_SNIPPET, /location \^~ \/api\/ \{\n {8}proxy_pass http:\/\/127\.0\.0\.1:3000\/v1\/;\n {8}proxy_redirect default;\n {4}\}/);
});

test('full: events {} and http { ... }, exactly', () => {
  assert.equal(exportNginx(valid(README_MODEL), { shape: 'full' }), `events {}\n\nhttp {\n${indent(README_HTTP).trimEnd()}\n}\n`);
});

test('the output is deterministic', () => {
  const c = valid(README_MODEL);
  assert.equal(exportNginx(c, { shape: 'full' }), exportNginx(structuredClone(c), { shape: 'full' }));
});

test('nginx\'s defaults are not written; every non-default value is', () => {
  const c = valid({
    schemaVersion: 1,
    upstreams: [
      { name: 'd', servers: [{ address: '127.0.0.1:1' }] },
      {
        name: 'h', method: { type: 'hash', key: '$request_uri', consistent: true },
        servers: [{ address: '127.0.0.1:2', weight: 1, maxFails: 0, failTimeout: '1m', maxConns: 10, down: true }],
      },
      { name: 'r', method: { type: 'random', two: true }, servers: [{ address: '127.0.0.1:3' }] },
      { name: 'r1', method: { type: 'random' }, servers: [{ address: '127.0.0.1:3' }] },
      { name: 'i', method: { type: 'ip_hash' }, servers: [{ address: '127.0.0.1:4' }] },
    ],
    servers: [{
      listen: [{ address: '8080' }, { address: '[::1]:8080' }],
      locations: [
        { path: '/', proxyPass: 'http://d' },
        {
          modifier: '=', path: '/x', proxyPass: 'http://h', proxyHttpVersion: '1.1', proxyConnectTimeout: '5s', proxySendTimeout: '1h 30m',
          proxyReadTimeout: '60s', proxyNextUpstream: ['off'], proxyNextUpstreamTries: 2, proxySetHeader: [{ name: 'Connection', value: '' }],
        },
      ],
    }],
  });
  // (the full file's http block, unindented: a snippet also pins the defaults, below)
  const text = exportNginx(c, { shape: 'full' }).replace(/^events \{\}\n\nhttp \{\n|\}\n$/g, '').replace(/^ {4}/gm, '');
  assert.match(text, /upstream d \{\n {4}server 127\.0\.0\.1:1;\n\}/);
  assert.match(text, /upstream h \{\n {4}hash \$request_uri consistent;\n {4}server 127\.0\.0\.1:2 max_fails=0 fail_timeout=1m max_conns=10 down;\n\}/);
  assert.match(text, /upstream r \{\n {4}random two;\n/);
  assert.match(text, /upstream r1 \{\n {4}random;\n/);
  assert.match(text, /upstream i \{\n {4}ip_hash;\n/);
  assert.match(text, /server \{\n {4}listen 8080;\n {4}listen \[::1\]:8080;\n\n {4}location \/ \{\n {8}proxy_pass http:\/\/d;\n {4}\}/);
  assert.match(text, /location = \/x \{\n {8}proxy_pass http:\/\/h;\n {8}proxy_http_version 1\.1;\n {8}proxy_set_header Connection "";\n {8}proxy_connect_timeout 5s;\n {8}proxy_send_timeout "1h 30m";\n {8}proxy_next_upstream off;\n {8}proxy_next_upstream_tries 2;\n {4}\}/);
  assert.doesNotMatch(text, /server_name|proxy_read_timeout|weight=|keepalive/);
});

test('server_name "" is written quoted; no server names writes no server_name', () => {
  const text = exportNginx(valid({ schemaVersion: 1, servers: [{ listen: [{ address: '80' }], serverNames: ['', 'a.example', '*.b.example', '~^c[0-9]+$'] }] }), { shape: 'snippet' });
  assert.match(text, /server_name "" a\.example \*\.b\.example ~\^c\[0-9\]\+\$;/);
});

test('nginx -t accepts the README example (full shape)', async () => {
  assert.ok(findNginx(), 'nginx must be installed for this test (apt-get install -y nginx)');
  const r = await nginxTest(privateNginxConf(exportNginx(valid(README_MODEL), { shape: 'full' }), true));
  assert.ok(r.ok, r.output);
});

test('long server and proxy_set_header names: the export sizes nginx\'s hash buckets (only when needed), and nginx -t accepts it', async () => {
  assert.ok(findNginx(), 'nginx must be installed for this test (apt-get install -y nginx)');
  // two servers on one socket: only then does nginx hash the names
  const model = (name: string, header: string) => valid({
    schemaVersion: 1,
    servers: [
      { listen: [{ address: '127.0.0.1:8080' }], serverNames: [name], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:1', proxySetHeader: [{ name: header, value: '1' }] }] },
      { listen: [{ address: '127.0.0.1:8080' }], serverNames: ['b.test'] },
    ],
  });
  const name = (n: number) => `${'n'.repeat(n - 5)}.test`;
  const header = (n: number) => `X-${'h'.repeat(n - 2)}`;
  const sizes = (text: string) => [/server_names_hash_bucket_size (\d+);/.exec(text)?.[1], /proxy_headers_hash_bucket_size (\d+);/.exec(text)?.[1]];
  // a name of up to 46 bytes fits the default 64-byte bucket: nothing more is written
  const cases: Array<[string, string, Array<string | undefined>]> = [
    [name(46), header(46), [undefined, undefined]],
    [name(47), header(47), ['128', '128']],
    [name(110), header(111), ['128', '256']],
    [name(300), header(200), ['512', '256']],
    ['字'.repeat(16), 'X-A', ['128', undefined]], // 48 UTF-8 bytes
    [`*.${'w'.repeat(46)}.${'w'.repeat(46)}.test`, 'X-A', [undefined, undefined]], // a wildcard is hashed label by label
    [`*.${'w'.repeat(47)}.test`, 'X-A', ['128', undefined]],
    [`~^${'r'.repeat(100)}$`, 'X-A', [undefined, undefined]], // regexes are not hashed
  ];
  for (const [n, h, want] of cases) {
    const text = exportNginx(model(n, h), { shape: 'full' });
    assert.deepEqual(sizes(text), want, `${n} / ${h}`);
    const r = await nginxTest(privateNginxConf(text, true));
    assert.ok(r.ok, `${n} / ${h}: ${r.output}\n${text}`);
  }
});

test("a snippet's upstream hash key on $connection_upgrade uses the snippet's own map too, nginx -t takes it in a bare http block, and it imports back", async () => {
  const model = valid({
    schemaVersion: 1,
    upstreams: [{ name: 'u', method: { type: 'hash', key: '$connection_upgrade$remote_addr' }, servers: [{ address: '127.0.0.1:1' }, { address: '127.0.0.1:2' }] }],
    servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [{ path: '/', proxyPass: 'http://u' }] }],
  });
  const text = exportNginx(model, { shape: 'snippet' });
  assert.match(text, /hash \$switchyard_connection_upgrade\$remote_addr;/);
  const t = await nginxTest(privateNginxConf(text));
  assert.ok(t.ok, t.output);
  const back = importNginxText(text);
  assert.deepEqual(back.warnings, []);
  assert.deepEqual(back.config.upstreams[0]!.method, model.upstreams[0]!.method);
});

test('every variable an export defines (map, set) is one a regex group may not be named', () => {
  const defined = new Set<string>();
  const walk = (list: Directive[]) => {
    for (const d of list) {
      if (d.name === 'map') defined.add(d.args[1]!);
      if (d.name === 'set') defined.add(d.args[0]!);
      if (d.block) walk(d.block);
    }
  };
  for (const shape of ['full', 'snippet'] as const) walk(parseNginx(exportNginx(valid(README_MODEL), { shape }), 'x.conf').directives);
  assert.deepEqual([...defined].sort(), [...EXPORT_DEFINED_VARIABLES].sort());
  for (const v of defined) assert.ok(isTakenByVariable(v.slice(1)), v);
});
