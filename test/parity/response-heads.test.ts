// What the client gets back from an ordinary (not upgraded) request for upstream answers whose head
// node's own response writer would change or refuse, compared with real nginx running the exported
// config: a `Trailer` header on an answer that is not chunked (node throws ERR_HTTP_TRAILER_INVALID
// for it; nginx passes it on, and it is no upstream failure), a status line without a reason phrase
// (node would write "HTTP/1.1 200 " with a space), and the Content-Type and Content-Length nginx
// writes from what it read (the last Content-Type, none when empty; the length as a number; both,
// and Transfer-Encoding, in its own case whatever the upstream's), and
// Location headers after proxy_redirect default (only the last rewritten one made absolute). The
// upstream is a raw TCP server. Needs Debian's nginx; fails without it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../app/config/schema.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';
import { rawExchange, startPathAnswering, type TcpServer } from '../helpers/upstreams.ts';

/** The upstream's answer per request path (after the location prefix); it closes after each. */
const ANSWERS: Record<string, string> = {
  'trailer-length': ['HTTP/1.1 200 OK', 'Trailer: X-Checksum', 'Content-Length: 2', '', 'ok'].join('\r\n'),
  'trailer-empty': ['HTTP/1.1 200 OK', 'Trailer:', 'Content-Length: 2', '', 'ok'].join('\r\n'),
  'trailer-close': ['HTTP/1.1 200 OK', 'trailer: X-One', 'Trailer: X-Two', '', 'ok'].join('\r\n'),
  'trailer-304': ['HTTP/1.1 304 Not Modified', 'Trailer: X-Checksum', 'ETag: "v1"', '', ''].join('\r\n'),
  'bare-200': ['HTTP/1.1 200', 'Content-Length: 2', '', 'ok'].join('\r\n'),
  'bare-599': ['HTTP/1.1 599', 'Content-Length: 2', '', 'ok'].join('\r\n'),
  'reason': ['HTTP/1.1 200 Fine, Thanks', 'Content-Length: 2', '', 'ok'].join('\r\n'),
  'ctype-empty': ['HTTP/1.1 200 OK', 'Content-Type:', 'Content-Length: 2', '', 'ok'].join('\r\n'),
  'ctype-last-empty': ['HTTP/1.1 200 OK', 'Content-Type: text/plain', 'Content-Type:', 'Content-Length: 2', '', 'ok'].join('\r\n'),
  'ctype-twice': ['HTTP/1.1 200 OK', 'Content-Type: text/plain', 'Content-Type: text/html', 'Content-Length: 2', '', 'ok'].join('\r\n'),
  'length-zeros': ['HTTP/1.1 200 OK', 'Content-Length: 002', '', 'ok'].join('\r\n'),
  // header names as a node or Python server writes them: the ones nginx writes itself get its case
  'lower-names': ['HTTP/1.1 200 OK', 'content-type: text/plain', 'content-length: 2', 'x-lower: kept', 'etag: "v1"', '', 'ok'].join('\r\n'),
  'lower-chunked': ['HTTP/1.1 200 OK', 'content-type: text/html', 'transfer-encoding: chunked', '', '2\r\nok\r\n0\r\n\r\n'].join('\r\n'),
  // proxy_redirect default rewrites each Location; only the last rewritten one is made absolute
  'location-two': ['HTTP/1.1 302 Found', 'Location: http://raw/x', 'Location: http://raw/y', 'Content-Length: 0', '', ''].join('\r\n'),
  'location-mixed': ['HTTP/1.1 302 Found', 'Location: /rel', 'Location: http://raw/x', 'Location: http://other/z', 'Content-Length: 0', '', ''].join('\r\n'),
  // a value's bytes above 0x7f go on as they came (one byte each), buffered or not (/u/)
  'latin-byte': ['HTTP/1.1 200 OK', 'X-A: caf\u00e9 \u00ff', 'Content-Length: 2', '', 'ok'].join('\r\n'),
  // an X-Accel-Redirect to no location: the proxy's own 404, with the headers nginx keeps from the
  // answer (compared in order below, apart from the others)
  'xaccel-missing': ['HTTP/1.1 200 OK', 'X-Accel-Redirect: /nowhere', 'Set-Cookie: a=caf\u00e9', 'Accept-Ranges: none', 'Set-Cookie: b=2', 'Content-Length: 2', '', 'hi'].join('\r\n'),
};
const APART = new Set(['xaccel-missing']);

/** An answering upstream that names itself in an `X-Peer` header (so the rotation is compared too). */
function startAnswering(peer: string): Promise<TcpServer> {
  return startPathAnswering((path, s) => {
    const answer = ANSWERS[path.replace('-10', '')] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';
    const eol = answer.indexOf('\r\n');
    s.end(`${answer.slice(0, eol)}\r\nX-Peer: ${peer}${answer.slice(eol)}`, 'latin1');
  });
}

/** Two peers answering alike, round robin: an answer taken for a failure would take one out of the rotation. */
function model(ups: number[], listen: number): ConfigInput {
  return {
    schemaVersion: 1,
    upstreams: [{ name: 'raw', servers: ups.map((p) => ({ address: `127.0.0.1:${p}` })) }],
    servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [{ path: '/r/', proxyPass: 'http://raw' }, { path: '/ws/', websocket: true, proxyPass: 'http://raw' }, { path: '/u/', proxyPass: 'http://raw', proxyBuffering: false }] }],
  };
}

/** Request paths: each answer on the plain route, the WebSocket route (HTTP/1.1 upstream), from an
 * HTTP/1.0 client, and unbuffered (whose head goes out before the body). */
const PATHS = Object.keys(ANSWERS).filter((k) => !APART.has(k)).flatMap((k) => [`/r/${k}`, `/ws/${k}`, `/r/${k}-10`, `/u/${k}`]);
const PATHS_APART = [...APART].flatMap((k) => [`/r/${k}`, `/r/${k}-10`]);

function request(path: string): string {
  const v = path.endsWith('-10') ? '1.0' : '1.1';
  return `GET ${path} HTTP/${v}\r\nHost: heads.test\r\nConnection: close\r\n\r\n`;
}

interface Answer { statusLine: string; headers: string[]; body: string }

function parse(raw: string): Answer {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no complete head in ${JSON.stringify(raw)}`);
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  return { statusLine: statusLine!, headers: lines, body: raw.slice(end + 4) };
}

const nginx: Record<string, Answer> = {};
const engine: Record<string, Answer> = {};

async function collect(port: number, into: Record<string, Answer>): Promise<void> {
  // (a Location made absolute names the proxy's own port, which differs between the two)
  for (const p of [...PATHS, ...PATHS_APART]) into[p] = parse((await rawExchange(port, request(p), { timeoutMs: 3000 })).replaceAll(`:${port}/`, ':PROXY/'));
}

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const ups = [await startAnswering('a'), await startAnswering('b')];
  const [pN, pE] = await freePorts(2);
  const ports = ups.map((u) => u.port);
  try {
    await withNginx(model(ports, pN!), pN!, () => collect(pN!, nginx));
    await withEngine(model(ports, pE!), () => collect(pE!, engine));
  } finally {
    for (const u of ups) await u.close();
  }
});

/** Header lines without Date and nginx's Server, sorted (nginx writes the ones it keeps apart first). */
const comparable = (a: Answer) => a.headers.filter((l) => !/^(server|date):/i.test(l)).sort();

for (const p of PATHS) {
  test(`response heads: ${p} reaches the client as through nginx (${JSON.stringify(ANSWERS[p.split('/').pop()!.replace('-10', '')]!.split('\r\n\r\n')[0]!.replaceAll('\r\n', ' | '))})`, () => {
    const e = engine[p]!;
    const n = nginx[p]!;
    assert.equal(e.statusLine, n.statusLine);
    assert.deepEqual(comparable(e), comparable(n));
    assert.equal(e.body, n.body);
  });
}

for (const p of PATHS_APART) {
  test(`response heads: ${p}, the proxy's own answer with the headers kept from the upstream's, in nginx's order`, () => {
    const lines = (a: Answer) => a.headers.filter((l) => !/^(server|date|content-length):/i.test(l));
    const page = (a: Answer) => a.body.replace(/<hr><center>[^<]*<\/center>/, '');
    assert.equal(engine[p]!.statusLine, nginx[p]!.statusLine);
    assert.deepEqual(lines(engine[p]!), lines(nginx[p]!));
    assert.equal(page(engine[p]!), page(nginx[p]!));
    assert.ok(nginx[p]!.headers.includes('Set-Cookie: a=caf\u00e9'), 'kept, one byte each');
  });
}

test('response heads: what nginx makes of these answers, as expected (the comparison above means something)', () => {
  assert.equal(nginx['/r/trailer-length']!.statusLine, 'HTTP/1.1 200 OK');
  assert.ok(nginx['/r/trailer-length']!.headers.includes('Trailer: X-Checksum'));
  assert.equal(nginx['/r/bare-200']!.statusLine, 'HTTP/1.1 200');
  assert.ok(nginx['/u/latin-byte']!.headers.includes('X-A: caf\u00e9 \u00ff'), 'one byte each');
  assert.equal(nginx['/r/reason']!.statusLine, 'HTTP/1.1 200 Fine, Thanks');
  assert.ok(!nginx['/r/ctype-empty']!.headers.some((l) => /^content-type/i.test(l)));
  assert.ok(nginx['/r/length-zeros']!.headers.includes('Content-Length: 2'));
  assert.deepEqual(nginx['/r/location-two']!.headers.filter((l) => l.startsWith('Location')).sort(), ['Location: /x', 'Location: http://heads.test:PROXY/y'].sort());
});
