// Python's `websockets` (Debian's python3-websockets: its own framing, handshake and
// permessage-deflate, which it negotiates with window bits of 12 both ways) as client and as
// server, through real nginx running the exported config and through the engine with inspection
// on (test/fixtures/python/ws_peer.py). Both proxies must give the client the same handshake,
// echoes (text, long UTF-8 text, binary, a message sent in three fragments, a burst of 2,000 small
// messages), ping answer and close, and the server the same Host, X-Forwarded-For and URI; the
// engine's frame tap must inflate every message (the fragmented one as one message, each of the
// burst in order) without a violation and record the client's close.
// Needs Debian's nginx and python3-websockets; fails without either.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ConfigInput } from '../../app/config/schema.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withNginx } from './harness.ts';
import { withInspectedEngine } from './inspected-engine.ts';
import type { SessionDetail } from '../../app/api/contract.ts';
import { freePorts } from '../helpers/ports.ts';

const PYTHON = '/usr/bin/python3';
const PEER = fileURLToPath(new URL('../fixtures/python/ws_peer.py', import.meta.url));
const NO_WEBSOCKETS = `${PYTHON} cannot import websockets: apt-get install -y python3-websockets`;

interface ClientResult {
  subprotocol: string | null;
  extensions: string | null;
  server: { host: string; xff: string | null; offered: string | null; path: string };
  hello: boolean;
  long: boolean;
  binary: boolean;
  fragmented: string;
  pong: boolean;
  burst: boolean;
  close: { code: number; reason: string };
}

let server: ChildProcessWithoutNullStreams;
let upstreamPort = 0;
const got: Partial<Record<'nginx' | 'engine', ClientResult>> = {};
let inspected: SessionDetail | null = null;

function model(listen: number): ConfigInput {
  return {
    schemaVersion: 1,
    servers: [{
      listen: [{ address: `127.0.0.1:${listen}` }],
      locations: [{ path: '/live', websocket: true, proxyPass: `http://127.0.0.1:${upstreamPort}`, proxySetHeader: [{ name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' }] }],
    }],
  };
}

/** Run the Python client through `port`; resolves with what it printed. */
function pythonClient(port: number): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [PEER, 'client', `ws://127.0.0.1:${port}/live?x=1`]);
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`the Python client took over 15 s: ${err}`)); }, 15_000);
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`the Python client exited with ${code}: ${err.includes('No module named') ? NO_WEBSOCKETS : err}`));
      resolve(JSON.parse(out) as ClientResult);
    });
  });
}

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  server = spawn(PYTHON, [PEER, 'server']);
  let err = '';
  server.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Python server did not start within 10 s: ${err}`)), 10_000);
    createInterface({ input: server.stdout }).once('line', (l) => { clearTimeout(timer); resolve(l); });
    server.once('error', (e) => { clearTimeout(timer); reject(e); });
    server.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the Python server exited with ${code}: ${err.includes('No module named') ? NO_WEBSOCKETS : err}`)); });
  });
  upstreamPort = Number(first);
  const [pN, pE] = await freePorts(2);
  got.nginx = await withNginx(model(pN!), pN!, () => pythonClient(pN!));
  const engine = await withInspectedEngine(model(pE!), 1, () => pythonClient(pE!));
  got.engine = engine.result;
  inspected = engine.inspected[0]!;
});

after(() => {
  server?.stdin.end();
  server?.kill();
});

test('Python websockets: the same handshake, echoes and close through nginx and the engine', () => {
  for (const who of ['nginx', 'engine'] as const) {
    const r = got[who]!;
    assert.equal(r.subprotocol, 'chat.v1', `${who}: the subprotocol`);
    assert.equal(r.extensions, 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=12', `${who}: the server's deflate parameters reach the client`);
    assert.equal(r.server.offered, 'permessage-deflate; client_max_window_bits', `${who}: the client's offer reaches the server`);
    assert.equal(r.server.host, `127.0.0.1:${upstreamPort}`, `${who}: Host is $proxy_host`);
    assert.equal(r.server.xff, '127.0.0.1', `${who}: X-Forwarded-For`);
    assert.equal(r.server.path, '/live?x=1', `${who}: the URI unchanged`);
    assert.ok(r.hello && r.long && r.binary && r.pong && r.burst, `${who}: every echo, the pong and the burst's echoes`);
    assert.equal(r.fragmented, 'part1-part2-part3', `${who}: the fragmented message, whole`);
    assert.deepEqual(r.close, { code: 4002, reason: 'done' }, `${who}: the server answered the client's close`);
  }
  assert.deepEqual(got.engine, got.nginx);
});

test('Python websockets: the frame tap inflates window-bits-12 messages, fragmented ones as one message', () => {
  const { session, frames } = inspected!;
  assert.equal(session.violation, undefined, String(session.violation));
  assert.match(session.extensions ?? '', /client_max_window_bits=12/);
  const f = frames!;
  // (the burst too: its 2,000 small messages each way wait their turn to inflate, none given up)
  assert.deepEqual(f.filter((x) => x.decodeError !== undefined).map((x) => x.decodeError).slice(0, 3), [], 'every message inflated');
  for (const from of ['client', 'upstream'] as const) {
    const ticks = f.filter((x) => x.from === from && x.opcode === 'text' && x.preview.startsWith('{"tick": '));
    assert.deepEqual(ticks.map((x) => x.preview), Array.from({ length: 2000 }, (_, i) => `{"tick": ${i}}`), `${from}: the burst, in order`);
  }
  for (const from of ['client', 'upstream'] as const) {
    const texts = f.filter((x) => x.from === from && x.opcode === 'text');
    const long = texts.find((x) => x.length === Buffer.byteLength('ü'.repeat(50_000)));
    assert.ok(long, `${from}: the long text, inflated`);
    assert.ok(long.preview.startsWith('üüü') && long.wireLength! < 2000, `${from}: shown as text, sent compressed (${long.wireLength} bytes)`);
    assert.ok(texts.some((x) => x.preview === 'part1-part2-part3'), `${from}: the three fragments as one message`);
    assert.ok(f.some((x) => x.from === from && x.opcode === 'binary' && x.length === 256 * 200), `${from}: the binary message`);
  }
  assert.ok(f.some((x) => x.from === 'client' && x.opcode === 'ping') && f.some((x) => x.from === 'upstream' && x.opcode === 'pong'), 'the ping and its pong');
  assert.deepEqual(session.closeFrame, { from: 'client', code: 4002, reason: 'done' });
});
