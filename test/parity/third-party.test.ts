// Third-party WebSocket stacks through the engine and through real nginx running the exported
// config, with the same results from both:
// - socket.io (engine.io): HTTP long-polling first, then its upgrade to a WebSocket on the same
//   path (probe packets, then the switch), a 200 kB message and its acknowledgement; also
//   WebSocket only (with permessage-deflate) and polling only. The server sees the Host and
//   X-Forwarded-For the location sets.
// - faye-websocket (websocket-driver's framing and handshake, not ws's) as client and server.
// The engine runs with inspection on (the service's frame tap), which must read every session of
// those stacks without a protocol violation and show their messages decoded.
// Needs Debian's nginx; fails without it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import type { ConfigInput } from '../../app/config/schema.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withNginx } from './harness.ts';
import { withInspectedEngine } from './inspected-engine.ts';
import type { SessionDetail } from '../../app/api/contract.ts';
import { freePorts } from '../helpers/ports.ts';

/** The part of faye-websocket used here (it ships no types). */
interface FayeSocket {
  on(event: 'open', cb: () => void): void;
  on(event: 'message', cb: (e: { data: string | Buffer }) => void): void;
  on(event: 'error', cb: (e: { message: string }) => void): void;
  on(event: 'close', cb: (e: { code: number }) => void): void;
  send(data: string | Buffer): boolean;
  close(): void;
}
interface Faye {
  new (req: http.IncomingMessage, socket: Socket, head: Buffer): FayeSocket;
  isWebSocket(req: http.IncomingMessage): boolean;
  Client: new (url: string) => FayeSocket;
}
const Faye = createRequire(import.meta.url)('faye-websocket') as Faye;

const BIG = 'x'.repeat(200_000);
let upstream: http.Server;
let sio: Server;

function model(up: number, listen: number): ConfigInput {
  const target = `http://127.0.0.1:${up}`;
  return {
    schemaVersion: 1,
    servers: [{
      listen: [{ address: `127.0.0.1:${listen}` }],
      locations: [
        { path: '/socket.io/', websocket: true, proxyPass: target, proxySetHeader: [{ name: 'Host', value: '$host' }, { name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' }] },
        { path: '/faye', websocket: true, proxyPass: target },
      ],
    }],
  };
}

interface SocketIoResult { transports: string; echoed: boolean; serverTransport: string; host: string | undefined; xff: string | undefined; upgrades: string[] }

/** One socket.io client on `transports`: connects, waits for an upgrade (when polling may upgrade), emits BIG, checks the ack. */
async function socketIo(port: number, transports: ('polling' | 'websocket')[]): Promise<SocketIoResult> {
  const c = io(`http://127.0.0.1:${port}`, { transports, forceNew: true, reconnection: false, timeout: 5000 });
  const upgrades: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      c.on('connect', () => resolve());
      c.on('connect_error', (e) => reject(new Error(`socket.io (${transports.join('+')}): ${e.message}`)));
    });
    const engine = c.io.engine;
    upgrades.push(engine.transport.name);
    if (transports.length > 1 && engine.transport.name !== 'websocket') {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no upgrade to websocket within 5 s')), 5000);
        engine.once('upgrade', (t: { name: string }) => { clearTimeout(timer); upgrades.push(t.name); resolve(); });
      });
    }
    const ack = (await c.timeout(5000).emitWithAck('echo', BIG)) as { data: string; transport: string; host?: string; xff?: string };
    return { transports: transports.join('+'), echoed: ack.data === BIG, serverTransport: ack.transport, host: ack.host, xff: ack.xff, upgrades };
  } finally {
    c.close();
  }
}

/** A faye-websocket client's echo of `text` through `port`. */
function fayeEcho(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new Faye.Client(`ws://127.0.0.1:${port}/faye/room`);
    const timer = setTimeout(() => reject(new Error('faye: no echo within 5 s')), 5000);
    ws.on('open', () => ws.send(text));
    ws.on('message', (e) => { clearTimeout(timer); resolve(String(e.data)); ws.close(); });
    ws.on('error', (e) => { clearTimeout(timer); reject(new Error(`faye: ${e.message}`)); });
  });
}

interface Results { socketIo: SocketIoResult[]; faye: string }

async function collect(port: number): Promise<Results> {
  const results: SocketIoResult[] = [];
  for (const t of [['polling', 'websocket'], ['websocket'], ['polling']] as const) results.push(await socketIo(port, [...t]));
  return { socketIo: results, faye: await fayeEcho(port, `faye ${'é'.repeat(70_000)}`) };
}

const got: Partial<Record<'nginx' | 'engine', Results>> = {};
/** The engine's WebSocket sessions as inspected, once all had closed, with their frames. */
let inspected: SessionDetail[] = [];

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  upstream = http.createServer();
  sio = new Server(upstream, { perMessageDeflate: { threshold: 0 }, maxHttpBufferSize: 1e6 });
  sio.on('connection', (s) => {
    s.on('echo', (data: string, ack: (r: unknown) => void) => {
      const h = s.handshake.headers;
      ack({ data, transport: s.conn.transport.name, host: h.host, xff: h['x-forwarded-for'] });
    });
  });
  upstream.on('upgrade', (req, socket: Socket, head: Buffer) => {
    if (!req.url?.startsWith('/faye') || !Faye.isWebSocket(req)) return;
    const ws = new Faye(req, socket, head);
    ws.on('message', (e) => ws.send(e.data));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const up = (upstream.address() as AddressInfo).port;
  const [pN, pE] = await freePorts(2);
  got.nginx = await withNginx(model(up, pN!), pN!, () => collect(pN!));
  // three WebSocket sessions: socket.io's upgraded one, its WebSocket-only one, and faye's
  ({ result: got.engine, inspected } = await withInspectedEngine(model(up, pE!), 3, () => collect(pE!)));
});

after(async () => {
  await new Promise<void>((r) => sio.close(() => r()));
});

test('third-party stacks: socket.io polls, upgrades to a WebSocket and echoes 200 kB through nginx and the engine alike', () => {
  for (const who of ['nginx', 'engine'] as const) {
    const [upgraded, wsOnly, pollingOnly] = got[who]!.socketIo;
    assert.deepEqual(upgraded!.upgrades, ['polling', 'websocket'], `${who}: polling first, then the upgrade`);
    for (const r of [upgraded!, wsOnly!, pollingOnly!]) {
      assert.ok(r.echoed, `${who} ${r.transports}: the 200 kB message came back whole`);
      assert.equal(r.host, '127.0.0.1', `${who} ${r.transports}: Host is $host (no port)`);
      assert.equal(r.xff, '127.0.0.1', `${who} ${r.transports}: X-Forwarded-For`);
    }
    assert.equal(upgraded!.serverTransport, 'websocket');
    assert.equal(wsOnly!.serverTransport, 'websocket');
    assert.equal(pollingOnly!.serverTransport, 'polling');
  }
  assert.deepEqual(got.engine!.socketIo, got.nginx!.socketIo);
});

test('third-party stacks: a faye-websocket client and server talk through nginx and the engine alike', () => {
  const sent = `faye ${'é'.repeat(70_000)}`;
  assert.equal(got.nginx!.faye, sent);
  assert.equal(got.engine!.faye, sent);
});

test('third-party stacks: the frame tap reads their sessions without a violation and shows their messages', () => {
  assert.equal(inspected.length, 3, 'two socket.io WebSocket sessions (the upgraded one, WebSocket only) and faye\'s');
  for (const { session, frames } of inspected) {
    assert.equal(session.violation, undefined, `${session.url}: ${session.violation}`);
    assert.ok(frames && frames.length > 0, `${session.url}: frames recorded`);
    assert.ok(frames.every((f) => f.decodeError === undefined), `${session.url}: every message inflated`);
  }
  const socketIo = inspected.filter((d) => d.session.url.startsWith('/socket.io/'));
  assert.equal(socketIo.length, 2);
  for (const { session, frames } of socketIo) {
    // engine.io's packets: the client's event with its ack id, 42N["echo","xxx…"], and the server's ack, 43N[{"data":"xxx…
    const event = frames!.find((f) => f.from === 'client' && f.opcode === 'text' && /^42(\d+)\["echo","xxx/.test(f.preview));
    assert.ok(event, `${session.url}: the client's event, decoded`);
    const ackId = /^42(\d+)/.exec(event.preview)![1]!;
    assert.equal(event.length, `42${ackId}["echo","${BIG}"]`.length, 'the whole message, inflated');
    assert.ok(frames!.some((f) => f.from === 'upstream' && f.opcode === 'text' && f.preview.startsWith(`43${ackId}[{"data":"xxx`)), `${session.url}: the server's ack, decoded`);
  }
  assert.ok(socketIo.some(({ frames }) => frames!.some((f) => f.wireLength !== undefined)), 'socket.io compresses (permessage-deflate): shown inflated');
  const faye = inspected.find((d) => d.session.url.startsWith('/faye'))!;
  assert.ok(faye.frames!.some((f) => f.from === 'client' && f.opcode === 'text' && f.preview.startsWith('faye éé')));
  assert.ok(faye.frames!.some((f) => f.from === 'upstream' && f.opcode === 'text' && f.preview.startsWith('faye éé')));
});
