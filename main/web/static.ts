// Serving the built renderer (dist/renderer): files only from inside the root (symlinks resolved),
// index.html for the app's own routes, long caching for hashed assets.
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2', '.map': 'application/json',
};

export interface StaticFile {
  body: Buffer;
  type: string;
  immutable: boolean;
}

/** A file of the built renderer by URL path (decoded, confined to root), or null. */
export async function readStatic(root: string, pathname: string, assetPath: string): Promise<StaticFile | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const asked = normalize(join(root, rel));
  // an asset path stays among the assets once decoded (".%2f" would reach index.html there, without the token)
  if (pathname.startsWith(assetPath) && !isInside(normalize(join(root, assetPath)), asked)) return null;
  const real = await fileInside(root, asked);
  const file = real && (await tryFile(real));
  return file ? { body: file, type: TYPES[extname(asked)] ?? 'application/octet-stream', immutable: rel.startsWith(assetPath) } : null;
}

const isInside = (dir: string, p: string) => p.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/**
 * `path` with its symlinks resolved, when it names an existing regular file inside `root` (whose
 * own symlinks are resolved too), or null: a link in the build output must not lead out of it.
 */
export async function fileInside(root: string, path: string): Promise<string | null> {
  try {
    const [realRoot, real] = await Promise.all([realpath(root), realpath(path)]);
    return isInside(realRoot, real) && (await stat(real)).isFile() ? real : null;
  } catch {
    return null;
  }
}

async function tryFile(p: string): Promise<Buffer | null> {
  try {
    return await readFile(p);
  } catch {
    return null;
  }
}
