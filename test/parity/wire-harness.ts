// Raw bytes on both sides of a proxy: a TCP upstream that records every request exactly as it
// arrived (head and body framing, byte for byte) and answers a fixed small response, and a TCP
// client that writes requests exactly as given. Used by wire.test.ts to compare the upstream
// requests of real nginx and of the engine.
import net from 'node:net';

export interface Captured {
  /** Index of the upstream connection it arrived on (per upstream, from 0). */
  conn: number;
  /** Request line and header lines up to and including the empty line, as latin1 text. */
  head: string;
  /** The body bytes as they arrived (chunked framing included), as latin1 text. */
  body: string;
}

export interface RawUpstream {
  port: number;
  seen: Captured[];
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export const RESPONSE_BODY = 'ok\n';

/** The first header value of `name` in a raw head, or undefined. */
export function headValue(head: string, name: string): string | undefined {
  for (const line of head.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0 && line.slice(0, i).toLowerCase() === name) return line.slice(i + 1).trim();
  }
  return undefined;
}

/** Length of a complete chunked body at the start of `buf` (trailers included), or -1 while incomplete. */
function chunkedLength(buf: Buffer): number {
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at, 'latin1');
    if (eol < 0) return -1;
    const size = parseInt(buf.toString('latin1', at, eol), 16);
    if (Number.isNaN(size)) throw new Error(`bad chunk size line: ${JSON.stringify(buf.toString('latin1', at, eol))}`);
    at = eol + 2;
    if (size === 0) {
      // trailer section up to an empty line
      for (;;) {
        const end = buf.indexOf('\r\n', at, 'latin1');
        if (end < 0) return -1;
        if (end === at) return end + 2;
        at = end + 2;
      }
    }
    if (buf.length < at + size + 2) return -1;
    at += size + 2;
  }
}

/**
 * An HTTP/1.x upstream that parses only framing: it records each request's raw head and body and
 * answers `200` with Content-Length. It keeps the connection open unless the request asks to close
 * it (HTTP/1.0 without keep-alive, or Connection: close).
 */
export function startRawUpstream(): Promise<RawUpstream> {
  const seen: Captured[] = [];
  const sockets = new Set<net.Socket>();
  let conns = 0;
  const server = net.createServer((sock) => {
    const conn = conns++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n', 0, 'latin1');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end + 4);
        const rest = buf.subarray(end + 4);
        const te = headValue(head, 'transfer-encoding');
        const cl = headValue(head, 'content-length');
        const bodyLength = te?.toLowerCase() === 'chunked' ? chunkedLength(rest) : cl !== undefined ? Number(cl) : 0;
        if (bodyLength < 0 || rest.length < bodyLength) return;
        seen.push({ conn, head, body: rest.toString('latin1', 0, bodyLength) });
        buf = rest.subarray(bodyLength);
        const http10 = head.slice(0, head.indexOf('\r\n')).endsWith(' HTTP/1.0');
        const connection = headValue(head, 'connection')?.toLowerCase();
        const close = connection === 'close' || (http10 && connection !== 'keep-alive');
        const isHead = head.startsWith('HEAD ');
        sock.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${RESPONSE_BODY.length}\r\n${close ? 'Connection: close\r\n' : ''}\r\n${isHead ? '' : RESPONSE_BODY}`);
        if (close) {
          sock.end();
          return;
        }
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        seen,
        connections: () => conns,
        close: () => new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
      });
    });
  });
}

/**
 * Write `bytes` to 127.0.0.1:port, read until the proxy closes (or, with `done`, until the response
 * so far passes it: a connection nginx keeps open); the response status (0 if none).
 */
export function rawExchange(port: number, bytes: string, done?: (response: string) => boolean): Promise<{ status: number; response: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => sock.destroy(new Error(`no answer within 8 s to ${JSON.stringify(bytes.slice(0, 80))}`)), 8000);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      if (done?.(Buffer.concat(chunks).toString('latin1'))) sock.destroy();
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      const response = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(response);
      resolve({ status: m ? Number(m[1]) : 0, response });
    });
    // write, not end: a half-closed client is one that went away, to nginx
    sock.write(Buffer.from(bytes, 'latin1'));
  });
}
