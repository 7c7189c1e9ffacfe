// Bench upstream (own process): HTTP server answering fixed bodies. GET /big (or any path containing
// "big") gets 64 KiB, everything else 100 B. Prints `listening on http://127.0.0.1:PORT` when ready.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const SMALL = Buffer.alloc(100, 'a');
const BIG = Buffer.alloc(64 * 1024, 'b');

const server = http.createServer((req, res) => {
  const body = req.url?.includes('big') ? BIG : SMALL;
  // Drain any request body before answering so keepalive connections stay usable.
  req.resume();
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
  res.end(body);
});
// Longer than any proxy's upstream idle timeout so the proxies decide when to close.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.maxHeadersCount = 100;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
