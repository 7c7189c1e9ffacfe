// An upgrade request that does not become a tunnel (a route without the websocket switch, an
// upstream that refuses the handshake, the engine's own 404, 301 or 502) is answered as any request,
// and its connection then serves the next request, as nginx's does (checked against nginx 1.22 with
// test/parity/close-explore.ts's WS cases and test/parity/upgrade-explore.ts). The engine used to
// end every such connection: `curl --http2` on http://, which sends `Upgrade: h2c` with each request,
// opened a connection per request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { firstAnswerLength, refusedPort, startPathAnswering } from '../../helpers/upstreams.ts';
import { clientKeepaliveTimeout } from '../../../main/engine/client-timeouts.ts';
import type { SessionRecord } from '../../../main/engine/events.ts';
import { until } from '../../helpers/wait.ts';
import { freePort } from '../../helpers/ports.ts';

const scope = testScope();
const WS = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
const handshake = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: a\r\n${WS}${extra}\r\n`;

/** A client connection that sends requests one at a time and reads each answer whole. */
async function connection(port: number) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let got = '';
  let ended = false;
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  sock.on('data', (d: Buffer) => {
    got += d.toString('latin1');
    wake();
  });
  sock.on('error', () => {});
  sock.on('end', () => {
    ended = true;
    wake();
  });
  scope.defer(async () => void sock.destroy());
  return {
    /** Send `bytes`, then wait for one whole answer (or the connection's end). */
    async ask(bytes: string, timeoutMs = 3000): Promise<string> {
      sock.write(bytes, 'latin1');
      const deadline = Date.now() + timeoutMs;
      while (firstAnswerLength(got) < 0 && !ended && Date.now() < deadline) {
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      const n = firstAnswerLength(got);
      const answer = n < 0 ? got : got.slice(0, n);
      got = n < 0 ? '' : got.slice(n);
      return answer;
    },
    /** Close the connection from the client's side. */
    async close(): Promise<void> {
      sock.end();
    },
    /** Whether the proxy has ended the connection within `ms`. */
    async endsWithin(ms: number): Promise<boolean> {
      const deadline = Date.now() + ms;
      while (!ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return ended;
    },
  };
}

const status = (answer: string) => /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
const header = (answer: string, name: string) => new RegExp(`\r\n${name}: ([^\r]*)`, 'i').exec(answer.slice(0, answer.indexOf('\r\n\r\n')))?.[1];

test('a refused handshake reaches the client framed for it, and the connection serves the next request', async () => {
  const up = await startPathAnswering((segment, s) => {
    if (segment === 'cl') s.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope\n');
    else if (segment === 'chunked') s.write('HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nnope\n\r\n0\r\n\r\n');
    else if (segment === 'eof') s.end('HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nConnection: close\r\n\r\nclose-delimited\n');
    else s.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n');
  });
  scope.defer(up.close);
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws/', proxyPass: `http://127.0.0.1:${up.port}`, websocket: true }));
  const c = await connection(e.port);
  const cl = await c.ask(handshake('/ws/cl'));
  assert.equal(status(cl), '403');
  assert.equal(header(cl, 'Connection'), 'keep-alive');
  assert.ok(cl.endsWith('\r\n\r\nnope\n'), cl);
  const chunked = await c.ask(handshake('/ws/chunked'));
  assert.equal(status(chunked), '400');
  assert.equal(header(chunked, 'Transfer-Encoding'), 'chunked');
  assert.ok(chunked.endsWith('\r\n\r\n5\r\nnope\n\r\n0\r\n\r\n'), chunked);
  // an answer read to the upstream's close is chunked for the client, as nginx chunks it
  const eof = await c.ask(handshake('/ws/eof'));
  assert.equal(status(eof), '426');
  assert.equal(header(eof, 'Upgrade'), 'websocket');
  assert.equal(header(eof, 'Transfer-Encoding'), 'chunked');
  assert.ok(eof.endsWith('\r\n\r\n10\r\nclose-delimited\n\r\n0\r\n\r\n'), eof);
  assert.equal(status(await c.ask('GET /ws/ok HTTP/1.1\r\nHost: a\r\n\r\n')), '200');
  assert.equal(await c.endsWithin(100), false);
});

test('upgrade requests on a route without the switch keep their connection (curl --http2 sends Upgrade: h2c with each)', async () => {
  const u = await scope.http('u');
  const e = await scope.engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${u.port}` }));
  const c = await connection(e.port);
  const h2c = (path: string) => `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n`;
  for (const path of ['/a', '/b', '/c']) {
    const answer = await c.ask(h2c(path));
    assert.equal(status(answer), '200', answer);
    assert.equal(header(answer, 'Connection'), 'keep-alive');
  }
  assert.deepEqual(u.seen.map((s) => s.url), ['/a', '/b', '/c']);
});

test("the engine's own answers to a handshake keep the connection: 404, 301, 502", async () => {
  const dead = await refusedPort();
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws/', proxyPass: `http://127.0.0.1:${dead}`, websocket: true }));
  const c = await connection(e.port);
  for (const [path, code] of [['/nothing', '404'], ['/ws', '301'], ['/ws/x', '502'], ['/nothing', '404']] as const) {
    const answer = await c.ask(handshake(path));
    assert.equal(status(answer), code, answer);
    assert.equal(header(answer, 'Connection'), 'keep-alive', answer);
  }
});

test('a refused handshake closes its connection where nginx closes it: Connection: close, HTTP/1.0, a 413', async () => {
  const dead = await refusedPort();
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws/', proxyPass: `http://127.0.0.1:${dead}`, websocket: true, clientMaxBodySize: '1k' }));
  const cases: Array<[string, string]> = [
    [`GET /nothing HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n\r\n`, '404'],
    [`GET /nothing HTTP/1.0\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`, '404'],
    [handshake('/ws/x', 'Content-Length: 5000\r\n'), '413'],
  ];
  for (const [bytes, code] of cases) {
    const c = await connection(e.port);
    const answer = await c.ask(bytes);
    assert.equal(status(answer), code, answer);
    assert.equal(header(answer, 'Connection'), 'close', answer);
    assert.equal(await c.endsWithin(1000), true, `${JSON.stringify(bytes)}: the connection ends`);
  }
});

test('what the client sends behind a refused handshake is its next request: a pipelined GET is served, a frame is a bad request', async () => {
  const up = await startPathAnswering((segment, s) => {
    if (segment === 'no') setTimeout(() => s.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nno\n'), 200);
    else s.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n');
  });
  scope.defer(up.close);
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws/', proxyPass: `http://127.0.0.1:${up.port}`, websocket: true }));
  const c = await connection(e.port);
  assert.equal(status(await c.ask(handshake('/ws/no') + 'GET /ws/ok HTTP/1.1\r\nHost: a\r\n\r\n')), '403');
  assert.equal(status(await c.ask('')), '200', 'the request sent behind the handshake');
  // frames sent before the answer came (an eager client): nginx reads them as a request, 400
  assert.equal(status(await c.ask(handshake('/ws/no') + '\x81\x82\x00\x00\x00\x00hi')), '403');
  const bad = await c.ask('');
  assert.equal(status(bad), '400', bad);
  assert.equal(await c.endsWithin(1000), true, 'the connection ends after the 400');
});

test('an idle connection after a refused handshake closes after keepalive_timeout', async () => {
  const saved = clientKeepaliveTimeout.ms;
  clientKeepaliveTimeout.ms = 1200;
  try {
    const e = await scope.engine((p) => oneLocation(p, { path: '/ws/', proxyPass: 'http://127.0.0.1:1', websocket: true }));
    const c = await connection(e.port);
    assert.equal(status(await c.ask(handshake('/nothing'))), '404');
    const started = Date.now();
    assert.equal(await c.endsWithin(800), false, 'still open before keepalive_timeout');
    assert.equal(await c.endsWithin(1500), true, 'closed after keepalive_timeout');
    assert.ok(Date.now() - started < 1700, `closed ${Date.now() - started} ms after the answer`);
  } finally {
    clientKeepaliveTimeout.ms = saved;
  }
});

/** A route whose upstream refuses every handshake with `answer`, a client connection to it, and the
 * process warnings (a listener piling up on a socket is one) from now on. */
async function refusingRoute(answer: string) {
  const up = await startPathAnswering((_segment, s) => s.write(answer));
  scope.defer(up.close);
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws/', proxyPass: `http://127.0.0.1:${up.port}`, websocket: true }));
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  scope.defer(async () => void process.off('warning', onWarning));
  return { c: await connection(e.port), warnings };
}

test('one connection refused handshake after handshake gathers no listeners', async () => {
  const { c, warnings } = await refusingRoute('HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno');
  for (let i = 0; i < 25; i++) assert.equal(status(await c.ask(handshake(`/ws/${i}`))), '403');
  assert.equal(status(await c.ask(handshake('/nothing'))), '404');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(warnings, [], 'no listener piles up on the client connection');
});

test("the engine's 502 to a handshake is padded for Chrome, as nginx's msie_padding pads it", async () => {
  const dead = await refusedPort();
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws/', proxyPass: `http://127.0.0.1:${dead}`, websocket: true }));
  const c = await connection(e.port);
  const answer = await c.ask(handshake('/ws/x', 'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n'));
  assert.equal(status(answer), '502');
  const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  assert.ok(body.endsWith('<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n'.repeat(6)), body);
  assert.equal(Number(header(answer, 'Content-Length')), Buffer.byteLength(body, 'latin1'));
});

test("a request pipelined behind a handshake the engine answers itself (404, 301) is served, as nginx serves it", async () => {
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws/', proxyPass: 'http://127.0.0.1:1', websocket: true }));
  const c = await connection(e.port);
  // (one write: node hands the pipelined bytes over with the upgrade request's head)
  assert.equal(status(await c.ask(handshake('/nothing') + handshake('/ws') + 'GET /none HTTP/1.1\r\nHost: a\r\n\r\n')), '404');
  assert.equal(status(await c.ask('', 1000)), '301', 'the handshake pipelined behind the first');
  assert.equal(status(await c.ask('', 1000)), '404', 'the request pipelined behind both');
  assert.equal(await c.endsWithin(100), false);
});

test("a handshake with a body the engine answers itself (404) keeps its connection once the body is discarded, as nginx's", async () => {
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws/', proxyPass: 'http://127.0.0.1:1', websocket: true }));
  const c = await connection(e.port);
  const first = await c.ask(handshake('/nothing', 'Content-Length: 5\r\n') + 'ab');
  assert.equal(status(first), '404', first);
  assert.equal(header(first, 'Connection'), 'keep-alive', first);
  // the rest of the body comes after the answer, a request behind it
  assert.equal(status(await c.ask('cde' + handshake('/nothing', 'Transfer-Encoding: chunked\r\n') + '3\r\nabc\r\n0\r\n\r\n')), '404');
  assert.equal(status(await c.ask('GET /ws HTTP/1.1\r\nHost: a\r\n\r\n', 1000)), '301', 'the request behind the chunked body');
  assert.equal(await c.endsWithin(100), false);
});

test('the records of handshakes on one connection count the bytes of their own request, not those before it', async () => {
  const up = await startPathAnswering((segment, s) => {
    if (segment === 'no') return void s.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno');
    s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
    s.on('data', (d: Buffer) => s.write(d));
  });
  scope.defer(up.close);
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws/', proxyPass: `http://127.0.0.1:${up.port}`, websocket: true }));
  const closed: SessionRecord[] = [];
  e.engine.on('session-close', (s) => closed.push(s));
  const c = await connection(e.port);
  const refused = handshake('/ws/no');
  assert.equal(status(await c.ask(refused)), '403');
  assert.equal(status(await c.ask(refused)), '403');
  const ok = handshake('/ws/ok');
  assert.equal(status(await c.ask(ok)), '101');
  const frame = '\x81\x82\x00\x00\x00\x00hi';
  await c.ask(frame, 300);
  await c.close();
  await until(() => closed.length === 3, 5000);
  assert.deepEqual(closed.map((s) => [s.status, s.bytesFromClient]), [[403, refused.length], [403, refused.length], [101, ok.length + frame.length]]);
});

test('a refused answer still to come when a reload removes its listen socket says Connection: close, as nginx\'s old worker', async () => {
  const up = await startPathAnswering((_segment, s) => void setTimeout(() => s.write('HTTP/1.1 426 Upgrade Required\r\nContent-Length: 4\r\n\r\nupg\n'), 400));
  scope.defer(up.close);
  const other = await freePort();
  const ws = { path: '/ws/', proxyPass: `http://127.0.0.1:${up.port}`, websocket: true };
  const e = await scope.engine((p) => oneLocation(p, ws));
  const config = (both: boolean) => ({
    schemaVersion: 1,
    servers: [{ listen: [other, ...(both ? [e.port] : [])].map((p) => ({ address: `127.0.0.1:${p}` })), locations: [ws] }],
  });
  assert.ok((await e.engine.apply(config(true))).ok);
  const c = await connection(e.port);
  const answer = c.ask(handshake('/ws/x'));
  await new Promise((r) => setTimeout(r, 150));
  assert.ok((await e.engine.apply(config(false))).ok, 'the reload');
  const got = await answer;
  assert.equal(status(got), '426', got);
  assert.equal(header(got, 'Connection'), 'close', got);
  assert.equal(await c.endsWithin(1000), true);
});

test('a refusal with a status node cannot send (099) is a 502, and the connection goes on without gathering listeners', async () => {
  const { c, warnings } = await refusingRoute('HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nno');
  for (let i = 0; i < 15; i++) assert.equal(status(await c.ask(handshake(`/ws/${i}`))), '502');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(warnings, [], 'no listener piles up on the client connection');
});
