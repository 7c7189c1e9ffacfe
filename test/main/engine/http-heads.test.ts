// Request heads read the way nginx reads them, on real loopback sockets: lines nginx takes once,
// a Trailer header, Expect, the Connection header's say over keep-alive; upgrade requests that
// carry a body; upstream answers with bytes past their end. (Each case is also a parity scenario
// against real nginx: test/parity.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { rawExchange, answered } from '../../helpers/upstreams.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';

const scope = testScope();

const statusOf = (reply: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
const bodyOf = (reply: string) => reply.slice(reply.indexOf('\r\n\r\n') + 4);

/** A TCP upstream that answers every request head with `answer` (then keeps or closes the socket). */
async function rawUpstream(answer: (head: string, sock: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => {});
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString('latin1');
      if (!got.includes('\r\n\r\n')) return;
      sock.off('data', onData);
      answer(got, sock);
    };
    sock.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  scope.defer(() => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }));
  return (server.address() as net.AddressInfo).port;
}

test('a second line of a header nginx takes once is 400; other repeated headers pass in order', async () => {
  const up = await scope.http('u');
  const { port } = await scope.engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${up.port}` }));
  for (const name of ['If-None-Match', 'If-Modified-Since', 'Authorization', 'Expect', 'If-Range', 'Content-Range']) {
    const reply = await rawExchange(port, `GET /d HTTP/1.1\r\nHost: h\r\n${name}: a\r\n${name.toUpperCase()}: b\r\n\r\n`);
    assert.equal(statusOf(reply), 400, name);
  }
  assert.equal(up.seen.length, 0);
  const reply = await rawExchange(port, 'GET /ok HTTP/1.1\r\nHost: h\r\nCookie: a=1\r\nCookie: b=2\r\nAccept: x\r\naccept: y\r\nConnection: close\r\n\r\n');
  assert.equal(statusOf(reply), 200);
  assert.deepEqual(up.seen[0]!.rawHeaders.slice(4), ['Cookie', 'a=1', 'Cookie', 'b=2', 'Accept', 'x', 'accept', 'y']);
});

test('a Trailer request header is passed on like any other (node refuses it on an unchunked request: it was 502)', async () => {
  const up = await scope.http('u');
  const { port } = await scope.engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${up.port}` }));
  const reply = await rawExchange(port, 'POST /t HTTP/1.1\r\nHost: h\r\nTrailer: X-T\r\nX-After: 1\r\ntrailer: X-U\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc');
  assert.equal(statusOf(reply), 200);
  assert.deepEqual(up.seen[0]!.rawHeaders.slice(4), ['Content-Length', '3', 'Trailer', 'X-T', 'X-After', '1', 'trailer', 'X-U']);
});

test('Expect: 100-continue is answered only for a request that is proxied; other expectations are ignored (node: 417)', async () => {
  const up = await scope.http('u');
  const { port } = await scope.engine((p) => oneLocation(p, { path: '/in/', proxyPass: `http://127.0.0.1:${up.port}` }));
  const head = (path: string, expect: string, extra = '') => `POST ${path} HTTP/1.1\r\nHost: h\r\nExpect: ${expect}\r\n${extra}Connection: close\r\n`;
  const continued = await rawExchange(port, `${head('/in/x', '100-continue', 'Content-Length: 3\r\n')}\r\n`, { until: (g) => g.includes('100 Continue\r\n\r\n') });
  assert.match(continued, /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
  assert.equal(statusOf(await rawExchange(port, `${head('/elsewhere', '100-continue', 'Content-Length: 3\r\n')}\r\nabc`)), 404);
  assert.equal(statusOf(await rawExchange(port, `${head('/in/big', '100-continue', 'Content-Length: 2000000\r\n')}\r\n`)), 413);
  assert.equal(statusOf(await rawExchange(port, `${head('/in/y', 'something-else', 'Content-Length: 3\r\n')}\r\nabc`)), 200);
  assert.equal(up.seen.at(-1)!.url, '/in/y');
  // a value node takes for 100-continue and nginx does not: no 100, and the connection stays, so a
  // request pipelined behind it is answered too
  for (const loose of ['100-continue, foo', '100-continue;x=1']) {
    const both = await rawExchange(port, `POST /in/a HTTP/1.1\r\nHost: h\r\nExpect: ${loose}\r\nContent-Length: 3\r\n\r\nabcGET /in/b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
    assert.equal(both.match(/HTTP\/1\.1 200 /g)?.length, 2, both);
    assert.doesNotMatch(both, /100 Continue/);
    assert.match(both.split('HTTP/1.1 200 ')[1]!, /Connection: keep-alive/i, loose);
  }
  // answered from its head (no 100 goes out): the connection stays, as nginx keeps it
  const after404 = await rawExchange(port, `POST /nope HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabcGET /in/c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
  assert.match(after404, /^HTTP\/1\.1 404 [^]*HTTP\/1\.1 200 /, after404);
});

test('a connection closes when nginx would close it after the request (node reads Proxy-Connection, and lets keep-alive win on HTTP/1.0)', async () => {
  const up = await scope.http('u');
  const { port } = await scope.engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${up.port}` }));
  for (const head of ['GET /a HTTP/1.0\r\nProxy-Connection: keep-alive\r\nConnection: close\r\n', 'GET /b HTTP/1.0\r\nProxy-Connection: keep-alive\r\n', 'GET /c HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, closed\r\n']) {
    const t0 = Date.now();
    const reply = await rawExchange(port, `${head}\r\n`, { timeoutMs: 5000 });
    assert.equal(statusOf(reply), 200, head);
    assert.ok(Date.now() - t0 < 4000, `closed at once: ${head}`);
    assert.match(reply, /\r\nConnection: close\r\n/i);
  }
  // HTTP/1.0 asking for keep-alive keeps it (nginx does too)
  const kept = await rawExchange(port, 'GET /d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', { timeoutMs: 500 });
  assert.match(kept, /\r\nConnection: keep-alive\r\n/i);
});

test('an upgrade request with a body: read whole and sent with it, on a route with or without the websocket switch', async () => {
  const up = await scope.http('u');
  const seen: string[] = [];
  // on the websocket route the upstream takes the head and the body, answers 101 and echoes what follows
  const wsPort = await rawUpstream((got, sock) => {
    seen.push(got);
    const want = Number(/content-length: (\d+)/i.exec(got)?.[1] ?? 0);
    const body = () => got.slice(got.indexOf('\r\n\r\n') + 4);
    const answer = () => {
      sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n');
      const rest = body().slice(want);
      if (rest) sock.write(`echo:${rest}`);
      sock.on('data', (d) => sock.write(`echo:${d.toString('latin1')}`));
    };
    if (body().length >= want) return answer();
    sock.on('data', function more(d: Buffer) {
      got += d.toString('latin1');
      seen[seen.length - 1] = got;
      if (body().length < want) return;
      sock.off('data', more);
      answer();
    });
  });
  const { port } = await scope.engine((p) => ({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${p}` }], locations: [
      { path: '/plain/', proxyPass: `http://127.0.0.1:${up.port}` },
      { path: '/ws/', websocket: true, proxyPass: `http://127.0.0.1:${wsPort}` },
    ] }],
  }));
  const upgradeHead = (path: string, framing: string) => `PUT ${path} HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n${framing}\r\n`;
  // without the switch: plain HTTP, and the body goes with it (it was sent as Content-Length: 0)
  assert.equal(JSON.parse(bodyOf(await rawExchange(port, `${upgradeHead('/plain/a', 'Content-Length: 5\r\n')}hello`, { until: answered }))).body, 'hello');
  const chunked = await rawExchange(port, `${upgradeHead('/plain/b', 'Transfer-Encoding: chunked\r\n')}3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n`, { until: answered });
  assert.equal(JSON.parse(bodyOf(chunked)).body, 'abcde');
  assert.deepEqual(up.seen.map((s) => s.rawHeaders.slice(-2)), [['Content-Length', '5'], ['Content-Length', '5']]);
  // with the switch: the body in the upstream request, what follows it through the tunnel
  const tunneled = await rawExchange(port, `${upgradeHead('/ws/c', 'Content-Length: 5\r\n')}hellonext`, { until: (g) => g.includes('echo:next') });
  assert.equal(statusOf(tunneled), 101);
  assert.match(seen[0]!, /\r\nContent-Length: 5\r\n\r\nhello(next)?$/);
  // a body in pieces, after the head
  const sock = net.connect(port, '127.0.0.1');
  let got = '';
  sock.on('data', (d) => (got += d.toString('latin1')));
  sock.write(upgradeHead('/ws/d', 'Content-Length: 6\r\n'));
  await new Promise((r) => setTimeout(r, 100));
  sock.write('abc');
  await new Promise((r) => setTimeout(r, 100));
  sock.write('defXY');
  for (let i = 0; i < 50 && !got.includes('echo:XY'); i++) await new Promise((r) => setTimeout(r, 50));
  sock.destroy();
  assert.match(got, /^HTTP\/1\.1 101 /);
  assert.match(got, /echo:XY/);
  assert.match(seen[1]!, /\r\n\r\nabcdef/);
  // too large: 413, nothing sent upstream
  assert.equal(statusOf(await rawExchange(port, upgradeHead('/ws/e', 'Content-Length: 2000000\r\n'), { until: answered })), 413);
  // a chunk past the limit: 413 once a byte of it has come (nginx's check), not on its size line alone
  const big = net.connect(port, '127.0.0.1');
  let answer = '';
  big.on('data', (d) => (answer += d.toString('latin1')));
  big.write(`${upgradeHead('/ws/f', 'Transfer-Encoding: chunked\r\n')}200001\r\n`);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(answer, '', 'no answer to the size line alone');
  big.write('x');
  for (let i = 0; i < 40 && !answer; i++) await new Promise((r) => setTimeout(r, 25));
  big.destroy();
  assert.equal(statusOf(answer), 413);
  assert.equal(seen.length, 2);
});

test('bytes past the end of a response (a body to a HEAD request) do not cost the client its response', async () => {
  const port405 = await rawUpstream((_got, sock) => sock.end('HTTP/1.1 405 Not Allowed\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot here!'));
  const { port } = await scope.engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${port405}` }));
  const reply = await rawExchange(port, 'HEAD /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
  assert.match(reply, /^HTTP\/1\.1 405 Not Allowed\r\n/);
  assert.match(reply, /\r\nContent-Length: 9\r\n/);
  assert.equal(bodyOf(reply), '');
});

test('pipelined requests are proxied one at a time, in order; those after one that ends the connection never reach the upstream (node emitted them all at once)', async () => {
  const order: string[] = [];
  const up = await scope.http('u', (req, res) => {
    order.push(`start ${req.url}`);
    req.resume();
    setTimeout(() => {
      order.push(`end ${req.url}`);
      res.end('ok');
    }, req.url === '/a' ? 200 : 10);
  });
  const { port } = await scope.engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${up.port}` }));
  const reply = await rawExchange(port, [
    'GET /a HTTP/1.1\r\nHost: h\r\n\r\n',
    'POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc',
    'GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
    'GET /d HTTP/1.1\r\nHost: h\r\n\r\n',
    'TRACE /e HTTP/1.1\r\nHost: h\r\n\r\n',
  ].join(''), { timeoutMs: 5000 });
  assert.deepEqual(order, ['start /a', 'end /a', 'start /b', 'end /b', 'start /c', 'end /c']);
  assert.equal(reply.match(/HTTP\/1\.1 200/g)?.length, 3);
  assert.doesNotMatch(reply, /HTTP\/1\.1 400/, 'no 400 written for the bytes after the closing request');
});

test('an upgrade pipelined behind a request waits for its response: the 101 comes after it, not in the middle', async () => {
  const up = await scope.ws('w', { handler: (_req, res) => setTimeout(() => res.end('slow answer'), 200) });
  const { port } = await scope.engine((p) => oneLocation(p, { path: '/', websocket: true, proxyPass: `http://127.0.0.1:${up.port}` }));
  const handshake = 'GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
  const reply = await rawExchange(port, `GET /slow HTTP/1.1\r\nHost: h\r\n\r\n${handshake}`, { until: (g) => /Sec-WebSocket-Accept: [^\r]*\r\n\r\n/.test(g) && g.includes('slow answer'), timeoutMs: 3000 });
  assert.match(reply, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nslow answerHTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(reply, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
});

test('an upstream that closes mid-response: the client gets the head and what came of the body, then the connection closes (it got nothing when no body had come)', async () => {
  const answers = ['HTTP/1.1 299 Odd\r\nContent-Length: 5\r\n\r\n', 'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab', 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhalf'];
  let k = 0;
  const port = await rawUpstream((_got, sock) => sock.end(answers[k++]!));
  const { port: p } = await scope.engine((q) => oneLocation(q, { path: '/', proxyPass: `http://127.0.0.1:${port}` }));
  const replies: string[] = [];
  for (let i = 0; i < answers.length; i++) replies.push(await rawExchange(p, 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n', { timeoutMs: 3000 }));
  assert.match(replies[0]!, /^HTTP\/1\.1 299 Odd\r\n[\s\S]*Content-Length: 5\r\n[\s\S]*\r\n\r\n$/);
  assert.match(replies[1]!, /^HTTP\/1\.1 404 Not Found\r\n[\s\S]*Transfer-Encoding: chunked\r\n/);
  assert.match(bodyOf(replies[1]!), /^(2\r\nab\r\n)?$/, 'what came (if it was relayed before the close was seen), and no last chunk');
  assert.match(replies[2]!, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Content-Length: 9\r\n[\s\S]*\r\n\r\nhalf$/);
});

test('a Transfer-Encoding node trims to "chunked" and then refuses (a tab at its end): 501 when the body would be read, and a connection answered from its head ends after that answer', async () => {
  const e = await scope.engine((p) => oneLocation(p, { path: '/p/', proxyPass: 'http://127.0.0.1:1' }));
  const req = (path: string) => `POST ${path} HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\t\r\n\r\n5\r\nhello\r\n0\r\n\r\n`;
  const started = Date.now();
  const proxied = await rawExchange(e.port, req('/p/x'), { timeoutMs: 5000 });
  assert.match(proxied, /^HTTP\/1\.1 501 /);
  // (a 404 from the head: node reads nothing more on the connection, which closes after it)
  const unmatched = await rawExchange(e.port, `${req('/nothing')}GET /p/ HTTP/1.1\r\nHost: a\r\n\r\n`, { timeoutMs: 5000 });
  assert.match(unmatched, /^HTTP\/1\.1 404 /);
  assert.ok(Date.now() - started < 4000, 'both closed at once, not after a timeout');
});
