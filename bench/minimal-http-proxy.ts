// The "minimal http-proxy" baseline: HTTP and WebSocket upgrades passed to the bench upstreams.
// Usage: minimal-http-proxy.ts LISTEN_PORT HTTP_UPSTREAM_PORT WS_UPSTREAM_PORT
// Upstream HTTP keepalive (like nginx `keepalive 64`), otherwise http-proxy defaults.
import http from 'node:http';
import httpProxy from 'http-proxy';

const [port, httpPort, wsPort] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 64 });
const proxy = httpProxy.createProxyServer({ agent });
proxy.on('error', (_err, _req, res) => {
  if (res instanceof http.ServerResponse) { if (!res.headersSent) res.writeHead(502); res.end(); } else res.destroy();
});
const server = http.createServer((req, res) => proxy.web(req, res, { target: `http://127.0.0.1:${httpPort}` }));
server.on('upgrade', (req, socket, head) => proxy.ws(req, socket, head, { target: `ws://127.0.0.1:${wsPort}`, agent: false }));
server.keepAliveTimeout = 75_000;
server.listen(port, '127.0.0.1', 4096, () => process.stdout.write(`listening on http://127.0.0.1:${port}\n`));
process.on('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
