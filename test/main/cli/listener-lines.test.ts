// A listener that cannot start, as serve and ui say it: once, with its listen entry's path and
// [listen_failed]; a busy ui --port in words.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpUpstream } from '../../helpers/upstreams.ts';
import { freePort } from '../../helpers/ports.ts';
import { poll, PROCESS_MS } from '../../helpers/wait.ts';
import { uiCommand } from '../../../main/cli/ui.ts';

const BIN = new URL('../../../bin/switchyard.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-listen-lines-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function configOn(name: string, ports: number[]): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ schemaVersion: 1, servers: ports.map((p) => ({ listen: [{ address: `127.0.0.1:${p}` }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9' }] })) }));
  return file;
}

test('serve: a listener that cannot start is one line with its listen entry\'s path and [listen_failed]', async () => {
  const blocker = await startHttpUpstream('blocker');
  const child = spawn(process.execPath, [BIN, 'serve', '--config', configOn('serve.json', [await freePort(), blocker.port])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  try {
    await poll(() => out, (o) => o.includes('listening on'), PROCESS_MS);
    await poll(() => err, (e) => e.includes('listener failed'), PROCESS_MS);
    assert.equal(err, `listener failed: servers[1].listen[0].address: cannot listen on 127.0.0.1:${blocker.port}: address already in use [listen_failed]\n`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await blocker.close();
  }
});

/** ui's stderr until it is ready (or has ended), then stopped. */
async function uiStderr(o: { config: string; port?: number }): Promise<{ code: number; err: string }> {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (c) => (err += c));
  const stop = new AbortController();
  let ready!: () => void;
  const started = new Promise<void>((r) => (ready = r));
  const done = uiCommand({ ...o, stdout: new PassThrough(), stderr, signal: stop.signal, rendererDir: dir, onReady: () => ready() });
  const first = await Promise.race([started.then(() => null), done]);
  if (first !== null) return { code: first, err };
  stop.abort();
  return { code: await done, err };
}

test('ui --config: a listener that cannot start is said once, as serve says it', async () => {
  const blocker = await startHttpUpstream('blocker');
  try {
    const { err } = await uiStderr({ config: configOn('ui.json', [blocker.port]) });
    assert.equal(err.split(`127.0.0.1:${blocker.port}`).length - 1, 1, err);
    assert.match(err, new RegExp(`^listener failed: servers\\[0\\]\\.listen\\[0\\]\\.address: cannot listen on 127\\.0\\.0\\.1:${blocker.port}: address already in use \\[listen_failed\\]$`, 'm'));
  } finally {
    await blocker.close();
  }
});

test('ui --port on a busy port says so in words, with what to do', async () => {
  const blocker = await startHttpUpstream('blocker');
  try {
    const { code, err } = await uiStderr({ config: configOn('ui-port.json', [await freePort()]), port: blocker.port });
    assert.equal(code, 1);
    assert.match(err, new RegExp(`^cannot start the UI host: port ${blocker.port} on 127\\.0\\.0\\.1 is in use; try another --port, or --port 0 for any free one$`, 'm'));
    assert.doesNotMatch(err, /EADDRINUSE/);
  } finally {
    await blocker.close();
  }
});
