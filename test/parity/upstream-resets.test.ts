// How the proxy ends an upstream connection that still has bytes it never read: nginx closes it with
// them unread, so its kernel resets the connection, and the upstream sees a reset, not a FIN.
// - a cached (keepalive) connection the upstream writes to while it sits idle:
//   ngx_http_upstream_keepalive_close_handler peeks at the byte (MSG_PEEK) and closes;
// - an answer the proxy gives up on once its head is in (a head larger than proxy_buffer_size,
//   "upstream sent too big header", 502; an X-Accel-Redirect): nginx reads the head into
//   proxy_buffer_size (4k) and closes with whatever came past that unread; so does an answer retried
//   on the next peer (proxy_next_upstream http_503), on the HTTP and the WebSocket handshake path.
// The engine (whose node client reads whatever came) must end them the same way. Raw TCP upstream;
// real nginx running the exported config. Needs Debian's nginx; fails without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import type { ConfigInput } from '../../app/config/schema.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';
import { answered, rawExchange, startTcpServer } from '../helpers/upstreams.ts';
import { poll } from '../helpers/wait.ts';

/** / to a keepalive group (HTTP/1.1, Connection ""), /ws/ with the WebSocket switch. */
function model(up: number, listen: number): ConfigInput {
  return {
    schemaVersion: 1,
    upstreams: [{ name: 'ka', servers: [{ address: `127.0.0.1:${up}` }], keepalive: 4 }],
    servers: [{
      listen: [{ address: `127.0.0.1:${listen}` }],
      locations: [
        { path: '/', proxyPass: 'http://ka', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] },
        { path: '/ws/', proxyPass: `http://127.0.0.1:${up}`, websocket: true },
      ],
    }],
  };
}

type Run = (m: ConfigInput, listen: number, fn: () => Promise<Seen>) => Promise<Seen>;
const nginx: Run = (m, listen, fn) => withNginx(m, listen, fn);
const engine: Run = (m, _listen, fn) => withEngine(m, fn);

interface Seen {
  /** The status line the client got. */
  status: string;
  /** How the upstream's connection ended: `fin`, `reset`, or `open` (the proxy kept it). */
  end: string;
}

/** An upstream that answers every request head with `answer` and keeps its connection open;
 * `end()` tells how its last connection ended, `sock()` is that connection. */
async function answering(answer: string) {
  let sock: net.Socket | undefined;
  let end = 'open';
  const server = await startTcpServer((s) => {
    sock = s;
    s.on('error', (e: NodeJS.ErrnoException) => (end = e.code === 'ECONNRESET' ? 'reset' : `error ${e.code}`));
    s.on('end', () => (end = 'fin'));
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) s.write(answer);
    });
  }, { allowHalfOpen: true });
  return { server, end: () => end, sock: () => sock! };
}

/**
 * The upstream answers the request `request` with `answer` (the model of `up`'s port and the
 * listen port: `model` unless given); once the client has its answer, the upstream writes `after`
 * (if any) to its connection. What the client got, and how the upstream's connection ended.
 */
async function upstreamEnd(run: Run, request: string, answer: string, after?: string, modelOf: (up: number, listen: number) => ConfigInput = model): Promise<Seen> {
  const up = await answering(answer);
  const [listen] = await freePorts(1);
  try {
    return await run(modelOf(up.server.port, listen!), listen!, async () => {
      const got = await rawExchange(listen!, request, { until: answered });
      if (after !== undefined) up.sock().write(after);
      const seen = await poll(up.end, (e) => e !== 'open', 3000);
      return { status: got.slice(0, got.indexOf('\r\n')), end: seen };
    });
  } finally {
    await up.server.close();
  }
}

async function compare(request: string, answer: string, after?: string, expected?: Seen, modelOf = model): Promise<void> {
  const n = await upstreamEnd(nginx, request, answer, after, modelOf);
  if (expected) assert.deepEqual(n, expected, 'nginx (the reference)');
  assert.deepEqual(await upstreamEnd(engine, request, answer, after, modelOf), n);
}

const GET = 'GET / HTTP/1.1\r\nHost: reset.test\r\n\r\n';
const HANDSHAKE = 'GET /ws/x HTTP/1.1\r\nHost: reset.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const BIG_HEAD = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(6000)}\r\nContent-Length: 2\r\n\r\nok`;

test('nginx is installed (this parity test needs it)', () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
});

test('bytes from the upstream on an idle keepalive connection: the proxy resets it, as nginx does', async () => {
  await compare(GET, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'JUNK', { status: 'HTTP/1.1 200 OK', end: 'reset' });
});

test('a response head over proxy_buffer_size: 502, and the upstream connection is reset, as nginx does', async () => {
  await compare(GET, BIG_HEAD, undefined, { status: 'HTTP/1.1 502 Bad Gateway', end: 'reset' });
});

test('a WebSocket handshake answered with a head over proxy_buffer_size: 502, and the upstream connection is reset, as nginx does', async () => {
  await compare(HANDSHAKE, BIG_HEAD, undefined, { status: 'HTTP/1.1 502 Bad Gateway', end: 'reset' });
  await compare(HANDSHAKE, BIG_HEAD.replace('200 OK', '101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade'), undefined, { status: 'HTTP/1.1 502 Bad Gateway', end: 'reset' });
});

test('an X-Accel-Redirect answer: its connection is reset when more than proxy_buffer_size of it came, as nginx does', async () => {
  // (to no location: the proxy's own 500; the head is 74 bytes)
  const accel = (n: number) => `HTTP/1.1 200 OK\r\nX-Accel-Redirect: /nowhere\r\nContent-Length: ${n}\r\n\r\n${'b'.repeat(n)}`;
  await compare(GET, accel(4000), undefined, { status: 'HTTP/1.1 500 Internal Server Error', end: 'fin' });
  await compare(GET, accel(4100), undefined, { status: 'HTTP/1.1 500 Internal Server Error', end: 'reset' });
});

/**
 * The request goes to a group of two peers whose first answers 503 (with 100, then 5,000 body
 * bytes) and is retried on the second (proxy_next_upstream http_503) by the location `path`
 * (`websocket`: the upgrade pass): how the first peer's connection ends.
 */
async function retriedBusy(request: string, path: string, websocket: boolean): Promise<void> {
  const other = await answering('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  // (round robin: the first request goes to the first peer, the one that answers 503)
  const retrying = (up: number, listen: number): ConfigInput => ({
    schemaVersion: 1,
    upstreams: [{ name: 'p', servers: [{ address: `127.0.0.1:${up}` }, { address: `127.0.0.1:${other.server.port}` }] }],
    servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [{ path, proxyPass: 'http://p', websocket, proxyNextUpstream: ['error', 'timeout', 'http_503'] }] }],
  });
  const busy = (n: number) => `HTTP/1.1 503 Busy\r\nContent-Length: ${n}\r\n\r\n${'b'.repeat(n)}`;
  try {
    await compare(request, busy(100), undefined, { status: 'HTTP/1.1 200 OK', end: 'fin' }, retrying);
    await compare(request, busy(5000), undefined, { status: 'HTTP/1.1 200 OK', end: 'reset' }, retrying);
  } finally {
    await other.server.close();
  }
}

test('a 503 retried on the next peer (proxy_next_upstream http_503): its connection is reset when more than proxy_buffer_size of it came, as nginx does', async () => {
  await retriedBusy(GET, '/', false);
});

test('a WebSocket handshake answered 503 and retried on the next peer: its connection is reset when more than proxy_buffer_size of it came, as nginx does', async () => {
  await retriedBusy(HANDSHAKE, '/ws/', true);
});

test('an X-Accel-Redirect answer on a reused keepalive connection: only its own bytes count toward proxy_buffer_size (the 5,000-byte answer before it on the connection does not), so it closes with a FIN, as nginx', async () => {
  // (per connection: a 5,000-byte 200 first, then an X-Accel-Redirect of 100 bytes, whose target
  // location is / again and goes on a new connection, which answers the 200)
  let conns = 0;
  let first = 'open';
  const up = await startTcpServer((s) => {
    const n = ++conns;
    const ended = (how: string) => { if (n === 1 && first === 'open') first = how; };
    s.on('error', (e: NodeJS.ErrnoException) => ended(e.code === 'ECONNRESET' ? 'reset' : `error ${e.code}`));
    s.on('end', () => ended('fin'));
    let got = '';
    let answers = 0;
    s.on('data', (d) => {
      got += d.toString('latin1');
      while (got.includes('\r\n\r\n')) {
        got = got.slice(got.indexOf('\r\n\r\n') + 4);
        s.write(answers++ === 0 ? `HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n${'a'.repeat(5000)}` : `HTTP/1.1 200 OK\r\nX-Accel-Redirect: /nowhere\r\nContent-Length: 100\r\n\r\n${'b'.repeat(100)}`);
      }
    });
  }, { allowHalfOpen: true });
  const [listen] = await freePorts(1);
  const two = async () => {
    await rawExchange(listen!, GET, { until: answered });
    const second = await rawExchange(listen!, GET, { until: answered });
    const seen = await poll(() => first, (e) => e !== 'open', 3000);
    return { status: second.slice(0, second.indexOf('\r\n')), end: `${seen} (${conns} connections)` };
  };
  try {
    const n = await nginx(model(up.port, listen!), listen!, two);
    assert.deepEqual(n, { status: 'HTTP/1.1 200 OK', end: 'fin (2 connections)' }, 'nginx (the reference)');
    conns = 0;
    first = 'open';
    assert.deepEqual(await engine(model(up.port, listen!), listen!, two), n);
  } finally {
    await up.close();
  }
});
