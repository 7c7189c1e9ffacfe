// Where a verb writes its -o file: what it says when it cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOutputFile } from '../../../main/cli/output-file.ts';

function sink() {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, cb) { text += chunk; cb(); } });
  return { stream, get text() { return text; } };
}

test('-o naming a folder that is not there (a trailing "/") says the folder does not exist, and leaves nothing behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-out-'));
  try {
    const err = sink();
    assert.equal(await writeOutputFile(join(dir, 'missing') + '/', 'text', [], err.stream), false);
    assert.equal(err.text, `cannot write ${join(dir, 'missing')}/: no such folder (ENOENT)\n`);
    assert.deepEqual(await readdir(dir), [], 'no temporary file left');
    // one that is there is a folder, as before
    const folder = sink();
    assert.equal(await writeOutputFile(dir + '/', 'text', [], folder.stream), false);
    assert.match(folder.text, /: it is a directory \(EISDIR\)\n$/);
    await writeFile(join(dir, 'f'), 'x');
    assert.equal(await writeOutputFile(join(dir, 'f'), 'text', [], sink().stream), true);
    // a file's name with a "/" after it: that part of the path is not a folder (ENOTDIR), as it is
    const notDir = sink();
    assert.equal(await writeOutputFile(join(dir, 'f') + '/', 'text', [], notDir.stream), false);
    assert.match(notDir.text, /\(ENOTDIR\)\n$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('-o with a long file name (250 bytes, within what the file system takes) writes it, with no temporary file left', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-out-'));
  try {
    // (the temporary file next to it has a longer name: cut to fit, not ENAMETOOLONG)
    for (const name of [`${'n'.repeat(245)}.conf`, `${'é'.repeat(122)}.conf`]) {
      const err = sink();
      assert.equal(await writeOutputFile(join(dir, name), 'text', [], err.stream), true, err.text);
      assert.equal(await readFile(join(dir, name), 'utf8'), 'text');
    }
    assert.equal((await readdir(dir)).length, 2, 'no temporary file left');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
