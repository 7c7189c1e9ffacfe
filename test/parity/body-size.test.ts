// client_max_body_size, against real nginx: the same model through the engine and through nginx
// running its export, the same request bodies (sized and chunked, around each limit), the same
// status. Locations: the default (1m), a larger limit, a smaller one in k, and "0" (no limit); the
// limit also holds on a WebSocket route's handshake. Needs Debian's nginx; fails without it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { ConfigInput } from '../../app/config/schema.ts';
import { validateConfig } from '../../app/config/validate.ts';
import { exportNginx } from '../../app/nginx/export.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';

const MiB = 1024 * 1024;

function model(up: number, listen: number): ConfigInput {
  const to = `http://127.0.0.1:${up}`;
  return {
    schemaVersion: 1,
    servers: [{
      listen: [{ address: `127.0.0.1:${listen}` }],
      locations: [
        { path: '/', proxyPass: to },
        { path: '/big/', proxyPass: to, clientMaxBodySize: '3m' },
        { path: '/small/', proxyPass: to, clientMaxBodySize: '10k' },
        { path: '/any/', proxyPass: to, clientMaxBodySize: '0' },
      ],
    }, {
      // no `location /`: the export adds one that answers 404 (with nginx's default limit)
      listen: [{ address: `127.0.0.1:${listen}` }],
      serverNames: ['other.test'],
      locations: [{ path: '/only/', proxyPass: to, clientMaxBodySize: '10k' }],
    }],
  };
}

/** [path, body bytes, chunked, Host, the body left open (no last chunk: the answer must come anyway)] */
const cases: Array<[string, number, boolean, string?, boolean?]> = [
  ['/', MiB, false], ['/', MiB + 1, false], ['/', MiB + 1, true],
  ['/big/', 2 * MiB, false], ['/big/', 3 * MiB, true], ['/big/', 3 * MiB + 1, false], ['/big/', 3 * MiB + 1, true],
  ['/small/', 10 * 1024, false], ['/small/', 10 * 1024 + 1, false], ['/small/', 20_000, true],
  ['/any/', 5 * MiB, false], ['/any/', 5 * MiB, true],
  // the limit is checked before the trailing-slash 301 (the location's) and the 404 where nothing matches (1m)
  ['/small', 100, false], ['/small', 20_000, false], ['/small', 20_000, true],
  ['/nope', 100, false, 'other.test'], ['/nope', MiB + 1, false, 'other.test'], ['/nope', MiB + 1, true, 'other.test'],
  ['/only', 20_000, false, 'other.test'],
  // a chunked body past the limit is refused while it still comes
  ['/small/', 20_000, true, undefined, true], ['/', MiB + 1, true, undefined, true],
];

function post(port: number, path: string, size: number, chunked: boolean, host?: string, open = false): Promise<number> {
  return new Promise((resolve, reject) => {
    // (an open body gets its answer within 2 s, or none: 0)
    const timer = open ? setTimeout(() => { req.destroy(); resolve(0); }, 2000) : null;
    const headers: Record<string, string> = chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(size) };
    if (host !== undefined) headers.Host = host;
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        if (timer) clearTimeout(timer);
        resolve(res.statusCode ?? 0);
      });
    });
    // a refused body may be cut off while it is still being written
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let left = size; left > 0; left -= chunk.length) req.write(left >= chunk.length ? chunk : chunk.subarray(0, left));
    if (!open) req.end();
  });
}

let upstream: http.Server;
let statuses: { nginx: string[]; engine: string[] };

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  // the upstream reads the whole body and answers with its size
  upstream = http.createServer((req, res) => {
    let n = 0;
    req.on('data', (d: Buffer) => (n += d.length));
    req.on('end', () => res.end(String(n)));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const upPort = (upstream.address() as { port: number }).port;
  const [pN, pE] = await freePorts(2);
  const run = async (port: number) => {
    const out: string[] = [];
    for (const [path, size, chunked, host, open] of cases) out.push(`${host ?? ''}${path} ${size} B${chunked ? ' chunked' : ''}${open ? ' left open' : ''}: ${await post(port, path, size, chunked, host, open)}`);
    return out;
  };
  statuses = {
    nginx: await withNginx(model(upPort, pN!), pN!, () => run(pN!)),
    engine: await withEngine(model(upPort, pE!), () => run(pE!)),
  };
}, { timeout: 60_000 });

after(() => {
  upstream?.close();
});

test('the export writes client_max_body_size where a location differs from nginx\'s 1m', () => {
  const v = validateConfig(model(1, 2));
  assert.ok(v.ok);
  const out = exportNginx(v.config, { shape: 'full' });
  assert.deepEqual([...out.matchAll(/client_max_body_size (\S+);/g)].map((m) => m[1]), ['3m', '10k', '0', '10k']);
  // a snippet also pins nginx's 1m on each server, over what the including http block sets
  const snippet = exportNginx(v.config, { shape: 'snippet' });
  assert.deepEqual([...snippet.matchAll(/client_max_body_size (\S+);/g)].map((m) => m[1]), ['1m', '3m', '10k', '0', '1m', '10k']);
});

test('bodies around each limit get the same status from the engine as from nginx', () => {
  assert.deepEqual(statuses.engine, statuses.nginx);
  // and the cases do cross the limits
  assert.ok(statuses.nginx.some((w) => w.endsWith(': 413')) && statuses.nginx.some((w) => w.endsWith(': 200')), statuses.nginx.join('\n'));
});

test('a bad size is refused by validation with its code', () => {
  const v = validateConfig({ schemaVersion: 1, servers: [{ listen: [{ address: '8080' }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:1', clientMaxBodySize: '1.5m' }] }] });
  assert.ok(!v.ok);
  assert.deepEqual(v.issues.map((i) => `${i.path} ${i.code}`), ['servers[0].locations[0].clientMaxBodySize invalid_size']);
});
