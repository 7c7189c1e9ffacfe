// The floor of a node relay, for bench/ws-compare.ts (target `pipe`): a bare TCP pipe to the
// WebSocket echo upstream, `socket.pipe()` both ways, no HTTP parsing (the client's upgrade request
// and the upstream's 101 pass through as bytes). Usage: tcp-pipe.ts LISTEN_PORT UPSTREAM_PORT
import net from 'node:net';

const [port, upstreamPort] = process.argv.slice(2, 4).map(Number) as [number, number];
const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true });
  for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
    a.on('error', () => b.destroy());
    a.on('close', () => b.destroy());
    a.pipe(b);
  }
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${port}\n`));
process.on('SIGTERM', () => process.exit(0));
