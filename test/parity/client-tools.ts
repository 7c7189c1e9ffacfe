// Third-party HTTP clients (curl, wget, python's http.client and urllib) through real nginx running
// the exported config and through the engine, in front of one scripted upstream: each case is a
// shell command run against each proxy in turn, and what the client printed is compared.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import net from 'node:net';
import type { ConfigInput } from '../../app/config/schema.ts';
import { startTcpServer, refusedPort, type TcpServer } from '../helpers/upstreams.ts';
import { freePorts, maskPort } from '../helpers/ports.ts';
import { withEngine, withNginx } from './harness.ts';

/** The 1 MB body the upstream answers /big with. */
const bigBody = Buffer.alloc(1_000_000, 'b');
const gzipped = gzipSync(Buffer.from('compressed '.repeat(200)));

/** What the scripted upstream answers, by the last segment of the request path. */
function answer(segment: string, req: { head: string; body: Buffer; upPort: number }, s: net.Socket, keep: boolean): void {
  const conn = keep ? '' : 'Connection: close\r\n';
  const sized = (status: string, headers: string, body: Buffer | string) => {
    s.write(`HTTP/1.1 ${status}\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n${conn}\r\n`);
    s.write(body);
  };
  switch (segment.replace(/\?.*/, '')) {
    case 'chunked': s.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n${conn}\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`); break;
    case '404': sized('404 Not Found', 'Content-Type: text/plain\r\n', 'no such thing'); break;
    case 'trailer': s.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n${conn}\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n`); break;
    case 'hop': sized('200 OK', 'Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nUpgrade: h2c\r\nTE: trailers\r\nX-Accel-Expires: 5\r\nAccept-Ranges: bytes\r\n', 'hop'); break;
    case 'etag': sized('200 OK', 'ETag: "v1"\r\nLast-Modified: Mon, 07 Dec 2026 10:00:00 GMT\r\nContent-Type: text/plain\r\n', 'tagged body'); break;
    case 'relredirect': sized('302 Found', 'Location: /p/there\r\n', ''); break;
    case 'page': sized('200 OK', 'Content-Type: text/html\r\n', '<!doctype html><title>page</title><link rel="icon" href="data:,">'); break;
    case 'xaloop': sized('200 OK', 'X-Accel-Redirect: /p/xaloop\r\n', ''); break;
    case 'closedelim': s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nread to the close'); return;
    case '204': s.write(`HTTP/1.1 204 No Content\r\nX-A: 1\r\n${conn}\r\n`); break;
    case '304': s.write(`HTTP/1.1 304 Not Modified\r\nETag: "e"\r\n${conn}\r\n`); break;
    case 'big': sized('200 OK', 'Content-Type: application/octet-stream\r\nETag: "big"\r\n', bigBody); break;
    case 'gzip': sized('200 OK', 'Content-Type: text/plain\r\nContent-Encoding: gzip\r\nVary: Accept-Encoding\r\n', gzipped); break;
    case 'redirect': sized('302 Found', `Location: http://127.0.0.1:${req.upPort}/echo/after\r\n`, ''); break;
    case 'stall': s.write(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n${conn}\r\nfirst`); return;
    // (a reset right behind the bytes is an end of stream to node: README, "Answers that run long or end early")
    case 'reset': s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst', () => setTimeout(() => s.resetAndDestroy(), 200)); return;
    case 'stallchunked': s.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n${conn}\r\n5\r\nfirst\r\n`); return;
    case 'headclose': s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n'); return;
    case 'slowhead': setTimeout(() => { if (!s.destroyed) answer('echo', req, s, keep); }, 1500); return;
    case 'slowbody': {
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: 10\r\n${conn}\r\n`);
      let n = 0;
      const t = setInterval(() => { if (s.destroyed || n === 10) { clearInterval(t); if (!keep) s.end(); return; } s.write(String(n++)); }, 300);
      return;
    }
    default: {
      // what the upstream got: the head's lines (the request line first) and the body's size and digest
      const body = JSON.stringify({ head: req.head.split('\r\n'), bodyLength: req.body.length, md5: createHash('md5').update(req.body).digest('hex') });
      sized('200 OK', 'Content-Type: application/json\r\n', body);
    }
  }
  if (!keep) s.end();
}

/** The upstream: reads each request head and its Content-Length body (the proxies send no other), answers by path. */
export async function startScriptedUpstream(): Promise<TcpServer> {
  let port = 0;
  const server = await startTcpServer((s) => {
    s.on('error', () => {});
    let got = Buffer.alloc(0);
    s.on('data', (d) => {
      got = Buffer.concat([got, d]);
      for (;;) {
        const end = got.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = got.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (got.length < end + 4 + length) return;
        const body = got.subarray(end + 4, end + 4 + length);
        got = got.subarray(end + 4 + length);
        const line = head.slice(0, head.indexOf('\r\n'));
        const target = line.slice(line.indexOf(' ') + 1, line.lastIndexOf(' '));
        const keep = / HTTP\/1\.1$/.test(line) && !/\r\nconnection: *close/i.test(head);
        answer(target.split('/').pop() ?? '', { head, body, upPort: port }, s, keep);
      }
    });
  });
  port = server.port;
  return server;
}

/** The routes: HTTP/1.0 by default, HTTP/1.1 with kept upstream connections, a small body limit, a dead peer, a short read timeout, unbuffered. */
export function clientsModel(up: number, dead: number, listen: number): ConfigInput {
  const u = 'http://u';
  const locations = [
    { path: '/p/', proxyPass: u },
    { path: '/ka/', proxyPass: u, proxyHttpVersion: '1.1' as const, proxySetHeader: [{ name: 'Connection', value: '' }] },
    { path: '/small/', proxyPass: u, clientMaxBodySize: '1k' },
    { path: '/dead/', proxyPass: `http://127.0.0.1:${dead}` },
    { path: '/tmo/', proxyPass: u, proxyReadTimeout: '1s' },
    { path: '/dir/', proxyPass: u },
    { path: '/nobuf/', proxyPass: u, proxyBuffering: false },
  ];
  const server = { listen: [{ address: `127.0.0.1:${listen}` }], serverNames: ['clients.test'], locations };
  return { schemaVersion: 1, upstreams: [{ name: 'u', keepalive: 4, servers: [{ address: `127.0.0.1:${up}` }] }], servers: [server] };
}

export interface ClientRun { code: number | string; stdout: string; stderr: string }

/** Run `command` in a shell with `env` (PORT, the proxy's port, and the files below); bounded by `timeoutMs`. */
function runClient(command: string, env: Record<string, string>, timeoutMs = 8000): Promise<ClientRun> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', command], { env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, encoding: 'latin1' }, (err, stdout, stderr) => {
      const code = err ? ((err as { killed?: boolean }).killed ? 'killed' : (err as { code?: number }).code ?? 'error') : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** curl's lines on how far its upload and download got when it read an answer: the race between its
 * writes and the proxy's answer (an early 413 to a body still coming), and read sizes. */
const UPLOAD_PROGRESS = /^([{}] \[\d+ bytes data\]|\* (Signaling end of chunked upload|We are completely uploaded and fine|we are done reading and this is set to close, stop send).*)$/;

/**
 * What is compared of a run: the exit code, and stdout and stderr with what may differ taken out:
 * Date and Server, the port, times and rates, addresses curl prints, curl's progress lines, and the error pages'
 * signature (nginx's pages are 2 bytes longer: on its side, the lengths of text/html answers, which
 * the upstream never sends, are counted as the engine's).
 */
export function normalize(r: ClientRun, port: number, side: 'nginx' | 'engine'): string {
  const clean = (text: string) => {
    let html = false;
    const out: string[] = [];
    for (let l of text.split(/\r?\n/)) {
      if (/^(< |  )?(date|server):/i.test(l) || /^\* (Trying|Connected to|Expire|  Trying)/.test(l) || /^ +\d+K[ .]/.test(l) || UPLOAD_PROGRESS.test(l)) continue;
      if (/^(< |  )?HTTP\/1\.[01] /.test(l)) html = false;
      if (/^(< |  )?content-type: text\/html/i.test(l)) html = true;
      // the port last, and only as a whole number (an address curl prints may hold its digits)
      l = l.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, 'TIME').replace(/\([\d.]+ [KMG]?B\/s\)/g, '(RATE)').replace(/\d+(\.\d+)?s \([\d.]+ [KMG]?B\/s\)/g, 'Ns (RATE)')
        .replace(/0x[0-9a-f]+/g, '0xADDR')
        .replace(/ after \d+ milliseconds/, ' after T milliseconds').replace(/ with [1-9]\d* out of /, ' with SOME out of ').replace(/Total wall clock time: .*/, 'Total wall clock time: T').replace(/ in [\d.]+m?s /, ' in Ns ')
        .replace(/<hr><center>nginx\/[\d.]+<\/center>/, '<hr><center>switchyard</center>');
      l = maskPort(l, port);
      if (side === 'nginx' && html) l = l.replace(/^((?:< |  )?content-length: |Length: )(\d+)/i, (_m, a: string, n: string) => `${a}${Number(n) - 2}`);
      out.push(l);
    }
    // header fields in name order (nginx writes the ones it keeps apart first: documented)
    for (let i = 0; i < out.length;) {
      let j = i;
      while (j < out.length && /^(< |  )?[\w-]+: /.test(out[j]!)) j++;
      if (j > i) out.splice(i, j - i, ...out.slice(i, j).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
      i = j + 1;
    }
    return out.join('\n');
  };
  return `exit ${r.code}\n--- stdout\n${clean(r.stdout)}\n--- stderr\n${clean(r.stderr)}`;
}

/**
 * Every command through nginx running the export, then through the engine, in front of one
 * scripted upstream; what each client printed, normalized. A command finds the proxy's port in
 * $PORT, upload files of 2 MB and 200 kB in $BIG and $MID, and Python's clients in $CLIENTS_PY.
 */
export async function runBoth(commands: string[]): Promise<Record<'nginx' | 'engine', string[]>> {
  const up = await startScriptedUpstream();
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-clients-'));
  try {
    const files = { BIG: join(dir, 'big.bin'), MID: join(dir, 'mid.bin'), CLIENTS_PY: fileURLToPath(new URL('../fixtures/python/http_clients.py', import.meta.url)) };
    await writeFile(files.BIG, Buffer.alloc(2_000_000));
    await writeFile(files.MID, Buffer.alloc(200_000));
    const dead = await refusedPort();
    const [pN, pE] = await freePorts(2);
    const all = async (port: number, side: 'nginx' | 'engine') => {
      const out: string[] = [];
      for (const c of commands) out.push(normalize(await runClient(c, { ...files, PORT: String(port) }), port, side));
      return out;
    };
    return {
      nginx: await withNginx(clientsModel(up.port, dead, pN!), pN!, () => all(pN!, 'nginx')),
      engine: await withEngine(clientsModel(up.port, dead, pE!), () => all(pE!, 'engine')),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
    await up.close();
  }
}
