// An nginx.conf to import may come from anywhere: its includes are read within limits, each one
// said where it is hit, and never without end (a device, a pipe, a file that includes itself, an
// include tree that doubles at every level).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importNginx, type ConfReader } from '../../../app/nginx/import.ts';
import { MAX_INCLUDED_FILES } from '../../../app/nginx/include.ts';
import { fsReader, MAX_CONF_FILE_BYTES } from '../../../main/nginx/conf-reader.ts';

/** A reader over in-memory files, counting reads. */
function memory(files: Record<string, string>) {
  const reads = { n: 0 };
  const reader: ConfReader = {
    read: async (p) => {
      reads.n++;
      const t = files[p];
      if (t === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return t;
    },
    list: async () => Object.keys(files),
  };
  return { reader, reads };
}

test('a file that includes itself is read once, and each include of it says so', async () => {
  const { reader, reads } = memory({ '/c/nginx.conf': 'http { include a.conf; }', '/c/a.conf': 'include a.conf; include a.conf;\nupstream u { server 127.0.0.1:1; }' });
  const r = await importNginx('/c/nginx.conf', reader);
  assert.deepEqual(r.warnings.map((w) => `${w.file}:${w.line}: ${w.message}`), [1, 2].map(() => '/c/a.conf:1: "/c/a.conf" includes itself (/c/nginx.conf → /c/a.conf → /c/a.conf): not read again: its directives are missing from the import'));
  assert.deepEqual(r.config.upstreams.map((u) => u.name), ['u'], 'what it has besides is imported');
  assert.ok(reads.n <= 4, `${reads.n} reads`);
});

test(`an include tree that doubles at every level stops at ${MAX_INCLUDED_FILES} files, said once`, async () => {
  const files: Record<string, string> = { '/t/nginx.conf': 'http { include l0.conf; }' };
  for (let i = 0; i < 20; i++) files[`/t/l${i}.conf`] = `include l${i + 1}.conf; include l${i + 1}.conf;`;
  files['/t/l20.conf'] = '';
  const { reader, reads } = memory(files);
  const r = await importNginx('/t/nginx.conf', reader);
  const capped = r.warnings.filter((w) => w.message.startsWith(`more than ${MAX_INCLUDED_FILES} files included in all`));
  assert.equal(capped.length, 1, JSON.stringify(r.warnings.slice(0, 3)));
  assert.ok(reads.n <= MAX_INCLUDED_FILES + 2, `${reads.n} reads`);
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
