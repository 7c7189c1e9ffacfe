// The loopback web host's gate: a random token on every request, and Host/Origin checks against
// DNS rebinding. Cookies on 127.0.0.1 are shared by every port, so one sent on all paths would
// reach the apps the user proxies (and show in their HTTP log); so the token travels:
//   page     GET /?token=…            (the printed URL; the page gets the token in a <meta>)
//   API      X-Switchyard-Token header
//   feed     Sec-WebSocket-Protocol: switchyard, token.<token>
//   assets   a cookie scoped to ASSET_PATH only (or ?token=)
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-switchyard-token';
/** The renderer's asset directory (vite.config.ts assetsDir): unlikely to be any proxied app's path. */
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

export function cookieName(port: number): string {
  return `switchyard_${port}`;
}

function cookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function protocolToken(req: IncomingMessage): string | null {
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  const t = offered.find((p) => p.startsWith(PROTOCOL_TOKEN_PREFIX));
  return t ? t.slice(PROTOCOL_TOKEN_PREFIX.length) : null;
}

export type TokenSource = 'query' | 'header' | 'cookie' | 'protocol';
export type Gate = { ok: true; via: TokenSource } | { ok: false; status: 401 | 403; reason: string };

/** Check the token presented through the sources allowed for this kind of request. */
export function checkToken(req: IncomingMessage, url: URL, token: string, port: number, allowed: readonly TokenSource[]): Gate {
  const read: Record<TokenSource, () => string | null> = {
    query: () => url.searchParams.get('token'),
    header: () => { const h = req.headers[TOKEN_HEADER]; return typeof h === 'string' ? h : null; },
    cookie: () => cookie(req, cookieName(port)),
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

/** The asset cookie: sent back only for ASSET_PATH, on this host, never cross-site. */
export function assetCookie(token: string, port: number): string {
  return `${cookieName(port)}=${token}; Path=${ASSET_PATH}; HttpOnly; SameSite=Strict`;
}

/** The page, with the token for its API calls and feed in a <meta> (no inline script: CSP). */
export function injectToken(html: string, token: string): string {
  return html.replace('</head>', `  <meta name="switchyard-token" content="${token}" />\n  </head>`);
}
