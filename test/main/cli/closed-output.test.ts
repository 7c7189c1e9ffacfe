// The CLI's stdout read by a program that ends first (`switchyard export-nginx … | head -1`, an
// access log piped to a reader that went away): no "Unhandled 'error' event" crash; serve keeps
// proxying.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpUpstream } from '../../helpers/upstreams.ts';
import { freePort } from '../../helpers/ports.ts';
import { send } from '../../helpers/client.ts';
import { poll, PROCESS_MS } from '../../helpers/wait.ts';

const BIN = new URL('../../../bin/switchyard.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-closed-output-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, port: number, target: number, locations = 1): string {
  const file = join(dir, name);
  const locs = Array.from({ length: locations }, (_, i) => ({ path: i ? `/p${i}/` : '/', proxyPass: `http://127.0.0.1:${target}` }));
  writeFileSync(file, JSON.stringify({ schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: locs }] }));
  return file;
}

/** Runs the CLI with its stdout's reader closing at once (when `when` is true of what it printed). */
function runClosingStdout(args: string[], when: (out: string) => boolean = () => true) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { out: '', err: '', end: null as { code: number | null; signal: string | null } | null };
  child.on('exit', (code, signal) => (run.end = { code, signal }));
  child.stderr.on('data', (d) => (run.err += d));
  child.stdout.on('data', (d) => {
    run.out += d;
    if (when(run.out)) child.stdout.destroy();
  });
  return { child, run };
}

test('export-nginx into a reader that closed: no crash, exit 0', async () => {
  // (more than a pipe holds: the writes meet the closed end)
  const { run } = runClosingStdout(['export-nginx', '--config', configFile('big.json', 8080, 9000, 5000)]);
  const end = await poll(() => run.end, (e) => e !== null, 30_000);
  assert.doesNotMatch(run.err, /EPIPE|Unhandled/);
  assert.deepEqual(end, { code: 0, signal: null });
});

test('serve --access-log: its access log\'s reader gone, it still proxies, and stops on SIGTERM with exit 0', async () => {
  const up = await startHttpUpstream('a');
  const port = await freePort();
  const { child, run } = runClosingStdout(['serve', '--config', configFile('serve.json', port, up.port), '--access-log'], (o) => o.includes('listening on'));
  try {
    assert.ok(await poll(() => child.stdout.destroyed, (d) => d, PROCESS_MS), `it said it listens: ${run.err}`);
    // (each exchange is a line for the closed stdout)
    for (let i = 0; i < 3; i++) assert.equal(JSON.parse((await send(`http://127.0.0.1:${port}/`)).body).name, 'a', run.err);
    assert.equal(run.end, null, run.err);
    child.kill('SIGTERM');
    assert.deepEqual(await poll(() => run.end, (e) => e !== null, PROCESS_MS), { code: 0, signal: null });
    assert.doesNotMatch(run.err, /EPIPE|Unhandled/);
  } finally {
    child.kill('SIGKILL');
    await up.close();
  }
});
