// What the client gets back from an upgrade request, compared with real nginx running the exported
// config: the head nginx writes for an upstream's 101 (its own Date and `Connection: upgrade`, the
// upstream's other headers minus those it hides by default: Date, Server, X-Pad, X-Accel-*,
// Keep-Alive, Transfer-Encoding; Location and Refresh rewritten by proxy_redirect default; the status
// line and bytes over 0x7F as the upstream sent them), for an upstream that refuses the upgrade, for a handshake that
// expects "100 Continue", and the proxy's own 502. The upstream is a raw TCP server whose answers
// carry each of those headers. Needs Debian's nginx; fails without it.
//
// Where the engine knowingly differs: nginx adds `Server: nginx/…` (the engine, like on its HTTP
// path, sends no Server header). After a refused upgrade both keep the client connection.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../app/config/schema.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';
import { answered, rawExchange, startPathAnswering, type TcpServer } from '../helpers/upstreams.ts';

const HIDDEN = ['Server: upstream/1', 'Date: Mon, 01 Jan 2001 00:00:00 GMT', 'X-Pad: avoid browser bug', 'X-Accel-Buffering: no', 'X-Accel-Expires: 5', 'X-Accel-Charset: utf-8'];
// (not X-Accel-Limit-Rate: nginx hides it too, but acts on it, sending the answer at that many bytes per second)

/** The upstream's answer per request path (after the location prefix). */
const ANSWERS: Record<string, string> = {
  '101': ['HTTP/1.1 101 Switching Protocols', ...HIDDEN, 'X-Custom: kept', 'Upgrade: websocket', 'Connection: Upgrade, Keep-Alive', 'Keep-Alive: timeout=5', 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'Sec-WebSocket-Protocol: chat', '', ''].join('\r\n'),
  '101-reason': ['HTTP/1.1 101 Web Socket Protocol Handshake', 'upgrade: WebSocket', 'connection: upgrade', 'sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'X-Twice: 1', 'X-Twice: 2', '', ''].join('\r\n'),
  // nginx writes the upstream's status line as it came, reason phrase or none (not one of its own)
  '101-bare': ['HTTP/1.1 101', 'Upgrade: websocket', 'Connection: upgrade', 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', '', ''].join('\r\n'),
  '101-space': ['HTTP/1.1 101 ', 'Upgrade: websocket', 'Connection: upgrade', 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', '', ''].join('\r\n'),
  // proxy_redirect default rewrites a 101's Location and Refresh as any answer's (UP: the upstream's port)
  '101-location': ['HTTP/1.1 101 Switching Protocols', 'Location: http://127.0.0.1:UP/up/next', 'Refresh: 5; url=http://127.0.0.1:UP/up/z', 'Upgrade: websocket', 'Connection: upgrade', '', ''].join('\r\n'),
  // bytes over 0x7F (a lone latin1 é, and UTF-8 é) pass as they came, in the status line and header values
  '101-bytes': ['HTTP/1.1 101 Sw\xe9tching', 'X-Latin: caf\xe9', 'X-Utf: caf\xc3\xa9', 'Upgrade: websocket', 'Connection: upgrade', '', ''].join('\r\n'),
  '101-te': ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', 'Transfer-Encoding: chunked', 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', '', ''].join('\r\n'),
  '403': ['HTTP/1.1 403 Nope', ...HIDDEN, 'X-Custom: kept', 'Content-Type: text/plain', 'Content-Length: 2', '', 'no'].join('\r\n'),
  '426': ['HTTP/1.1 426 Upgrade Required', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Content-Length: 2', '', 'no'].join('\r\n'),
  '403-bytes': ['HTTP/1.1 403 N\xe9', 'X-Latin: caf\xe9', 'X-Utf: caf\xc3\xa9', 'Content-Length: 2', '', 'no'].join('\r\n'),
  '426-bare': ['HTTP/1.1 426', 'Upgrade: websocket', 'Content-Length: 2', '', 'no'].join('\r\n'),
  // nginx holds the last Content-Type (none when it is empty) and writes the length it read
  '403-ctype': ['HTTP/1.1 403 Forbidden', 'Content-Type: text/plain', 'Content-Type: text/html', 'Content-Length: 02', '', 'no'].join('\r\n'),
  '403-ctype-empty': ['HTTP/1.1 403 Forbidden', 'Content-Type: text/plain', 'Content-Type:', 'Content-Length: 2', '', 'no'].join('\r\n'),
  '101-ctype': ['HTTP/1.1 101 Switching Protocols', 'Content-Type: text/plain', 'Content-Type: text/html', 'Content-Length: 00', 'Upgrade: websocket', 'Connection: upgrade', '', ''].join('\r\n'),
  // closes without answering: the proxy's own 502
  'silent': '',
};

function startAnswering(): Promise<TcpServer> {
  return startPathAnswering((path, s) => {
    s.write((ANSWERS[path.replace('-expect', '')] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n').replaceAll(':UP/', `:${s.localPort}/`), 'latin1');
    if (!path.startsWith('101')) s.end();
  });
}

function model(up: number, listen: number): ConfigInput {
  return {
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [{ path: '/up/', websocket: true, proxyPass: `http://127.0.0.1:${up}` }] }],
  };
}

const handshake = (path: string) => `GET /up/${path} HTTP/1.1\r\nHost: heads.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${path.endsWith('-expect') ? 'Expect: 100-continue\r\n' : ''}\r\n`;

interface Head { statusLine: string; headers: string[]; body: string }

/** Status line, header lines (Date's value checked and replaced by DATE), and what followed the head. */
function parse(raw: string): Head {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no complete head in ${JSON.stringify(raw)}`);
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers = lines.map((l) => {
    const m = /^date: (.*)$/i.exec(l);
    if (!m) return l;
    assert.ok(Math.abs(Date.parse(m[1]!) - Date.now()) < 60_000, `Date is the proxy's own, now: ${l}`);
    return 'Date: DATE';
  });
  return { statusLine: statusLine!, headers, body: raw.slice(end + 4) };
}

const PATHS = [...Object.keys(ANSWERS), '101-expect'];
const nginx: Record<string, Head> = {};
const engine: Record<string, Head> = {};
/** What came before the 101 for a handshake with `Expect: 100-continue`. */
const interim: Record<'nginx' | 'engine', string> = { nginx: '', engine: '' };

async function collect(port: number, into: Record<string, Head>, who: 'nginx' | 'engine'): Promise<void> {
  for (const p of PATHS) {
    const heads = p.endsWith('-expect') ? 2 : 1;
    // (a refused upgrade's connection stays open for a next request: read up to the answer's end)
    const done = (got: string) => (p.startsWith('101') ? got.split('\r\n\r\n').length > heads : answered(got));
    let raw = await rawExchange(port, handshake(p), { until: done, timeoutMs: 3000 });
    // (a rewritten Location names the proxy's own port, which differs between the two)
    raw = raw.replaceAll(`:${port}/`, ':LISTEN/');
    if (heads === 2) {
      interim[who] = raw.slice(0, raw.indexOf('\r\n\r\n') + 4);
      raw = raw.slice(interim[who].length);
    }
    into[p] = parse(raw);
  }
}

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const up = await startAnswering();
  const [pN, pE] = await freePorts(2);
  try {
    await withNginx(model(up.port, pN!), pN!, () => collect(pN!, nginx, 'nginx'));
    await withEngine(model(up.port, pE!), () => collect(pE!, engine, 'engine'));
  } finally {
    await up.close();
  }
});

/** Header lines without nginx's Server, sorted: order is not compared. */
const comparable = (h: Head) => h.headers.filter((l) => !/^server:/i.test(l)).sort();

for (const p of Object.keys(ANSWERS).filter((x) => x.startsWith('101'))) {
  test(`upgrade heads: the client gets nginx's head for an upstream's 101 (${p}: ${JSON.stringify(ANSWERS[p]!.split('\r\n').slice(0, 2).join(' | '))}…)`, () => {
    assert.equal(engine[p]!.statusLine, nginx[p]!.statusLine);
    assert.deepEqual(comparable(engine[p]!), comparable(nginx[p]!));
    assert.ok(nginx[p]!.headers.some((l) => /^server: nginx/i.test(l)), 'nginx adds its Server');
    assert.ok(!engine[p]!.headers.some((l) => /^server:/i.test(l)), "the upstream's Server is not passed");
  });
}

test("upgrade heads: a 101's Location and Refresh are rewritten by proxy_redirect default, as nginx does", () => {
  for (const h of [nginx['101-location']!, engine['101-location']!]) {
    assert.ok(h.headers.includes('Location: http://heads.test:LISTEN/up/next'), JSON.stringify(h.headers));
    assert.ok(h.headers.includes('Refresh: 5; url=/up/z'), JSON.stringify(h.headers));
  }
});

test("upgrade heads: the upstream's status line goes to the client as it came, without a reason phrase too", () => {
  for (const [p, line] of [['101-bare', 'HTTP/1.1 101'], ['101-space', 'HTTP/1.1 101 '], ['426-bare', 'HTTP/1.1 426']] as const) {
    assert.equal(nginx[p]!.statusLine, line);
    assert.equal(engine[p]!.statusLine, line, p);
  }
});

test('upgrade heads: bytes over 0x7F in the upstream\'s head reach the client unchanged, as through nginx', () => {
  for (const h of [nginx['101-bytes']!, engine['101-bytes']!, nginx['403-bytes']!, engine['403-bytes']!]) {
    assert.ok(h.headers.includes('X-Latin: caf\xe9') && h.headers.includes('X-Utf: caf\xc3\xa9'), JSON.stringify(h.headers));
  }
});

for (const p of ['403', '426', '426-bare', '403-bytes', '403-ctype', '403-ctype-empty']) {
  test(`upgrade heads: a refused upgrade (${p}) reaches the client with the headers nginx passes, and the body`, () => {
    const e = engine[p]!;
    const n = nginx[p]!;
    assert.equal(e.statusLine, n.statusLine);
    assert.deepEqual(comparable(e), comparable(n));
    assert.equal(e.body, 'no');
    assert.equal(n.body, 'no');
    assert.ok(n.headers.includes('Connection: keep-alive'), 'nginx keeps the connection');
    assert.ok(e.headers.includes('Connection: keep-alive'), 'and so does the engine');
  });
}

test('upgrade heads: "Expect: 100-continue" on a handshake gets "100 Continue" first, as from nginx', () => {
  assert.equal(interim.nginx, 'HTTP/1.1 100 Continue\r\n\r\n');
  assert.equal(interim.engine, interim.nginx);
  assert.equal(engine['101-expect']!.statusLine, 'HTTP/1.1 101 Switching Protocols');
});

test("upgrade heads: the proxy's own error on the upgrade path carries a Date, as nginx's does", () => {
  assert.equal(engine.silent!.statusLine, 'HTTP/1.1 502 Bad Gateway');
  assert.equal(engine.silent!.statusLine, nginx.silent!.statusLine);
  for (const h of [engine.silent!, nginx.silent!]) assert.equal(h.headers.filter((l) => l === 'Date: DATE').length, 1);
});
