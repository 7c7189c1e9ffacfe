// An upstream that answers before it has read the whole request body: nginx relays the answer and
// closes that connection without sending the rest of the body (it keeps a connection for the
// keepalive cache only once the request body was sent: ngx_http_upstream_free_keepalive_peer), so
// the next request goes on a new connection. Real loopback sockets; the upstream is raw TCP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { send } from '../../helpers/client.ts';
import { until } from '../../helpers/wait.ts';

const scope = testScope();
const BODY = 16 * 1024 * 1024;
const PAUSE_MS = 400;

interface Conn { id: number; paths: string[]; bytes: number; closed: boolean }

/** Reads requests framed by Content-Length and answers each after its body; `/early` is answered
 * at once, after its head, and the connection then reads nothing for PAUSE_MS (the rest of the body
 * waits in the sockets). */
async function earlyUpstream() {
  const conns: Conn[] = [];
  const server = net.createServer((sock) => {
    const c: Conn = { id: conns.length, paths: [], bytes: 0, closed: false };
    conns.push(c);
    sock.on('error', () => {});
    sock.on('close', () => (c.closed = true));
    let buf = Buffer.alloc(0);
    let bodyLeft = 0;
    let answerAfterBody = false;
    sock.on('data', (d: Buffer) => {
      c.bytes += d.length;
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (bodyLeft > 0) {
          const n = Math.min(bodyLeft, buf.length);
          bodyLeft -= n;
          buf = buf.subarray(n);
          if (bodyLeft > 0) return;
        }
        if (answerAfterBody) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        answerAfterBody = false;
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        const path = head.split(' ')[1]!;
        c.paths.push(path);
        bodyLeft = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (path === '/early') {
          sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nE!');
          sock.pause();
          setTimeout(() => sock.resume(), PAUSE_MS);
        } else answerAfterBody = true;
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  scope.defer(async () => { server.close(); });
  return { port: (server.address() as net.AddressInfo).port, conns };
}

test('an answer that comes before the request body was sent: the connection closes without the rest of the body, and is not kept', { timeout: 30_000 }, async () => {
  const up = await earlyUpstream();
  const e = await scope.engine((p) => oneLocation(p, {
    path: '/', proxyPass: 'http://g', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }], clientMaxBodySize: '20m',
  }, { upstreams: [{ name: 'g', keepalive: 4, servers: [{ address: `127.0.0.1:${up.port}` }] }] }));

  const early = await send(`${e.url}/early`, { method: 'POST', body: Buffer.alloc(BODY, 0x61) });
  assert.deepEqual([early.status, early.body], [200, 'E!']);
  // (the upstream reads again after its pause: what it gets then is what was in the sockets, then the close)
  await until(() => up.conns[0]!.closed, 5000);
  assert.ok(up.conns[0]!.bytes < BODY, `the rest of the body was not sent (${up.conns[0]!.bytes} of ${BODY} bytes came)`);

  const next = await send(`${e.url}/ok`);
  assert.deepEqual([next.status, next.body], [200, 'ok']);
  assert.deepEqual(up.conns.map((c) => c.paths), [['/early'], ['/ok']], 'the next request on a new connection');
  // a request whose body was sent keeps its connection, as before
  await send(`${e.url}/ok2`, { method: 'POST', body: 'small' });
  assert.deepEqual(up.conns.map((c) => c.paths), [['/early'], ['/ok', '/ok2']]);
});
