// The CLI as a user runs it: `node bin/switchyard.js <verb>` in a child process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpUpstream } from '../../helpers/upstreams.ts';
import { freePort } from '../../helpers/ports.ts';
import { send } from '../../helpers/client.ts';
import { poll, PROCESS_MS } from '../../helpers/wait.ts';

const BIN = new URL('../../../bin/switchyard.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, doc: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof doc === 'string' || Buffer.isBuffer(doc) ? doc : JSON.stringify(doc, null, 2));
  return file;
}

test('check: exit 0 and a summary for a valid file', () => {
  const file = writeConfig('ok.json', { schemaVersion: 1, servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9000' }] }] });
  const r = spawnSync(process.execPath, [BIN, 'check', '--config', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ok \(1 server\(s\), 1 location\(s\), 0 upstream\(s\)\)/);
});

test('check: every error with its JSON path, exit 1', () => {
  const file = writeConfig('bad.json', { schemaVersion: 1, servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [{ path: '/', proxyPass: 'http://nowhere', proxyReadTimeout: 'forever' }] }] });
  const r = spawnSync(process.execPath, [BIN, 'check', '--config', file], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /servers\[0\]\.locations\[0\]\.proxyReadTimeout: .*\[invalid_duration\]/);
});

test('check: broken JSON names line and column', () => {
  const file = writeConfig('broken.json', '{\n  "schemaVersion": 1,\n  "servers": [}\n');
  const r = spawnSync(process.execPath, [BIN, 'check', '--config', file], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /broken\.json:3:\d+: .*\[invalid_json\]/);
});

test('check: a file that cannot be read is named with why, in words', () => {
  const missing = spawnSync(process.execPath, [BIN, 'check', '--config', join(dir, 'nope.json')], { encoding: 'utf8' });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read .*nope\.json: no such file \(ENOENT\) \[unreadable_file\]/);
  const folder = spawnSync(process.execPath, [BIN, 'check', '--config', dir], { encoding: 'utf8' });
  assert.equal(folder.status, 1);
  assert.match(folder.stderr, /: it is a directory \(EISDIR\) \[unreadable_file\]/);
});

test('check: a UTF-8 byte order mark is skipped; bytes that are not UTF-8 are named with their offset, line and column', () => {
  const ok = writeConfig('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"schemaVersion": 1, "servers": []}')]));
  assert.equal(spawnSync(process.execPath, [BIN, 'check', '--config', ok], { encoding: 'utf8' }).status, 0);
  const latin1 = writeConfig('latin1.json', Buffer.concat([Buffer.from('{"schemaVersion": 1,\n "servers": [{"listen": [{"address": "127.0.0.1:1"}], "serverNames": ["caf'), Buffer.from([0xe9]), Buffer.from('.test"]}]}')]));
  const r = spawnSync(process.execPath, [BIN, 'check', '--config', latin1], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /latin1\.json: not UTF-8: byte 0xe9 at offset 95 \(line 2, column 75\) \[invalid_encoding\]/);
});

test('check: a key written twice in one object is an error at its line (JSON would keep only the last)', () => {
  const file = writeConfig('dup.json', '{"schemaVersion": 1, "servers": [{"listen": [{"address": "127.0.0.1:8080"}],\n  "locations": [{"path": "/", "proxyPass": "http://127.0.0.1:9001", "proxyPass": "http://127.0.0.1:9002"}]}]}');
  const r = spawnSync(process.execPath, [BIN, 'check', '--config', file], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /servers\[0\]\.locations\[0\]\.proxyPass: .*dup\.json:2:69: "proxyPass" appears twice in this object .*\[duplicate_key\]/);
});

test('check: a file of nothing but nested brackets is an error in a moment, not a hang', () => {
  const file = writeConfig('deep.json', `{"schemaVersion": 1, "servers": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
  const r = spawnSync(process.execPath, [BIN, 'check', '--config', file], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.signal, null, 'check did not finish in 15 s');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^servers(\[0\])+: nested more than 32 levels deep \[too_deep\]$/m);
});

test('check: a repeated key after a deeply nested value is still found; deep broken JSON is named by line and column; two byte order marks are not one', () => {
  const deep = `${'['.repeat(12_000)}${']'.repeat(12_000)}`;
  const hidden = writeConfig('dup-deep.json', `{"schemaVersion": 1, "servers": ${deep},\n "servers": []}`);
  const r = spawnSync(process.execPath, [BIN, 'check', '--config', hidden], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /dup-deep\.json:2:2: "servers" appears twice in this object .*\[duplicate_key\]/);
  const broken = writeConfig('deep-broken.json', `{"schemaVersion": 1, "servers": ${'['.repeat(12_000)}`);
  const b = spawnSync(process.execPath, [BIN, 'check', '--config', broken], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(b.status, 1);
  assert.match(b.stderr, /deep-broken\.json:1:12033: invalid JSON, unexpected end of file/);
  const twoMarks = writeConfig('bom2.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from('{"schemaVersion": 1, "servers": []}')]));
  const t = spawnSync(process.execPath, [BIN, 'check', '--config', twoMarks], { encoding: 'utf8' });
  assert.equal(t.status, 1);
  assert.match(t.stderr, /bom2\.json:1:1: /);
});

test('check: thousands of repeated keys deep in a file are counted past the error cap in a moment', () => {
  const file = writeConfig('deep-dups.json', `{"schemaVersion": 1, "servers": ${'['.repeat(8_000)}{${'"a": 1, '.repeat(8_000)}"a": 1}${']'.repeat(8_000)}}`);
  const r = spawnSync(process.execPath, [BIN, 'check', '--config', file], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.signal, null, 'check did not finish in 20 s');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\[too_many_errors\]/);
  assert.match(r.stderr, /deep-dups\.json: 800[0-9] error\(s\)/);
});

test('unknown verbs, missing flags and bad values are usage errors (exit 2); --help and --version exit 0', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  assert.equal(run('frobnicate').status, 2);
  const unknownHelp = run('frobnicate', '--help');
  assert.equal(unknownHelp.status, 2, 'an unknown verb with --help is still a usage error');
  assert.match(unknownHelp.stderr, /unknown verb "frobnicate"/);
  assert.equal(run('serve').status, 2);
  const noVerb = run();
  assert.equal(noVerb.status, 2);
  assert.match(noVerb.stderr, /^usage: switchyard/);
  const badPort = run('ui', '--port', 'abc');
  assert.equal(badPort.status, 2);
  assert.match(badPort.stderr, /--port must be a whole number from 0 to 65535, not "abc"/);
  for (const verb of ['check', 'serve', 'import-nginx']) {
    const help = run(verb, '--help');
    assert.equal(help.status, 0, `${verb} --help`);
    // that verb's usage only
    assert.match(help.stdout, new RegExp(`^usage: switchyard ${verb} `));
    assert.doesNotMatch(help.stdout, /export-nginx --config/);
  }
  // every option the ui verb takes is in its usage, as in the README's table
  const uiHelp = run('ui', '--help').stdout;
  for (const option of ['--config FILE', '--port N', '--open']) assert.ok(uiHelp.includes(option), `ui --help names ${option}: ${uiHelp}`);
  assert.match(run('--version').stdout, /^switchyard \d+\.\d+\.\d+\n$/);
  // version takes nothing; --help names only verbs (not a word of the usage text)
  for (const args of [['version', '--bogus'], ['version', 'extra'], ['Every', '--help'], ['', '--help']]) assert.equal(run(...args).status, 2, args.join(' '));
  assert.match(run('--version', '--help').stdout, /^usage: switchyard version/);
  // `help VERB` is that verb's usage; its lines under the first keep the column of the first's description
  const helpCheck = run('help', 'import-nginx');
  assert.equal(helpCheck.status, 0);
  assert.equal(helpCheck.stdout, run('import-nginx', '--help').stdout);
  const [first, second] = helpCheck.stdout.split('\n');
  assert.equal(first!.indexOf('convert'), second!.search(/\S/), helpCheck.stdout);
  assert.equal(run('help', 'frobnicate').status, 2);
  // -o with no name is a mistake, not stdout
  const emptyOut = run('export-nginx', '--config', 'x.json', '-o', '');
  assert.equal(emptyOut.status, 2);
  assert.match(emptyOut.stderr, /-o needs a file name/);
});

test('serve: a port in use is reported once and the other listeners run; a config without servers says so', async () => {
  const blocker = await startHttpUpstream('blocker');
  const free = await freePort();
  const file = writeConfig('busy.json', { schemaVersion: 1, servers: [
    { listen: [{ address: `127.0.0.1:${blocker.port}` }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9' }] },
    { listen: [{ address: `127.0.0.1:${free}` }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9' }] },
  ] });
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  try {
    const listening = new RegExp(`listening on http://127.0.0.1:${free}`);
    assert.match(await poll(() => out, (o) => listening.test(o), PROCESS_MS), listening);
    assert.equal(err.split(`127.0.0.1:${blocker.port}`).length - 1, 1, `reported once: ${err}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await blocker.close();
  }
  const none = spawnSync(process.execPath, [BIN, 'serve', '--config', writeConfig('none.json', { schemaVersion: 1, servers: [] })], { encoding: 'utf8' });
  assert.equal(none.status, 1);
  assert.match(none.stderr, /the config defines no servers/);
});

test('serve: prints each listener, proxies, reloads on SIGHUP, stops on SIGTERM', async () => {
  const up = await startHttpUpstream('a');
  const up2 = await startHttpUpstream('b');
  const port = await freePort();
  const cfg = (target: number) => ({ schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${target}` }] }] });
  const file = writeConfig('serve.json', cfg(up.port));
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const waitFor = async (re: RegExp) => assert.match(await poll(() => out, (o) => re.test(o), PROCESS_MS), re);
  try {
    await waitFor(new RegExp(`listening on http://127\\.0\\.0\\.1:${port}`));
    assert.equal(JSON.parse((await send(`http://127.0.0.1:${port}/`)).body).name, 'a');
    writeConfig('serve.json', cfg(up2.port));
    child.kill('SIGHUP');
    await waitFor(/reloaded/);
    assert.equal(JSON.parse((await send(`http://127.0.0.1:${port}/`)).body).name, 'b');
    // refused, the running config kept: a file that is not valid, and one moving the listener to a busy port (as nginx)
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const refusedWith = async (re: RegExp) => {
      assert.match(await poll(() => err, (e) => re.test(e), PROCESS_MS), re);
      assert.equal(JSON.parse((await send(`http://127.0.0.1:${port}/`)).body).name, 'b');
      err = '';
    };
    writeConfig('serve.json', { schemaVersion: 1, servers: [{ listen: [] }] });
    child.kill('SIGHUP');
    await refusedWith(/reload refused, still running the previous config:\n  servers\[0\]/);
    const blocker = await startHttpUpstream('blocker');
    const busy = blocker.port;
    writeConfig('serve.json', { schemaVersion: 1, servers: [{ listen: [{ address: `127.0.0.1:${busy}` }], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${up.port}` }] }] });
    child.kill('SIGHUP');
    await refusedWith(new RegExp(`reload refused, still running the previous config:\n  servers\\[0\\]\\.listen\\[0\\]\\.address: cannot listen on 127\.0\.0\.1:${busy}: address already in use \\[listen_failed\\]\n`));
    await blocker.close();
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    await up.close();
    await up2.close();
  }
});

test('check: only a regular file of at most 64 MiB is read (/dev/zero would never end); a key with a newline stays on its line; past 1,000 errors the rest are counted', () => {
  const check = (file: string) => spawnSync(process.execPath, [BIN, 'check', '--config', file], { encoding: 'utf8', timeout: 30_000 });
  const zero = check('/dev/zero');
  assert.equal(zero.signal, null, 'check /dev/zero finished');
  assert.equal(zero.status, 1);
  assert.match(zero.stderr, /cannot read \/dev\/zero: not a regular file \[unreadable_file\]/);
  const big = join(dir, 'big.json');
  writeFileSync(big, Buffer.alloc(64 * 1024 * 1024 + 1, 0x20));
  const tooBig = check(big);
  assert.equal(tooBig.status, 1);
  assert.match(tooBig.stderr, /more than the 64 MiB a config may have \[file_too_large\]/);
  rmSync(big);
  const newline = check(writeConfig('newline-key.json', { schemaVersion: 1, servers: [], 'x\ny: fake': 3 }));
  assert.equal(newline.status, 1);
  assert.match(newline.stderr, /unknown field "x\\ny: fake" \[unknown_field\]/);
  assert.equal(newline.stderr.split('\n').filter((l) => l.startsWith('y: fake')).length, 0, 'no line that reads as another error');
  const many = check(writeConfig('many.json', { schemaVersion: 1, servers: Array.from({ length: 5000 }, () => 1) }));
  assert.equal(many.status, 1);
  const lines = many.stderr.trim().split('\n');
  assert.equal(lines.length, 1002, 'a thousand errors, the count of the rest, the summary');
  assert.match(lines[1000]!, /and 4000 more error\(s\) not listed \(the first 1000 are\) \[too_many_errors\]/);
  assert.match(lines[1001]!, /many\.json: 5000 error\(s\)$/, 'the summary counts them all');
  // keys written twice are capped with the rest (they come first)
  const dup = `{"schemaVersion":1,"servers":[{"listen":[{"address":"127.0.0.1:8080"}],"locations":[${Array.from({ length: 1500 }, (_, i) => `{"path":"/a${i}","path":"/b${i}","proxyPass":"http://127.0.0.1:1"}`).join(',')}]}]}`;
  const dups = check(writeConfig('dup.json', dup)).stderr.trim().split('\n');
  assert.equal(dups.length, 1002);
  assert.match(dups[0]!, /\[duplicate_key\]$/);
  assert.match(dups[1000]!, /and 500 more error\(s\) not listed/);
  assert.match(dups[1001]!, /dup\.json: 1500 error\(s\)$/);
});

test('check: a time nginx takes but longer than the engine holds says so', () => {
  const r = spawnSync(process.execPath, [BIN, 'check', '--config', writeConfig('long.json', {
    schemaVersion: 1, servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9000', proxyReadTimeout: '30d' }] }],
  })], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /proxyReadTimeout: proxy_read_timeout: longer than 2147483s \(about 24\.8 days\), the most the engine's timers \(and 32-bit nginx's\) hold \[duration_too_long\]/);
});

test('a valid config the engine cannot run (a name that does not resolve): check, serve and ui say where and why', async () => {
  const file = writeConfig('unresolved.json', {
    schemaVersion: 1, upstreams: [{ name: 'app', servers: [{ address: 'nonexistent.invalid:9001' }, { address: 'localhost:9002' }] }],
    servers: [{
      listen: [{ address: `127.0.0.1:${await freePort()}` }],
      locations: [{ path: '/', proxyPass: 'http://app' }, { path: '/b/', proxyPass: 'http://nonexistent.invalid:80/x/' }, { path: '/c/', proxyPass: 'http://localhost:9003' }],
    }],
  });
  const check = spawnSync(process.execPath, [BIN, 'check', '--config', file], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(check.status, 1);
  assert.equal(check.stdout, '');
  // (the lookup's code: ENOTFOUND, or EAI_AGAIN where no DNS server answers)
  assert.deepEqual(check.stderr.replace(/\((ENOTFOUND|EAI_AGAIN)\)/g, '(CODE)').trim().split('\n'), [
    'upstreams[0].servers[0].address: host not found in upstream "nonexistent.invalid:9001" (CODE): nginx refuses such a config too [resolve_failed]',
    'servers[0].locations[1].proxyPass: host not found in upstream "nonexistent.invalid:80" (CODE): nginx refuses such a config too [resolve_failed]',
    `${file}: 2 error(s)`,
  ]);
  const serve = spawnSync(process.execPath, [BIN, 'serve', '--config', file], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(serve.status, 1);
  assert.match(serve.stderr, /upstreams\[0\]\.servers\[0\]\.address: host not found in upstream "nonexistent\.invalid:9001"/);
  assert.match(serve.stderr, /servers\[0\]\.locations\[1\]\.proxyPass: host not found in upstream "nonexistent\.invalid:80"/, 'every name, as check says them');
  assert.match(serve.stderr, /unresolved\.json: 2 error\(s\)\n$/, 'the count, as check and verify end');
  // the UI opens with the draft unapplied, and says why on stderr (and in its log)
  const ui = spawn(process.execPath, [BIN, 'ui', '--config', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  ui.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  try {
    await poll(async () => err, (e) => e.includes('was not applied'), 15_000);
    assert.match(err, /\[error\] apply_failed: .*unresolved\.json was not applied: upstreams\[0\]\.servers\[0\]\.address: host not found/);
  } finally {
    ui.kill('SIGTERM');
  }
});

test('check: what nginx -t warns of and takes (a conflicting server name) is a warning on stderr, exit 0', () => {
  const server = (port: number) => ({ listen: [{ address: '127.0.0.1:8080' }], serverNames: ['app.test'], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${port}` }] });
  const file = writeConfig('conflict.json', { schemaVersion: 1, servers: [server(9000), server(9001)] });
  const r = spawnSync(process.execPath, [BIN, 'check', '--config', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /: ok \(2 server/);
  assert.match(r.stderr, /^warning: servers\[1\]\.serverNames\[0\]: conflicting server name "app\.test" on 127\.0\.0\.1:8080: servers\[0\] has it already.* \[conflicting_server_name\]$/m);
});

test('check: an older config is read migrated, as the workspace reads it (said, the file unchanged); a newer one is named as such', () => {
  const v0 = new URL('../../fixtures/config/v0.json', import.meta.url).pathname;
  const old = spawnSync(process.execPath, [BIN, 'check', '--config', v0], { encoding: 'utf8' });
  assert.equal(old.status, 0, old.stderr);
  assert.match(old.stdout, /ok \(2 server\(s\), 3 location\(s\)/);
  assert.match(old.stderr, /^note: .*v0\.json is an older config, read as the current schema \(v0 → v1: 3 routes became 2 servers; problems name that schema's paths\); the file itself is unchanged$/m);
  const newer = spawnSync(process.execPath, [BIN, 'check', '--config', writeConfig('v2.json', { schemaVersion: 2, servers: [] })], { encoding: 'utf8' });
  assert.equal(newer.status, 1);
  assert.match(newer.stderr, /^schemaVersion: this file was written by a newer Switchyard \(config version 2; this version reads up to 1\) \[newer_version\]$/m);
  // one that cannot be migrated says why, not what the current schema makes of the old one
  const bad = spawnSync(process.execPath, [BIN, 'check', '--config', writeConfig('v0bad.json', { version: 0, routes: [{ listen: '127.0.0.1:8080', path: '/', target: 'ftp://x' }] })], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^\(document\): cannot migrate from version 0: routes\[0\]\.target "ftp:\/\/x" is not a ws:\/\/ or http:\/\/ URL \[migration_failed\]$/m);
});
