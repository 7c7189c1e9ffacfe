// aiohttp (Debian's python3-aiohttp) as the upstream, its WebSocket and HTTP server, and as a
// client, with websocket-client (python3-websocket, synchronous, no deflate) as a second client:
// each client's battery (test/fixtures/python/aiohttp_peer_client.py, wsclient_peer.py) runs
// through real nginx running the exported config and through the engine with inspection on, and
// what the peers saw must be the same: handshakes with subprotocols, deflate and Host with and without
// a port, 1 MB+ and fragmented messages, pings both ways, closes and aborts from either side, refused
// upgrades, the read timeout and a heartbeat that beats it, deflate window bits 9, chunked and
// 100-continue uploads, HEAD, keep-alive and large heads; and the engine's frame tap must read
// every frame of theirs (test/parity/python-batteries.ts runs them; more-peers-explore.ts runs
// tornado's client and server too).
// Needs Debian's nginx, python3-aiohttp and python3-websocket; fails without any of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionDetail } from '../../app/api/contract.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withNginx } from './harness.ts';
import { withInspectedEngine } from './inspected-engine.ts';
import { freePorts } from '../helpers/ports.ts';
import { batteryModel, runBattery, startPeerServer, type BatteryResult } from './python-batteries.ts';

/** The WebSocket sessions each client's battery opens (the proxy's own 400 to a too large head opens none). */
const SESSIONS = { aiohttp: 14, wsclient: 10 };
type Client = keyof typeof SESSIONS;

let server: Awaited<ReturnType<typeof startPeerServer>> | undefined;
const got: Record<Client, Partial<Record<'nginx' | 'engine', BatteryResult>>> = { aiohttp: {}, wsclient: {} };
const inspected: Partial<Record<Client, SessionDetail[]>> = {};

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  server = await startPeerServer('aiohttp');
  const up = server.port;
  for (const client of Object.keys(SESSIONS) as Client[]) {
    const [pN, pE] = await freePorts(2);
    got[client].nginx = await withNginx(batteryModel(pN!, up), pN!, () => runBattery(client, pN!, up));
    const engine = await withInspectedEngine(batteryModel(pE!, up), SESSIONS[client], () => runBattery(client, pE!, up));
    got[client].engine = engine.result;
    inspected[client] = engine.inspected;
  }
});

after(() => { server?.stop(); });

test('aiohttp client: the same WebSocket and HTTP answers through nginx and the engine', () => {
  for (const who of ['nginx', 'engine'] as const) {
    const r = got.aiohttp[who]!;
    const seen = { origin: 'http://origin.test', xff: '127.0.0.1', offered: 'permessage-deflate; client_max_window_bits', protocols: 'chat.v2,chat.v1', version: '13', path: '/ws?id=hs' };
    assert.deepEqual(r['hs-noport'], { protocol: 'chat.v1', extensions: 'permessage-deflate', server: { host: 'peer.test', httphost: 'peer.test', ...seen } }, who);
    assert.deepEqual(r['hs-port'], { protocol: 'chat.v1', extensions: 'permessage-deflate', server: { host: 'peer.test', httphost: 'peer.test:8080', ...seen } }, `${who}: $host drops the port, $http_host keeps it`);
    assert.deepEqual(r.echoes, { text: true, binary: true, long: true, big: true, 'server-big': true, pong: ['PONG', 'cp'], 'server-ping': ['PING', 'sp'], 'pong-seen': 'pong-seen', close: 1000 }, who);
    assert.deepEqual(r['server-close'], ['CLOSE', 4002, 'server says bye', 4002], `${who}: the server's close code and reason`);
    assert.deepEqual(r['server-abort'], ['CLOSED', 1006], `${who}: the server's abort ends the client's connection`);
    assert.deepEqual([r['refuse-403'], r['refuse-200']], [403, 200], `${who}: refused upgrades`);
    assert.deepEqual(r.idle, ['CLOSED', 1006, '1s'], `${who}: the 1 s read timeout ends an idle session`);
    assert.equal(r.heartbeat, 'still here', `${who}: pings every 0.3 s keep it open`);
    assert.deepEqual(r['deflate-9'], ['permessage-deflate; server_max_window_bits=9', true], who);
    assert.deepEqual(r['chunked-post'], [200, { method: 'POST', length: 210_000, te: null, expect: null, big: 0 }], `${who}: a chunked upload goes up sized`);
    assert.deepEqual(r.expect100, [200, { method: 'POST', length: 5000, te: null, expect: null, big: 0 }], `${who}: 100-continue`);
    assert.deepEqual([r['expect100-413'], r['post-413']], [413, 413], `${who}: over client_max_body_size`);
    assert.deepEqual(r['head-chunked'], { status: 200, te: null, cl: null, body: 0 }, who);
    assert.deepEqual(r['chunked-get'], { status: 200, te: 'chunked', cl: null, body: 35_000 }, who);
    assert.equal(r['keepalive-conns'], 1, `${who}: three requests on one connection`);
    assert.deepEqual([r['header-7000'], r['header-9000'], r['ws-header-7000'], r['ws-header-9000']], [[200, 7000], [400, null], 'opened', 400], `${who}: large request heads`);
    assert.deepEqual([r['answer-head-3000'], r['answer-head-5000']], [[200, 'vvv'], [502, '']], `${who}: an answer head over proxy_buffer_size`);
    const log = r.log as Array<{ id: string; how: string; code: number | null }>;
    assert.deepEqual(log.filter((e) => e.id.includes('-')).map((e) => [e.id, e.how, e.code]), [
      ['c-abort', 'other:CLOSED', 1006], ['c-close', 'client-close', 4001], ['s-abort', 'server-abort', null], ['s-close', 'server-close', 1000],
    ], `${who}: what the server saw of closes and aborts`);
  }
  assert.deepEqual(got.aiohttp.engine, got.aiohttp.nginx);
});

test('websocket-client: the same handshake, fragmented message, closes and aborts through nginx and the engine', () => {
  for (const who of ['nginx', 'engine'] as const) {
    const r = got.wsclient[who]!;
    assert.deepEqual(r['hs-port'], { protocol: 'chat.v1', extensions: null, server: { host: 'peer.test', httphost: 'peer.test:8080', origin: 'http://origin.test', xff: '127.0.0.1', offered: null, protocols: 'chat.v2,chat.v1', version: '13', path: '/ws?id=hs' } }, who);
    assert.deepEqual(r.echoes, { text: true, binary: true, long: true, big: true, 'mid-pong': [10, 'mid'], fragmented: 'frag1-frag2-frag3', 'server-ping': [9, 'sp'], 'pong-seen': 'pong-seen' }, who);
    assert.deepEqual(r['client-close'], [8, 1000, ''], `${who}: the server's answer to 4001 "bye"`);
    assert.deepEqual(r['server-close'], [8, 4002, 'server says bye'], who);
    assert.deepEqual([r['server-abort'], r.idle], [['WebSocketConnectionClosedException'], ['WebSocketConnectionClosedException', '1s']], who);
    const log = r.log as Array<{ id: string; how: string; code: number | null }>;
    assert.deepEqual(log.find((e) => e.id === 'c-abort'), { id: 'c-abort', how: 'other:CLOSED', code: 1006, reason: null }, `${who}: the client's reset reaches the server`);
  }
  assert.deepEqual(got.wsclient.engine, got.wsclient.nginx);
});

test('the frame tap reads aiohttp\'s and websocket-client\'s frames: compressed, 1 MB+, fragmented, closes', () => {
  for (const client of Object.keys(SESSIONS) as Client[]) {
    const sessions = inspected[client]!;
    const at = (url: string) => sessions.find((d) => d.session.url === url)!;
    for (const d of sessions) {
      assert.equal(d.session.violation, undefined, `${client} ${d.session.url}: ${d.session.violation}`);
      assert.deepEqual((d.frames ?? []).filter((f) => f.decodeError !== undefined).map((f) => f.decodeError), [], `${client} ${d.session.url}: every message inflated`);
    }
    const echo = at('/ws?id=echo').frames!;
    for (const from of ['client', 'upstream'] as const) {
      const long = echo.find((f) => f.from === from && f.opcode === 'text' && f.length === 1_400_000);
      assert.ok(long && long.preview.startsWith('üüü'), `${client} ${from}: the 1.4 MB text`);
      assert.equal(long.wireLength !== undefined && long.wireLength < 10_000, client === 'aiohttp', `${client} ${from}: compressed only where deflate was agreed (${long.wireLength})`);
      assert.ok(echo.some((f) => f.from === from && f.opcode === 'binary' && f.length === 2 * 1024 * 1024), `${client} ${from}: the 2 MiB binary`);
    }
    if (client === 'aiohttp') {
      assert.ok(echo.some((f) => f.from === 'upstream' && f.opcode === 'binary' && f.length === 3_000_000), 'the server\'s 3 MB message');
      const dv = sessions.filter((d) => d.session.url === '/ws?id=dv');
      assert.equal(dv[0]!.session.extensions, 'permessage-deflate; server_max_window_bits=9');
      assert.equal(dv[0]!.frames!.filter((f) => f.opcode === 'text' || f.opcode === 'binary').length, 42, 'window bits 9: every message inflated');
    } else {
      const sent = echo.filter((f) => f.from === 'client');
      const i = sent.findIndex((f) => f.opcode === 'text' && f.preview === 'frag1-frag2-frag3');
      assert.ok(i > 0 && sent[i - 1]!.opcode === 'ping' && sent[i - 1]!.preview === 'mid', 'the fragmented message as one, after the ping sent between its fragments');
    }
    assert.deepEqual(at('/ws?id=c-close').session.closeFrame, { from: 'client', code: 4001, reason: 'bye' }, client);
    assert.deepEqual(at('/ws?id=s-close').session.closeFrame, { from: 'upstream', code: 4002, reason: 'server says bye' }, client);
    assert.deepEqual(['c-abort', 's-abort', 'idle'].map((id) => at(`/${id === 'idle' ? 'idle' : 'ws'}?id=${id}`).session).map((s) => [s.closedBy, s.closeFrame]),
      [['client', null], ['upstream', null], ['proxy', null]], `${client}: aborts and the read timeout`);
    assert.deepEqual([403, 200].map((c) => [at(`/ws?refuse=${c}`).session.state, at(`/ws?refuse=${c}`).session.status]), [['rejected', 403], ['rejected', 200]], client);
  }
});
