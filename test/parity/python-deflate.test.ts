// The frame tap on sessions of Python's `websockets` (test/fixtures/python/ws_deflate_peer.py) as
// client and server, under the permessage-deflate parameters they negotiate when asked for no
// context takeover one way or both, or smaller windows one way or both: every message, each way,
// is inflated to what the peers sent and got, also a message sent in fragments with a ping between
// them (and the empty final frame this library ends such a message with), without a violation;
// the frame counters count every frame on the wire. (python-peers.test.ts runs its defaults.)
// Needs python3-websockets; fails without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withInspectedEngine } from './inspected-engine.ts';
import { freePorts } from '../helpers/ports.ts';

const PYTHON = '/usr/bin/python3';
const PEER = fileURLToPath(new URL('../fixtures/python/ws_deflate_peer.py', import.meta.url));
const MESSAGES = ['hello hello hello hello', 'hello hello hello hello world', 'ünïcødé ✓ hello hello world'];

/** Run `fn` with a Python echo server negotiating `params`, on its port. */
async function withServer<T>(params: object, fn: (port: number) => Promise<T>): Promise<T> {
  const server = spawn(PYTHON, [PEER, 'server', JSON.stringify(params)]);
  let err = '';
  server.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: server.stdout }).once('line', (l) => resolve(Number(l)));
      server.once('exit', (code) => reject(new Error(`the Python server exited with ${code}: ${err}`)));
    });
    return await fn(port);
  } finally {
    server.stdin.end();
    server.kill();
  }
}

const cases: Array<[string, object, object, RegExp]> = [
  ['server_no_context_takeover', { server_no_context_takeover: true }, {}, /; server_no_context_takeover/],
  ['no context takeover both ways, asked by the client', {}, { server_no_context_takeover: true, client_no_context_takeover: true }, /server_no_context_takeover; client_no_context_takeover/],
  ['server_max_window_bits=11 from the server, client_max_window_bits=10 asked by the client', { server_max_window_bits: 11 }, { client_max_window_bits: 10 }, /server_max_window_bits=11; client_max_window_bits=10/],
  ['client_no_context_takeover with window bits 9 both ways', { client_no_context_takeover: true, server_max_window_bits: 9, client_max_window_bits: 9 }, { client_max_window_bits: true }, /client_no_context_takeover.*server_max_window_bits=9.*client_max_window_bits=9/],
];

for (const [name, serverParams, clientParams, negotiated] of cases) {
  test(`Python websockets, ${name}: every message inflated, a fragmented one with a ping inside as one`, { timeout: 60_000 }, async () => {
    const { result, inspected } = await withServer(serverParams, async (upstream) => {
      const [port] = await freePorts(1);
      const model = { schemaVersion: 1 as const, servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/live', websocket: true, proxyPass: `http://127.0.0.1:${upstream}` }] }] };
      return withInspectedEngine(model, 1, async () => {
        const { stdout } = await promisify(execFile)(PYTHON, [PEER, 'client', `ws://127.0.0.1:${port}/live`, JSON.stringify(clientParams)], { timeout: 20_000 });
        return JSON.parse(stdout) as { extensions: string; got: string[] };
      });
    });
    assert.match(result.extensions, negotiated);
    const sent = [...MESSAGES, ...MESSAGES, 'client one hello client two hello client three', 'fragments', ...MESSAGES];
    const echoed = [...MESSAGES, ...MESSAGES, 'client one hello client two hello client three', 'server one hello server two hello server three', ...MESSAGES];
    assert.deepEqual(result.got, echoed, 'what the client got through the proxy');
    const { session, frames } = inspected[0]!;
    assert.equal(session.extensions, result.extensions);
    assert.equal(session.violation, undefined, String(session.violation));
    const texts = (from: string) => frames!.filter((f) => f.from === from && f.opcode === 'text');
    assert.deepEqual(frames!.filter((f) => f.decodeError !== undefined).map((f) => f.decodeError), []);
    assert.deepEqual(texts('client').map((f) => f.preview), sent);
    assert.deepEqual(texts('upstream').map((f) => f.preview), echoed);
    assert.ok([...texts('client'), ...texts('upstream')].every((f) => f.wireLength !== undefined), 'each sent compressed');
    const pings = frames!.filter((f) => f.opcode === 'ping' || f.opcode === 'pong').map((f) => `${f.from} ${f.opcode} ${f.preview}`);
    assert.deepEqual(pings.sort(), ['client ping from the client', 'client pong from the server', 'upstream ping from the server', 'upstream pong from the client']);
    // each way 11 messages, one of them in 4 frames, then a ping, a pong and the Close
    assert.deepEqual([session.framesFromClient, session.framesFromUpstream], [10 + 4 + 3, 10 + 4 + 3]);
    assert.deepEqual(session.closeFrame, { from: 'client', code: 4002, reason: 'done' });
  });
}
