// What a session's view and HAR entry say beyond its frames: the status its handshake got, and the
// first protocol violation the frame tap saw. Real engine and peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { SwitchyardService } from '../../../main/service/service.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { rawExchange, startTcpServer, answered } from '../../helpers/upstreams.ts';
import { poll, sleep, until } from '../../helpers/wait.ts';
import type { ImportedHar, SessionView } from '../../../app/api/contract.ts';
import { value } from '../../helpers/service.ts';

const scope = testScope();
const HANDSHAKE = 'GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
/** A raw client's open session through the service's engine: its socket and the session id. */
async function rawSession(e: { port: number; engine: { liveSessions(): Array<{ id: number }> } }) {
  const sock = net.connect(e.port, '127.0.0.1');
  sock.on('error', () => {});
  scope.defer(async () => { sock.destroy(); });
  sock.write(HANDSHAKE);
  await until(() => e.engine.liveSessions().length === 1);
  return { sock, id: e.engine.liveSessions()[0]!.id };
}

async function serviceFor(upstreamPort: number) {
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${upstreamPort}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {} });
  scope.defer(async () => service.close());
  return { e, service };
}

test('a refused handshake keeps the status the client got, in the view and in HAR (with its status text; timings add up to time)', async () => {
  const up = await scope.http('up', (_req, res) => { res.writeHead(403, { 'Content-Type': 'text/plain' }); res.end('no'); });
  const { e, service } = await serviceFor(up.port);
  assert.match(await rawExchange(e.port, HANDSHAKE, { until: answered }), /^HTTP\/1\.1 403 /);
  const s = await poll(async () => value<SessionView[]>(await service.handle('sessions', {}))[0], (x) => x?.state === 'rejected');
  assert.equal(s?.status, 403);
  const entry = JSON.parse(value<string>(await service.handle('exportHar', {}))).log.entries[0];
  assert.deepEqual([entry.response.status, entry.response.statusText], [403, 'Forbidden']);
  assert.equal(entry.timings.send + entry.timings.wait + entry.timings.receive, entry.time);
  const back = value<ImportedHar>(await service.handle('importHar', { text: JSON.stringify({ log: { version: '1.2', creator: { name: 'x' }, entries: [entry] } }) }));
  assert.deepEqual([back.sessions[0]!.session.state, back.sessions[0]!.session.status], ['rejected', 403]);
});

test('a protocol violation marks the session (view, HAR, HAR import)', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  wss.on('connection', (ws) => ws.on('error', () => {}));
  scope.defer(async () => { for (const c of wss.clients) c.terminate(); await new Promise((r) => wss.close(r)); });
  const { e, service } = await serviceFor((wss.address() as net.AddressInfo).port);
  const { sock, id } = await rawSession(e);
  // a client frame without a mask (RFC 6455 §5.1: the server must fail the connection)
  sock.write(Buffer.concat([Buffer.from([0x81, 0x02]), Buffer.from('hi')]));
  const view = await poll(async () => value<{ session: SessionView }>(await service.handle('session', { id })).session, (v) => !!v.violation);
  assert.match(view?.violation ?? '', /^client: \S+: .*mask/i);
  assert.equal(view!.framesFromClient, 1, 'the unmasked frame went by: counted, though the tap reports no message for it');
  const har = value<string>(await service.handle('exportHar', { sessionIds: [id] }));
  assert.equal(JSON.parse(har).log.entries[0]._switchyard.violation, view!.violation);
  const back = value<ImportedHar>(await service.handle('importHar', { text: har }));
  assert.equal(back.sessions[0]!.session.violation, view!.violation);
});

/** A raw upstream that answers the handshake, keeps what it reads and never answers a Close frame,
 * a raw client's session to it through the engine, and what the upstream got so far. */
async function silentUpstreamSession() {
  let got = Buffer.alloc(0);
  const up = await startTcpServer((s) => {
    s.on('error', () => {});
    s.once('data', () => {
      s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
      s.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    });
  });
  scope.defer(up.close);
  const { e, service } = await serviceFor(up.port);
  const { sock, id } = await rawSession(e);
  return { service, sock, id, upstreamGot: () => got };
}
/** A client frame (FIN, opcode `op`) masked with the key 01 02 03 04. */
const masked = (op: number, payload: Buffer) => Buffer.concat([Buffer.from([0x80 | op, 0x80 | payload.length, 1, 2, 3, 4]), Buffer.from(payload.map((b, i) => b ^ [1, 2, 3, 4][i & 3]!))]);

test("what a peer sends after Switchyard's Close went its way is logged as not forwarded, and the other peer never gets it", async () => {
  const { service, sock, id, upstreamGot } = await silentUpstreamSession();
  sock.write(masked(1, Buffer.from('before')));
  await until(() => upstreamGot().length === 12);
  const closing = service.handle('closeSession', { id, code: 4001, reason: 'bye' });
  await sleep(50);
  // the client had not seen the Close yet: a late message, then its answer
  sock.write(Buffer.concat([masked(1, Buffer.from('late')), masked(8, Buffer.from([0x0f, 0xa1]))]));
  await sleep(100);
  const frames = value<{ frames: Array<{ from: string; opcode: string; preview: string; injected?: boolean; notForwarded?: boolean }> }>(await service.handle('session', { id })).frames;
  assert.deepEqual(frames.filter((f) => f.from === 'client').map((f) => [f.opcode, f.preview, f.injected === true, f.notForwarded === true]), [
    ['text', 'before', false, false], ['close', 'bye', true, false], ['text', 'late', false, true], ['close', '', false, true],
  ]);
  // the upstream got 'before' and Switchyard's Close (2 + 4 mask + 2 + 3 bytes), nothing of the client's after it
  assert.equal(upstreamGot().length, 12 + 11);
  value(await closing);
});

test("frames a peer sends in the same read as the end of the frame Switchyard's Close waited for are marked not forwarded (from the relay's switch, not the write's end)", async () => {
  const { service, sock, id, upstreamGot } = await silentUpstreamSession();
  const first = masked(1, Buffer.from('first'));
  sock.write(first.subarray(0, 8)); // inside a frame: the Close toward the upstream waits for its end
  await until(() => upstreamGot().length === 8);
  const closing = service.handle('closeSession', { id, code: 4001, reason: 'bye' });
  await sleep(30);
  // the frame's end and a late message in one write (one read): the Close goes in between them
  sock.write(Buffer.concat([first.subarray(8), masked(1, Buffer.from('late'))]));
  await until(() => upstreamGot().length === first.length + 11);
  type Row = { from: string; opcode: string; preview: string; injected?: boolean; notForwarded?: boolean };
  const read = async () => value<{ frames: Row[] }>(await service.handle('session', { id })).frames;
  const frames = await poll(read, (fs) => fs.filter((f) => f.from === 'client').length >= 3);
  assert.deepEqual(frames.filter((f) => f.from === 'client').map((f) => [f.opcode, f.preview, f.injected === true, f.notForwarded === true]), [
    ['text', 'first', false, false], ['close', 'bye', true, false], ['text', 'late', false, true],
  ]);
  sock.destroy();
  await closing;
});

test('an injected message is logged where it went in: after the frame it waited for, before a message that came in the same read', async () => {
  const { service, sock, id, upstreamGot } = await silentUpstreamSession();
  const first = masked(1, Buffer.from('first'));
  sock.write(first.subarray(0, 8)); // inside a frame: the injected message waits for its end
  await until(() => upstreamGot().length === 8);
  const injecting = service.handle('injectMessage', { id, direction: 'upstream', opcode: 'text', data: 'mine' });
  await sleep(30);
  // the frame's end and a late message in one write (one read): the injected message goes in between
  sock.write(Buffer.concat([first.subarray(8), masked(1, Buffer.from('late'))]));
  value(await injecting);
  type Row = { from: string; opcode: string; preview: string; injected?: boolean };
  const read = async () => value<{ frames: Row[] }>(await service.handle('session', { id })).frames;
  const frames = await poll(read, (fs) => fs.filter((f) => f.from === 'client').length >= 3);
  assert.deepEqual(frames.filter((f) => f.from === 'client').map((f) => [f.preview, f.injected === true]), [['first', false], ['mine', true], ['late', false]]);
  sock.destroy();
});
