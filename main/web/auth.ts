// The loopback web host's gate: a random token, and Host/Origin checks against DNS rebinding.
// No cookie: cookies on 127.0.0.1 are shared by every port, so any other local server (a proxied
// app, a page another user runs) would receive one and read the token. So the token travels:
//   page     GET /?token=…            (the printed URL; the page gets the token in a <meta>)
//   API      X-Switchyard-Token header
//   feed     Sec-WebSocket-Protocol: switchyard, token.<token>
// The renderer's built assets (ASSET_PATH) need no token: they are public files holding no data,
// and a <script src> cannot carry a header.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-switchyard-token';
/** The renderer's asset directory (vite.config.ts assetsDir). */
export const ASSET_PATH = '/__switchyard_assets/';
export const FEED_PROTOCOL = 'switchyard';
const PROTOCOL_TOKEN_PREFIX = 'token.';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function protocolToken(req: IncomingMessage): string | null {
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  const t = offered.find((p) => p.startsWith(PROTOCOL_TOKEN_PREFIX));
  return t ? t.slice(PROTOCOL_TOKEN_PREFIX.length) : null;
}

export type TokenSource = 'query' | 'header' | 'protocol';
export type Gate = { ok: true; via: TokenSource } | { ok: false; status: 401 | 403; reason: string };

/** Check the token presented through the sources allowed for this kind of request. */
export function checkToken(req: IncomingMessage, url: URL, token: string, allowed: readonly TokenSource[]): Gate {
  const read: Record<TokenSource, () => string | null> = {
    query: () => url.searchParams.get('token'),
    header: () => { const h = req.headers[TOKEN_HEADER]; return typeof h === 'string' ? h : null; },
    protocol: () => protocolToken(req),
  };
  let presented = false;
  for (const via of allowed) {
    const value = read[via]();
    if (value === null) continue;
    presented = true;
    if (sameToken(value, token)) return { ok: true, via };
  }
  return presented ? { ok: false, status: 403, reason: 'wrong token' } : { ok: false, status: 401, reason: 'token required' };
}

/** Host must name this loopback host (a rebound DNS name would not), Origin (when sent) too. */
export function checkOrigin(req: IncomingMessage, port: number): string | null {
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  if (!allowed.has(req.headers.host ?? '')) return `unexpected Host "${req.headers.host ?? ''}"`;
  const origin = req.headers.origin;
  if (origin !== undefined && !allowed.has(origin.replace(/^http:\/\//, ''))) return `unexpected Origin "${origin}"`;
  return null;
}

/** The page, with the token for its API calls and feed in a <meta> (no inline script: CSP). */
export function injectToken(html: string, token: string): string {
  return html.replace('</head>', `  <meta name="switchyard-token" content="${token}" />\n  </head>`);
}
