// The built-in echo upstream the first-run example points at: a `ws` server on a loopback port the
// app owns, sending every message straight back (text stays text, binary stays binary). Plain HTTP
// requests get a one-line explanation. Started by the app (main/persist/boot.ts), stopped with it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';

export const ECHO_HOST = '127.0.0.1';

export interface EchoServer {
  readonly port: number;
  /** "127.0.0.1:PORT", as an upstream server address. */
  readonly address: string;
  close(): Promise<void>;
}

export async function startEchoServer(o: { port?: number; maxPayload?: number } = {}): Promise<EchoServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket', Connection: 'close' });
    res.end('Switchyard echo server: connect with a WebSocket client; every message is sent back.\n');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({ server, maxPayload: o.maxPayload ?? 16 * 1024 * 1024, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  wss.on('error', () => {});

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen({ host: ECHO_HOST, port: o.port ?? 0, exclusive: true }, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    address: `${ECHO_HOST}:${port}`,
    close: () => new Promise<void>((done) => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.close(() => done());
      for (const s of sockets) s.destroy();
    }),
  };
}
