// Mutated upstream answers (HTTP responses, 101s, rejections; byte flips, cuts, inserted line ends
// and numbers, answers split in two, connections dropped) through every path of the engine: plain,
// keepalive pool, websocket location with and without an upgrade. Whatever the upstream sends, the
// client gets an answer or a closed connection within a few seconds, the engine throws nothing,
// and no session is left open. (Found: a status under 100 threw in writeHead; a 101 to a plain
// request left the client hanging.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { until } from '../../helpers/wait.ts';

const scope = testScope();

const CORPUS = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02hi',
  'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nno ws\r\n0\r\n\r\n',
  'HTTP/1.0 200 OK\r\nSet-Cookie: a=b\r\nSet-Cookie: c=d\r\n\r\nbody',
  'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n',
];
const INSERTS = ['999', '099', '\r\n', ': ', 'Content-Length: 3', '-1', '101', '\n'];

test('mutated upstream answers never crash or hang the engine', { timeout: 120_000 }, async () => {
  let seed = 20261204;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const mutate = (s: string): Buffer => {
    const out = [...Buffer.from(s, 'latin1')];
    for (let i = 1 + rand(4); i > 0; i--) {
      const at = rand(out.length + 1);
      const k = rand(4);
      if (k === 0) out[at] = rand(256);
      else if (k === 1) out.splice(at, 1);
      else if (k === 2) out.splice(at, 0, [0, 10, 13, 32, 58, 0x7f, 0xff][rand(7)]!);
      else out.splice(at, 0, ...Buffer.from(INSERTS[rand(INSERTS.length)]!, 'latin1'));
    }
    return Buffer.from(out);
  };
  const up = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.once('data', () => {
      const answer = mutate(CORPUS[rand(CORPUS.length)]!);
      if (rand(3) === 0) {
        sock.write(answer.subarray(0, rand(answer.length)));
        setTimeout(() => sock.end(answer), 5);
      } else sock.end(answer);
      if (rand(5) === 0) setTimeout(() => sock.destroy(), rand(20));
    });
  });
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', () => r()));
  scope.defer(async () => { up.close(); });
  const port = (up.address() as net.AddressInfo).port;
  const e = await scope.engine((p) => oneLocation(p, { path: '/', websocket: true, proxyReadTimeout: '2s', proxyPass: `http://127.0.0.1:${port}` }, {
    upstreams: [{ name: 'pool', keepalive: 4, servers: [{ address: `127.0.0.1:${port}` }] }],
    servers: [{
      listen: [{ address: `127.0.0.1:${p}` }],
      locations: [
        { path: '/ka/', proxyPass: 'http://pool', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] },
        { path: '/', websocket: true, proxyReadTimeout: '2s', proxyPass: `http://127.0.0.1:${port}` },
      ],
    }],
  }));
  const thrown: string[] = [];
  const onUncaught = (err: Error) => thrown.push(err.stack ?? String(err));
  process.on('uncaughtException', onUncaught);
  scope.defer(async () => { process.off('uncaughtException', onUncaught); });
  const hung: string[] = [];
  const one = (path: string, upgrade: boolean) => new Promise<void>((resolve) => {
    const s = net.connect(e.port, '127.0.0.1');
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.setTimeout(4000, () => {
      hung.push(`${path} upgrade=${upgrade}`);
      s.destroy();
    });
    s.on('data', () => { if (rand(4) === 0) s.destroy(); });
    s.write(`GET ${path} HTTP/1.1\r\nHost: a\r\n${upgrade ? 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' : 'Connection: close\r\n'}\r\n`);
    if (upgrade) setTimeout(() => s.end(), 50);
  });
  for (let round = 0; round < 40; round++) {
    await Promise.all(Array.from({ length: 20 }, (_, i) => one(i % 3 === 0 ? '/ka/x' : '/x', i % 2 === 0)));
  }
  assert.deepEqual(thrown, []);
  assert.deepEqual(hung, []);
  await until(() => e.engine.liveSessions().length === 0, 5000);
});
