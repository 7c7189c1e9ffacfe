// Where a verb writes its `-o` file: atomically when it is a file (a reader never sees half of it, a
// failed write leaves the old file), and never over one of the files it read: `import-nginx x.conf -o x.conf`
// would replace the nginx.conf with JSON, and the source would be lost.
import { lstat, realpath, stat, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { sep } from 'node:path';
import type { Writable } from 'node:stream';
import { writeFileAtomic } from '../persist/atomic.ts';
import { errnoWords } from '../../app/text/errno.ts';

const statOrNull = (path: string): Promise<Stats | null> => stat(path).catch(() => null);
const same = (a: Stats, b: Stats | null): boolean => b !== null && a.dev === b.dev && a.ino === b.ino;

/** Write `text` to `out` unless `out` is one of `inputs` (the same file by any path). Says why on `stderr` when it does not. */
export async function writeOutputFile(out: string, text: string, inputs: Iterable<string>, stderr: Writable): Promise<boolean> {
  const target = await statOrNull(out);
  if (target !== null) {
    for (const input of inputs) {
      if (same(target, await statOrNull(input))) {
        stderr.write(`not writing ${out}: it is ${input === out ? 'a file' : `the file ${input}`} this command read (an input, or a file it includes), which would be lost; name another output file\n`);
        return false;
      }
    }
  }
  // (a name that ends in "/" is a folder's: one that is not there is said as such, not as the
  // ENOTDIR its rename would meet; a file's name with a "/" after it is ENOTDIR, as it is)
  if (target === null && (out.endsWith('/') || out.endsWith(sep)) && (await stat(out).catch((e: NodeJS.ErrnoException) => e.code)) === 'ENOENT') {
    stderr.write(`cannot write ${out}: ${errnoWords('ENOENT', true)}\n`);
    return false;
  }
  try {
    // (a device such as /dev/stdout is written to, not replaced; a symbolic link, such as a
    // sites-enabled entry, keeps pointing where it did: the file it names is replaced, whole; a
    // link to nothing yet makes that file)
    const link = (await lstat(out).catch(() => null))?.isSymbolicLink() === true;
    if (target !== null && !target.isFile()) await writeFile(out, text);
    else if (link) await (target === null ? writeFile(out, text) : writeFileAtomic(await realpath(out), text));
    else await writeFileAtomic(out, text);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    stderr.write(`cannot write ${out}: ${code ? errnoWords(code, true) : (e as Error).message}\n`);
    return false;
  }
  return true;
}
