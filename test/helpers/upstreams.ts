// Real upstream servers on 127.0.0.1 for engine tests: each reports what it received.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import { freePort } from './ports.ts';

export interface Seen {
  name: string;
  method: string;
  url: string;
  httpVersion: string;
  rawHeaders: string[];
  body: string;
}

export function header(seen: Seen, name: string): string | undefined {
  for (let i = 0; i < seen.rawHeaders.length; i += 2) if (seen.rawHeaders[i]!.toLowerCase() === name.toLowerCase()) return seen.rawHeaders[i + 1];
  return undefined;
}

export interface Upstream {
  name: string;
  port: number;
  server: http.Server;
  seen: Seen[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

/** Answer with a JSON description of what the upstream received. */
export function describe(res: ServerResponse, s: Seen): void {
  const body = JSON.stringify(s);
  res.writeHead(200, { 'Content-Type': 'application/json', 'X-Upstream': s.name, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** An HTTP upstream that answers with a JSON description of the request (unless `handler` answers). */
export async function startHttpUpstream(name: string, handler?: Handler): Promise<Upstream> {
  const seen: Seen[] = [];
  // (heads as large as nginx passes on: 1k + 4 x 8k)
  const server = http.createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { name, method: req.method!, url: req.url!, httpVersion: req.httpVersion, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() };
      seen.push(s);
      if (handler) return handler(req, res, s);
      describe(res, s);
    });
  });
  return listen(name, server, seen);
}

/** A WebSocket echo upstream (plain HTTP requests get a JSON description, like startHttpUpstream). */
export async function startWsUpstream(name: string, opts: { perMessageDeflate?: boolean; handler?: Handler } = {}): Promise<Upstream & { wss: WebSocketServer }> {
  const up = await startHttpUpstream(name, opts.handler);
  const wss = new WebSocketServer({ server: up.server, perMessageDeflate: opts.perMessageDeflate ?? false });
  wss.on('connection', (ws, req) => {
    up.seen.push({ name, method: req.method!, url: req.url!, httpVersion: req.httpVersion, rawHeaders: req.rawHeaders, body: '' });
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {}); // a peer's protocol error (ws closes with 1002/1007), not the test's
  });
  const close = up.close;
  return { ...up, wss, close: async () => { for (const c of wss.clients) c.terminate(); wss.close(); await close(); } };
}

async function listen(name: string, server: http.Server, seen: Seen[]): Promise<Upstream> {
  return { name, server, seen, ...(await serveOnLoopback(server)) };
}

/** Listen on 127.0.0.1 at `port` (0: a free one); close() destroys the connections still open, then closes the server. */
async function serveOnLoopback(server: net.Server, port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

export interface TcpServer {
  server: net.Server;
  port: number;
  /** Destroys the connections still open, then closes the server. */
  close(): Promise<void>;
}

/** A raw TCP server on 127.0.0.1 at `port` (0: a free one): `onSocket` gets each connection. */
export async function startTcpServer(onSocket: (s: net.Socket) => void, opts: net.ServerOpts = {}, port = 0): Promise<TcpServer> {
  const server = net.createServer(opts, onSocket);
  return { server, ...(await serveOnLoopback(server, port)) };
}

/**
 * A raw TCP upstream that answers by request path: once a request head is complete, `answer` gets
 * the last segment of its path and the socket to write the answer to (as bytes of its choosing).
 */
export function startPathAnswering(answer: (segment: string, s: net.Socket) => void): Promise<TcpServer> {
  return startTcpServer((s) => {
    s.on('error', () => {});
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (!got.includes('\r\n\r\n')) return;
      const segment = got.slice(0, got.indexOf(' HTTP/')).split('/').pop()!;
      got = '';
      answer(segment, s);
    });
  });
}

/** A port with nothing listening (connections are refused): one reserved for this test process
 * below the ephemeral range (ports.ts). A port listen(0) gave and released would be handed to the
 * next listen(0) of any test file running beside this one (CI: a "refused" route answered 401 by
 * another file's upstream). */
export async function refusedPort(): Promise<number> {
  return freePort();
}

/** The length of the first complete HTTP answer in `text` (its head and, by its Content-Length or
 * last chunk, its body; interim 1xx answers are skipped over), or -1 while it is incomplete or read
 * to the close. */
export function firstAnswerLength(text: string, headRequest = false): number {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return -1;
  const head = text.slice(0, end);
  const status = Number(/^HTTP\/1\.\d (\d{3})/.exec(head)?.[1] ?? 0);
  if (status >= 100 && status < 200 && status !== 101) {
    const next = firstAnswerLength(text.slice(end + 4), headRequest);
    return next < 0 ? -1 : end + 4 + next;
  }
  if (headRequest || status === 101 || status === 204 || status === 304) return end + 4;
  const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (cl) return text.length >= end + 4 + Number(cl[1]) ? end + 4 + Number(cl[1]) : -1;
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    const last = text.indexOf('\r\n0\r\n\r\n', end);
    return last < 0 ? -1 : last + 7;
  }
  return -1;
}

/** For rawExchange's `until`: a whole answer has come (the connection may stay open after it). */
export const answered = (got: string): boolean => firstAnswerLength(got) >= 0;

/** Send raw bytes and collect everything until the server closes or `until` matches. */
export function rawExchange(port: number, bytes: string | Buffer, opts: { until?: (got: string) => boolean; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    const t = setTimeout(() => { sock.destroy(); resolve(got); }, opts.timeoutMs ?? 3000);
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (opts.until?.(got)) { clearTimeout(t); sock.destroy(); resolve(got); }
    });
    sock.on('close', () => { clearTimeout(t); resolve(got); });
    sock.on('error', (e) => { clearTimeout(t); reject(e); });
    sock.write(bytes);
  });
}

/**
 * A TCP server that reads each request head and then misbehaves: 'close' ends the connection
 * without answering, 'bad' answers with a header line that has no colon (nginx: invalid header),
 * 'raw' writes the bytes its request path names in hex (".../raw/48545450...") and closes.
 * `requests` counts the heads it read.
 */
export async function startBrokenUpstream(mode: 'close' | 'bad' | 'raw'): Promise<{ port: number; requests: number; close(): Promise<void> }> {
  const state = { port: 0, requests: 0, close: async () => {} };
  const server = await startTcpServer((sock) => {
    sock.on('error', () => {});
    let got = '';
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (!got.includes('\r\n\r\n')) return;
      const head = got;
      got = '';
      state.requests++;
      if (mode === 'raw') sock.end(Buffer.from(/\/raw\/([0-9a-f]*)/.exec(head)?.[1] ?? '', 'hex'));
      else if (mode === 'close') sock.end();
      else sock.end('HTTP/1.1 200 OK\r\nA Header Without Colon\r\nContent-Length: 2\r\n\r\nok');
    });
  });
  state.port = server.port;
  state.close = server.close;
  return state;
}
