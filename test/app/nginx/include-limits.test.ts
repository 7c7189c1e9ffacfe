// An nginx.conf to import may come from anywhere: its includes are read within limits, each one
// said where it is hit, and never without end (a device, a pipe, a file that includes itself, an
// include tree that doubles at every level).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importNginx } from '../../../app/nginx/import.ts';
import { MAX_INCLUDED_CHARS, MAX_INCLUDED_FILES, type ConfReader } from '../../../app/nginx/include.ts';
import { MAX_GLOB_LISTINGS, MAX_GLOB_MATCHES } from '../../../app/nginx/glob.ts';
import { MAX_IMPORT_TOKENS, NginxSyntaxError } from '../../../app/nginx/lexer.ts';
import { WARNINGS_PER_DIRECTIVE } from '../../../app/nginx/import-context.ts';
import { fsReader, MAX_CONF_FILE_BYTES } from '../../../main/nginx/conf-reader.ts';
import { memoryReader } from './models.ts';

test('a file that includes itself is read once, and each include of it says so', async () => {
  const { reader, reads } = memoryReader({ '/c/nginx.conf': 'http { include a.conf; }', '/c/a.conf': 'include a.conf; include a.conf;\nupstream u { server 127.0.0.1:1; }' });
  const r = await importNginx('/c/nginx.conf', reader);
  assert.deepEqual(r.warnings.map((w) => `${w.file}:${w.line}: ${w.message}`), [1, 2].map(() => '/c/a.conf:1: "/c/a.conf" includes itself (/c/nginx.conf → /c/a.conf → /c/a.conf): not read again: its directives are missing from the import'));
  assert.deepEqual(r.config.upstreams.map((u) => u.name), ['u'], 'what it has besides is imported');
  assert.ok(reads.length <= 4, `${reads.length} reads`);
});

test(`an include tree that doubles at every level stops at ${MAX_INCLUDED_FILES} files, said once`, async () => {
  const files: Record<string, string> = { '/t/nginx.conf': 'http { include l0.conf; }' };
  for (let i = 0; i < 20; i++) files[`/t/l${i}.conf`] = `include l${i + 1}.conf; include l${i + 1}.conf;`;
  files['/t/l20.conf'] = '';
  const { reader, reads } = memoryReader(files);
  const r = await importNginx('/t/nginx.conf', reader);
  const capped = r.warnings.filter((w) => w.message.startsWith(`more than ${MAX_INCLUDED_FILES} files included in all`));
  assert.equal(capped.length, 1, JSON.stringify(r.warnings.slice(0, 3)));
  assert.ok(reads.length <= MAX_INCLUDED_FILES + 2, `${reads.length} reads`);
});

test('the file system reader reads regular files of a configuration\'s size only: not a device, a pipe, a folder or a huge file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-include-'));
  try {
    const fifo = join(dir, 'pipe.conf');
    execFileSync('mkfifo', [fifo]);
    const big = join(dir, 'big.conf');
    execFileSync('truncate', ['-s', String(MAX_CONF_FILE_BYTES + 1), big]);
    writeFileSync(join(dir, 'nginx.conf'), `http {\n include /dev/zero;\n include ${fifo};\n include ${big};\n include ${dir};\n upstream u { server 127.0.0.1:1; }\n}\n`);
    const r = await importNginx(join(dir, 'nginx.conf'), fsReader);
    assert.deepEqual(r.warnings.map((w) => [w.line, w.message.replaceAll(dir, 'DIR').replace(/: its directives.*/, '')]), [
      [2, 'cannot read included file "/dev/zero": not a regular file (a device, pipe or socket), not read'],
      [3, 'cannot read included file "DIR/pipe.conf": not a regular file (a device, pipe or socket), not read'],
      [4, `cannot read included file "DIR/big.conf": ${MAX_CONF_FILE_BYTES + 1} bytes, more than an nginx configuration (8 MiB at most), not read`],
      [5, 'cannot read included file "DIR": not a regular file (a folder), not read'],
    ]);
    assert.deepEqual(r.config.upstreams.map((u) => u.name), ['u']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file whose size on disk says nothing (/proc) is read no further than the limit', { skip: process.platform !== 'linux' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-include-'));
  try {
    // (pagemap: size 0 on disk, gigabytes when read)
    writeFileSync(join(dir, 'nginx.conf'), 'http {\n include /proc/self/pagemap;\n upstream u { server 127.0.0.1:1; }\n}\n');
    const before = process.memoryUsage().rss;
    const r = await importNginx(join(dir, 'nginx.conf'), fsReader);
    assert.ok(process.memoryUsage().rss - before < 256 * 1024 * 1024, 'read within the limit');
    assert.deepEqual(r.warnings.map((w) => [w.line, w.message.replace(/: its directives.*/, '').replace(/\d+ bytes/, 'N bytes')]), [
      [2, 'cannot read included file "/proc/self/pagemap": N bytes, more than an nginx configuration (8 MiB at most), not read'],
    ]);
    assert.deepEqual(r.config.upstreams.map((u) => u.name), ['u']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a big included file (a generated deny list) imports: no call-stack overflow, no per-character strings', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 200_000; i++) lines.push(`deny 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255};`);
  const { reader } = memoryReader({ '/b/nginx.conf': 'http { include deny.conf; upstream u { server 127.0.0.1:1; } }', '/b/deny.conf': lines.join('\n') });
  const r = await importNginx('/b/nginx.conf', reader);
  assert.deepEqual(r.config.upstreams.map((u) => u.name), ['u']);
  assert.equal(r.warnings.length, WARNINGS_PER_DIRECTIVE + 1, 'the first denies said not modelled, the rest counted');
  assert.deepEqual(r.warnings.slice(-2).map((w) => [w.line, w.message.replace(/ \(a block.*/, '')]), [
    [WARNINGS_PER_DIRECTIVE, `"deny 10.0.0.${WARNINGS_PER_DIRECTIVE - 1}" in http is not modelled by Switchyard: dropped, so every route is reachable without it (WebSocket upgrades too)`],
    [WARNINGS_PER_DIRECTIVE + 1, `and ${200_000 - WARNINGS_PER_DIRECTIVE} more warning(s) for "deny" in this file from this line on, not listed one by one (the first ${WARNINGS_PER_DIRECTIVE} are)`],
  ]);
});

test(`past ${MAX_IMPORT_TOKENS.toLocaleString('en-US')} words and symbols in all (a file of "a;"), the import fails at once, naming where`, async () => {
  const { reader } = memoryReader({ '/d/nginx.conf': 'http {\ninclude a.conf;\ninclude a.conf;\n}', '/d/a.conf': 'a;'.repeat(MAX_IMPORT_TOKENS / 2 - 10) });
  await assert.rejects(importNginx('/d/nginx.conf', reader), (e: Error) => {
    assert.ok(e instanceof NginxSyntaxError);
    assert.match(e.message, /^\/d\/a\.conf:1:\d+: more than 2,000,000 words and symbols \(comments too\) in one import \(with its includes\): too large to import$/);
    return true;
  });
  // several files given to one import share the counts: characters too
  const third = `# ${'x'.repeat(MAX_INCLUDED_CHARS / 3)}\n`;
  const { reader: chars } = memoryReader({ '/c/a.conf': third, '/c/b.conf': third, '/c/c.conf': `include inc.conf;\n${third}`, '/c/inc.conf': 'upstream u { server 127.0.0.1:1; }\n' });
  const over = await importNginx(['/c/a.conf', '/c/b.conf', '/c/c.conf'], chars);
  assert.deepEqual(over.config.upstreams, []);
  assert.match(over.warnings.map((w) => w.message).join('\n'), /more than 32 Mi characters included in all: "\/c\/inc\.conf"/);
  // several files given to one import share the count
  const half = 'a;'.repeat(MAX_IMPORT_TOKENS / 4 - 5);
  const { reader: two } = memoryReader({ '/d/a.conf': half, '/d/b.conf': half, '/d/c.conf': half });
  await assert.rejects(importNginx(['/d/a.conf', '/d/b.conf', '/d/c.conf'], two), /^NginxSyntaxError: \/d\/c\.conf:1:\d+: more than 2,000,000 words/);
});

test('one directive\'s warnings past 20 in a file are counted in one more, right after the 20th; include problems and server-name warnings too', async () => {
  const denies = Array.from({ length: 25 }, (_, i) => `deny 10.0.0.${i};`).join('\n');
  const missing = Array.from({ length: 30 }, (_, i) => `include /nonexistent/${i}.conf;`).join('\n');
  const servers = Array.from({ length: 25 }, (_, i) => `server { listen 127.0.0.1:8080; server_name a/${i}.test; location / { proxy_pass http://127.0.0.1:1; } }`).join('\n');
  const { reader } = memoryReader({ '/w/nginx.conf': `http {\n${denies}\ngzip on;\n${missing}\n${servers}\n}` });
  const r = await importNginx('/w/nginx.conf', reader);
  const shape = r.warnings.map((w) => `${w.directive}${w.message.startsWith('and ') ? ` +${/^and (\d+)/.exec(w.message)![1]}` : ''}`);
  const count = (name: string) => shape.filter((s) => s === name).length;
  assert.deepEqual([count('deny'), count('include'), count('server_name'), count('gzip')], [WARNINGS_PER_DIRECTIVE, WARNINGS_PER_DIRECTIVE, WARNINGS_PER_DIRECTIVE, 1]);
  assert.equal(shape[shape.indexOf('deny +5') - 1], 'deny', 'the count follows the last deny listed');
  assert.equal(shape[shape.indexOf('deny +5') + 1], 'gzip', 'before what came after the denies');
  assert.ok(shape.includes('include +10') && shape.includes('server_name +5'), shape.join(', '));
});

test(`past ${MAX_INCLUDED_CHARS / 1024 / 1024} Mi characters in all, the includes left are not read, said once`, async () => {
  const big = `# ${'x'.repeat(MAX_INCLUDED_CHARS / 4)}\nupstream u { server 127.0.0.1:1; }\n`;
  const files: Record<string, string> = { '/m/nginx.conf': `http {\n${[1, 2, 3, 4, 5, 6].map((k) => `include f${k}.conf;`).join('\n')}\n}` };
  for (let k = 1; k <= 6; k++) files[`/m/f${k}.conf`] = big.replace('upstream u', `upstream u${k}`);
  const { reader, reads } = memoryReader(files);
  const r = await importNginx('/m/nginx.conf', reader);
  assert.deepEqual(r.config.upstreams.map((u) => u.name), ['u1', 'u2', 'u3']);
  assert.deepEqual(r.warnings.map((w) => `${w.line}: ${w.message.replace(/: its directives.*/, '')}`), [`5: more than ${MAX_INCLUDED_CHARS / 1024 / 1024} Mi characters included in all: "/m/f4.conf" and the includes after it were not read`]);
  assert.equal(reads.length, 5);
});

test('a file that starts with a UTF-8 byte-order mark (nginx refuses it) imports, and the mark is named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-include-'));
  try {
    writeFileSync(join(dir, 'nginx.conf'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('http {\n include site.conf;\n}\n')]));
    writeFileSync(join(dir, 'site.conf'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('upstream u { server 127.0.0.1:1; }\n')]));
    const r = await importNginx(join(dir, 'nginx.conf'), fsReader);
    assert.deepEqual(r.config.upstreams.map((u) => u.name), ['u']);
    assert.deepEqual(r.warnings.map((w) => `${w.file.replace(dir, 'DIR')}:${w.line}: ${w.directive}`), ['DIR/nginx.conf:1: (byte-order mark)', 'DIR/site.conf:1: (byte-order mark)']);
    assert.match(r.warnings[0]!.message, /nginx refuses/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a pattern of many stars beside a long file name is matched at once, as nginx matches it (a RegExp backtracked for hours)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-include-'));
  try {
    mkdirSync(join(dir, 'inc'));
    writeFileSync(join(dir, 'inc', 'upstream-with-a-rather-long-descriptive-name.conf'), 'bogus;\n');
    writeFileSync(join(dir, 'inc', 'uZ'), 'upstream u { server 127.0.0.1:1; }\n');
    writeFileSync(join(dir, 'inc', '.hiddenZ'), 'bogus;\n');
    writeFileSync(join(dir, 'nginx.conf'), `http {\n include inc/${'*'.repeat(14)}Z;\n}\n`);
    const r = await importNginx(join(dir, 'nginx.conf'), fsReader);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.config.upstreams.map((u) => u.name), ['u']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`include patterns list at most ${MAX_GLOB_LISTINGS.toLocaleString('en-US')} folders in all, said at the include that goes past`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-include-'));
  try {
    // 1 + 10 + 100 + 1,000 listings for t/*/*/*/x.conf
    for (let a = 0; a < 10; a++) for (let b = 0; b < 10; b++) for (let c = 0; c < 10; c++) mkdirSync(join(dir, 't', `${a}`, `${b}`, `${c}`), { recursive: true });
    writeFileSync(join(dir, 'site.conf'), 'upstream s { server 127.0.0.1:1; }\n');
    writeFileSync(join(dir, 'nginx.conf'), 'http {\n include t/*/*/*/x.conf;\n include site.conf;\n upstream u { server 127.0.0.1:1; }\n}\n');
    let listings = 0;
    const counting: ConfReader = { ...fsReader, list: (d) => (listings++, fsReader.list(d)) };
    const r = await importNginx(join(dir, 'nginx.conf'), counting);
    assert.deepEqual(r.warnings.map((w) => `${w.file.replace(dir, 'DIR')}:${w.line}: ${w.message}`), [
      `DIR/nginx.conf:2: "t/*/*/*/x.conf": more than ${MAX_GLOB_LISTINGS.toLocaleString('en-US')} folders listed in all for include patterns (one that walks the whole file system?): not expanded, and the includes after it were not read: its directives are missing from the import`,
    ]);
    assert.ok(listings <= MAX_GLOB_LISTINGS, `${listings} listings`);
    assert.deepEqual(r.config.upstreams.map((u) => u.name), ['u']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`include patterns match at most ${MAX_GLOB_MATCHES.toLocaleString('en-US')} names in all`, async () => {
  const names = Array.from({ length: MAX_GLOB_MATCHES + 1 }, (_, i) => `f${i}.conf`);
  const { reader, reads } = memoryReader({ '/g/nginx.conf': 'http {\ninclude conf.d/*.conf;\n}' }, { '/g/conf.d': names });
  const r = await importNginx('/g/nginx.conf', reader);
  assert.deepEqual(r.warnings.map((w) => `${w.line}: ${w.message.replace(/: its directives.*/, '')}`), [
    `2: "conf.d/*.conf": more than ${MAX_GLOB_MATCHES.toLocaleString('en-US')} files and folders matched in all by include patterns: not expanded, and the includes after it were not read`,
  ]);
  assert.deepEqual(reads, ['/g/nginx.conf']);
});
