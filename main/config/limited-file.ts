// A file read only when it is a regular file of a configuration's size: a device (/dev/zero), a
// pipe or a huge file would otherwise be read without end, in the process that runs the proxy.
// Used for `--config` files (load.ts) and the files an nginx.conf import includes (conf-reader.ts).
import { readFile, stat } from 'node:fs/promises';

/** Its bytes, or why it was not read (`size`: its size on disk). */
export type LimitedFile = { bytes: Buffer } | { refused: 'folder' | 'device' | 'too_large'; size: number };

/** Read `path` when it is a regular file of at most `limit` bytes (stat's errors, such as ENOENT, are thrown). */
export async function readLimitedFile(path: string, limit: number): Promise<LimitedFile> {
  const s = await stat(path);
  if (!s.isFile()) return { refused: s.isDirectory() ? 'folder' : 'device', size: s.size };
  if (s.size > limit) return { refused: 'too_large', size: s.size };
  return { bytes: await readFile(path) };
}
