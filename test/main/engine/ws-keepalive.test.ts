// A WebSocket handshake to a group with `keepalive N` goes on an idle cached connection to its peer
// when there is one, as any request of the group in nginx (failover parity has the connection
// order, test/parity/failover.test.ts): that connection is then the session's, never cached again,
// and the session's record counts only its own bytes on it, not the answers it carried before; a
// refused handshake's connection goes back to the cache, as many times as it comes out of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { SessionRecord } from '../../../app/engine/records.ts';
import type { ConfigInput } from '../../../app/config/schema.ts';
import { testScope } from '../../helpers/scope.ts';
import { sleep, until } from '../../helpers/wait.ts';

const UPGRADE = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

const scope = testScope();

/** Group g (keepalive 4) at 127.0.0.1:`up`: plain requests at / keep their connections, handshakes at /ws. */
const keptAndUpgraded = (up: number) => (port: number): ConfigInput => ({
  schemaVersion: 1,
  upstreams: [{ name: 'g', keepalive: 4, servers: [{ address: `127.0.0.1:${up}` }] }],
  servers: [{
    listen: [{ address: `127.0.0.1:${port}` }],
    locations: [
      { path: '/', proxyPass: 'http://g', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] },
      { path: '/ws', websocket: true, proxyPass: 'http://g' },
    ],
  }],
});

test('a handshake takes the idle keepalive connection and keeps it; the session counts its own bytes on it', async () => {
  // the upstream names the connection of each plain request and each handshake ('GET …#N', 'WS …#N')
  const seen: string[] = [];
  const conns = new Map<number, number>();
  const conn = (port: number) => conns.get(port) ?? conns.set(port, conns.size).get(port)!;
  const server = http.createServer((req, res) => { seen.push(`GET ${req.url}#${conn(req.socket.remotePort!)}`); res.end('plain answer'); });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    seen.push(`WS ${req.url}#${conn(req.socket.remotePort!)}`);
    ws.on('message', (d) => ws.send(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  scope.defer(async () => { for (const c of wss.clients) c.terminate(); await new Promise((r) => server.close(r)); });
  const up = (server.address() as AddressInfo).port;
  const e = await scope.engine(keptAndUpgraded(up));
  const sessions: SessionRecord[] = [];
  e.engine.on('session-close', (s) => sessions.push(s));
  const get = (path: string) => new Promise<void>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: e.port, path, agent: false }, (r) => { r.resume(); r.on('end', resolve); }).on('error', reject);
  });
  const echo = (path: string) => new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${e.port}${path}`);
    ws.on('open', () => ws.send('hello'));
    ws.on('message', () => ws.close());
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
  await get('/a');
  await echo('/ws1');
  await until(() => sessions.length === 1);
  await get('/b');
  await get('/c');
  await echo('/ws2');
  await until(() => sessions.length === 2);
  assert.deepEqual(seen, ['GET /a#0', 'WS /ws1#0', 'GET /b#1', 'GET /c#1', 'WS /ws2#1'], 'each handshake on the connection the plain requests before it left idle; a session\'s connection is not cached again');
  // the same handshake and echo each time: the same bytes, though the connections had carried one and two answers before
  assert.ok(sessions[0]!.bytesFromUpstream > 0);
  assert.equal(sessions[0]!.bytesFromUpstream, sessions[1]!.bytesFromUpstream);
});

test('a connection refused one handshake after another stays one connection, in and out of the cache, and gathers no listeners', async () => {
  // every handshake answered 403 with a body, the connection kept (nginx caches it again each time)
  let connections = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    open.add(s);
    s.on('error', () => {});
    s.on('data', () => s.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  scope.defer(async () => { for (const s of open) s.destroy(); await new Promise((r) => server.close(r)); });
  const up = (server.address() as AddressInfo).port;
  const e = await scope.engine((port) => ({
    schemaVersion: 1,
    upstreams: [{ name: 'g', keepalive: 4, servers: [{ address: `127.0.0.1:${up}` }] }],
    servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', websocket: true, proxyPass: 'http://g' }] }],
  }));
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  scope.defer(async () => { process.off('warning', onWarning); });
  for (let i = 0; i < 15; i++) {
    const answer = await new Promise<string>((resolve) => {
      let got = '';
      const c = net.connect(e.port, '127.0.0.1', () => c.write(`GET /x HTTP/1.1\r\nHost: t\r\n${UPGRADE}\r\n`));
      // (the connection is kept alive after the answer, as nginx keeps it: read up to the body)
      c.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (got.endsWith('\r\n\r\nno')) c.destroy();
      });
      c.on('close', () => resolve(got.slice(0, got.indexOf('\r\n'))));
    });
    assert.equal(answer, 'HTTP/1.1 403 Forbidden');
  }
  await sleep(50);
  assert.equal(connections, 1, 'each handshake went on the connection the one before left in the cache');
  assert.deepEqual(warnings, [], 'no listener piles up on the connection');
});

test('a connection back in the cache after a refused handshake still closes when the upstream sends it bytes while idle', async () => {
  // the upstream refuses the handshake, then writes a stray byte on the idle connection
  const seen: string[] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((s) => {
    const id = open.size;
    open.add(s);
    s.on('error', () => {});
    s.on('data', (d: Buffer) => {
      const upgrade = /\r\nUpgrade: websocket/i.test(d.toString('latin1'));
      seen.push(`${upgrade ? 'WS' : 'GET'}#${id}`);
      if (!upgrade) return void s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      s.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno');
      setTimeout(() => s.write('X'), 50);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  scope.defer(async () => { for (const s of open) s.destroy(); await new Promise((r) => server.close(r)); });
  const up = (server.address() as AddressInfo).port;
  const e = await scope.engine(keptAndUpgraded(up));
  const statusOf = (request: string) => new Promise<string>((resolve) => {
    let got = '';
    const c = net.connect(e.port, '127.0.0.1', () => c.write(request));
    c.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (/\r\n\r\n(no|ok)$/.test(got)) c.destroy();
    });
    c.on('close', () => resolve(got.slice(0, got.indexOf('\r\n'))));
  });
  assert.equal(await statusOf('GET /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'), 'HTTP/1.1 200 OK');
  assert.equal(await statusOf(`GET /ws HTTP/1.1\r\nHost: t\r\n${UPGRADE}\r\n`), 'HTTP/1.1 403 Forbidden');
  await sleep(200);
  assert.equal(await statusOf('GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'), 'HTTP/1.1 200 OK');
  assert.deepEqual(seen, ['GET#0', 'WS#0', 'GET#1'], 'the connection that sent bytes while idle was closed, as nginx closes it, and not used again');
});
