// Byte-level parity of the upstream request: the same client bytes go through real nginx (running
// the exported config) and through the engine, each to its own raw TCP upstream, and the request
// heads (request line, header names as cased, values, order) and bodies (framing included) that
// arrive must be identical. The only thing rewritten before comparing is the upstream's own port,
// which differs between the two runs and appears in Host through $proxy_host.
// Needs Debian's nginx; fails without it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../app/config/schema.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';
import { startRawUpstream, rawExchange, RESPONSE_BODY, type Captured } from './wire-harness.ts';

const at = (port: number, uri = '') => `http://127.0.0.1:${port}${uri}`;

function model(up: number, listen: number): ConfigInput {
  return {
    schemaVersion: 1,
    upstreams: [{ name: 'ka', servers: [{ address: `127.0.0.1:${up}` }], keepalive: 4 }],
    servers: [{
      listen: [{ address: `127.0.0.1:${listen}` }],
      serverNames: ['wire.test'],
      locations: [
        { path: '/', proxyPass: at(up) },
        { path: '/ka/', proxyPass: 'http://ka', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] },
        { path: '/v11/', proxyPass: at(up), proxyHttpVersion: '1.1' },
        {
          path: '/set/', proxyPass: at(up), proxySetHeader: [
            { name: 'X-B', value: 'b' },
            { name: 'Host', value: '$host' },
            { name: 'x-a', value: 'a $request_method $arg_q' },
            { name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' },
            { name: 'X-Real-IP', value: '$remote_addr' },
            { name: 'X-Tab', value: 'a\tb' }, // (HTTP allows a tab in a value: sent as written)
            { name: 'Accept', value: '' },
          ],
        },
        {
          path: '/set2/', proxyPass: at(up), proxySetHeader: [
            { name: 'X-Real-IP', value: '$remote_addr' },
            { name: 'connection', value: 'keep-alive' },
            { name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' },
            { name: 'User-Agent', value: 'switchyard' },
            { name: 'HOST', value: 'fixed.example' },
            { name: 'X-Unset', value: '$http_x_missing' },
          ],
        },
        { path: '/h/', proxyPass: at(up), proxySetHeader: [{ name: 'Host', value: '$host' }] },
        { path: '/hh/', proxyPass: at(up), proxySetHeader: [{ name: 'Host', value: '$http_host' }] },
        { path: '/ph/', proxyPass: at(up), proxySetHeader: [{ name: 'X-First', value: '1' }, { name: 'Host', value: '$proxy_host' }] },
        { path: '/rw/', proxyPass: at(up, '/new/') },
        { path: '/ws/', proxyPass: at(up), websocket: true },
        { path: '/dup/', proxyPass: at(up), proxySetHeader: [{ name: 'X-Twice', value: '1' }, { name: 'Expect', value: '100-continue' }, { name: 'X-Twice', value: '2' }] },
        { path: '/ctl/', proxyPass: at(up), proxySetHeader: [{ name: 'X-Uri', value: '$uri' }] },
        { path: '/exp/', proxyPass: at(up), proxySetHeader: [{ name: 'Expect', value: '$http_expect' }, { name: 'X-U', value: '$uri' }] },
        { path: '/vars/', proxyPass: at(up), proxySetHeader: [{ name: 'X-Cookies', value: '$http_cookie' }, { name: 'X-Accepts', value: '$http_accept' }] },
        // config text outside ASCII goes as its UTF-8 bytes, next to a client's raw bytes
        { path: '/utf/', proxyPass: at(up), proxySetHeader: [{ name: 'X-City', value: 'Zürich 東京 \u{1F600}' }, { name: 'X-Mixed', value: 'é=$http_x_latin' }] },
      ],
    }],
  };
}

interface WireCase {
  name: string;
  /** The client's request bytes exactly. */
  bytes: string;
  /** The client leaves once its answer is in (nginx keeps a refused upgrade's connection open). */
  leaves?: true;
}

const H = 'Host: wire.test';

/** A request from its request line and header lines; the client always asks to close. */
function req(name: string, line: string, headers: string[] = [H], body = ''): WireCase {
  return { name, bytes: [line, ...headers, 'Connection: close', '', body].join('\r\n') };
}

const cases: WireCase[] = [
  req('GET / (proxy_http_version 1.0, Connection: close)', 'GET / HTTP/1.1', [H, 'User-Agent: wire/1', 'Accept: */*']),
  req('query string', 'GET /search?q=a%20b&x=1&&y HTTP/1.1', [H]),
  req('client headers: mixed case, duplicates, underscores, hop-by-hop', 'GET /mixed HTTP/1.1', [
    'host: wire.test', 'user-agent: lower/1', 'ACCEPT: text/html', 'X-Mixed-Case: 1', 'accept: */*', 'Cookie: a=1', 'X-Between: y',
    'Cookie: b=2', 'X_Under: dropped', 'x-under_score: dropped', 'X-Spaces:   padded   ', 'Keep-Alive: 300', 'TE: trailers',
    'Upgrade: h2c', 'Proxy-Connection: keep-alive', 'X-Empty:', 'Accept-Encoding: gzip', 'Accept-Encoding: br',
  ]),
  req('same name, same case, not adjacent', 'GET /dups HTTP/1.1', [H, 'X-D: 1', 'X-E: 2', 'X-D: 3', 'X-E: 4', 'X-D: 5']),
  req('HTTP/1.0 client', 'GET /old HTTP/1.0', [H, 'Accept: */*']),
  req('POST with Content-Length', 'POST /form HTTP/1.1', [H, 'Content-Type: application/x-www-form-urlencoded', 'Content-Length: 11', 'X-After: 1'], 'hello=world'),
  req('POST with a chunked body (nginx sends Content-Length)', 'POST /chunked HTTP/1.1', [H, 'Transfer-Encoding: chunked', 'Content-Type: text/plain'], '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'),
  req('POST with an empty chunked body', 'POST /chunked0 HTTP/1.1', [H, 'Transfer-Encoding: chunked'], '0\r\n\r\n'),
  req('POST with Content-Length: 0', 'POST /empty HTTP/1.1', [H, 'Content-Length: 0']),
  req('POST with Expect: 100-continue', 'POST /expect HTTP/1.1', [H, 'Expect: 100-continue', 'Content-Length: 4'], 'data'),
  req('PUT with a body', 'PUT /v11/put HTTP/1.1', [H, 'Content-Length: 3', 'Content-Type: text/plain'], 'abc'),
  req('GET with Content-Length: 0', 'GET /getcl HTTP/1.1', [H, 'Content-Length: 0']),
  req('DELETE without body', 'DELETE /thing HTTP/1.1', [H, 'Accept: */*']),
  req('OPTIONS without body', 'OPTIONS /thing HTTP/1.1', [H, 'Origin: http://o.example']),
  req('HEAD', 'HEAD /head HTTP/1.1', [H]),
  req('keepalive pool, 1.1, Connection "" (1)', 'GET /ka/one HTTP/1.1', [H, 'X-N: 1']),
  req('keepalive pool, 1.1, Connection "" (2)', 'GET /ka/two?x HTTP/1.1', [H, 'X-N: 2']),
  req('keepalive pool, POST chunked', 'POST /ka/post HTTP/1.1', [H, 'Transfer-Encoding: chunked'], '3\r\nabc\r\n0\r\n\r\n'),
  req('keepalive pool, DELETE', 'DELETE /ka/del HTTP/1.1', [H]),
  req('proxy_http_version 1.1 with the default Connection: close', 'GET /v11/x HTTP/1.1', [H, 'Connection: keep-alive']),
  req('proxy_set_header list, no client X-Forwarded-For', 'GET /set/?q=1 HTTP/1.1', [H, 'Accept: dropped', 'X-B: client', 'x-real-ip: 6.6.6.6', 'X-Keep: 1']),
  req('proxy_set_header list, client X-Forwarded-For', 'GET /set/x HTTP/1.1', ['Host: Wire.TEST:8080', 'X-Forwarded-For: 10.0.0.1, 10.0.0.2', 'X-Keep: 1']),
  req('proxy_set_header list, two client X-Forwarded-For lines', 'POST /set/y HTTP/1.1', [H, 'X-Forwarded-For: 10.0.0.1', 'X-Keep: 1', 'x-forwarded-for: 10.0.0.3', 'Content-Length: 2'], 'hi'),
  req('proxy_set_header other order, Host and Connection overridden', 'GET /set2/ HTTP/1.1', [H, 'User-Agent: client', 'X-Missing-Not: 1']),
  req('proxy_set_header other order, with body', 'POST /set2/b HTTP/1.1', [H, 'Content-Length: 5', 'X-Forwarded-For: 1.2.3.4'], '12345'),
  req('Host $host', 'GET /h/ HTTP/1.1', ['Host: Wire.Test:99']),
  req('Host $host, HTTP/1.0 without Host', 'GET /h/x HTTP/1.0', []),
  req('Host $http_host', 'GET /hh/ HTTP/1.1', ['Host: Wire.Test:99']),
  req('Host $http_host, HTTP/1.0 without Host (no Host upstream)', 'GET /hh/x HTTP/1.0', ['Accept: */*']),
  req('Host $proxy_host after another header', 'GET /ph/ HTTP/1.1', [H]),
  req('proxy_pass URI rewriting with an encoded URI', 'GET /rw/a%20b/%41%2F?q=%20 HTTP/1.1', [H]),
  req('proxy_pass URI rewriting of a normalized URI', 'GET /rw/x/../y//z HTTP/1.1', [H]),
  req('websocket location, plain GET', 'GET /ws/plain HTTP/1.1', [H, 'Sec-WebSocket-Version: 13']),
  req('proxy_set_header naming a header twice, and Expect', 'POST /dup/ HTTP/1.1', [H, 'X-Twice: client', 'Content-Length: 3'], 'abc'),
  req('an 8 KB body', 'PUT /big HTTP/1.1', [H, 'Content-Length: 8192'], '01234567'.repeat(1024)),
  // over nginx's client_body_buffer_size (16k): nginx buffers it in a temp file before sending
  req('a 200 KB body', 'PUT /big HTTP/1.1', [H, 'Content-Length: 204800'], '0123456789'.repeat(20480)),
  req('a value with bytes above 0x7f', 'GET /latin HTTP/1.1', [H, 'X-Latin: caf\u00e9 \u00ff']),
  req('absolute-form request target', 'GET http://wire.test/abs?x=1 HTTP/1.1', ['Host: other.example']),
  req('proxy_set_header values with non-ASCII text, and a client value of raw bytes', 'GET /utf/ HTTP/1.1', [H, 'X-Latin: caf\u00e9']),
  req('variables joining duplicate headers', 'GET /vars/ HTTP/1.1', [H, 'Cookie: a=1', 'Accept: text/html', 'Cookie: b=2', 'Accept: */*']),
  // an upgrade request's body: Content-Length: 0 goes on as it is, as a chunked one's length does
  ...['Content-Length: 0', 'Transfer-Encoding: chunked\r\n\r\n0', 'Content-Length: 3\r\n\r\nabc'].map((framing) => ({
    name: `websocket location, upgrade request with ${framing.split('\r\n')[0]}`,
    leaves: true as const,
    bytes: `GET /ws/up HTTP/1.1\r\n${H}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${framing.includes('\r\n\r\n') ? framing : `${framing}\r\n\r\n`}${framing.startsWith('Transfer') ? '\r\n\r\n' : ''}`,
  })),
  // $uri is decoded, and nginx writes a decoded control byte into the header line as it is (a CR LF
  // there splits the header: the config's own header injection, which the user sees here as in nginx)
  ...['%01', '%7F', '%0D', '%0A', '%0D%0AX-Injected:%20yes'].map((esc) => req(`$uri with ${esc} in a header value`, `GET /ctl/a${esc}b HTTP/1.1`, [H])),
  // an Expect header sent upstream (node would send the head at once, in UTF-8, before it is finished)
  req('Expect passed upstream, beside a Trailer and a value of raw bytes', 'GET /exp/p HTTP/1.1', [H, 'Expect: 100-continue', 'Trailer: X', 'X-A: caf\u00e9']),
  req('Expect passed upstream, beside $uri with a control byte', 'GET /exp/p%01 HTTP/1.1', [H, 'Expect: 100-continue']),
];

interface Run {
  statuses: number[];
  /** Per case: what the upstream received for it, with the upstream port replaced. */
  seen: Array<Captured | null>;
}

async function runAll(list: WireCase[], listen: number, up: Awaited<ReturnType<typeof startRawUpstream>>): Promise<Run> {
  const statuses: number[] = [];
  const seen: Array<Captured | null> = [];
  for (const c of list) {
    const before = up.seen.length;
    statuses.push((await rawExchange(listen, c.bytes, c.leaves && ((r) => r.endsWith(`\r\n\r\n${RESPONSE_BODY}`)))).status);
    const got = up.seen.length > before ? up.seen.at(-1)! : null;
    if (up.seen.length > before + 1) throw new Error(`${c.name}: ${up.seen.length - before} upstream requests for one client request`);
    seen.push(got && { ...got, head: got.head.replaceAll(`127.0.0.1:${up.port}`, '127.0.0.1:UPSTREAM') });
  }
  return { statuses, seen };
}

let nginx: Run;
let engine: Run;

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const [pN, pE] = await freePorts(2);
  const upN = await startRawUpstream();
  const upE = await startRawUpstream();
  try {
    await withNginx(model(upN.port, pN!), pN!, async () => {
      nginx = await runAll(cases, pN!, upN);
    });
    await withEngine(model(upE.port, pE!), async () => {
      engine = await runAll(cases, pE!, upE);
    });
  } finally {
    await upN.close();
    await upE.close();
  }
});

test('nginx is installed (the wire parity suite needs it)', () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
});

cases.forEach((c, i) => {
  test(`wire: ${c.name}`, () => {
    const n = nginx.seen[i];
    const e = engine.seen[i];
    assert.ok(n, `nginx sent nothing upstream (status ${nginx.statuses[i]})`);
    assert.equal(engine.statuses[i], nginx.statuses[i], 'client status');
    assert.ok(e, 'the engine sent nothing upstream');
    // strings, so a failure prints both heads with their CRLFs visible
    assert.equal(JSON.stringify(e.head), JSON.stringify(n.head), 'request head');
    assert.equal(JSON.stringify(e.body), JSON.stringify(n.body), 'request body');
  });
});

test('wire: the keepalive location reuses one upstream connection like nginx', () => {
  const pattern = (r: Run) => {
    const ids = cases.flatMap((c, i) => (c.name.startsWith('keepalive pool') ? [r.seen[i]?.conn ?? -1] : []));
    return ids.map((id) => ids.indexOf(id));
  };
  assert.deepEqual(pattern(nginx), [0, 0, 0, 0]);
  assert.deepEqual(pattern(engine), pattern(nginx));
});
