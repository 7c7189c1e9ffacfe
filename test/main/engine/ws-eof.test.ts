// How an open WebSocket session ends when a peer sends EOF or goes quiet, as nginx 1.22 does it
// (ngx_http_upstream_process_upgraded): either peer's FIN passes what that peer sent, then both
// connections close and the other direction is not relayed further; proxy_read_timeout counts
// from the last event on either connection, also while writes to an upstream that stopped reading
// stay queued. Raw TCP peers on loopback, so every byte and every FIN is seen as it happens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { encodeFrame } from '../../../main/engine/ws-frames.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { startTcpServer } from '../../helpers/upstreams.ts';
import { sleep, until } from '../../helpers/wait.ts';

const scope = testScope();

const HANDSHAKE = 'GET /ws HTTP/1.1\r\nHost: eof.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const ANSWER = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

/** What one side of a connection saw: bytes after the head, whether a FIN came, whether it closed, its errors. */
interface Seen { bytes: Buffer; fin: boolean; closed: boolean; errors: string[] }

function watch(s: net.Socket, skipHead: boolean): Seen {
  const seen: Seen = { bytes: Buffer.alloc(0), fin: false, closed: false, errors: [] };
  let head = skipHead;
  s.on('data', (d: Buffer) => {
    let chunk = d;
    if (head) {
      const all = Buffer.concat([seen.bytes, d]);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) { seen.bytes = all; return; }
      head = false;
      seen.bytes = Buffer.alloc(0);
      chunk = all.subarray(end + 4);
    }
    seen.bytes = Buffer.concat([seen.bytes, chunk]);
  });
  s.on('end', () => (seen.fin = true));
  s.on('error', (e: NodeJS.ErrnoException) => seen.errors.push(e.code ?? e.message));
  s.on('close', () => (seen.closed = true));
  return seen;
}

/** An upstream answering the handshake with a 101; `onSession` gets each upgraded connection (which
 * stays open for writing after a FIN from the proxy, as a server's may). */
async function upstream(onSession: (s: net.Socket, seen: Seen) => void): Promise<number> {
  const server = await startTcpServer((s) => {
    let got = '';
    const onHead = (d: Buffer) => {
      got += d.toString('latin1');
      if (!got.includes('\r\n\r\n')) return;
      s.off('data', onHead);
      const seen = watch(s, false);
      const rest = Buffer.from(got.slice(got.indexOf('\r\n\r\n') + 4), 'latin1');
      if (rest.length) seen.bytes = rest;
      s.write(ANSWER);
      onSession(s, seen);
    };
    s.on('data', onHead);
    s.on('error', () => {});
  }, { allowHalfOpen: true });
  scope.defer(server.close);
  return server.port;
}

/** A client through the engine to `upPort`; `halfOpen`: it may go on writing after the proxy's FIN. */
async function session(upPort: number, extra: Record<string, unknown> = {}, halfOpen = false): Promise<{ client: net.Socket; seen: Seen }> {
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${upPort}`, ...extra }));
  const client = net.connect({ port: e.port, host: '127.0.0.1', allowHalfOpen: halfOpen });
  const seen = watch(client, true);
  client.write(HANDSHAKE);
  await until(() => seen.fin || seen.closed || client.bytesRead > 0);
  return { client, seen };
}

test("the client's FIN after its Close frame: the upstream gets the frame and EOF, and both connections close (nothing more reaches the client)", async () => {
  let up!: { s: net.Socket; seen: Seen };
  const port = await upstream((s, seen) => {
    up = { s, seen };
    // the upstream answers the close frame a little later, as a server does, and then writes on
    s.once('data', () => {
      setTimeout(() => { if (!s.destroyed) s.write(encodeFrame(8, Buffer.from([0x03, 0xe8]), false)); }, 50);
      setTimeout(() => { if (!s.destroyed) s.write(encodeFrame(1, Buffer.from('anyone?'), false)); }, 300);
    });
  });
  const { client, seen } = await session(port);
  await until(() => up !== undefined);
  const close = encodeFrame(8, Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]), true);
  client.end(close);
  // the proxy has closed the upstream connection: the upstream's writes after its EOF fail
  await until(() => seen.closed && up.seen.closed, 5000);
  assert.deepEqual(up.seen.bytes, close, 'the close frame reached the upstream before its EOF');
  assert.ok(up.seen.fin, 'the upstream got EOF');
  assert.ok(up.seen.errors.some((c) => c === 'EPIPE' || c === 'ECONNRESET'), `the upstream's late writes failed (${up.seen.errors.join(', ')})`);
  assert.equal(seen.bytes.length, 0, "the upstream's late close frame is not relayed (nginx has closed by then)");
  assert.ok(seen.fin, 'the client got FIN');
});

test("the upstream's FIN: the client gets what was sent and FIN, its later frames go nowhere, and both connections close", async () => {
  let up!: { s: net.Socket; seen: Seen };
  const last = encodeFrame(1, Buffer.from('last words'), false);
  const port = await upstream((s, seen) => {
    up = { s, seen };
    s.end(last);
  });
  const { client, seen } = await session(port);
  await until(() => seen.fin, 5000);
  assert.deepEqual(seen.bytes, last);
  client.on('error', () => {});
  if (!client.destroyed) client.write(encodeFrame(1, Buffer.from('too late'), true));
  await until(() => seen.closed && up.seen.closed, 5000);
  assert.equal(up.seen.bytes.length, 0, 'nothing reached the upstream after its FIN');
});

test('proxy_read_timeout toward an upstream that stopped reading while the client keeps sending: the session ends one timeout after the last event, not two', { timeout: 30_000 }, async () => {
  const port = await upstream((s) => s.pause());
  const { client, seen } = await session(port, { proxyReadTimeout: '1s', proxySendTimeout: '30s' });
  // the client writes until everything on the way is full; the last write taken marks the last event
  const chunk = encodeFrame(2, Buffer.alloc(64 * 1024, 7), true);
  let lastTaken = Date.now();
  client.on('error', () => {});
  const pump = () => { while (!client.destroyed && client.write(chunk)) lastTaken = Date.now(); };
  client.on('drain', () => { lastTaken = Date.now(); pump(); });
  pump();
  await until(() => seen.closed || seen.fin, 10_000);
  const after = Date.now() - lastTaken;
  assert.ok(after >= 800 && after < 1700, `the session ended ${after} ms after the client's last accepted write (proxy_read_timeout 1s)`);
  // as nginx: a FIN, and what the client still sends is read and dropped, not answered by a reset
  assert.ok(seen.fin, 'the client got FIN');
  // (this client ends its side on the FIN after flushing what it had queued: the proxy takes that)
  await until(() => seen.closed, 5000);
  assert.deepEqual(seen.errors, [], 'no reset');
});

test('a quiet session still ends at proxy_read_timeout, and traffic either way keeps it', { timeout: 15_000 }, async () => {
  const port = await upstream((s) => s.on('data', () => {}));
  const { client, seen } = await session(port, { proxyReadTimeout: '1s' });
  client.on('error', () => {});
  for (let i = 0; i < 6; i++) {
    await sleep(300);
    client.write(encodeFrame(1, Buffer.from(`tick ${i}`), true));
  }
  assert.equal(seen.closed, false, 'client traffic every 300 ms keeps the session');
  const quietFrom = Date.now();
  await until(() => seen.closed, 5000);
  const quiet = Date.now() - quietFrom;
  assert.ok(quiet >= 900 && quiet < 1600, `closed ${quiet} ms after the last frame`);
});

/** Write a frame now and then until the socket fails; resolves with the error code (or 'none' after `ms`). */
async function sendsUntilReset(client: net.Socket, ms: number): Promise<string> {
  const errors: string[] = [];
  client.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
  const until = Date.now() + ms;
  while (errors.length === 0 && !client.destroyed && Date.now() < until) {
    client.write(encodeFrame(1, Buffer.from('still here'), true));
    await sleep(100);
  }
  return errors[0] ?? (client.destroyed ? 'destroyed' : 'none');
}

test("after the upstream's FIN the client connection is closed, not read on: what the client sends next is answered with a reset, as from nginx", async () => {
  const port = await upstream((s) => s.end(encodeFrame(1, Buffer.from('bye'), false)));
  const { client, seen } = await session(port, {}, true);
  await until(() => seen.fin, 5000);
  // (nginx finalizes the upgraded request and closes the socket: no lingering close with nothing unread)
  assert.match(await sendsUntilReset(client, 2000), /ECONNRESET|EPIPE/);
});

test('after proxy_read_timeout on a quiet session the client connection is closed, not read on, as from nginx', { timeout: 15_000 }, async () => {
  const port = await upstream((s) => s.on('data', () => {}));
  const { client, seen } = await session(port, { proxyReadTimeout: '500ms' }, true);
  await until(() => seen.fin, 5000);
  assert.deepEqual(seen.bytes, Buffer.alloc(0));
  assert.match(await sendsUntilReset(client, 2000), /ECONNRESET|EPIPE/);
});

test('proxy_send_timeout toward an upstream that stopped reading restarts on every event of the session, as nginx re-arms it: an upstream still sending keeps the session', { timeout: 30_000 }, async () => {
  let ticking: NodeJS.Timeout | null = null;
  const port = await upstream((s) => {
    s.pause();
    ticking = setInterval(() => s.write(encodeFrame(1, Buffer.from('tick'), false)), 200);
  });
  scope.defer(async () => { if (ticking) clearInterval(ticking); });
  const { client, seen } = await session(port, { proxySendTimeout: '600ms', proxyReadTimeout: '60s' });
  client.on('error', () => {});
  const chunk = encodeFrame(2, Buffer.alloc(64 * 1024, 7), true);
  const pump = () => { while (!client.destroyed && client.writableLength < 4 * 1024 * 1024 && client.write(chunk)); };
  client.on('drain', pump);
  pump();
  await sleep(3000); // five send timeouts with the upstream taking nothing, but sending
  assert.equal(seen.fin || seen.closed, false, 'the session lasts while the upstream sends');
  assert.ok(seen.bytes.length > 0, 'its frames reach the client');
  clearInterval(ticking!);
  const quietFrom = Date.now();
  await until(() => seen.fin || seen.closed, 5000);
  const quiet = Date.now() - quietFrom;
  assert.ok(quiet >= 400 && quiet < 1600, `ended ${quiet} ms after the upstream's last frame (proxy_send_timeout 600ms)`);
});

test('send_timeout toward a client that stopped reading restarts on every event too: a client still sending keeps the session', { timeout: 30_000 }, async () => {
  const { clientSendTimeout } = await import('../../../main/engine/client-timeouts.ts');
  const saved = clientSendTimeout.ms;
  clientSendTimeout.ms = 600;
  scope.defer(async () => { clientSendTimeout.ms = saved; });
  const chunk = encodeFrame(2, Buffer.alloc(64 * 1024, 7), false);
  const port = await upstream((s) => {
    s.on('error', () => {});
    const pump = () => { while (!s.destroyed && s.writableLength < 4 * 1024 * 1024 && s.write(chunk)); };
    s.on('drain', pump);
    pump();
  });
  const { client, seen } = await session(port, { proxyReadTimeout: '60s' });
  client.pause();
  client.on('error', () => {});
  const ticking = setInterval(() => client.write(encodeFrame(1, Buffer.from('tick'), true)), 200);
  scope.defer(async () => clearInterval(ticking));
  await sleep(3000);
  assert.equal(seen.fin || seen.closed, false, 'the session lasts while the client sends');
  clearInterval(ticking);
  await sleep(1500);
  // a quiet client that still reads nothing was dropped meanwhile: reading again, it finds the end
  // of the connection (while the session lasted, the upstream's flood would go on and on)
  client.resume();
  await until(() => seen.closed, 5000);
});
