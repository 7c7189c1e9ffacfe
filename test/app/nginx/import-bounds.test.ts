// Numbers nginx takes past Switchyard's bounds (README, "Config format": a server's weight, maxFails,
// maxConns, an upstream's keepalive, proxy_next_upstream_tries): the import keeps them, so that
// validation names each at its file:line (too_big) and the config needs it lowered before it runs,
// rather than dropping it and running something else (no keepalive pool at all, unlimited tries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importNginxText } from '../../../app/nginx/import.ts';
import { nginxTakes } from './models.ts';

const TEXT = [
  'upstream u {',
  '  server 127.0.0.1:1 weight=2000;',
  '  keepalive 20000;',
  '}',
  'server {',
  '  listen 8080;',
  '  location / {',
  '    proxy_pass http://u;',
  '    proxy_next_upstream_tries 500;',
  '  }',
  '}',
  '',
].join('\n');

test('keepalive past 10000 and proxy_next_upstream_tries past 100, which nginx takes, are kept and named as too_big at their block, as weight is', async () => {
  await nginxTakes(TEXT);
  const r = importNginxText(TEXT, 'site.conf');
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.issues.map((i) => `${i.source?.file}:${i.source?.line} ${i.path} ${i.code}`), [
    'site.conf:1 upstreams[0].servers[0].weight too_big',
    'site.conf:1 upstreams[0].keepalive too_big',
    'site.conf:7 servers[0].locations[0].proxyNextUpstreamTries too_big',
  ]);
  assert.match(r.issues.find((i) => i.path.endsWith('proxyNextUpstreamTries'))!.message, /a bound of Switchyard's: nginx takes more/);
});

test('a keepalive or proxy_next_upstream_tries nginx refuses (0 connections, not a number) is still a warning, dropped', () => {
  const r = importNginxText('upstream u { server 127.0.0.1:1; keepalive 0; }\nserver { listen 8080; location / { proxy_pass http://u; proxy_next_upstream_tries x; } }\n');
  assert.deepEqual(r.warnings.map((w) => `${w.line}: ${w.directive}`), ['1: keepalive', '2: proxy_next_upstream_tries']);
  assert.equal(r.config.upstreams[0]!.keepalive, 0);
  assert.deepEqual(r.issues, []);
});
