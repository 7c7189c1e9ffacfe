// Serving the built renderer (dist/renderer): files only from inside the root, index.html for
// the app's own routes, long caching for hashed assets.
import { readFile, stat } from 'node:fs/promises';
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
  const full = normalize(join(root, rel));
  if (full !== root && !full.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  const file = await tryFile(full);
  return file ? { body: file, type: TYPES[extname(full)] ?? 'application/octet-stream', immutable: rel.startsWith(assetPath) } : null;
}

async function tryFile(p: string): Promise<Buffer | null> {
  try {
    if (!(await stat(p)).isFile()) return null;
    return await readFile(p);
  } catch {
    return null;
  }
}
