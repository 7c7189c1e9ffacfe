// What the long-running parts hold after churn: short WebSocket sessions (closed, reset by either
// side, refused), HTTP exchanges (keepalive and not, an upstream that resets, a dead upstream, a
// client that leaves mid-body), applies of changing configs and feed pages that vanish without a
// close. Everything per connection, session, exchange, apply or page must go with it (counted in
// the engine's and service's structures, listeners and handles), and the logs stay within their
// caps. The soak with the README's numbers is bench/leak-soak.ts (not part of npm test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { Engine } from '../../../main/engine/engine.ts';
import { SwitchyardService } from '../../../main/service/service.ts';
import { startWebHost } from '../../../main/web/host.ts';
import { freePort } from '../../helpers/ports.ts';
import { startHttpUpstream, startWsUpstream } from '../../helpers/upstreams.ts';
import { testScope } from '../../helpers/scope.ts';
import { until } from '../../helpers/wait.ts';

const scope = testScope();
const LIMITS = { closedSessions: 10, exchanges: 20, logs: 15 };

/** Counts of what the engine, service and host hold per connection, session, exchange or page. */
function holdings(engine: Engine, service: SwitchyardService) {
  const internals = engine as unknown as { listenerSet: { retired: Map<unknown, unknown>; entries: Map<unknown, unknown> } };
  const watch = (service as unknown as { watch: { taps: Map<unknown, unknown>; draining: Map<unknown, unknown>; frameBuffers: Map<unknown, unknown> } }).watch;
  return {
    live: engine.liveSessions().length,
    engineListeners: engine.eventNames().map((n) => `${String(n)}:${engine.listenerCount(n)}`).join(' '),
    listenSockets: internals.listenerSet.entries.size,
    retiredListenSockets: internals.listenerSet.retired.size,
    taps: watch.taps.size,
    draining: watch.draining.size,
    frameBuffers: watch.frameBuffers.size,
    captureRoomHeld: service.traffic.payloads.reserved,
    feedSubscribers: service.feed.subscriberCount,
    feedQueued: service.feed.queuedBytes,
  };
}

test('sessions, exchanges, applies and vanishing feed pages leave nothing behind but the capped logs', { timeout: 60_000 }, async () => {
  const ws = await startWsUpstream('u');
  scope.defer(ws.close);
  const http = await startHttpUpstream('h', (req, res) => {
    if (req.url === '/reset') return void req.socket.destroy();
    res.end('x'.repeat(req.url === '/big' ? 100_000 : 10));
  });
  scope.defer(http.close);
  const port = await freePort();
  const config = (n: number) => ({
    schemaVersion: 1,
    upstreams: [{ name: `pool${n % 3}`, keepalive: 4, servers: [{ address: `127.0.0.1:${http.port}` }] }],
    servers: [{
      listen: [{ address: `127.0.0.1:${port}` }],
      locations: [
        { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${ws.port}` },
        { path: '/refused', websocket: true, proxyPass: 'http://127.0.0.1:1' },
        { path: '/dead', proxyPass: 'http://127.0.0.1:1' },
        { path: '/', proxyPass: `http://pool${n % 3}`, proxySetHeader: [{ name: 'X-N', value: String(n) }] },
      ],
    }],
  });
  const engine = new Engine();
  scope.defer(() => engine.stop());
  assert.ok((await engine.apply(config(0))).ok);
  const service = await SwitchyardService.create(engine, { initialDraft: config(0), initialApplied: true, limits: LIMITS });
  scope.defer(async () => service.close());
  const host = await startWebHost({ service, rendererDir: '/nonexistent' });
  scope.defer(() => host.close());
  const baseline = holdings(engine, service);

  // WebSocket sessions: closed, reset by the client, ended by the upstream, refused (502: no upstream)
  for (let i = 0; i < 40; i++) {
    const kind = i % 4;
    const c = new WebSocket(`ws://127.0.0.1:${port}${kind === 3 ? '/refused' : '/ws'}`);
    c.on('error', () => {});
    c.on('unexpected-response', (_req, res) => { res.resume(); c.terminate(); });
    await new Promise<void>((done) => {
      c.once('close', () => done());
      c.once('open', () => {
        c.send(`m${i}`);
        c.once('message', () => {
          if (kind === 0) c.close(1000);
          else if (kind === 1) c.terminate();
          else for (const u of ws.wss.clients) u.terminate();
        });
      });
    });
  }
  // HTTP exchanges: keepalive and not, an upstream reset, a dead upstream, a client gone mid-body
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  scope.defer(async () => agent.destroy());
  for (let i = 0; i < 60; i++) {
    const path = ['/ok', '/reset', '/dead', '/big', '/ok'][i % 5]!;
    if (i % 10 === 9) {
      await new Promise<void>((done) => {
        const s = connect(port, '127.0.0.1', () => { s.write('POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc'); setTimeout(() => s.resetAndDestroy(), 5); });
        s.on('error', () => {});
        s.on('close', () => done());
      });
      continue;
    }
    await new Promise<void>((done) => {
      const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: i % 2 ? agent : false }, (res) => { res.resume(); res.on('end', done); res.on('error', () => done()); });
      req.on('error', () => done());
      req.end('body');
    });
  }
  // applies of changing configs (another upstream group each time, the old pools retired)
  for (let n = 1; n <= 30; n++) assert.ok((await service.handle('apply', { draft: config(n) })).ok);
  // feed pages that vanish without a close, some of them having stopped reading
  for (let i = 0; i < 20; i++) {
    const s = connect(host.port, '127.0.0.1');
    s.on('error', () => {});
    await new Promise((r) => s.once('connect', r));
    s.write(`GET /feed HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.from(String(i).padStart(16, '0')).toString('base64')}\r\nSec-WebSocket-Protocol: switchyard, token.${host.token}\r\n\r\n`);
    await new Promise((r) => s.once('data', r));
    if (i % 2) s.pause();
    if (i % 3) s.resetAndDestroy();
    else s.destroy();
  }

  await until(() => JSON.stringify(holdings(engine, service)) === JSON.stringify(baseline), 10_000).catch(() => {});
  assert.deepEqual(holdings(engine, service), baseline);
  const sessions = (await service.handle('sessions', {})) as { value: unknown[] };
  const exchanges = (await service.handle('exchanges', {})) as { value: unknown[] };
  const logs = (await service.handle('logs', {})) as { value: unknown[] };
  assert.ok(sessions.value.length <= LIMITS.closedSessions, `${sessions.value.length} sessions kept`);
  assert.ok(exchanges.value.length <= LIMITS.exchanges, `${exchanges.value.length} exchanges kept`);
  assert.ok(logs.value.length <= LIMITS.logs, `${logs.value.length} log entries kept`);
});
