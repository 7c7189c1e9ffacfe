// An HTTP/1.0 client that asks for keep-alive (curl --http1.0 -H 'Connection: keep-alive', ab -k)
// and answers that have no body and no Content-Length: a 204, a 304, a HEAD's. nginx keeps the
// connection; node would close it (it keeps an HTTP/1.0 connection only with a Content-Length).
// Two requests on one connection, through real nginx on the export and through the engine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { ConfigInput } from '../../app/config/schema.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';
import { startPathAnswering, type TcpServer } from '../helpers/upstreams.ts';

const ANSWERS: Record<string, string> = {
  '204': 'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n',
  '304': 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n',
  // a HEAD answered as its GET would be: chunked, so no Content-Length
  'head': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
  'sized': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
};

let upstream: TcpServer;
before(async () => {
  upstream = await startPathAnswering((segment, s) => s.write(ANSWERS[segment] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
});
after(async () => upstream?.close());

const model = (listen: number): ConfigInput => ({
  schemaVersion: 1,
  upstreams: [{ name: 'u', keepalive: 4, servers: [{ address: `127.0.0.1:${upstream.port}` }] }],
  servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [{ path: '/', proxyPass: 'http://u', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] }] }],
});

/** Two HTTP/1.0 keep-alive requests on one connection: each answer's Connection header, and whether the second came. */
function twoOnOne(port: number, method: string, path: string): Promise<{ first: string | null; second: string | null }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const req = `${method} ${path} HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n`;
    let got = '';
    const connectionOf = (head: string) => /\r\nConnection: ([^\r]*)/i.exec(head)?.[1] ?? null;
    const heads = () => got.split(/(?=HTTP\/1\.1 )/).filter((h) => h.includes('\r\n\r\n'));
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      const h = heads();
      resolve({ first: h[0] ? connectionOf(h[0]) : null, second: h[1] ? connectionOf(h[1]) : null });
    };
    const timer = setTimeout(done, 2000);
    sock.on('error', done);
    sock.on('close', done);
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (heads().length === 1 && !sock.writableEnded) sock.write(req); // the second, once the first is answered
      if (heads().length === 2) done();
    });
    sock.write(req);
  });
}

test('HTTP/1.0 keep-alive through answers without a body: the connection stays open as through nginx', { timeout: 60_000 }, async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const [pN, pE] = await freePorts(2);
  const cases: Array<[string, string]> = [['GET', '/204'], ['GET', '/304'], ['HEAD', '/head'], ['GET', '/sized']];
  const run = async (port: number) => {
    const out: Record<string, unknown> = {};
    for (const [m, p] of cases) out[`${m} ${p}`] = await twoOnOne(port, m, p);
    return out;
  };
  const nginx = await withNginx(model(pN!), pN!, () => run(pN!));
  const engine = await withEngine(model(pE!), () => run(pE!));
  assert.deepEqual(engine, nginx);
  assert.deepEqual(nginx['GET /204'], { first: 'keep-alive', second: 'keep-alive' }, 'what nginx does, so the comparison means something');
});
