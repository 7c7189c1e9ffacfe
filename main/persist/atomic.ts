// Crash-safe file replacement. A reader (or the next start after a crash) sees either the old file
// or the new one, never a mix: write a temp file in the same folder, fsync it, rename it over the
// target, fsync the folder so the rename itself is durable. The previous version can be kept as a
// sibling (NAME.bak), rotated the same way, so the target is never missing in between.
import { open, rename, unlink, link, copyFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

const TEMP_MARK = '.switchyard-tmp-';

/** The bytes a file name may have (NAME_MAX), and those kept in a temp name for the pid and random part. */
const NAME_MAX = 255;
const UNIQUE_BYTES = 20;

/** What temp names for `file` begin with: hidden, and `file`'s name cut (on a character) where it
 * is too long to take the rest within NAME_MAX (a name of 250 bytes is a file's, not a temp's). */
function tempPrefix(file: string): string {
  const chars = [...basename(file)];
  while (Buffer.byteLength(`.${chars.join('')}${TEMP_MARK}`) > NAME_MAX - UNIQUE_BYTES) chars.pop();
  return `.${chars.join('')}${TEMP_MARK}`;
}

/** The temp name for `file`: hidden, same folder (rename is atomic only within one filesystem). */
function tempName(file: string): string {
  return join(dirname(file), `${tempPrefix(file)}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** fsync a folder so renames in it survive a power cut. Windows cannot open folders: skipped there. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    // Some filesystems refuse fsync on folders; the rename has still happened.
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await fh?.close();
  }
}

/** The permission bits `file` has, or 0o600 (owner only) for a new file. */
async function modeFor(file: string): Promise<number> {
  try {
    return (await stat(file)).mode & 0o777;
  } catch {
    return 0o600;
  }
}

/** Write `data` to a new temp file next to `file` (with `file`'s permissions), fsynced; returns its path. */
async function writeTemp(file: string, data: string | Uint8Array): Promise<string> {
  const tmp = tempName(file);
  const mode = await modeFor(file);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    if (mode !== 0o600) await fh.chmod(mode);
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  return tmp;
}

/**
 * Make `to` a durable copy of `from` without ever leaving `to` half-written: hard link (or copy,
 * where links are not supported) to a temp name, then rename over `to`.
 */
export async function copyAtomic(from: string, to: string): Promise<void> {
  const tmp = tempName(to);
  try {
    await link(from, tmp);
  } catch {
    await copyFile(from, tmp);
    const fh = await open(tmp, 'r+');
    await fh.sync().finally(() => fh.close());
  }
  try {
    await rename(tmp, to);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

export interface WriteAtomicOptions {
  /** Keep the current content of `file` as this path (rotated atomically before the replace). */
  backupTo?: string;
}

/** Replace `file` with `data` atomically (see the file comment). */
export async function writeFileAtomic(file: string, data: string | Uint8Array, o: WriteAtomicOptions = {}): Promise<void> {
  const tmp = await writeTemp(file, data);
  try {
    if (o.backupTo) {
      try {
        await copyAtomic(file, o.backupTo);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fsyncDir(dirname(file));
}

/**
 * Remove temp files a killed writer left next to `file` (older than `minAgeMs`, so a writer that is
 * still running in this folder keeps its own). Best effort: returns how many were removed.
 */
export async function removeStaleTemps(file: string, minAgeMs = 60_000): Promise<number> {
  const dir = dirname(file);
  const prefixes = [tempPrefix(file), tempPrefix(`${file}.bak`)];
  let removed = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!prefixes.some((p) => name.startsWith(p))) continue;
    const p = join(dir, name);
    try {
      if (Date.now() - (await stat(p)).mtimeMs < minAgeMs) continue;
      await unlink(p);
      removed++;
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}
