// `switchyard ui --open`: the token must not go on a command line (ps and /proc/PID/cmdline show
// it to every local user); the browser gets a private page that redirects to the URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { openBrowser, type Child } from '../../../main/cli/open-browser.ts';

const url = 'http://127.0.0.1:4321/?token=SECRET_token-value_0123456789abcdefghijklmnopq';

test('--open puts a private redirect page on the command line, never the URL with its token', { skip: process.platform === 'win32' && 'POSIX modes' }, () => {
  const runs: Array<{ cmd: string; args: string[] }> = [];
  const child: Child = { on: () => child, unref: () => {} };
  const remove = openBrowser(url, new PassThrough(), (cmd, args) => (runs.push({ cmd, args }), child));
  assert.equal(runs.length, 1);
  const [page] = runs[0]!.args;
  assert.doesNotMatch(runs[0]!.args.join(' '), /SECRET/, 'the token is not in argv');
  assert.match(readFileSync(page!, 'utf8'), new RegExp(`http-equiv="refresh" content="0;url=${url.replace(/[?.]/g, '\\$&')}"`));
  assert.equal(statSync(page!).mode & 0o777, 0o600, 'only this user reads the page');
  assert.equal(statSync(dirname(page!)).mode & 0o777, 0o700);
  remove();
  assert.equal(existsSync(dirname(page!)), false, 'removed when the UI stops');
});

test('--open says so when no browser can be started, or the opener finds none (xdg-open exits 3)', () => {
  for (const fail of ['error', 'exit'] as const) {
    const err = new PassThrough();
    const on: Record<string, (x: never) => void> = {};
    const child = { on: (e: string, l: (x: never) => void) => { on[e] = l; return child; }, unref: () => {} } as unknown as Child;
    const remove = openBrowser(url, err, () => child);
    on.exit!(0 as never);
    assert.equal(err.read(), null, 'exit 0: opened');
    if (fail === 'error') on.error!(new Error('ENOENT') as never);
    else on.exit!(3 as never);
    assert.match(String(err.read()), /could not open a browser/, fail);
    remove();
  }
});

test('--open: the page (a live token) goes after a while on its own, and when the process exits however it exits', async () => {
  const child: Child = { on: () => child, unref: () => {} };
  let page = '';
  openBrowser(url, new PassThrough(), (_cmd, args) => ((page = args[0]!), child), 100);
  assert.ok(existsSync(page));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(existsSync(dirname(page)), false, 'removed after its time');
  // an exit with no signal handler run (an uncaught error): the exit hook removes it
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
    import { openBrowser } from ${JSON.stringify(new URL('../../../main/cli/open-browser.ts', import.meta.url).href)};
    openBrowser('http://127.0.0.1:1/?token=x', process.stderr, (_c, args) => (console.log(args[0]), { on() {}, unref() {} }));
    setTimeout(() => { throw new Error('crash'); }, 10);
  `], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], cwd: new URL('../../..', import.meta.url).pathname });
  const out = run.stdout.trim();
  assert.equal(run.status, 1, 'it crashed');
  assert.ok(out.endsWith('switchyard.html'), out);
  assert.equal(existsSync(dirname(out)), false, out);
});
