// A file read only when it is a regular file of a configuration's size: a device (/dev/zero), a
// pipe or a huge file would otherwise be read without end, in the process that runs the proxy.
// Used for `--config` files (load.ts) and the files an nginx.conf import includes (conf-reader.ts).
// The size on disk is not trusted either: files under /proc say 0 and hold megabytes (pagemap) or
// block until something happens (kmsg), so at most `limit + 1` bytes are read, without waiting.
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** Its bytes, or why it was not read (`size`: its size on disk, or the bytes it gave past `limit`). */
export type LimitedFile = { bytes: Buffer } | { refused: 'folder' | 'device' | 'too_large'; size: number };

/** Read `path` when it is a regular file of at most `limit` bytes (stat's and read's errors, such
 * as ENOENT, or EAGAIN from a file that has nothing to give yet, are thrown). */
export async function readLimitedFile(path: string, limit: number): Promise<LimitedFile> {
  // (stat first: opening a device or a pipe may itself wait or do something)
  const s = await stat(path);
  if (!s.isFile()) return { refused: s.isDirectory() ? 'folder' : 'device', size: s.size };
  if (s.size > limit) return { refused: 'too_large', size: s.size };
  // (a file under a lease, a share's oplock or delegation, refuses a non-blocking open until it is
  // released: that one is opened to wait for it, as a plain read does)
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK') return open(path, constants.O_RDONLY);
    throw e;
  });
  try {
    // (what was opened, not what stat saw: the path may have been replaced in between)
    const opened = await handle.stat();
    if (!opened.isFile()) return { refused: opened.isDirectory() ? 'folder' : 'device', size: opened.size };
    // (reads of whole 64 KiB steps: some /proc files refuse reads of other lengths, EINVAL)
    const STEP = 64 * 1024;
    let into = Buffer.allocUnsafe(Math.ceil((Math.min(opened.size, limit) + 1) / STEP) * STEP);
    let got = 0;
    for (;;) {
      if (got > limit) return { refused: 'too_large', size: got };
      if (into.length - got < STEP) {
        const bigger = Buffer.allocUnsafe(Math.ceil((Math.min(into.length * 2, limit + 1) + STEP) / STEP) * STEP);
        into.copy(bigger, 0, 0, got);
        into = bigger;
      }
      const { bytesRead } = await handle.read(into, got, STEP, null);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { bytes: into.subarray(0, got) };
  } finally {
    await handle.close();
  }
}
