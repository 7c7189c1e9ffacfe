// app://switchyard/… serves the built renderer (dist/renderer) with a strict CSP header. A custom,
// privileged scheme (registered in main.ts before `ready`) gives the page a real origin of its own
// (file:// pages share one origin with every file) and keeps vite's absolute asset paths working.
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileInside } from '../web/static.ts';
import { APP_HOST } from './channels.ts';

/** No network at all: the renderer talks to the main process over IPC only. */
export const ELECTRON_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "object-src 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.json': 'application/json', '.ico': 'image/x-icon',
};

/** The file under `root` a request URL names, or null (other host, path escaping the root). */
export function rendererFile(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path === '/' || path === '') path = '/index.html';
  if (path.includes('\0')) return null;
  const file = normalize(join(root, path));
  return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : null;
}

export function rendererHandler(root: string): (req: Request) => Promise<Response> {
  return async (req) => {
    const headers = { 'Content-Security-Policy': ELECTRON_CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
    const file = req.method === 'GET' ? rendererFile(root, req.url) : null;
    if (!file) return new Response('not found', { status: 404, headers });
    try {
      const real = await fileInside(root, file); // a symlink must not lead out of the root
      if (!real) throw new Error('not a file inside the root');
      const body = await readFile(real);
      return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' } });
    } catch {
      const hint = file.endsWith('index.html') ? 'The renderer is not built: run `npm run build:renderer`.' : 'not found';
      return new Response(hint, { status: 404, headers });
    }
  };
}
