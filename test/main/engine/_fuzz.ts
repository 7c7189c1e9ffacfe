import net from 'node:net';
import http from 'node:http';
import { startEngine } from '../../helpers/engine.ts';
let crashes = 0;
process.on('uncaughtException', (e) => { crashes++; console.log('UNCAUGHT', e.stack?.split('\n').slice(0, 4).join(' | ')); });
const corpus = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02hi',
  'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nno ws\r\n0\r\n\r\n',
  'HTTP/1.0 200 OK\r\nSet-Cookie: a=b\r\nSet-Cookie: c=d\r\n\r\nbody',
  'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n',
];
let seed = 1;
const rand = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
function mutate(s: string): Buffer {
  const b = Buffer.from(s, 'latin1');
  const out = [...b];
  const n = 1 + rand(4);
  for (let i = 0; i < n; i++) {
    const k = rand(4); const at = rand(out.length + 1);
    if (k === 0) out[at] = rand(256);
    else if (k === 1) out.splice(at, 1);
    else if (k === 2) out.splice(at, 0, [0, 10, 13, 32, 58, 0x7f, 0xff][rand(7)]!);
    else out.splice(at, 0, ...Buffer.from(['999', '\r\n', ': ', 'Content-Length: 3', '-1', '101'][rand(6)]!));
  }
  return Buffer.from(out);
}
const up = net.createServer((sock) => {
  sock.on('error', () => {});
  sock.once('data', () => { const r = mutate(corpus[rand(corpus.length)]!); if (rand(3) === 0) { sock.write(r.subarray(0, rand(r.length))); setTimeout(() => { sock.end(r.subarray(0)); }, 5); } else sock.end(r); if (rand(5) === 0) setTimeout(() => sock.destroy(), rand(20)); });
});
await new Promise<void>((r) => up.listen(0, '127.0.0.1', () => r()));
const port = (up.address() as net.AddressInfo).port;
const e = await startEngine((p) => ({ schemaVersion: 1, upstreams: [{ name: 'u', keepalive: 4, servers: [{ address: `127.0.0.1:${port}` }] }], servers: [{ listen: [{ address: `127.0.0.1:${p}` }], locations: [{ path: '/ka/', proxyPass: 'http://u', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] }, { path: '/', websocket: true, proxyReadTimeout: '2s', proxyPass: `http://127.0.0.1:${port}` }] }] } as never));
const slow: string[] = [];
const one = (path: string, ws: boolean) => new Promise<void>((resolve) => {
  const s = net.connect(e.port, '127.0.0.1');
  let got = '';
  s.on('data', (d) => { got += d.toString('latin1'); });
  s.on('error', () => resolve());
  s.setTimeout(3000, () => { slow.push(`${path} ws=${ws} got=${JSON.stringify(got.slice(0, 60))}`); s.destroy(); resolve(); });
  s.on('close', () => resolve());
  s.on('data', () => { if (rand(4) === 0) s.destroy(); });
  s.write(`GET ${path} HTTP/1.1\r\nHost: a\r\n${ws ? 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' : 'Connection: close\r\n'}\r\n`);
  if (ws) setTimeout(() => s.end(), 50);
});
const t0 = Date.now();
let n = 0;
while (Date.now() - t0 < 10_000) {
  await Promise.all(Array.from({ length: 20 }, (_, i) => one(i % 3 === 0 ? '/ka/x' : '/x', i % 2 === 0)));
  n += 20;
}
console.log(slow.slice(0, 12).join('\n'));
console.log('requests', n, 'crashes', crashes, 'live sessions', e.engine.liveSessions().length);
await e.stop(); up.close(); void http;
process.exit(0);
