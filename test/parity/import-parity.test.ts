// Import parity: nginx.conf texts run by real nginx as written, by the engine as imported, and by
// nginx as re-exported, with the same requests to each (import-parity.ts); a fixed set of the
// explorer's random files (import-gen.ts; more with import-explore.ts) and the cases it found.
// Needs Debian's nginx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importNginxText } from '../../app/nginx/import.ts';
import { privateNginxConf } from '../../main/nginx/binary.ts';
import { send } from '../helpers/client.ts';
import { freePort } from '../helpers/ports.ts';
import { importCase, type ImportCase } from './import-gen.ts';
import { differences, runImportCase } from './import-parity.ts';
import { withEngine, withNginxConf, type Env } from './harness.ts';

async function same(c: ImportCase) {
  const o = await runImportCase(c);
  assert.equal(o.kind, 'compared', JSON.stringify(o));
  if (o.kind !== 'compared') return null;
  assert.deepEqual(differences(c, o.sides), [], c.files({ up: { u0: 1, u1: 2, u2: 3 }, dead: 4, hole: 0, closes: 0, badHeader: 0, raw: 0, listen: 9 }, '/DIR').main);
  return o.sides;
}

// seeds of several shapes: groups with methods, includes, both listen addresses, nested prefixes, body limits, the switch, (?i)
const SEEDS = [1, 12, 14, 16, 22, 28, 48, 53, 54, 59];

test('random nginx.conf files mean the same imported and re-exported as written', { timeout: 60_000 }, async () => {
  let compared = 0;
  for (const seed of SEEDS) {
    const c = importCase(seed, 30);
    const o = await runImportCase(c);
    if (o.kind !== 'compared') continue;
    compared++;
    assert.deepEqual(differences(c, o.sides), [], `seed ${seed}`);
  }
  assert.ok(compared >= 9, `${compared} of the seeds imported without a loss`);
});

test('the upgrade pair beside another Connection line stays as written: nginx sends every line (the switch would be refused)', { timeout: 30_000 }, async () => {
  const text = (at: string) => `
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    server {
      listen 127.0.0.1:PORT;
      location / { proxy_pass ${at}; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; proxy_set_header connection keep-alive; }
      location /e/ { proxy_pass ${at}; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; }
    }`;
  const r = importNginxText(text('http://127.0.0.1:1').replace('PORT', '80'));
  assert.deepEqual([r.issues, r.warnings], [[], []]);
  const [plain, empty] = r.config.servers[0]!.locations;
  assert.deepEqual([plain!.websocket, plain!.proxyHttpVersion, plain!.proxySetHeader.map((h) => h.name)], [false, '1.1', ['Upgrade', 'Connection', 'connection']]);
  assert.equal(empty!.websocket, false);
  const c: ImportCase = {
    name: 'upgrade pair and another Connection line',
    upstreams: ['u0'],
    files: (env) => ({ main: `events {}\nhttp {${text(`http://127.0.0.1:${env.up.u0}`).replace('PORT', String(env.listen))}\n}\n`, extra: null }),
    requests: [{ path: '/x' }, { path: '/e/x' }, { path: '/ws', ws: true }, { path: '/e/ws', ws: true }],
    compare: ['*', 'version'],
  };
  const sides = await same(c);
  assert.deepEqual(sides!.original!.map((o) => o.headers['*']!.split('\n').filter((l) => /^(connection|upgrade):/i.test(l))), [
    ['Connection: close', 'connection: keep-alive'], ['Connection: close'], ['Upgrade: websocket', 'Connection: upgrade', 'connection: keep-alive'], ['Upgrade: websocket', 'Connection: upgrade'],
  ]);
  assert.deepEqual(sides!.original!.slice(2).map((o) => [o.status, o.echo]), [[101, 'echo /ws'], [101, 'echo /e/ws']]);
});

test('a server without "location /": nginx answers what no location matches from its root folder, which the import says', { timeout: 30_000 }, async () => {
  const text = (port: number) => `events {}\nhttp {\n  client_max_body_size 1k;\n  server {\n    listen 127.0.0.1:${port};\n    location /api/ { proxy_pass http://127.0.0.1:1; }\n  }\n}\n`;
  const r = importNginxText(text(80));
  assert.deepEqual(r.warnings.map((w) => `${w.line} ${w.directive}`), ['4 server']);
  assert.match(r.warnings[0]!.message, /^server has no "location \/": nginx answers the requests none of its locations match from its root folder/);
  const port = await freePort();
  await withNginxConf(privateNginxConf(text(port), true), port, async (n) => {
    // (Debian's nginx.conf-less default: html under its prefix, /usr/share/nginx/html with its welcome page)
    await mkdir(join(n.dir, 'html'));
    await writeFile(join(n.dir, 'html', 'index.html'), 'welcome');
    const got = await Promise.all([send(`http://127.0.0.1:${port}/`), send(`http://127.0.0.1:${port}/x`, { method: 'POST', body: 'x'.repeat(2000) })]);
    assert.deepEqual(got.map((g) => [g.status, g.status === 200 ? g.body : '']), [[200, 'welcome'], [413, '']]);
  });
  const ep = await freePort();
  const engine = await withEngine(importNginxText(text(ep)).config, async () => (await send(`http://127.0.0.1:${ep}/`)).status);
  assert.equal(engine, 404, 'the import answers them 404, as the warning says');
});

test('"(?i)" after a regex\'s leading "^" (nginx takes it, for the rest of the pattern) imports, and matches as in nginx', { timeout: 30_000 }, async () => {
  const text = (env: Env) => `events {}\nhttp {\n  server {\n    listen 127.0.0.1:${env.listen};\n    server_name "~^(?i)(?<w>[a-z]+)\\.ci\\.test$" other.test;
    location / { proxy_pass http://127.0.0.1:${env.up.u0}; proxy_set_header X-W $w; }
    location ~ ^(?i)/case/(\\w+) { proxy_pass http://127.0.0.1:${env.up.u1}; proxy_set_header X-Cap $1; }\n  }\n}\n`;
  const c: ImportCase = {
    name: '(?i) after ^',
    upstreams: ['u0', 'u1'],
    files: (env) => ({ main: text(env), extra: null }),
    requests: [['/case/a', 'x.ci.test'], ['/CASE/b', 'Y.CI.test'], ['/cAsE/c', 'other.test'], ['/x/case/d', 'other.test'], ['/case', 'x.ci.test']].map(([path, host]) => ({ path: path!, host })),
    compare: ['x-cap', 'x-w'],
  };
  const sides = await same(c);
  assert.deepEqual(sides!.original!.map((o) => [o.upstream, o.headers['x-cap'] ?? o.headers['x-w']]), [['u1', 'a'], ['u1', 'b'], ['u1', 'c'], ['u0', null], ['u0', 'x']]);
});
