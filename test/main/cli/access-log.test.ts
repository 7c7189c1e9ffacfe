// `serve --access-log` as a user runs it: one line per HTTP exchange, two per WebSocket session,
// and nothing a peer sends (a close reason, a request target) can break a line or reach the
// terminal as a control character: those are escaped as nginx's access log escapes them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startWsUpstream, startTcpServer, rawExchange, refusedPort } from '../../helpers/upstreams.ts';
import { freePort } from '../../helpers/ports.ts';
import { poll, PROCESS_MS } from '../../helpers/wait.ts';
import { printable } from '../../../app/text/printable.ts';

const BIN = new URL('../../../bin/switchyard.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-access-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `serve --access-log` on a config with one WebSocket location to 127.0.0.1:`upstream`, listening;
 * what it printed so far is in `out` and `err`. */
async function serve(name: string, upstream: number) {
  const port = await freePort();
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${upstream}`, websocket: true }] }] }));
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file, '--access-log'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { port, child, out: '', err: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (run.out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (run.err += d));
  try {
    const out = await poll(() => run.out, (o) => o.includes('listening on'), PROCESS_MS);
    if (!out.includes('listening on')) throw new Error(`serve did not say it listens: ${run.err}`);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return run;
}

test('printable escapes control characters (C0, DEL, C1, line separators) and, in quotes, quote and backslash', () => {
  assert.equal(printable('a\nb\x1b]0;X\x07\x7f\x85\u2028é'), 'a\\x0Ab\\x1B]0;X\\x07\\x7F\\x85\\u2028é');
  assert.equal(printable('say "hi" \\'), 'say "hi" \\');
  assert.equal(printable('say "hi" \\', true), 'say \\x22hi\\x22 \\x5C');
  // the bidirectional controls (a name that reads "ab" but is "a", RLO, "b"), not letters of any script
  assert.equal(printable('a\u202eb\u2066c\u2069\u200f\u061c'), 'a\\u202eb\\u2066c\\u2069\\u200f\\u061c');
  assert.equal(printable('שלום مرحبا ü'), 'שלום مرحبا ü');
});

test('serve --access-log: an exchange and a session in one line each, what peers sent escaped', async () => {
  const up = await startWsUpstream('ws');
  const run = await serve('serve', up.port);
  const { port, child } = run;
  const out = () => run.out;
  try {
    // a target with a quote and a backslash, as node's parser takes them
    await rawExchange(port, `GET /a"b\\c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    // heads node's parser refuses (a control byte in the target, a header line without a colon):
    // logged as nginx logs them, their request line as far as it came, escaped, and the cause
    await rawExchange(port, `GET /q\x01 HTTP/1.1\r\nHost: x\r\n\r\n`);
    await rawExchange(port, `GET /ok HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\nPOST /bad HTTP/1.1\r\nno colon\r\n\r\n`);
    await poll(out, (o) => o.includes('"POST /bad" 400'), PROCESS_MS);
    // a head that came in two reads: node hands over only the last, so its line is "-", not a
    // line from the middle of the head passed off as the request line
    const split = net.connect(port, '127.0.0.1');
    split.on('error', () => {});
    split.write('GET /ok2 HTTP/1.1\r\nHost: x\r\n');
    await new Promise((r) => setTimeout(r, 100));
    split.write('no colon\r\n\r\n');
    await poll(out, (o) => o.includes('"-" 400'), PROCESS_MS);
    split.destroy();
    // a bad chunk in a request's body: that request's answer and line, no second line for its body
    await rawExchange(port, `POST /chunk1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`);
    await poll(out, (o) => o.includes('"POST /chunk1"'), PROCESS_MS);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?q=1`);
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const forged = `x\n127.0.0.1:1 "GET /forged" 200 0 upstream=1.2.3.4 1ms\x1b]0;PWNED\x07`;
    ws.close(4000, forged);
    await new Promise((r) => ws.once('close', r));
    await poll(out, (o) => /websocket session \d+ closed/.test(o), PROCESS_MS);
    const lines = out().split('\n');
    assert.ok(!/[\x00-\x09\x0b-\x1f\x7f]/.test(out()), `no control character but line ends: ${JSON.stringify(out())}`);
    assert.ok(lines.some((l) => /^127\.0\.0\.1:\d+ "GET \/a\\x22b\\x5Cc" \d{3} \d+ upstream=127\.0\.0\.1:\d+ \d+ms$/.test(l)), out());
    assert.ok(lines.some((l) => /^127\.0\.0\.1:\d+ "GET \/ws\?q=1" 101 websocket session \d+ upstream=127\.0\.0\.1:\d+$/.test(l)), out());
    assert.ok(lines.some((l) => /^127\.0\.0\.1:\d+ "GET \/q\\x01" 400 \d+ upstream=- 0ms \(client sent invalid request \(node's parser: HPE_\w+\)\)$/.test(l)), out());
    assert.ok(lines.some((l) => /^127\.0\.0\.1:\d+ "GET \/ok" \d{3} \d+ upstream=127\.0\.0\.1:\d+ \d+ms$/.test(l)), out());
    assert.ok(lines.some((l) => /^127\.0\.0\.1:\d+ "POST \/bad" 400 \d+ upstream=- 0ms \(client sent invalid request/.test(l)), out());
    assert.ok(lines.some((l) => /^127\.0\.0\.1:\d+ "-" 400 \d+ upstream=- 0ms \(client sent invalid request/.test(l)), out());
    assert.ok(!lines.some((l) => l.includes('no colon')), out());
    assert.ok(lines.some((l) => /^127\.0\.0\.1:\d+ "POST \/chunk1" 400 \d+ upstream=- \d+ms \(client sent invalid chunked body \(node's parser: HPE_INVALID_CHUNK_SIZE\)\)$/.test(l)), out());
    assert.ok(!lines.some((l) => l.includes('"zz')), out());
    const closed = lines.filter((l) => /^websocket session \d+ closed: /.test(l));
    assert.equal(closed.length, 1, out());
    // (the reason is in quotes, “…”: '"' and '\\' in it escaped as in the request's quotes)
    assert.ok(closed[0]!.includes('“x\\x0A127.0.0.1:1 \\x22GET /forged\\x22 200 0 upstream=1.2.3.4 1ms\\x1B]0;PWNED\\x07”'), closed[0]);
    assert.ok(!lines.some((l) => l.startsWith('127.0.0.1:1 ')), 'no forged line');
  } finally {
    child.kill('SIGKILL');
    await up.close();
  }
});

test('serve --access-log: a refused handshake is one line with the client, "GET URL", its status and why; an upstream error is on stderr for HTTP and WebSocket alike', async () => {
  const down = await refusedPort();
  const run = await serve('refused', down);
  const { port, child } = run;
  try {
    await rawExchange(port, `GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?q=1`);
    await new Promise((r) => ws.once('error', r));
    await poll(() => run.out, (o) => o.includes('rejected'), PROCESS_MS);
    const why = `upstream error \\(ECONNREFUSED\\) while connecting to upstream, upstream: 127\\.0\\.0\\.1:${down}`;
    assert.match(run.out, new RegExp(`^127\\.0\\.0\\.1:\\d+ "GET /ws\\?q=1" 502 websocket session \\d+ upstream=127\\.0\\.0\\.1:${down} rejected: ${why} \\(by proxy\\) \\(\\d+B up, 0B down\\)$`, 'm'));
    assert.match(run.out, new RegExp(`^127\\.0\\.0\\.1:\\d+ "GET /plain" 502 \\d+ upstream=127\\.0\\.0\\.1:${down} \\d+ms \\(${why}\\)$`, 'm'));
    await poll(() => run.err, (e) => e.split('\n').filter((l) => l.startsWith('[error] upstream_error: ')).length === 2, PROCESS_MS);
    assert.equal(run.err.split('\n').filter((l) => new RegExp(`^\\[error\\] upstream_error: ${why}$`).test(l)).length, 2, `one for each: ${run.err}`);
  } finally {
    child.kill('SIGKILL');
  }
});

test('serve --access-log: a close reason cannot end its own quotes (“ and ” in it escaped)', async () => {
  const up = await startWsUpstream('ws');
  const run = await serve('reason', up.port);
  const { port, child } = run;
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    ws.close(4000, 'a” · upstream closed “b\\');
    await new Promise((r) => ws.once('close', r));
    await poll(() => run.out, (o) => /websocket session \d+ closed/.test(o), PROCESS_MS);
    assert.match(run.out, /client sent Close 4000 “a\\u201d · upstream closed \\u201cb\\x5C”/, run.out);
  } finally {
    child.kill('SIGKILL');
    await up.close();
  }
});

test('serve --access-log: a client that leaves before the upstream answers is 499 in the access log, and no stderr line, for HTTP and WebSocket alike (nginx logs it at info level)', async () => {
  const held: net.Socket[] = [];
  const silent = await startTcpServer((s) => { held.push(s); s.on('error', () => {}); });
  const run = await serve('gone', silent.port);
  const { port, child } = run;
  try {
    for (const head of [
      'GET /plain HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    ]) {
      const before = held.length;
      const c = net.connect(port, '127.0.0.1', () => c.write(head));
      c.on('error', () => {});
      await poll(() => held.length, (n) => n > before, PROCESS_MS);
      c.destroy();
    }
    await poll(() => run.out, (o) => o.includes('"GET /plain" 499') && o.includes('"GET /ws" 499 websocket session'), PROCESS_MS);
    const ended = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await ended;
    assert.deepEqual(run.err.split('\n').filter((l) => l.startsWith('[')), [], run.err);
  } finally {
    child.kill('SIGKILL');
    await silent.close();
  }
});
