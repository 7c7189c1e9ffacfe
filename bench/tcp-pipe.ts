// The floor of a node relay, for bench/ws-compare.ts (target `pipe`): a bare TCP pipe to the
// WebSocket echo upstream, `socket.pipe()` both ways, no HTTP parsing (the client's upgrade request
// and the upstream's 101 pass through as bytes). With `--c` (target `cpipe`) the bytes are relayed
// by bench/c-relay.c inside node's event loop instead, compiled here with the system's C compiler:
// the floor of any relay hosted by node, with no JavaScript per chunk.
// Usage: tcp-pipe.ts LISTEN_PORT UPSTREAM_PORT [--c]
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [port, upstreamPort] = process.argv.slice(2, 4).map(Number) as [number, number];
const cRelay = process.argv[4] === '--c' ? compileRelay() : null;

/** bench/c-relay.c built against the running node's headers (PREFIX/include/node). */
function compileRelay(): { relay(a: number, b: number): void } {
  const out = join(mkdtempSync(join(tmpdir(), 'c-relay-')), 'c-relay.node');
  const include = join(dirname(dirname(process.execPath)), 'include', 'node');
  const source = join(dirname(fileURLToPath(import.meta.url)), 'c-relay.c');
  execFileSync('cc', ['-O2', '-shared', '-fPIC', `-I${include}`, source, '-o', out], { stdio: 'inherit' });
  return createRequire(import.meta.url)(out) as { relay(a: number, b: number): void };
}

/** The descriptor under a connected socket, after node has stopped reading it. */
function takeFd(socket: net.Socket): number {
  const handle = (socket as unknown as { _handle: { fd: number; readStop(): number } })._handle;
  handle.readStop();
  return handle.fd;
}

const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true });
  for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
    a.on('error', () => b.destroy());
    if (cRelay) continue;
    a.on('close', () => b.destroy());
    a.pipe(b);
  }
  if (!cRelay) return;
  client.pause();
  upstream.pause(); // so that node does not start reading it once connected
  upstream.once('connect', () => {
    const clientFd = takeFd(client);
    let early: Buffer | null;
    while ((early = client.read() as Buffer | null)) upstream.write(early);
    cRelay.relay(clientFd, takeFd(upstream));
  });
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${port}\n`));
process.on('SIGTERM', () => process.exit(0));
