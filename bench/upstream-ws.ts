// Bench upstream (own process): WebSocket echo server (`ws`, no compression) on any path.
// Prints `listening on http://127.0.0.1:PORT` when ready.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const server = http.createServer((_req, res) => { res.writeHead(426, { 'Content-Length': 0 }); res.end(); });
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 1 << 20 });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => ws.terminate());
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', 4096, () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  for (const c of wss.clients) c.terminate();
  wss.close();
  server.close(() => process.exit(0));
});
