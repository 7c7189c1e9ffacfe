// A client that keeps sending without reading (an upload that reads the answer only once its body
// is out) gets the answer that refused it, as from nginx (checked against nginx 1.22 with
// test/parity/close-explore.ts's cases): the engine used to close such a connection at once, and
// the reset the client's next bytes met took with it the answer still unread in its buffer. And a
// connection that is discarding a body or lingering is closed once the client stops sending for
// lingering_timeout (5 s), not held open; an idle kept-alive one after keepalive_timeout exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { oneLocation, startEngine } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { refusedPort } from '../../helpers/upstreams.ts';
import { sleep } from '../../helpers/wait.ts';
import { clientTimeline, statuses } from '../../parity/close-wire.ts';
import { clientKeepaliveTimeout } from '../../../main/engine/client-timeouts.ts';
import { freePorts } from '../../helpers/ports.ts';

const scope = testScope();

/** Writes `head`, then a KiB every 100 ms for a second without reading, then reads: what came. */
async function uploadWithoutReading(port: number, head: string): Promise<{ got: string; errors: string[] }> {
  const sock = net.connect({ port, host: '127.0.0.1' });
  await new Promise((r) => sock.once('connect', r));
  sock.pause();
  const errors: string[] = [];
  sock.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
  sock.write(head);
  for (let i = 0; i < 10; i++) {
    await sleep(100);
    if (sock.writable) sock.write('y'.repeat(1024));
  }
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
  sock.resume();
  await sleep(300);
  sock.destroy();
  return { got, errors };
}

test('a client that uploads without reading gets the answer that refused its body or head, and no reset', { timeout: 15_000 }, async () => {
  const dead = await refusedPort();
  const e = await scope.engine((p) => ({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${p}` }], locations: [{ path: '/small/', proxyPass: `http://127.0.0.1:${dead}`, clientMaxBodySize: '1k' }, { path: '/', proxyPass: `http://127.0.0.1:${dead}` }] }],
  }));
  const cases: Array<[string, string]> = [
    ['413', `POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5000000\r\n\r\n`],
    ['413', `POST /small/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${'x'.repeat(2048)}\r\n`],
    ['400', `POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`],
    ['400', `GET /x HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n`],
    ['502', `POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`],
  ];
  const seen = await Promise.all(cases.map(([, head]) => uploadWithoutReading(e.port, head)));
  assert.deepEqual(seen.map((s, i) => `${statuses(s.got)} ${s.errors.join(',')}`.trim()), cases.map(([status]) => status));
});

test('a body left unread is discarded for lingering_timeout, then the connection closes; a refused handshake keeps its connection, and frames after it are a bad request', { timeout: 15_000 }, async () => {
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws/', proxyPass: `http://127.0.0.1:${p}`, websocket: true }));
  const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
  const [post, handshake] = await Promise.all([
    // a 404 to a POST whose body stops half way: no FIN while it may still come, then one 5 s after
    clientTimeline(e.port, { send: 'POST /none HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n12345', steps: [{ ms: 1000, write: '67890' }], watchMs: 8000 }),
    // the engine's own 404 to a handshake keeps the connection, as nginx's: a frame sent after it
    // is read as the next request, a bad one (400), and the connection closes then
    clientTimeline(e.port, { send: `GET /none HTTP/1.1\r\nHost: a\r\n${upgrade}\r\n`, steps: [{ ms: 1000, write: '\x81\x82\x00\x00\x00\x00hi' }], watchMs: 2000 }),
  ]);
  assert.equal(statuses(post.got), '404');
  assert.deepEqual(post.events.map((ev) => ev.what), ['fin']);
  assert.ok(post.events[0]!.at > 5500 && post.events[0]!.at < 7000, `FIN 5 s after the last byte of the body, at ${post.events[0]!.at} ms`);
  assert.equal(statuses(handshake.got), '404 400');
  assert.equal(handshake.events[0]?.what, 'fin');
  assert.ok(handshake.events[0]!.at >= 1000, `no FIN before the frame, at ${handshake.events[0]!.at} ms`);
});

test('keepalive_timeout: an idle kept-alive connection closes that long after its answer, not a second later (node adds one)', { timeout: 15_000 }, async () => {
  const saved = clientKeepaliveTimeout.ms;
  clientKeepaliveTimeout.ms = 2000;
  try {
    const e = await scope.engine((p) => oneLocation(p, { path: '/x/', proxyPass: 'http://127.0.0.1:1' }));
    const idle = await clientTimeline(e.port, { send: 'GET /none HTTP/1.1\r\nHost: a\r\n\r\n', watchMs: 5000 });
    assert.equal(statuses(idle.got), '404');
    assert.equal(idle.events[0]?.what, 'fin', JSON.stringify(idle.events));
    assert.ok(Math.abs(idle.events[0]!.at - 2000) < 400, `closed ${idle.events[0]!.at} ms after the request`);
  } finally {
    clientKeepaliveTimeout.ms = saved;
  }
});

test('stopping the engine does not wait for clients in a lingering close or discarding a body', { timeout: 15_000 }, async () => {
  const e = await startEngine((p) => oneLocation(p, { path: '/ws/', proxyPass: 'http://127.0.0.1:1', websocket: true }));
  const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
  const trickle = { bytes: 'x', everyMs: 200, fromMs: 200, untilMs: 6000 };
  const clients = [
    clientTimeline(e.port, { send: `GET /none HTTP/1.1\r\nHost: a\r\n${upgrade}\r\n`, trickle, watchMs: 6000 }),
    clientTimeline(e.port, { send: 'POST /none HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n', trickle, watchMs: 6000 }),
    // (a handshake's body discarded after the engine's own 404, on a socket node handed over)
    clientTimeline(e.port, { send: `GET /none HTTP/1.1\r\nHost: a\r\n${upgrade}Content-Length: 60000\r\n\r\n`, trickle, watchMs: 6000 }),
  ];
  await sleep(800);
  const started = Date.now();
  await e.stop();
  assert.ok(Date.now() - started < 1000, `stopped in ${Date.now() - started} ms`);
  await Promise.all(clients);
});

test('a reload that removes the listen socket: a connection discarding a body gets the lingering close once it is in, a request behind it no answer', { timeout: 15_000 }, async () => {
  const [p1, p2] = await freePorts(2);
  const e = await startEngine(() => oneLocation(p1!, { path: '/x/', proxyPass: 'http://127.0.0.1:1' }));
  scope.defer(() => e.stop());
  const post = `POST /none HTTP/1.1\r\nHost: a\r\nContent-Length: 2048\r\n\r\n${'x'.repeat(1024)}`;
  const next = 'GET /none HTTP/1.1\r\nHost: a\r\n\r\n';
  // the rest of the body comes after the reload, the next request after it or in the same write
  const clients = [
    clientTimeline(p1!, { send: post, steps: [{ ms: 600, write: 'x'.repeat(1024) }, { ms: 900, write: next }], watchMs: 2500 }),
    clientTimeline(p1!, { send: post, steps: [{ ms: 600, write: 'x'.repeat(1024) + next }], watchMs: 2500 }),
  ];
  await sleep(300);
  assert.ok((await e.engine.apply(oneLocation(p2!, { path: '/x/', proxyPass: 'http://127.0.0.1:1' }))).ok);
  for (const view of await Promise.all(clients)) {
    assert.equal(statuses(view.got), '404', 'the request behind the body is not answered');
    assert.equal(view.events[0]?.what, 'fin', JSON.stringify(view.events));
    assert.ok(view.events[0]!.at > 500 && view.events[0]!.at < 1000, `FIN once the body is in, at ${view.events[0]!.at} ms`);
    assert.equal(view.wrote, view.writes, 'what the client sent after the body was read, no reset');
  }
});
