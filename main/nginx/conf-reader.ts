// The include reader over the real file system, for importing an nginx.conf (the CLI's import-nginx
// and the desktop menu's Import nginx.conf). An import may come from anywhere, so what an `include`
// names is read only when it is a regular file of a configuration's size: a device (/dev/zero), a
// pipe or a huge file would otherwise be read without end, in the process that runs the proxy.
// Text must be UTF-8, as in `check` (the model's text is Unicode: another byte has no faithful place),
// but in comments (app/nginx/conf-text.ts).
import { readdir } from 'node:fs/promises';
import type { ConfReader } from '../../app/nginx/include.ts';
import { confText } from '../../app/nginx/conf-text.ts';
import { readLimitedFile } from '../config/limited-file.ts';

/** The largest file an import reads (an nginx.conf is a few KiB; a big generated one some hundreds). */
export const MAX_CONF_FILE_BYTES = 8 * 1024 * 1024;

/** A file the import will not read, or whose text it cannot take; the message says which and why. */
export class ConfFileError extends Error {}

export const fsReader: ConfReader = {
  read: async (path) => {
    const f = await readLimitedFile(path, MAX_CONF_FILE_BYTES);
    if ('refused' in f) {
      if (f.refused !== 'too_large') throw new ConfFileError(`${path}: not a regular file (${f.refused === 'folder' ? 'a folder' : 'a device, pipe or socket'}), not read`);
      throw new ConfFileError(`${path}: ${f.size} bytes, more than an nginx configuration (${MAX_CONF_FILE_BYTES / 1024 / 1024} MiB at most), not read`);
    }
    // (a byte-order mark is kept for the import to name: nginx refuses a file that starts with one)
    const decoded = confText(f.bytes);
    if (!decoded.ok) throw new ConfFileError(`${path}: ${decoded.message}`);
    return decoded.notes.length ? decoded : decoded.text;
  },
  list: (dir) => readdir(dir),
};
