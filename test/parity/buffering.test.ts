// proxy_buffering, as the client sees it, against real nginx: the upstream sends its head and part
// of the body, pauses, then sends the rest; what the client has received before the pause ends
// (whether the head, how many body bytes) must be the same through nginx running the exported
// config and through the engine. Cases: the default (on) over HTTP/1.0 and 1.1, identity bodies
// with and without Content-Length around nginx's 4 KiB pages, chunked bodies, `proxy_buffering off`,
// and the upstream's X-Accel-Buffering both ways.
// Needs Debian's nginx; fails without it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { ConfigInput } from '../../app/config/schema.ts';
import { validateConfig } from '../../app/config/validate.ts';
import { exportNginx } from '../../app/nginx/export.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';

/** The upstream's pause between the first part of the body and the rest. */
const PAUSE_MS = 1200;
/** What arrives before this counts as "before the pause ended" (600 ms either side of it: a proxy on
 * two cores busy with other test files can take hundreds of ms to pass what it passes at once). */
const EARLY_MS = 600;

/**
 * A raw upstream. `/?n=N` sends the head and N body bytes, pauses, then 5 more bytes and closes;
 * `cl=1` adds Content-Length; `te=1` sends the body chunked (one chunk before the pause, one after)
 * when the request is HTTP/1.1; `xab=V` adds X-Accel-Buffering: V.
 */
function startUpstream(): Promise<net.Server> {
  const server = net.createServer((sock) => {
    sock.on('error', () => sock.destroy());
    let head = '';
    sock.on('data', (d: Buffer) => {
      if (head.includes('\r\n\r\n')) return;
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const [, target = '/', version = ''] = /^\S+ (\S+) (HTTP\/1\.\d)/.exec(head) ?? [];
      const q = new URL(target, 'http://u').searchParams;
      const n = Number(q.get('n') ?? 0);
      const chunked = q.get('te') === '1' && version === 'HTTP/1.1';
      const lines = ['HTTP/1.1 200 OK', 'Content-Type: text/plain'];
      if (q.get('cl') === '1') lines.push(`Content-Length: ${n + 5}`);
      if (chunked) lines.push('Transfer-Encoding: chunked');
      if (q.has('xab')) lines.push(`X-Accel-Buffering: ${q.get('xab')}`);
      lines.push('Connection: close', '', '');
      const first = 'a'.repeat(n);
      sock.write(lines.join('\r\n') + (chunked ? (n ? `${n.toString(16)}\r\n${first}\r\n` : '') : first));
      setTimeout(() => sock.end(chunked ? '5\r\nbbbbb\r\n0\r\n\r\n' : 'bbbbb'), PAUSE_MS);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function model(up: number, listen: number): ConfigInput {
  const to = `http://127.0.0.1:${up}`;
  return {
    schemaVersion: 1,
    servers: [{
      listen: [{ address: `127.0.0.1:${listen}` }],
      locations: [
        { path: '/', proxyPass: to },
        { path: '/v11/', proxyPass: `${to}/`, proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] },
        { path: '/ws/', proxyPass: `${to}/`, websocket: true },
        { path: '/off/', proxyPass: `${to}/`, proxyBuffering: false },
      ],
    }],
  };
}

const cases = [
  ...[0, 100, 3000, 3994, 3996, 4200, 9000, 20_000].map((n) => `/?n=${n}`),
  ...[100, 3994, 5000, 20_000].map((n) => `/?n=${n}&cl=1`),
  '/?n=100&xab=no', '/?n=100&xab=NO', '/?n=100&xab=off', '/?n=0&xab=no', '/?n=5000&xab=no',
  '/off/?n=0', '/off/?n=100', '/off/?n=100&xab=yes', '/off/?n=5000&xab=Yes', '/off/?n=100&xab=maybe',
  '/v11/?n=0&te=1', '/v11/?n=100&te=1', '/v11/?n=3000&te=1', '/v11/?n=100', '/v11/?n=100&cl=1', '/v11/?n=5000&cl=1',
  '/ws/?n=100&te=1', '/ws/?n=100&cl=1',
];

interface Seen {
  /** The response head arrived before the pause ended. */
  headEarly: boolean;
  /** Body bytes received before the pause ended, and in all. */
  early: number;
  total: number;
}

function fetchTimed(port: number, path: string): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const headEarly = Date.now() - t0 < EARLY_MS;
      let early = 0;
      let total = 0;
      res.on('data', (d: Buffer) => {
        total += d.length;
        if (Date.now() - t0 < EARLY_MS) early = total;
      });
      res.on('end', () => resolve({ headEarly, early, total }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const seen: Record<'nginx' | 'engine', Seen[]> = { nginx: [], engine: [] };
let upstream: net.Server;

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  upstream = await startUpstream();
  const upPort = (upstream.address() as net.AddressInfo).port;
  const [pN, pE] = await freePorts(2);
  // every case at once against each proxy: each one waits out the upstream's pause
  seen.nginx = await withNginx(model(upPort, pN!), pN!, () => Promise.all(cases.map((c) => fetchTimed(pN!, c))));
  seen.engine = await withEngine(model(upPort, pE!), () => Promise.all(cases.map((c) => fetchTimed(pE!, c))));
});

after(async () => {
  upstream?.close();
});

test('the export writes proxy_buffering off only where the model turns it off', () => {
  const v = validateConfig(model(1, 2));
  assert.ok(v.ok);
  const out = exportNginx(v.config, { shape: 'full' });
  assert.equal(out.split('proxy_buffering').length - 1, 1, out);
  assert.match(out, /location \/off\/ \{[^}]*proxy_buffering off;/);
  // a snippet also pins nginx's "on" on its server, over what the including http block sets
  const snippet = exportNginx(v.config, { shape: 'snippet' });
  assert.deepEqual([...snippet.matchAll(/proxy_buffering (\w+);/g)].map((m) => m[1]), ['on', 'off']);
});

test('the cases show buffering at all (nginx holds a small unchunked body, passes a chunk)', () => {
  const at = (c: string) => seen.nginx[cases.indexOf(c)]!;
  assert.deepEqual(at('/?n=100'), { headEarly: false, early: 0, total: 105 });
  assert.deepEqual(at('/off/?n=100'), { headEarly: true, early: 100, total: 105 });
  assert.deepEqual(at('/v11/?n=100&te=1'), { headEarly: true, early: 100, total: 105 });
});

cases.forEach((c, i) => {
  test(`buffering: ${c}`, () => {
    assert.deepEqual(seen.engine[i], seen.nginx[i]);
  });
});
