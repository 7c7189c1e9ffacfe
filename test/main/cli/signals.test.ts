// `switchyard serve` and `ui` and signals sent the moment they say they listen, as a supervisor
// sends them: handled, not the system's default (the end of the process, without the clean-up); a
// SIGHUP to serve then is a reload, and a SIGTERM while a reload is under way ends the process, with
// no socket bound again by that reload.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/ports.ts';
import { poll, PROCESS_MS } from '../../helpers/wait.ts';
import { PassThrough } from 'node:stream';
import { serveCommand } from '../../../main/cli/serve.ts';
import { uiCommand } from '../../../main/cli/ui.ts';

const BIN = new URL('../../../bin/switchyard.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-signals-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `verb` (serve, ui) and sends `signals` as soon as it prints where it listens; `ended` waits
 * for its end (null when it still runs 20 s later: it is then killed). */
async function runAndSignal(signals: NodeJS.Signals[], verb = 'serve', ...args: string[]) {
  const file = join(dir, 'serve.json');
  writeFileSync(file, JSON.stringify({ schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${await freePort()}` }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9' }] }] }));
  const child = spawn(process.execPath, [BIN, verb, '--config', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { out: '', end: null as { code: number | null; signal: NodeJS.Signals | null } | null };
  child.on('exit', (code, signal) => (run.end = { code, signal }));
  child.stderr.on('data', (d) => (run.out += d));
  child.stdout.on('data', (d) => {
    const listening = /listening on|Switchyard UI:/;
    const first = !listening.test(run.out);
    run.out += d;
    if (first && listening.test(run.out)) for (const s of signals) child.kill(s);
  });
  const ended = async () => {
    const end = await poll(() => run.end, (e) => e !== null, 20_000);
    if (!end) child.kill('SIGKILL');
    return end;
  };
  return { child, run, ended };
}

test('serve: a SIGHUP then a SIGTERM sent as it says it listens end it, exit 0, nothing reloaded after the stop', async () => {
  const { run, ended } = await runAndSignal(['SIGHUP', 'SIGTERM']);
  assert.deepEqual(await ended(), { code: 0, signal: null }, run.out);
  assert.match(run.out, /SIGTERM: stopping\n/);
  assert.doesNotMatch(run.out.slice(run.out.indexOf('SIGTERM: stopping')), /reloaded|listening/);
});

test('serve: a SIGHUP sent as it says it listens is a reload', async () => {
  const { child, run, ended } = await runAndSignal(['SIGHUP']);
  const reloaded = /^listening on http:\/\/127\.0\.0\.1:\d+\nreloaded\nlistening on http:\/\/127\.0\.0\.1:\d+\n$/;
  const out = await poll(() => (run.end ? `ended: ${JSON.stringify(run.end)}\n${run.out}` : run.out), (o) => reloaded.test(o) || o.startsWith('ended'), PROCESS_MS);
  child.kill('SIGTERM');
  assert.match(out, reloaded);
  assert.deepEqual(await ended(), { code: 0, signal: null });
});

test('ui: a SIGHUP (the terminal closed) sent as it prints its URL stops it, exit 0', async () => {
  const { run, ended } = await runAndSignal(['SIGHUP'], 'ui', '--port', '0');
  assert.deepEqual(await ended(), { code: 0, signal: null }, run.out);
  assert.match(run.out, /SIGHUP: stopping\n/);
});

/** The process's SIGINT, SIGTERM and SIGHUP listener counts. */
const handlers = () => (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => process.listenerCount(s));

/** Starts `run` in this process, sends it a SIGTERM once `started` says so, and returns the signal
 * listener counts before the start, during the stop and after it. */
async function countsAroundStop(run: (out: PassThrough) => Promise<number>, started: (out: string) => boolean) {
  const before = handlers();
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const result = run(out);
  await poll(() => text, started, PROCESS_MS);
  process.emit('SIGTERM');
  const during = handlers();
  assert.equal(await result, 0);
  return { before, during, after: handlers() };
}

// (a second signal during the stop, such as the one `timeout` sends the process group or the SIGTERM
// `npm start` passes on after a closing terminal's SIGHUP, finds a handler: the system's default
// would end the process, the stop unfinished)
test('serve and ui keep their signal handlers until their stop has ended', async () => {
  const config = join(dir, 'stop.json');
  writeFileSync(config, JSON.stringify({ schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${await freePort()}` }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9' }] }] }));
  const serve = await countsAroundStop((out) => serveCommand({ config, accessLog: false, stdout: out, stderr: new PassThrough() }), (o) => o.includes('listening on'));
  const ui = await countsAroundStop((out) => uiCommand({ config, port: 0, stdout: out, stderr: new PassThrough() }), (o) => o.includes('Switchyard UI:'));
  for (const r of [serve, ui]) {
    assert.ok(r.during.every((n, i) => n === r.before[i]! + 1), `during the stop: ${r.during}, before: ${r.before}`);
    assert.deepEqual(r.after, r.before);
  }
});

test('serve: SIGUSR1 (logrotate\'s "reopen your logs" for nginx) starts no inspector port for local users to run code through', async () => {
  const { child, run, ended } = await runAndSignal(['SIGUSR1']);
  // (a reload after it, then the stop: by then an inspector would long have said it listens)
  await poll(() => run.out, (o) => o.includes('listening on'), PROCESS_MS);
  child.kill('SIGHUP');
  await poll(() => run.out, (o) => o.includes('reloaded'), PROCESS_MS);
  child.kill('SIGTERM');
  assert.deepEqual(await ended(), { code: 0, signal: null }, run.out);
  assert.doesNotMatch(run.out, /Debugger listening|inspector/i);
});
