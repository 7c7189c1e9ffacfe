// First run: no saved config → the example (a listener with a WebSocket route to the built-in echo
// server) runs at once, a real client gets its echo through the proxy, and the config is saved.
// The listener port is a parameter here (8080 in the app).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { WebSocket } from 'ws';
import { AppCore } from '../../../main/persist/boot.ts';
import { ECHO_UPSTREAM, firstRunConfig } from '../../../main/persist/first-run.ts';
import { validateConfig } from '../../../app/config/validate.ts';
import { uiCommand } from '../../../main/cli/ui.ts';
import { freePort } from '../../helpers/ports.ts';

const root = mkdtempSync(join(tmpdir(), 'switchyard-firstrun-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dataDir = () => join(root, String(n++));

function echoThrough(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`);
    const timer = setTimeout(() => reject(new Error('no echo in 5 s')), 5000);
    ws.once('error', reject);
    ws.once('open', () => ws.send(message));
    ws.once('message', (data) => {
      clearTimeout(timer);
      ws.close();
      resolve(String(data));
    });
  });
}

async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the first-run example is a valid config', () => {
  assert.ok(validateConfig(firstRunConfig({ echoAddress: '127.0.0.1:1234' })).ok);
  assert.equal((firstRunConfig({ echoAddress: 'x:1' }).servers![0]!.listen[0]!).address, '127.0.0.1:8080');
  // the route's label names no address, which would go stale once the user changes the listener
  assert.doesNotMatch(firstRunConfig({ echoAddress: 'x:1', listenPort: 9999 }).servers![0]!.locations![0]!.name!, /9999|127\.0\.0\.1/);
});

test('first run: the engine runs the example and a ws client gets an echo through the listener', async () => {
  const dir = dataDir();
  const port = await freePort();
  const { core, firstRun, notices } = await AppCore.start({ userDataDir: dir, firstRunPort: port });
  try {
    assert.equal(firstRun, true);
    assert.deepEqual(notices, []);
    assert.equal(core.service.snapshot().listeners[0]?.state, 'listening');
    assert.equal(await echoThrough(port, 'hello, switchyard'), 'hello, switchyard');
    await waitFor(() => core.service.snapshot().sessions.length > 0, 'the session in the service');
    const s = core.service.snapshot().sessions[0]!;
    assert.equal(s.url, '/echo');
    assert.equal(s.framesAvailable, true);
    const frames = async () => { const r = await core.service.handle('session', { id: s.id }); return r.ok ? ((r.value as { frames: Array<{ from: string }> | null }).frames ?? []) : []; };
    const until = Date.now() + 5000;
    while ((await frames()).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual((await frames()).slice(0, 2).map((f) => f.from), ['client', 'upstream'], 'the frames of the echo are recorded');
    // the example is saved to the user-data folder
    await waitFor(() => existsSync(join(dir, 'config.json')), 'config.json');
  } finally {
    await core.close();
  }
  // Second start: the saved config opens (not the example again), the echo server gets a new port.
  const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.ok(saved.upstreams.some((u: { name: string }) => u.name === ECHO_UPSTREAM));
  const again = await AppCore.start({ userDataDir: dir, firstRunPort: port });
  try {
    assert.equal(again.firstRun, false);
    assert.equal(await echoThrough(port, 'again'), 'again');
  } finally {
    await again.core.close();
  }
});

test('first run with the port taken: the config still loads and the failed listener is reported', async () => {
  const blocker = createServer();
  const port = await new Promise<number>((r) => blocker.listen(0, '127.0.0.1', () => r((blocker.address() as { port: number }).port)));
  const { core } = await AppCore.start({ userDataDir: dataDir(), firstRunPort: port });
  try {
    const snap = core.service.snapshot();
    assert.equal(snap.listeners[0]?.state, 'failed');
    assert.match(snap.listeners[0]!.error!.message, /in use|EADDRINUSE/i);
    assert.ok(snap.config.applied, 'the example is applied (its listener failed)');
    assert.ok(snap.logs.some((l) => l.code === 'listen_failed'));
  } finally {
    await core.close();
    blocker.close();
  }
});

test('a damaged saved config: the backup opens and the notice reaches the UI log', async () => {
  const dir = dataDir();
  const port = await freePort();
  const first = await AppCore.start({ userDataDir: dir, firstRunPort: port });
  await waitFor(() => existsSync(join(dir, 'config.json')), 'config.json');
  await first.core.save(); // a second save: config.json.bak exists
  await first.core.close();
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'config.json'), '{"schemaVersion": 1,');
  const { core, notices, firstRun } = await AppCore.start({ userDataDir: dir, firstRunPort: port });
  try {
    assert.equal(firstRun, false);
    assert.equal(notices[0]?.code, 'invalid_json');
    assert.ok(existsSync(notices[0]!.badFile!));
    assert.ok(core.service.snapshot().logs.some((l) => l.code === 'invalid_json' && l.message.includes(notices[0]!.badFile!)));
    assert.equal(await echoThrough(port, 'from the backup'), 'from the backup');
  } finally {
    await core.close();
  }
});

/** `switchyard ui` without --config on a fresh user-data folder, the example on `port`: what it
 * wrote on stderr once the UI host is up, and a stop that checks it exits 0. */
async function firstRunUi(port: number, dir = dataDir()): Promise<{ err: string; stop(): Promise<void> }> {
  const abort = new AbortController();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (c) => (err += c));
  let ready!: () => void;
  const started = new Promise<void>((r) => (ready = r));
  const done = uiCommand({ userDataDir: dir, firstRunPort: port, stdout: new PassThrough(), stderr, signal: abort.signal, rendererDir: root, onReady: () => ready() });
  await started;
  return { err, stop: async () => { abort.abort(); assert.equal(await done, 0); } };
}

test('`switchyard ui` without --config opens the first-run example too', async () => {
  const port = await freePort();
  const ui = await firstRunUi(port);
  try {
    assert.match(ui.err, /^first run: started the example config \(saved to .*\); connect a WebSocket client to ws:\/\/127\.0\.0\.1:\d+\/echo\n/);
    assert.equal(await echoThrough(port, 'via ui'), 'via ui');
  } finally {
    await ui.stop();
  }
});

/** The echo upstream's server addresses in the running config. */
const echoServers = (core: AppCore) => ((core.service.snapshot().config.applied as { upstreams: Array<{ name: string; servers: Array<{ address: string }> }> })
  .upstreams.find((u) => u.name === ECHO_UPSTREAM)!.servers.map((s) => s.address));

test('the echo upstream is the user\'s to edit: servers added to it, or put in its place, survive a restart; the echo server keeps its port', async () => {
  const dir = dataDir();
  const port = await freePort();
  const first = await AppCore.start({ userDataDir: dir, firstRunPort: port });
  const echoAt = echoServers(first.core)[0]!;
  // the user adds a server of their own to the built-in upstream, and applies
  const draft = structuredClone(first.core.service.snapshot().config.applied) as { upstreams: Array<{ name: string; servers: Array<{ address: string; weight?: number }> }> };
  draft.upstreams[0]!.servers.push({ address: '127.0.0.1:9', weight: 3 });
  assert.ok((await first.core.service.handle('apply', { draft })).ok);
  await first.core.close();

  const second = await AppCore.start({ userDataDir: dir, firstRunPort: port });
  try {
    assert.deepEqual(echoServers(second.core), [echoAt, '127.0.0.1:9'], 'the echo server listens on its port again; the added server stays');
    assert.equal(await echoThrough(port, 'kept'), 'kept');
  } finally {
    await second.core.close();
  }

  // the echo's port taken at the next start: only the echo server's entry follows it
  const [echoHost, echoPort] = echoAt.split(':');
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(Number(echoPort), echoHost, () => r()));
  const third = await AppCore.start({ userDataDir: dir, firstRunPort: port });
  let moved: string;
  try {
    [moved] = echoServers(third.core) as [string];
    assert.notEqual(moved, echoAt);
    assert.deepEqual(echoServers(third.core), [moved, '127.0.0.1:9']);
    assert.equal(await echoThrough(port, 'moved'), 'moved');
  } finally {
    await third.core.close();
    blocker.close();
  }
  // the file still names the echo's first address (a start does not rewrite it): known, it follows
  // the echo where it is now, at the next start and the one after
  for (let k = 0; k < 2; k++) {
    const next = await AppCore.start({ userDataDir: dir, firstRunPort: port });
    try {
      assert.deepEqual(echoServers(next.core), [moved, '127.0.0.1:9']);
      assert.equal(await echoThrough(port, `again ${k}`), `again ${k}`);
      if (k === 1) {
        // the user then points the upstream at their own app instead of the echo server
        const d = structuredClone(next.core.service.snapshot().config.applied) as { upstreams: Array<{ name: string; servers: Array<{ address: string }> }> };
        d.upstreams[0]!.servers = [{ address: '127.0.0.1:7' }];
        assert.ok((await next.core.service.handle('apply', { draft: d })).ok);
      }
    } finally {
      await next.core.close();
    }
  }
  const fourth = await AppCore.start({ userDataDir: dir, firstRunPort: port });
  try {
    assert.deepEqual(echoServers(fourth.core), ['127.0.0.1:7'], 'an upstream the user pointed elsewhere is left alone');
    assert.equal(fourth.core.echoPort, null, 'and the echo server does not start');
  } finally {
    await fourth.core.close();
  }
});

test('`switchyard ui` first run with the port taken: no address suggested (it reaches the program holding it), the failure and what to do', async () => {
  const blocker = createServer();
  const port = await new Promise<number>((r) => blocker.listen(0, '127.0.0.1', () => r((blocker.address() as { port: number }).port)));
  const ui = await firstRunUi(port);
  try {
    assert.match(ui.err, /^first run: saved the example config to .*config\.json, but its listener did not start \(below\): change its address on the Routes screen and Apply\n/);
    assert.match(ui.err, new RegExp(`listener failed: servers\\[0\\]\\.listen\\[0\\]\\.address: cannot listen on 127\\.0\\.0\\.1:${port}: address already in use`));
    assert.doesNotMatch(ui.err, /connect a WebSocket client|ws:\/\//);
  } finally {
    await ui.stop();
    blocker.close();
  }
});

test('`switchyard ui` first run where the example cannot be saved (a folder in its place) does not say it was saved, and says why', async () => {
  const dir = dataDir();
  mkdirSync(join(dir, 'config.json'), { recursive: true });
  const ui = await firstRunUi(await freePort(), dir);
  try {
    assert.match(ui.err, /\nfirst run: started the example config \(could not be saved \(.*config\.json is a folder, not a file; not saving over it\)\); connect a WebSocket client/);
    assert.doesNotMatch(ui.err, /saved to/);
  } finally {
    await ui.stop();
  }
});

test('`switchyard ui` with a user data folder that cannot be made says so in words and exits 1', async () => {
  const file = join(root, 'a-file');
  writeFileSync(file, '');
  for (const [dir, why] of [[file, 'a file of that name is there (EEXIST)'], [join(file, 'sub'), 'a part of the path is not a directory (ENOTDIR)']] as const) {
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (c) => (err += c));
    assert.equal(await uiCommand({ userDataDir: dir, stdout: new PassThrough(), stderr }), 1);
    assert.equal(err, `cannot use the user data folder ${dir}: ${why}\n`);
  }
});
