// A long text answer (a HAR export) leaves the web host in pieces, each JSON-quoted as it is sent: the
// same JSON as one piece would be, without a quoted copy of the whole text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { startWebHost } from '../../../main/web/host.ts';
import type { SwitchyardService } from '../../../main/service/service.ts';

test('a long text answer is sent in pieces (no Content-Length): the same JSON, a UTF-16 pair across a piece boundary kept whole', { timeout: 60_000 }, async () => {
  const piece = 1 << 20;
  // (control characters, quotes, backslashes and line breaks quoted; an emoji straddles each boundary)
  const unit = '\x01"\\\n€a';
  const part = unit.repeat(Math.ceil(piece / unit.length)).slice(0, piece - 1);
  const text = `${part}😀${part}😀${part}\x1f`;
  const service = { handle: async (name: string) => (name === 'exportHar' ? { ok: true, value: text } : { ok: true, value: 'short' }) } as unknown as SwitchyardService;
  const host = await startWebHost({ service, rendererDir: '/nonexistent-renderer' });
  try {
    const answer = (name: string) => new Promise<{ headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: host.port, path: `/api/${name}`, method: 'POST', headers: { 'content-type': 'application/json', 'x-switchyard-token': host.token, host: `127.0.0.1:${host.port}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end('{}');
    });
    const long = await answer('exportHar');
    assert.equal(long.body, JSON.stringify({ ok: true, value: text }), 'byte for byte');
    assert.deepEqual([long.headers['content-length'], long.headers['transfer-encoding'], long.headers['content-type'], long.headers['cache-control']], [undefined, 'chunked', 'application/json; charset=utf-8', 'no-store']);
    assert.ok(long.headers['content-security-policy'], 'the usual headers');
    const short = await answer('getConfig');
    assert.deepEqual([short.body, short.headers['content-length']], ['{"ok":true,"value":"short"}', '27'], 'a short answer as before');
  } finally {
    await host.close();
  }
});

test('the event loop turns between the pieces of a long answer read by another process', { timeout: 60_000 }, async () => {
  const text = '\x01'.repeat(16 << 20);
  // (16 pieces: a turn after each, counted from when the answer is made until it is all written)
  let turns = -1;
  let answered = -1;
  const turn = () => {
    if (answered >= 0) return;
    turns++;
    setImmediate(turn);
  };
  const service = { handle: async () => {
    turn();
    return { ok: true, value: text };
  } } as unknown as SwitchyardService;
  const host = await startWebHost({ service, rendererDir: '/nonexistent-renderer' });
  const end = http.ServerResponse.prototype.end;
  http.ServerResponse.prototype.end = function (this: http.ServerResponse, ...args: unknown[]) {
    answered = turns;
    return (end as (...a: unknown[]) => http.ServerResponse).apply(this, args);
  } as typeof end;
  try {
    // (a reader in another process: a piece may drain at once, in a next tick, not a turn of the loop)
    const reader = `const r = require('node:http').request({ host: '127.0.0.1', port: ${host.port}, path: '/api/exportHar', method: 'POST', headers: { 'content-type': 'application/json', 'x-switchyard-token': '${host.token}' } }, (s) => { let n = 0; s.on('data', (d) => { n += d.length; }); s.on('end', () => console.log(n)); }); r.end('{}');`;
    const child = spawn(process.execPath, ['-e', reader], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    await new Promise((r) => child.once('exit', r));
    assert.equal(Number(out), JSON.stringify({ ok: true, value: text }).length);
    assert.ok(answered >= 16, `${answered} turns while answering`);
  } finally {
    http.ServerResponse.prototype.end = end;
    await host.close();
  }
});
