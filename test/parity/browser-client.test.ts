// The browser's own WebSocket (Chromium's network stack, not a node library) through the engine and
// through real nginx running the exported config, against a `ws` server that negotiates
// permessage-deflate with parameters of its own (server_max_window_bits=10,
// client_no_context_takeover) and a subprotocol. The page is served through the proxy too, so the
// socket is same-origin, as in an app behind it. Both proxies must give the page the same
// handshake (extensions, protocol), the same echoes (text with multi-byte UTF-8, a large text that
// compresses, binary) and the same close; the server must see the same Origin and the browser's
// answer to its ping. The engine runs with inspection on: the tap must inflate the browser's
// compressed frames with the negotiated parameters, without a violation, and record the close.
// Needs Debian's nginx and chromium; fails without either.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Browser } from 'playwright-core';
import type { ConfigInput } from '../../app/config/schema.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withNginx } from './harness.ts';
import { withInspectedEngine } from './inspected-engine.ts';
import type { SessionDetail } from '../../app/api/contract.ts';
import { poll } from '../helpers/wait.ts';
import { freePorts } from '../helpers/ports.ts';
import { launchChromium } from '../e2e/browser.ts';

const UTF8 = 'é€😀'.repeat(1000);
const BIG = 'y'.repeat(100_000);
const BINARY_LENGTH = 300 * 256;

/** What the page saw. */
interface PageResult { extensions: string; protocol: string; echoes: string[]; binaryEchoed: boolean; close: { code: number; reason: string; wasClean: boolean } }
/** What the server saw of the session. */
interface ServerSide { origin: string | undefined; offered: string | undefined; pongs: string[]; close: { code: number; reason: string } | null }
interface Result { port: number; page: PageResult; server: ServerSide }

/** The page's location (this file is type-checked without the DOM library; the callback runs in the page). */
declare const location: { host: string };

let browser: Browser;
let upstream: http.Server;
let wss: WebSocketServer;
/** The server's view of the session the current run opened. */
let server: ServerSide | null = null;

function model(up: number, listen: number): ConfigInput {
  return {
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [{ path: '/', websocket: true, proxyPass: `http://127.0.0.1:${up}` }] }],
  };
}

/** Open the page through `port`, run the session in it, and return what both ends saw. */
async function run(port: number): Promise<Result> {
  server = null;
  const page = await browser.newPage();
  try {
    // tsx compiles this file with esbuild's keepNames, which wraps the named functions of the
    // callback below in calls to a helper `__name` that exists in node, not in the page
    await page.addInitScript('globalThis.__name = (f) => f;');
    await page.goto(`http://127.0.0.1:${port}/app`);
    const got = await page.evaluate(async ({ texts, binaryLength }) => {
      const ws = new WebSocket(`ws://${location.host}/live`, ['chat.v2', 'chat.v1']);
      ws.binaryType = 'arraybuffer';
      const queue: Array<string | ArrayBuffer> = [];
      const waiting: Array<(m: string | ArrayBuffer) => void> = [];
      ws.onmessage = (e: { data: string | ArrayBuffer }) => { const w = waiting.shift(); if (w) w(e.data); else queue.push(e.data); };
      const next = () => new Promise<string | ArrayBuffer>((resolve) => { const m = queue.shift(); if (m !== undefined) resolve(m); else waiting.push(resolve); });
      await new Promise<void>((resolve, reject) => { ws.onopen = () => resolve(); ws.onerror = () => reject(new Error('the WebSocket failed to open')); });
      const echoes: string[] = [];
      for (const t of texts) { ws.send(t); echoes.push(String(await next())); }
      const bytes = new Uint8Array(binaryLength).map((_, i) => i % 256);
      ws.send(bytes);
      const back = new Uint8Array(await next() as ArrayBuffer);
      const binaryEchoed = back.length === bytes.length && back.every((b, i) => b === bytes[i]);
      const closed = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) => { ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean }); });
      ws.close(4001, 'bye');
      return { extensions: ws.extensions, protocol: ws.protocol, echoes, binaryEchoed, close: await closed };
    }, { texts: ['hello', UTF8, BIG], binaryLength: BINARY_LENGTH });
    const s = await poll(async () => server, (x) => x !== null, 5000); // (set when the server saw the close)
    return { port, page: got, server: s! };
  } finally {
    await page.close();
  }
}

const got: Partial<Record<'nginx' | 'engine', Result>> = {};
let inspected: SessionDetail | null = null;

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  browser = await launchChromium();
  upstream = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>app</title>'));
  wss = new WebSocketServer({
    server: upstream,
    perMessageDeflate: { threshold: 0, serverMaxWindowBits: 10, clientNoContextTakeover: true },
    handleProtocols: (offered) => (offered.has('chat.v1') ? 'chat.v1' : false),
  });
  wss.on('connection', (ws, req) => {
    const side: ServerSide = { origin: req.headers.origin, offered: req.headers['sec-websocket-extensions'], pongs: [], close: null };
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    ws.on('pong', (data) => side.pongs.push(data.toString()));
    ws.on('close', (code, reason) => { side.close = { code, reason: reason.toString() }; server = side; });
    ws.ping('p1');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const up = (upstream.address() as AddressInfo).port;
  const [pN, pE] = await freePorts(2);
  got.nginx = await withNginx(model(up, pN!), pN!, () => run(pN!));
  const engine = await withInspectedEngine(model(up, pE!), 1, () => run(pE!));
  got.engine = engine.result;
  inspected = engine.inspected[0]!;
});

after(async () => {
  await browser?.close();
  wss?.close();
  await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
});

test('the browser\'s WebSocket: the same handshake, echoes and close through nginx and the engine', () => {
  for (const who of ['nginx', 'engine'] as const) {
    const { port, page, server: s } = got[who]!;
    assert.equal(s.origin, `http://127.0.0.1:${port}`, `${who}: the page's Origin reaches the server`);
    assert.match(page.extensions, /^permessage-deflate/, `${who}: compression negotiated end to end`);
    assert.match(page.extensions, /server_max_window_bits=10/, `${who}: the server's parameters reach the browser`);
    assert.equal(page.protocol, 'chat.v1', `${who}: the subprotocol`);
    assert.deepEqual(page.echoes, ['hello', UTF8, BIG], `${who}: text echoes`);
    assert.ok(page.binaryEchoed, `${who}: the binary echo`);
    assert.deepEqual(page.close, { code: 4001, reason: 'bye', wasClean: true }, `${who}: the browser's close, answered`);
    assert.match(s.offered ?? '', /permessage-deflate/, `${who}: the browser's offer reaches the server`);
    assert.deepEqual(s.pongs, ['p1'], `${who}: the browser answered the server's ping`);
    assert.deepEqual(s.close, { code: 4001, reason: 'bye' }, `${who}: the server got the browser's close`);
  }
  const apart = ({ page, server: s }: Result) => ({ page, server: { ...s, origin: undefined } });
  assert.deepEqual(apart(got.engine!), apart(got.nginx!), 'the same in every detail (but the Origin, which names each proxy\'s port)');
});

test('the browser\'s WebSocket: the frame tap inflates its compressed frames with the negotiated parameters', () => {
  const { session, frames } = inspected!;
  assert.equal(session.violation, undefined, String(session.violation));
  assert.match(session.extensions ?? '', /client_no_context_takeover/);
  assert.equal(session.subprotocol, 'chat.v1');
  const f = frames!;
  assert.ok(f.every((x) => x.decodeError === undefined), 'every message inflated');
  for (const from of ['client', 'upstream'] as const) {
    const texts = f.filter((x) => x.from === from && x.opcode === 'text');
    assert.deepEqual(texts.map((x) => x.length), ['hello', UTF8, BIG].map((t) => Buffer.byteLength(t)), `${from}: the text messages, inflated`);
    assert.equal(texts[0]!.preview, 'hello');
    assert.ok(texts[1]!.preview.startsWith('é€😀é€😀'), `${from}: UTF-8 shown as text`);
    assert.ok(texts[2]!.wireLength! < 2000, `${from}: 100 kB of one letter is sent compressed (${texts[2]!.wireLength} bytes)`);
    const binary = f.filter((x) => x.from === from && x.opcode === 'binary');
    assert.deepEqual(binary.map((x) => x.length), [BINARY_LENGTH], `${from}: the binary message`);
  }
  assert.ok(f.some((x) => x.from === 'upstream' && x.opcode === 'ping'), 'the server\'s ping');
  assert.ok(f.some((x) => x.from === 'client' && x.opcode === 'pong'), 'the browser\'s pong');
  assert.deepEqual(session.closeFrame, { from: 'client', code: 4001, reason: 'bye' });
});
