// The Node-side commands: export-nginx, import-nginx, verify (exit codes and streams).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { lstat, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportNginxCommand } from '../../../main/cli/export-nginx.ts';
import { importNginxCommand } from '../../../main/cli/import-nginx.ts';
import { verifyCommand } from '../../../main/cli/verify.ts';
import { findNginx } from '../../../main/nginx/binary.ts';
import { README_MODEL } from './models.ts';
import { unprivilegedNginx } from '../../helpers/nginx-user.ts';

function sink() {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, cb) { text += chunk; cb(); } });
  return { stream, get text() { return text; } };
}
const FIX = fileURLToPath(new URL('../../fixtures/nginx/', import.meta.url));

async function withTmp(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-cli-nginx-'));
  try { await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

test('export-nginx: full to stdout, snippet to a file; invalid configs list every issue', () => withTmp(async (dir) => {
  const cfg = join(dir, 'c.json');
  await writeFile(cfg, JSON.stringify(README_MODEL));
  const out = sink(); const err = sink();
  assert.equal(await exportNginxCommand({ config: cfg, snippet: false, stdout: out.stream, stderr: err.stream }), 0);
  assert.match(out.text, /^events \{\}\n\nhttp \{\n {4}map /);
  const file = join(dir, 'snippet.conf');
  assert.equal(await exportNginxCommand({ config: cfg, out: file, snippet: true, stdout: out.stream, stderr: err.stream }), 0);
  assert.match(await readFile(file, 'utf8'), /^map \$http_upgrade/);
  // the built-in echo upstream (the first-run example's) is said: it means nothing deployed
  await writeFile(cfg, JSON.stringify({ ...README_MODEL, upstreams: [...(README_MODEL as { upstreams: unknown[] }).upstreams, { name: 'switchyard_echo', servers: [{ address: '127.0.0.1:40001' }] }] }));
  const echo = sink();
  assert.equal(await exportNginxCommand({ config: cfg, snippet: false, stdout: sink().stream, stderr: echo.stream }), 0);
  assert.match(echo.text, /: note: upstream "switchyard_echo" is Switchyard's built-in echo server, .* before deploying this file\n$/);
  assert.doesNotMatch(err.text, /switchyard_echo/);
  await writeFile(cfg, JSON.stringify({ schemaVersion: 1, servers: [{ listen: [{ address: '99999' }], locations: [{ path: 'x', proxyPass: 'http://nowhere' }] }] }));
  const e2 = sink();
  assert.equal(await exportNginxCommand({ config: cfg, snippet: false, stdout: out.stream, stderr: e2.stream }), 1);
  assert.match(e2.text, /servers\[0\]\.listen\[0\]\.address: port must be 1-65535 \[invalid_port\]/);
  assert.match(e2.text, /servers\[0\]\.locations\[0\]\.path: .* \[invalid_location_path\]/);
  assert.match(e2.text, /servers\[0\]\.locations\[0\]\.proxyPass: .* \[unknown_upstream\]/);
}));

test('import-nginx: JSON on stdout, warnings with file:line on stderr, exit 0; 1 on a syntax error', () => withTmp(async (dir) => {
  const out = sink(); const err = sink();
  assert.equal(await importNginxCommand({ files: [join(FIX, 'node-app.conf')], stdout: out.stream, stderr: err.stream }), 0);
  assert.equal(JSON.parse(out.text).servers[0].locations[0].proxyPass, 'http://localhost:3000');
  assert.match(err.text, /node-app\.conf:14: proxy_cache_bypass: /);
  assert.match(err.text, /imported 1 server\(s\), 0 upstream\(s\); 1 warning\(s\)/);
  const bad = join(dir, 'bad.conf');
  await writeFile(bad, 'server {\n  listen 80\n');
  const e2 = sink();
  assert.equal(await importNginxCommand({ files: [bad], stdout: sink().stream, stderr: e2.stream }), 1);
  assert.match(e2.text, /bad\.conf:3:1: unexpected end of file/);
  const e3 = sink();
  assert.equal(await importNginxCommand({ files: [join(dir, 'missing.conf')], stdout: sink().stream, stderr: e3.stream }), 1);
  assert.match(e3.text, /ENOENT/);
  // bytes that are not UTF-8 are named (as `check` names them), not replaced
  const latin1 = join(dir, 'latin1.conf');
  await writeFile(latin1, Buffer.concat([Buffer.from('server {\n  listen 80;\n  location / { proxy_pass http://127.0.0.1:1; proxy_set_header X-A "caf'), Buffer.from([0xe9]), Buffer.from('"; }\n}\n')]));
  const e4 = sink();
  assert.equal(await importNginxCommand({ files: [latin1], stdout: sink().stream, stderr: e4.stream }), 1);
  assert.match(e4.text, /latin1\.conf: not UTF-8: byte 0xe9 at offset 93 \(line 3, column 72\); nginx takes any byte, but only a comment may hold one/);
  // ... but in a comment (a file saved in Latin-1 with an accented comment) they are read as U+FFFD, and said
  const comment = join(dir, 'comment.conf');
  await writeFile(comment, Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\nserver {\n  listen 80; # r'), Buffer.from([0xe9, 0xe9]), Buffer.from('gl\n  # route: caf'), Buffer.from([0xe9]), Buffer.from('\n  location / { proxy_pass http://127.0.0.1:1; }\n}\n')]));
  const o6 = sink(); const c6 = sink();
  assert.equal(await importNginxCommand({ files: [comment], stdout: o6.stream, stderr: c6.stream }), 0, c6.text);
  assert.equal(JSON.parse(o6.text).servers[0].locations[0].name, 'caf\ufffd');
  assert.deepEqual(c6.text.match(/comment\.conf:\d+: \(comment\): the comment is not UTF-8 \(byte 0xe9 at offset \d+\)/g), ['comment.conf:1: (comment): the comment is not UTF-8 (byte 0xe9 at offset 5)', 'comment.conf:3: (comment): the comment is not UTF-8 (byte 0xe9 at offset 32)', 'comment.conf:4: (comment): the comment is not UTF-8 (byte 0xe9 at offset 51)']);
  // a byte-order mark before a first-line comment: still a comment (the mark itself is noted)
  await writeFile(comment, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\nserver { listen 80; location / { proxy_pass http://127.0.0.1:1; } }\n')]));
  const c8 = sink();
  assert.equal(await importNginxCommand({ files: [comment], stdout: sink().stream, stderr: c8.stream }), 0, c8.text);
  assert.match(c8.text, /comment\.conf:1: \(comment\): the comment is not UTF-8/);
  // a syntax error is what the import names first, not the byte
  await writeFile(comment, Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\nserver { listen "80; }\n')]));
  const c9 = sink();
  assert.equal(await importNginxCommand({ files: [comment], stdout: sink().stream, stderr: c9.stream }), 1);
  assert.match(c9.text, /comment\.conf:2:\d+: unexpected end of file, missing terminating " character/);
  assert.doesNotMatch(c9.text, /only a comment may hold one/);
  // a byte outside a comment on a line that has one is still refused
  await writeFile(comment, Buffer.concat([Buffer.from('server { server_name caf'), Buffer.from([0xe9]), Buffer.from('.test; # caf'), Buffer.from([0xe9]), Buffer.from('\n}\n')]));
  const c7 = sink();
  assert.equal(await importNginxCommand({ files: [comment], stdout: sink().stream, stderr: c7.stream }), 1);
  assert.match(c7.text, /not UTF-8: byte 0xe9 at offset 24 \(line 1, column 25\)/);
  // a second proxy_pass in a location is a warning, as nginx -t refuses it
  const dup = join(dir, 'dup.conf');
  await writeFile(dup, 'server {\n  listen 80;\n  location / {\n    proxy_pass http://127.0.0.1:1;\n    proxy_pass http://127.0.0.1:2;\n  }\n}\n');
  const e5 = sink();
  const o5 = sink();
  assert.equal(await importNginxCommand({ files: [dup], stdout: o5.stream, stderr: e5.stream }), 0);
  assert.match(e5.text, /dup\.conf:5: proxy_pass: "proxy_pass" is duplicate \(nginx -t refuses this\)/);
  // a file's own text reaches the terminal escaped: a directive named with ESC and BEL cannot drive it
  const hostile = join(dir, 'hostile.conf');
  await writeFile(hostile, 'server {\n  listen 80;\n  \x1b]0;PWNED\x07evil on;\n  location / { proxy_pass http://127.0.0.1:1; }\n}\n');
  const e6 = sink();
  assert.equal(await importNginxCommand({ files: [hostile], stdout: sink().stream, stderr: e6.stream }), 0);
  assert.match(e6.text, /hostile\.conf:3: \\x1B\]0: "\\x1B\]0" in server is not modelled/);
  assert.match(e6.text, /hostile\.conf:3: PWNED\\x07evil: /);
  assert.ok(!/[\x00-\x09\x0b-\x1f]/.test(e6.text), JSON.stringify(e6.text));
}));

test('import-nginx: a validation problem of the result names the file and line of its block', () => withTmp(async (dir) => {
  const conf = join(dir, 'posix.conf');
  await writeFile(conf, 'server {\n  listen 8080;\n  location / { proxy_pass http://127.0.0.1:1; }\n  location ~ ^/[[:digit:]]+$ {\n    proxy_pass http://127.0.0.1:2;\n  }\n}\n');
  const err = sink();
  assert.equal(await importNginxCommand({ files: [conf], stdout: sink().stream, stderr: err.stream }), 0);
  assert.match(err.text, new RegExp(`^${conf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: servers\\[0\\]\\.locations\\[1\\]\\.path: .*\\[invalid_regex\\]$`, 'm'));
}));

test('verify: nginx -t on the export, and a plain statement when nginx is missing', () => withTmp(async (dir) => {
  const cfg = join(dir, 'c.json');
  await writeFile(cfg, JSON.stringify(README_MODEL));
  const none = sink();
  assert.equal(await verifyCommand({ config: cfg, nginx: null, stdout: none.stream, stderr: sink().stream }), 0);
  assert.match(none.text, /nginx is not installed: the exported nginx\.conf was NOT checked with nginx -t/);
  assert.ok(findNginx(), 'nginx must be installed for this test (apt-get install -y nginx)');
  const out = sink();
  assert.equal(await verifyCommand({ config: cfg, stdout: out.stream, stderr: sink().stream }), 0);
  assert.match(out.text, /nginx -t .*: the exported nginx\.conf is accepted/);
  // what validation cannot know without DNS, nginx -t catches: a host name that does not resolve
  await writeFile(cfg, JSON.stringify({ schemaVersion: 1, upstreams: [{ name: 'u', servers: [{ address: 'no-such-host.invalid:80' }] }] }));
  const err = sink();
  const code = await verifyCommand({ config: cfg, stdout: sink().stream, stderr: err.stream });
  assert.equal(code, 1);
  assert.match(err.text, /nginx -t refused the exported configuration \(line numbers of `switchyard export-nginx --config .*`\):\n.*host not found in upstream "no-such-host\.invalid:80" in nginx\.conf:(\d+)/);
  // the line is the export's own, where that server is written, not the temporary file's
  const line = Number(/in nginx\.conf:(\d+)/.exec(err.text)![1]);
  const { exportNginx } = await import('../../../app/nginx/export.ts');
  const { validateConfig } = await import('../../../app/config/validate.ts');
  const v = validateConfig(JSON.parse(await readFile(cfg, 'utf8')));
  assert.ok(v.ok);
  assert.match(exportNginx(v.config, { shape: 'full' }).split('\n')[line - 1]!, /server no-such-host\.invalid:80/);
  assert.doesNotMatch(err.text, /switchyard-nginx-t-/);
}));

test('verify finds nginx on PATH first (then /usr/sbin and the like), or where SWITCHYARD_NGINX says', () => withTmp(async (dir) => {
  const { chmod } = await import('node:fs/promises');
  const fake = join(dir, 'nginx');
  await writeFile(fake, '#!/bin/sh\nexit 1\n');
  await chmod(fake, 0o755);
  const saved = { PATH: process.env.PATH, SWITCHYARD_NGINX: process.env.SWITCHYARD_NGINX };
  try {
    delete process.env.SWITCHYARD_NGINX;
    process.env.PATH = `${dir}:${saved.PATH}`;
    assert.equal(findNginx(), fake);
    process.env.PATH = '/nonexistent';
    assert.match(findNginx() ?? '', /^\/usr\/(local\/)?s?bin\/nginx$|^\/usr\/local\/nginx\/sbin\/nginx$/, 'Debian puts it in /usr/sbin, off many users\' PATH');
    process.env.SWITCHYARD_NGINX = join(dir, 'missing');
    assert.equal(findNginx(), null);
    // a relative path is the current folder's (not a name looked up on PATH), and is run as found
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      process.env.SWITCHYARD_NGINX = 'nginx';
      assert.equal(findNginx(), fake);
    } finally {
      process.chdir(cwd);
    }
    // a program that ends saying nothing: said, not an empty "refused"
    process.env.SWITCHYARD_NGINX = fake;
    const quiet = sink();
    const cfg0 = join(dir, 'c0.json');
    await writeFile(cfg0, JSON.stringify(README_MODEL));
    assert.equal(await verifyCommand({ config: cfg0, stdout: sink().stream, stderr: quiet.stream }), 1);
    assert.match(quiet.text, /nginx ended with exit code 1 and printed nothing: the exported nginx\.conf was NOT checked/);
    assert.doesNotMatch(quiet.text, /refused/);
    // verify says what SWITCHYARD_NGINX names instead of nginx (a typo is not "nginx is not installed"), exit 1
    const cfg = join(dir, 'c.json');
    await writeFile(cfg, JSON.stringify(README_MODEL));
    for (const [where, why] of [[join(dir, 'missing'), /missing: no such file \(ENOENT\)/], [dir, /is not a file/]] as const) {
      process.env.SWITCHYARD_NGINX = where;
      const out = sink();
      const err = sink();
      assert.equal(await verifyCommand({ config: cfg, stdout: out.stream, stderr: err.stream }), 1);
      assert.match(err.text, why);
      assert.match(err.text, /the exported nginx\.conf was NOT checked/);
      assert.doesNotMatch(out.text, /not installed/);
    }
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.SWITCHYARD_NGINX === undefined) delete process.env.SWITCHYARD_NGINX;
    else process.env.SWITCHYARD_NGINX = saved.SWITCHYARD_NGINX;
  }
}));

test('verify: nginx -t runs without root (the built-in access log path, /var/log/nginx, is root\'s)', () => withTmp(async (dir) => {
  const nginx = findNginx();
  assert.ok(nginx, 'nginx must be installed for this test (apt-get install -y nginx)');
  const cfg = join(dir, 'c.json');
  await writeFile(cfg, JSON.stringify(README_MODEL));
  const out = sink();
  const err = sink();
  const code = await verifyCommand({ config: cfg, nginx: unprivilegedNginx(dir, nginx), stdout: out.stream, stderr: err.stream });
  assert.equal(code, 0, err.text);
  assert.match(out.text, /the exported nginx\.conf is accepted/);
}));

test('export-nginx and import-nginx never write over a file they read (by any path), and say so', () => withTmp(async (dir) => {
  const cfg = join(dir, 'c.json');
  const json = JSON.stringify(README_MODEL);
  await writeFile(cfg, json);
  const err = sink();
  assert.equal(await exportNginxCommand({ config: cfg, out: join(dir, '.', 'c.json'), snippet: false, stdout: sink().stream, stderr: err.stream }), 1);
  assert.match(err.text, /not writing .*c\.json: it is (a|the) file.* this command read/);
  assert.equal(await readFile(cfg, 'utf8'), json);
  // an included file is an input too
  const main = join(dir, 'nginx.conf');
  const inc = join(dir, 'ups.conf');
  const conf = 'http { include ups.conf; server { listen 8080; location / { proxy_pass http://b; } } }\n';
  const ups = 'upstream b { server 127.0.0.1:9000; }\n';
  await writeFile(main, conf);
  await writeFile(inc, ups);
  for (const out of [main, inc]) {
    const e = sink();
    assert.equal(await importNginxCommand({ files: [main], out, stdout: sink().stream, stderr: e.stream }), 1);
    assert.match(e.text, /not writing .*: it is (a|the) file.* this command read/);
  }
  assert.equal(await readFile(main, 'utf8'), conf);
  assert.equal(await readFile(inc, 'utf8'), ups);
  // another name is written, and replaces what was there
  const out = join(dir, 'imported.json');
  await writeFile(out, 'old');
  assert.equal(await importNginxCommand({ files: [main], out, stdout: sink().stream, stderr: sink().stream }), 0);
  assert.equal(JSON.parse(await readFile(out, 'utf8')).upstreams[0].name, 'b');
}));

test('-o through a symbolic link (a sites-enabled entry) replaces the file it names and keeps the link; a file that cannot be written is said in words', () => withTmp(async (dir) => {
  const cfg = join(dir, 'c.json');
  await writeFile(cfg, JSON.stringify(README_MODEL));
  const target = join(dir, 'site.conf');
  const link = join(dir, 'enabled.conf');
  await writeFile(target, 'old');
  await symlink('site.conf', link);
  assert.equal(await exportNginxCommand({ config: cfg, out: link, snippet: true, stdout: sink().stream, stderr: sink().stream }), 0);
  assert.ok((await lstat(link)).isSymbolicLink(), 'the link is still a link');
  assert.match(await readFile(target, 'utf8'), /^map \$http_upgrade/, 'the file it names has the export');
  // a link to nothing yet: the file it names is made
  await symlink('later.conf', join(dir, 'dangling.conf'));
  assert.equal(await exportNginxCommand({ config: cfg, out: join(dir, 'dangling.conf'), snippet: true, stdout: sink().stream, stderr: sink().stream }), 0);
  assert.match(await readFile(join(dir, 'later.conf'), 'utf8'), /^map /);
  const err = sink();
  assert.equal(await exportNginxCommand({ config: cfg, out: join(dir, 'no', 'x.conf'), snippet: true, stdout: sink().stream, stderr: err.stream }), 1);
  assert.match(err.text, /cannot write .*x\.conf: no such folder \(ENOENT\)/);
  const e2 = sink();
  assert.equal(await importNginxCommand({ files: [join(dir, 'missing.conf')], stdout: sink().stream, stderr: e2.stream }), 1);
  assert.match(e2.text, /cannot read .*missing\.conf: no such file \(ENOENT\)/);
}));
