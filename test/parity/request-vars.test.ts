// The request's own variables against real nginx running the exported config: $content_length,
// $content_type, $https, $request, $remote_user, $realip_remote_addr/port, named regex groups
// (of a server name and of a location, through an X-Accel-Redirect too), and `hash
// $binary_remote_addr`: the values the upstream got must be equal. Then the random and clock ones
// ($request_id, $msec, $time_local, $time_iso8601, $connection, $connection_requests, $hostname),
// compared by form and by which requests share a value.
// Needs Debian's nginx; fails without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { hostname } from 'node:os';
import { runScenario, withEngine, withNginx, type Scenario } from './harness.ts';
import type { ConfigInput } from '../../app/config/schema.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { startHttpUpstream, header, startTcpServer, describe, rawExchange, type Seen } from '../helpers/upstreams.ts';
import { freePorts } from '../helpers/ports.ts';

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const VALUES = '[$content_length][$content_type][$https][$request][$remote_user][$realip_remote_addr]';

const scenario: Scenario = {
  name: 'request variables and named groups',
  upstreams: ['u', 'a', 'b', 'c', 'd'],
  compare: ['x-v', 'x-n'],
  model: ({ up, listen: p }) => ({
    schemaVersion: 1,
    upstreams: [{ name: 'byaddr', method: { type: 'hash', key: '$binary_remote_addr' }, servers: ['a', 'b', 'c', 'd'].map((n) => ({ address: `127.0.0.1:${up[n]}` })) }],
    servers: [
      {
        listen: [{ address: `127.0.0.1:${p}` }],
        serverNames: ['~^(?<sub>[a-z]+)\\.(?<opt>x)?ex\\.test$', 'parity.test'],
        locations: [
          { path: '/', proxyPass: `http://127.0.0.1:${up.u}`, proxySetHeader: [{ name: 'X-V', value: VALUES }, { name: 'X-N', value: '[$sub][$opt][$loc][$1][$2]' }] },
          { path: '^/n/(?P<loc>[a-z]+)(?\'opt\'Z)?', modifier: '~', proxyPass: `http://127.0.0.1:${up.u}`, proxySetHeader: [{ name: 'X-N', value: '[$sub][$opt][$LOC][${loc}][$1][$2]' }] },
          { path: '/h/', proxyPass: 'http://byaddr' },
        ],
      },
    ],
  }),
  requests: [
    { path: '/p?q=1', method: 'POST', body: 'abc', headers: [['Content-Type', 'text/a'], ['Authorization', `Basic ${b64('al:ice:x')}`]] },
    // chunked: nginx reads the body whole, then $content_length is its length
    { path: '/p', method: 'POST', body: 'hello world', chunks: { sizes: [3, 4] }, headers: [['Content-Type', 'a'], ['Content-Type', 'b']] },
    { path: '/p', method: 'POST', body: '', chunks: { sizes: [] } },
    { path: '/p', headers: [['Content-Length', '0'], ['Content-Type', '']] },
    { path: '/p', headers: { Authorization: `basic   ${b64('u:p')}` } },
    { path: '/p', headers: { Authorization: `BASIC ${b64('u:p').replace(/=+$/, '')}=junk` } },
    { path: '/p', headers: { Authorization: `Basic ${b64('nocolon')}` } },
    { path: '/p', headers: { Authorization: `Basic ${b64(':emptyuser')}` } },
    { path: '/p', headers: { Authorization: 'Basic a*b=' } },
    { path: '/p', headers: { Authorization: 'Basic YWI6Yw' } },
    { path: '/p', headers: { Authorization: `Basic ${b64('\u00e9\u00ff:x')}` } },
    { path: '/p', headers: { Authorization: `Bearer ${b64('u:p')}` } },
    { path: '/p', headers: { Authorization: 'Basic ' } },
    { path: '/p', host: null },
    { path: '/p', host: 'www.ex.test' },
    { path: '/p', host: 'www.xex.test' },
    { path: '/n/abc', host: 'www.xex.test' },
    { path: '/n/abcZ', host: 'parity.test' },
    { path: '/n/abc?x', host: 'Other.test' },
    { path: '/n/x/xaccel?to=%2Fn%2Fafter', host: 'www.xex.test' },
    { path: '/x/xaccel?to=%2Fn%2FafterZ', host: 'www.ex.test' },
    // an upgrade to a location without the WebSocket switch goes as a plain request: no body, no length
    { path: '/p', ws: true },
    ...Array.from({ length: 12 }, (_, i) => ({ path: '/h/x', from: `127.0.0.${i + 2}` })),
  ],
};

test(`parity: ${scenario.name}`, { timeout: 90_000 }, async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const { nginx, engine } = await runScenario(scenario);
  scenario.requests.forEach((r, i) => assert.deepEqual(engine[i], nginx[i], `case ${i}: ${r.method ?? 'GET'} ${r.path} Host=${r.host} ${JSON.stringify(r.headers)}`));
  // the cases did reach what they test
  const v = (i: number) => nginx[i]!.headers['x-v'];
  assert.equal(v(0), '[3][text/a][][POST /p?q=1 HTTP/1.1][al][127.0.0.1]');
  assert.equal(v(1), '[11][a][][POST /p HTTP/1.1][][127.0.0.1]');
  assert.equal(v(2), '[0][][][POST /p HTTP/1.1][][127.0.0.1]');
  assert.deepEqual([4, 5, 6, 7, 8, 9, 10, 11, 12].map((i) => /\]\[([^\]]*)\]\[127/.exec(v(i)!)![1]), ['u', 'u', '', '', '', 'ab', '\u00e9\u00ff', '', '']);
  assert.equal(v(13), '[][][][GET /p HTTP/1.0][][127.0.0.1]');
  assert.deepEqual([14, 15, 16, 17, 18, 19, 20].map((i) => nginx[i]!.headers['x-n']), [
    '[www][][][www][]', '[www][x][][www][x]', '[www][][abc][abc][abc][]', '[][Z][abc][abc][abc][Z]',
    '[][][abc][abc][abc][]', '[www][][after][after][after][]', '[www][Z][after][after][after][Z]',
  ]);
  assert.equal(nginx[21]!.headers['x-v'], '[][][][GET /p HTTP/1.1][][127.0.0.1]');
  assert.ok(new Set(nginx.slice(22).map((o) => o.upstream)).size > 1, 'the hash spreads the clients');
});

// A group may be called as a JavaScript object's keys: nginx takes "constructor" or "__proto__" as
// any name, and a group that did not match gives ''
const objectKeys: Scenario = {
  name: 'named groups called constructor, __proto__, tostring',
  upstreams: ['u'],
  compare: ['x-n'],
  model: ({ up, listen: p }) => ({
    schemaVersion: 1,
    servers: [{
      listen: [{ address: `127.0.0.1:${p}` }],
      serverNames: ['~^(?<constructor>[a-z]+)\\.ex\\.test$', 'parity.test'],
      locations: [
        { path: '/', proxyPass: `http://127.0.0.1:${up.u}`, proxySetHeader: [{ name: 'X-N', value: '[$constructor][$__proto__][$tostring]' }] },
        { path: '^/n/(?<__proto__>[a-z]+)(?<toString>Z)?', modifier: '~', proxyPass: `http://127.0.0.1:${up.u}`, proxySetHeader: [{ name: 'X-N', value: '[$constructor][$__proto__][$tostring]' }] },
      ],
    }],
  }),
  requests: [
    { path: '/n/abc', host: 'parity.test' },
    { path: '/n/abcZ', host: 'www.ex.test' },
    { path: '/q', host: 'parity.test' },
    { path: '/q', host: 'www.ex.test' },
  ],
};

test(`parity: ${objectKeys.name}`, { timeout: 60_000 }, async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const { nginx, engine } = await runScenario(objectKeys);
  assert.deepEqual(nginx.map((o) => o.headers['x-n']), ['[][abc][]', '[www][abc][Z]', '[][][]', '[www][][]']);
  assert.deepEqual(engine, nginx);
});

// nginx picks the peer once it has read the body (ngx_http_upstream_init_request), so a hash key
// with $content_length hashes a chunked body's length
const byLength: Scenario = {
  name: 'hash $content_length of chunked bodies',
  upstreams: ['a', 'b', 'c', 'd'],
  model: ({ up, listen: p }) => ({
    schemaVersion: 1,
    upstreams: [{ name: 'bylen', method: { type: 'hash', key: 'n$content_length' }, servers: ['a', 'b', 'c', 'd'].map((n) => ({ address: `127.0.0.1:${up[n]}` })) }],
    servers: [{ listen: [{ address: `127.0.0.1:${p}` }], locations: [{ path: '/', proxyPass: 'http://bylen' }] }],
  }),
  requests: Array.from({ length: 12 }, (_, i) => ({ path: '/len', method: 'POST', body: 'x'.repeat(i + 1), chunks: { sizes: [] } })),
};

test(`parity: ${byLength.name}`, { timeout: 60_000 }, async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const { nginx, engine } = await runScenario(byLength);
  assert.ok(new Set(nginx.map((o) => o.upstream)).size > 1, 'the lengths spread over the peers');
  assert.deepEqual(engine.map((o) => o.upstream), nginx.map((o) => o.upstream));
});

interface Heads { seen: Seen[] }

/** An upstream that reads a request head, keeps it and closes without an answer (nginx tries the next peer). */
async function startCloser(into: Heads) {
  return startTcpServer((s) => {
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (!got.includes('\r\n\r\n')) return;
      const lines = got.slice(0, got.indexOf('\r\n\r\n')).split('\r\n');
      into.seen.push({ name: 'closer', method: '', url: lines[0]!, httpVersion: '', rawHeaders: lines.slice(1).flatMap((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]), body: '' });
      s.destroy();
    });
    s.on('error', () => {});
  });
}

/** Requests written on one connection, one after the other (keep-alive); resolves when all are answered. */
function onOneConnection(port: number, paths: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let answered = 0;
    let buf = '';
    const next = () => sock.write(`GET ${paths[answered]} HTTP/1.1\r\nHost: t\r\n${answered === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`);
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const m = /Content-Length: (\d+)\r\n[\s\S]*?\r\n\r\n/i.exec(buf);
      if (!m || buf.length < m.index + m[0].length + Number(m[1])) return;
      buf = buf.slice(m.index + m[0].length + Number(m[1]));
      if (++answered < paths.length) next();
    });
    sock.on('close', () => (answered === paths.length ? resolve() : reject(new Error(`${answered} of ${paths.length} answered`))));
    sock.on('error', reject);
    next();
  });
}

const ID = /^[0-9a-f]{32}$/;
const MSEC = /^\d{10}\.\d{3}$/;
const TIME_LOCAL = /^\d{2}\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

/** What the upstreams saw, reduced to the form of each value and which requests share it. */
function shape(seen: Seen[]): string[] {
  const ids = new Map<string, number>();
  const conns = new Map<string, number>();
  return seen.map((s) => {
    const [rid, rid2, ms, tl, iso, conn, creq, host, rport, port] = /^\[(.*)\]\[(.*)\]\[(.*)\]\[(.*)\]\[(.*)\]\[(.*)\]\[(.*)\]\[(.*)\]\[(\d+)=(\d+)\]$/.exec(header(s, 'x-t') ?? '')?.slice(1) ?? [];
    assert.equal(rport, port, '$realip_remote_port is $remote_port');
    assert.match(rid!, ID);
    assert.equal(rid2, rid, 'one $request_id within a request');
    assert.match(ms!, MSEC);
    assert.ok(Math.abs(Number(ms) * 1000 - Date.now()) < 60_000, `$msec ${ms} is now`);
    assert.match(tl!, TIME_LOCAL);
    assert.match(iso!, ISO);
    assert.equal(new Date(iso!).getTime(), Math.floor(Number(ms)) * 1000, 'the ISO time is $msec');
    assert.match(conn!, /^[1-9]\d*$/);
    assert.equal(host, hostname().toLowerCase());
    if (!ids.has(rid!)) ids.set(rid!, ids.size);
    if (!conns.has(conn!)) conns.set(conn!, conns.size);
    return `${s.name} ${s.url} id#${ids.get(rid!)} connection#${conns.get(conn!)} request ${creq}`;
  });
}

test('parity: $request_id, $connection, $connection_requests and the clock variables, by form and sharing', { timeout: 60_000 }, async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const heads: Heads = { seen: [] };
  const up = await startHttpUpstream('u');
  const closer = await startCloser(heads);
  const [port] = await freePorts(1);
  const value = '[$request_id][${request_id}][$msec][$time_local][$time_iso8601][$connection][$connection_requests][$hostname][$realip_remote_port=$remote_port]';
  const model: ConfigInput = {
    schemaVersion: 1,
    upstreams: [{ name: 'retry', servers: [{ address: `127.0.0.1:${closer.port}` }, { address: `127.0.0.1:${up.port}` }] }],
    servers: [{
      listen: [{ address: `127.0.0.1:${port}` }],
      locations: [
        { path: '/', proxyPass: `http://127.0.0.1:${up.port}`, proxySetHeader: [{ name: 'X-T', value }] },
        { path: '/retry/', proxyPass: 'http://retry', proxySetHeader: [{ name: 'X-T', value }] },
      ],
    }],
  };
  const run = async (): Promise<string[]> => {
    up.seen.length = 0;
    heads.seen.length = 0;
    const all: Seen[] = [];
    const before = { up: 0, closer: 0 };
    const take = () => {
      all.push(...up.seen.slice(before.up), ...heads.seen.slice(before.closer));
      Object.assign(before, { up: up.seen.length, closer: heads.seen.length });
    };
    await onOneConnection(port!, ['/a', '/b', '/c']);
    take();
    await onOneConnection(port!, ['/d']);
    take();
    // round robin starts where it likes: two requests, so one of them meets the closer first
    await onOneConnection(port!, ['/retry/1', '/retry/2']);
    take();
    return shape(all.map((s) => ({ ...s, url: s.url.replace(/^GET (\S+) .*$/, '$1') })));
  };
  try {
    const fromNginx = await withNginx(model, port!, run);
    const fromEngine = await withEngine(model, run);
    assert.deepEqual(fromEngine, fromNginx);
    // the retried request reached both peers with one id
    assert.ok(fromNginx.some((l) => l.startsWith('closer')), 'a request met the closing peer');
  } finally {
    await up.close();
    await closer.close();
  }
});

/** A POST whose body comes a while after its head: resolves with when the body went out (ms). */
function slowBody(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let sentAt = 0;
    sock.on('connect', () => {
      sock.write('POST /late HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\n');
      setTimeout(() => { sentAt = Date.now(); sock.write('abc'); }, 1100);
    });
    sock.on('data', () => {});
    sock.on('close', () => resolve(sentAt));
    sock.on('error', reject);
  });
}

test('parity: the clock variables are read once the body is in, as nginx makes the upstream request then', { timeout: 60_000 }, async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const up = await startHttpUpstream('u');
  const [port] = await freePorts(1);
  const model: ConfigInput = {
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${up.port}`, proxySetHeader: [{ name: 'X-T', value: '$msec $content_length' }] }] }],
  };
  const run = async () => {
    up.seen.length = 0;
    const sentAt = await slowBody(port!);
    const [ms, length] = header(up.seen[0]!, 'x-t')!.split(' ');
    return { bodyFirst: Math.round(Number(ms) * 1000) >= sentAt, length };
  };
  try {
    const fromNginx = await withNginx(model, port!, run);
    assert.deepEqual(fromNginx, { bodyFirst: true, length: '3' });
    assert.deepEqual(await withEngine(model, run), fromNginx);
  } finally {
    await up.close();
  }
});

test('parity: after an X-Accel-Redirect the clock variables are read anew, as nginx makes the new upstream request then', { timeout: 60_000 }, async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  // the first upstream answers with the redirect a while after the request came
  const up = await startHttpUpstream('u', (req, res, seen) => {
    if (!req.url!.startsWith('/slow')) return describe(res, seen);
    setTimeout(() => { res.writeHead(200, { 'X-Accel-Redirect': '/after/x', 'Content-Length': '0' }); res.end(); }, 1100);
  });
  const [port] = await freePorts(1);
  const model: ConfigInput = {
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [
      { path: '/', proxyPass: `http://127.0.0.1:${up.port}` },
      { path: '/after/', proxyPass: `http://127.0.0.1:${up.port}`, proxySetHeader: [{ name: 'X-T', value: '$msec' }] },
    ] }],
  };
  const run = async () => {
    up.seen.length = 0;
    const sentAt = Date.now();
    await rawExchange(port!, 'GET /slow HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    const after = up.seen.find((s) => s.url === '/after/x');
    assert.ok(after, 'the redirect reached /after/');
    return { late: Math.round(Number(header(after, 'x-t')) * 1000) - sentAt >= 1000 };
  };
  try {
    const fromNginx = await withNginx(model, port!, run);
    assert.deepEqual(fromNginx, { late: true });
    assert.deepEqual(await withEngine(model, run), fromNginx);
  } finally {
    await up.close();
  }
});

test('parity: a WebSocket handshake with a chunked body has its length as $content_length, as nginx reads the body first', { timeout: 60_000 }, async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  // an upstream that keeps each request head and refuses the upgrade
  const heads: string[] = [];
  const up = await startTcpServer((s) => {
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (!got.includes('\r\n\r\n')) return;
      heads.push(got.slice(0, got.indexOf('\r\n\r\n')));
      s.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    s.on('error', () => {});
  });
  const [port] = await freePorts(1);
  const model: ConfigInput = {
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', websocket: true, proxyPass: `http://127.0.0.1:${up.port}`, proxySetHeader: [{ name: 'X-L', value: '[$content_length]' }] }] }],
  };
  const handshake = 'GET / HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
  const run = async () => {
    heads.length = 0;
    await rawExchange(port!, `${handshake}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n`, { until: (g) => g.includes('\r\n\r\n') });
    await rawExchange(port!, `${handshake}Content-Length: 2\r\n\r\nab`, { until: (g) => g.includes('\r\n\r\n') });
    return heads.map((h) => /^X-L: (.*)$/m.exec(h)?.[1]);
  };
  try {
    const fromNginx = await withNginx(model, port!, run);
    assert.deepEqual(fromNginx, ['[7]', '[2]']);
    assert.deepEqual(await withEngine(model, run), fromNginx);
  } finally {
    await up.close();
  }
});
