// `export-nginx --snippet` inside an http block that sets things of its own: the proxy settings it
// would pass down (Host $host, HTTP/1.1, no body limit, a 1 s read timeout, no proxy_redirect) and a
// `$connection_upgrade` map of its own. The snippet pins the model's values, so real nginx running
// it answers and forwards as the engine does with the same model.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../app/config/schema.ts';
import { validateConfig } from '../../app/config/validate.ts';
import { exportNginx } from '../../app/nginx/export.ts';
import { importNginxText } from '../../app/nginx/import.ts';
import { privateNginxConf, startNginx, type RunningNginx } from '../../main/nginx/binary.ts';
import { startEngine, type TestEngine } from '../helpers/engine.ts';
import { freePort } from '../helpers/ports.ts';
import { header, startWsUpstream, rawExchange, type Upstream } from '../helpers/upstreams.ts';
import { send, wsEchoOnce } from '../helpers/client.ts';

// what a site's http block commonly sets, and what would change the snippet's routes if inherited
const INCLUDING_HTTP = `
client_max_body_size 0;
proxy_http_version 1.1;
proxy_set_header Host $host;
proxy_set_header X-Real-IP $remote_addr;
proxy_read_timeout 1s;
proxy_next_upstream off;
proxy_redirect off;
map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
`;

let upstream: Upstream;
let nginx: RunningNginx;
let engine: TestEngine;
let nginxPort: number;

const model = (port: number): ConfigInput => ({
  schemaVersion: 1,
  upstreams: [{ name: 'app', servers: [{ address: `127.0.0.1:${upstream.port}` }] }],
  servers: [{
    listen: [{ address: `127.0.0.1:${port}` }],
    locations: [
      { path: '/plain/', proxyPass: 'http://app' }, { path: '/ws/', proxyPass: 'http://app', websocket: true },
      // the upgrade variable in headers of the location's own, without the switch
      { path: '/set/', proxyPass: 'http://app', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '$connection_upgrade' }, { name: 'X-Up', value: 'a-${connection_upgrade}-b' }] },
      // a common hand-written WebSocket location: Upgrade set by hand, no proxy_http_version 1.1
      { path: '/ws10/', proxyPass: 'http://app', proxySetHeader: [{ name: 'Upgrade', value: '$http_upgrade' }, { name: 'Connection', value: 'upgrade' }, { name: 'Host', value: '$host' }] },
    ],
  }],
});

before(async () => {
  upstream = await startWsUpstream('app', {
    handler: (req, res, seen) => {
      if (req.url!.includes('slow')) return void setTimeout(() => res.end('late'), 1500);
      if (req.url!.includes('moved')) {
        res.writeHead(302, { Location: 'http://app/plain/there' }); // as proxy_pass http://app names it
        return void res.end();
      }
      res.end(JSON.stringify(seen));
    },
  });
  nginxPort = await freePort();
  const v = validateConfig(model(nginxPort));
  assert.ok(v.ok);
  nginx = await startNginx(privateNginxConf(`${INCLUDING_HTTP}\n${exportNginx(v.config, { shape: 'snippet' })}`), [nginxPort]);
  engine = await startEngine(model);
});

after(async () => {
  await nginx?.stop();
  await engine?.stop();
  await upstream?.close();
});

/** What reaches the upstream for one GET, as nginx and as the engine send it. */
async function upstreamSees(port: number, path: string) {
  const before = upstream.seen.length;
  const r = await send(`http://127.0.0.1:${port}${path}`, { headers: { Host: 'site.test' } });
  assert.equal(r.status, 200, r.body);
  const s = upstream.seen[before]!;
  return { version: s.httpVersion, host: header(s, 'host'), connection: header(s, 'connection'), realIp: header(s, 'x-real-ip') ?? null, names: s.rawHeaders.filter((_, i) => i % 2 === 0) };
}

test("the including block's headers, HTTP version and upgrade map do not reach the snippet's routes", async () => {
  // (the WebSocket switch's own HTTP/1.1; its Connection from the snippet's map: close, not '')
  for (const [path, version] of [['/plain/x', '1.0'], ['/ws/plain-get', '1.1']] as const) {
    const n = await upstreamSees(nginxPort, path);
    const e = await upstreamSees(engine.port, path);
    assert.deepEqual(n, e, path);
    assert.deepEqual([n.version, n.host, n.connection, n.realIp], [version, 'app', 'close', null], `${path}: nginx's defaults`);
  }
});

test("the body limit, read timeout and Location rewrite are the model's, not the including block's", async () => {
  const head = (port: number) => rawExchange(port, 'POST /plain/big HTTP/1.1\r\nHost: site.test\r\nContent-Length: 2097152\r\nConnection: close\r\n\r\n', { until: (got) => got.includes('\r\n\r\n') });
  for (const port of [nginxPort, engine.port]) {
    assert.match(await head(port), /^HTTP\/1\.1 413 /, `port ${port}`);
    const slow = await send(`http://127.0.0.1:${port}/plain/slow`);
    assert.deepEqual([slow.status, slow.body], [200, 'late'], `port ${port}: 60 s read timeout`);
  }
  const moved = await Promise.all([nginxPort, engine.port].map((p) => send(`http://127.0.0.1:${p}/plain/moved`, { headers: { Host: 'site.test' } })));
  assert.equal(moved[0]!.status, 302);
  // (made absolute with each one's own listen port)
  assert.equal(moved[1]!.headers.location, moved[0]!.headers.location?.replace(`:${nginxPort}/`, `:${engine.port}/`));
  assert.doesNotMatch(moved[0]!.headers.location ?? '', /^http:\/\/app\//, 'proxy_redirect default rewrote it');
});

test('a WebSocket route of the snippet upgrades through nginx as through the engine', async () => {
  for (const port of [nginxPort, engine.port]) {
    assert.equal(await wsEchoOnce(`ws://127.0.0.1:${port}/ws/chat`, 'hi'), 'hi', `port ${port}`);
  }
});

test("$connection_upgrade in a location's own headers is the snippet's map too, and imports back as written", async () => {
  for (const port of [nginxPort, engine.port]) {
    const before = upstream.seen.length;
    const r = await send(`http://127.0.0.1:${port}/set/x`, { headers: { Host: 'site.test' } });
    assert.equal(r.status, 200, `port ${port}: ${r.body}`);
    const s = upstream.seen[before]!;
    // (the including block's map would give '' here: no Connection header, "a--b")
    assert.deepEqual([header(s, 'connection'), header(s, 'x-up')], ['close', 'a-close-b'], `port ${port}`);
  }
  const v = validateConfig(model(nginxPort));
  assert.ok(v.ok);
  const back = importNginxText(exportNginx(v.config, { shape: 'snippet' }));
  assert.deepEqual(back.warnings, []);
  assert.deepEqual(back.config.servers[0]!.locations[2]!.proxySetHeader, v.config.servers[0]!.locations[2]!.proxySetHeader);
});

test('Upgrade set by hand over the default HTTP/1.0: the upstream (node\'s ws) answers 101 and the session opens, through nginx as through the engine', async () => {
  for (const port of [nginxPort, engine.port]) {
    const before = upstream.seen.length;
    assert.equal(await wsEchoOnce(`ws://127.0.0.1:${port}/ws10/chat`, 'hi'), 'hi', `port ${port}`);
    const seen = upstream.seen[before]!;
    assert.deepEqual([seen.httpVersion, header(seen, 'upgrade'), header(seen, 'connection')], ['1.0', 'websocket', 'upgrade'], `port ${port}`);
  }
});
