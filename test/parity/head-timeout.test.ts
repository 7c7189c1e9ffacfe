// proxy_read_timeout while the upstream's answer head is coming, against real nginx running the
// exported config: nginx arms the read timer once when the request is sent, and partial reads of
// the head do not restart it, so an upstream that trickles its head byte by byte gets 504 at the
// timeout (a plain request and a WebSocket handshake alike); from the head on, the timeout is the
// time between two reads, so a body trickled faster than that arrives whole. Needs Debian's nginx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import type { ConfigInput } from '../../app/config/schema.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';
import { rawExchange, startPathAnswering, type TcpServer } from '../helpers/upstreams.ts';

const TIMEOUT_MS = 600;
const STEP_MS = 60;
const HEAD = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Padding: 0123456789\r\n\r\nok';
const UPGRADE = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
const BODY = 'abcdefghijklmnop';

/** Write `bytes` one at a time, STEP_MS apart, from `from` on (what comes before at once); then end unless `keep`. */
function trickle(s: Socket, bytes: string, from: number, keep = false): void {
  s.write(bytes.slice(0, from), 'latin1');
  let at = from;
  const t = setInterval(() => {
    if (s.destroyed) return clearInterval(t);
    s.write(bytes[at++]!, 'latin1');
    if (at < bytes.length) return;
    clearInterval(t);
    if (!keep) s.end();
  }, STEP_MS);
  s.once('close', () => clearInterval(t));
}

let up: TcpServer;
before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  up = await startPathAnswering((path, s) => {
    if (path === 'head') trickle(s, HEAD, 0);
    else if (path === 'upgrade') trickle(s, UPGRADE, 0, true);
    else {
      const head = `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n`;
      trickle(s, head + BODY, head.length);
    }
  });
});
after(() => up.close());

function model(listen: number): ConfigInput {
  const proxyPass = `http://127.0.0.1:${up.port}`;
  const proxyReadTimeout = `${TIMEOUT_MS}ms`;
  return {
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [{ path: '/r/', proxyPass, proxyReadTimeout }, { path: '/ws/', websocket: true, proxyPass, proxyReadTimeout }] }],
  };
}

const handshake = 'GET /ws/upgrade HTTP/1.1\r\nHost: t.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: t.test\r\nConnection: close\r\n\r\n`;

interface Seen { status: string; ms: number; body: string }

async function observe(port: number, bytes: string): Promise<Seen> {
  const t0 = Date.now();
  const raw = await rawExchange(port, bytes, { until: (got) => /^HTTP\/1\.1 5\d\d /.test(got) && got.includes('\r\n\r\n'), timeoutMs: 8000 });
  return { status: raw.slice(0, raw.indexOf('\r\n')), ms: Date.now() - t0, body: raw.slice(raw.indexOf('\r\n\r\n') + 4) };
}

async function collect(port: number): Promise<Record<'head' | 'upgrade' | 'body', Seen>> {
  return { head: await observe(port, get('/r/head')), upgrade: await observe(port, handshake), body: await observe(port, get('/r/body')) };
}

test('proxy_read_timeout: a trickled answer head gets 504 at the timeout, a trickled body arrives whole, as through nginx', { timeout: 60_000 }, async () => {
  const [pN, pE] = await freePorts(2);
  const nginx = await withNginx(model(pN!), pN!, () => collect(pN!));
  const engine = await withEngine(model(pE!), () => collect(pE!));
  for (const [name, seen] of [['nginx', nginx], ['engine', engine]] as const) {
    for (const k of ['head', 'upgrade'] as const) {
      assert.equal(seen[k].status, 'HTTP/1.1 504 Gateway Time-out', `${name} ${k}`);
      // the head would take STEP_MS per byte, several times the timeout
      assert.ok(seen[k].ms >= TIMEOUT_MS - 50 && seen[k].ms < TIMEOUT_MS + 700, `${name} ${k}: 504 after ${seen[k].ms} ms`);
    }
    assert.equal(seen.body.status, 'HTTP/1.1 200 OK', name);
    assert.ok(seen.body.body.endsWith(BODY), `${name}: ${JSON.stringify(seen.body.body)}`);
  }
});
