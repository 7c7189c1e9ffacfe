// What the engine says of upgrades nginx forwards as plain requests or answers without a session:
// the log line names the real reason, and the session record says what the upstream answered and
// when the session's request came in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { SessionRecord } from '../../../main/engine/events.ts';
import { until } from '../../helpers/wait.ts';
import { rawExchange, header, answered } from '../../helpers/upstreams.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';

const scope = testScope();
const KEY = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
const UPGRADE = `GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${KEY}\r\n`;

/** An engine in front of a raw upstream that answers each connection's first bytes with `answer`. */
async function engineBefore(answer: (s: net.Socket) => void) {
  const up = net.createServer((s) => s.once('data', () => answer(s)));
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  scope.defer(async () => { up.close(); });
  const port = (up.address() as net.AddressInfo).port;
  return scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${port}` }));
}

test('an empty first Upgrade line on a WebSocket route: forwarded as plain HTTP, and the log says why (not "without WebSocket")', async () => {
  const u = await scope.ws('u');
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${u.port}` }));
  const got = await rawExchange(e.port, `GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: \r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${KEY}\r\n`, { until: answered });
  assert.match(got, /^HTTP\/1\.1 200 /, 'the upstream saw a plain request and answered it');
  assert.equal(header(u.seen.at(-1)!, 'upgrade'), undefined);
  const line = e.logs.find((l) => l.code === 'upgrade_header_empty');
  assert.ok(line, JSON.stringify(e.logs));
  assert.match(line.message, /empty first Upgrade header/);
  assert.ok(!e.logs.some((l) => l.code === 'upgrade_without_websocket'));
});

test('a 101 without Upgrade and Connection headers: the record says so (not "101 instead of 101")', async () => {
  const e = await engineBefore((s) => s.end('HTTP/1.1 101 Switching Protocols\r\n\r\n'));
  const closed: SessionRecord[] = [];
  e.engine.on('session-close', (s) => closed.push(s));
  await rawExchange(e.port, UPGRADE, { until: answered });
  await until(() => closed.length === 1, 5000);
  assert.equal(closed[0]!.status, 101);
  assert.equal(closed[0]!.closeReason, 'upstream answered 101 without Upgrade and Connection: upgrade');
});

test("a session's openedAt is when its request came in: the wait for a slow upstream's 101 is part of it", async () => {
  const e = await engineBefore((s) => setTimeout(() => s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n'), 500));
  const opened: SessionRecord[] = [];
  e.engine.on('session-open', (s) => opened.push(s));
  const sent = Date.now();
  const got = await rawExchange(e.port, UPGRADE, { until: (s) => s.includes('\r\n\r\n') });
  assert.match(got, /^HTTP\/1\.1 101 /);
  await until(() => opened.length === 1);
  assert.ok(opened[0]!.openedAt - sent < 200, `openedAt ${opened[0]!.openedAt - sent} ms after the request`);
});

test('an upgrade that fails after the upstream sent part of its answer records the bytes it read', async () => {
  const partial = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: web'; // then the upstream closes
  const e = await engineBefore((s) => s.end(partial));
  const closed: SessionRecord[] = [];
  e.engine.on('session-close', (s) => closed.push(s));
  assert.match(await rawExchange(e.port, UPGRADE, { until: answered }), /^HTTP\/1\.1 502 /);
  await until(() => closed.length === 1, 5000);
  assert.equal(closed[0]!.state, 'rejected');
  assert.equal(closed[0]!.bytesFromUpstream, Buffer.byteLength(partial));
  assert.equal(closed[0]!.bytesFromClient, Buffer.byteLength(UPGRADE));
});

/** The engine's own sockets to the client whose end is at `clientPort` (a TCP connection still open on its side). */
const engineSockets = (enginePort: number, clientPort: number) =>
  (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().filter((h) => h instanceof net.Socket && h.localPort === enginePort && h.remotePort === clientPort).length;

for (const [what, answer] of [
  ['refuses it (426)', (s: net.Socket) => setTimeout(() => s.end('HTTP/1.1 426 Upgrade Required\r\nContent-Length: 2\r\n\r\nno'), 200)],
  ['closes without an answer (502)', (s: net.Socket) => setTimeout(() => s.destroy(), 200)],
] as const) {
  test(`a client that sent more than the early-bytes limit behind its handshake, then leaves after the upstream ${what}: its connection closes`, { timeout: 30_000 }, async () => {
    const e = await engineBefore(answer);
    const c = net.connect({ port: e.port, host: '127.0.0.1', allowHalfOpen: true });
    c.on('error', () => {});
    await new Promise((r) => c.once('connect', r));
    const clientPort = c.localPort!;
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString('latin1')));
    const ended = new Promise((r) => c.once('end', r));
    // 150 KB of frames right behind the head: past EARLY_BYTES_LIMIT, so the engine stops reading
    c.write(Buffer.concat([Buffer.from(UPGRADE, 'latin1'), Buffer.alloc(150_000, 0x82)]));
    await ended;
    assert.match(got, /^HTTP\/1\.1 (426|502) /);
    c.end();
    // the engine reads the client's FIN and closes its socket (it stayed half-open for good)
    await until(() => engineSockets(e.port, clientPort) === 0);
    c.destroy();
  });
}

/** A head's header lines as [name, value, …]. */
const headLines = (head: string) => head.split('\r\n').slice(1).flatMap((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]);

test('a session\'s response headers are the lines the client got: of a refusal and of a 101 (not the upstream\'s as they came)', async () => {
  const e = await engineBefore((s) => s.write('HTTP/1.1 403 Forbidden\r\nKeep-Alive: timeout=5\r\nX-Why: no\r\nContent-Length: 2\r\n\r\nno'));
  const seen: SessionRecord[] = [];
  e.engine.on('session-close', (r) => seen.push(r));
  const refused = await rawExchange(e.port, UPGRADE, { until: answered });
  await until(() => seen.length === 1);
  const lines = headLines(refused.slice(0, refused.indexOf('\r\n\r\n')));
  assert.deepEqual(seen[0]!.responseHeaders, lines);
  assert.ok(lines.includes('X-Why') && lines.includes('Date') && !lines.includes('Keep-Alive'), lines.join(', '));

  const u = await scope.ws('u');
  const ws = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${u.port}` }));
  const opened: SessionRecord[] = [];
  ws.engine.on('session-open', (r) => opened.push(r));
  const switched = await rawExchange(ws.port, UPGRADE, { until: (g) => g.includes('\r\n\r\n') });
  await until(() => opened.length === 1);
  const head = headLines(switched.slice(0, switched.indexOf('\r\n\r\n')));
  assert.deepEqual(opened[0]!.responseHeaders, head);
  assert.deepEqual(head.slice(0, 4), ['Date', head[1], 'Connection', 'upgrade']);
  assert.ok(head.includes('Sec-WebSocket-Accept'), head.join(', '));
});
