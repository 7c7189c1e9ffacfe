// The request target as nginx 1.22 reads it (ngx_http_parse_request_line's URI states, then
// ngx_http_process_request_uri and ngx_http_parse_complex_uri with merge_slashes on):
// origin-form "/path?args" or absolute-form "scheme://host[:port][/path][?args]".
// Input and output are byte strings (one char code 0-255 per byte).
import { validateHost } from './server.ts';
import { hexValue } from './bytes.ts';

export type NormalizedTarget =
  | {
      ok: true;
      /** nginx $uri: percent-decoded, slashes merged, dot segments resolved. */
      uri: string;
      /** nginx $args: raw bytes after the first '?' (up to a '#' when one follows). */
      args: string;
      /** The target had a '?' (nginx itself only looks at args.length: $is_args, proxy_pass, redirects). */
      hasArgs: boolean;
      /** nginx r->quoted_uri: the path part contained '%'; the upstream URI is re-escaped then. */
      quoted: boolean;
      /** Validated host of an absolute-form target (lowercase, no port, no trailing dot). */
      absoluteHost?: string;
      /** nginx $request_uri (r->unparsed_uri): the target from its path on, unchanged. */
      requestUri: string;
      /** false only for "scheme://host?args" (no path): nginx then sends $uri?$args, not $request_uri. */
      validUnparsedUri: boolean;
    }
  | { ok: false; status: 400; reason: string };

function bad(reason: string): { ok: false; status: 400; reason: string } {
  return { ok: false, status: 400, reason };
}

// nginx's "usual" table: bytes that need no special treatment in a path.
function usual(c: number): boolean {
  if (c >= 0x80) return true;
  if (c <= 0x20 || c === 0x7f) return false;
  // '"' '!' '$' '&' "'" '(' ')' '*' ',' '-' and digits etc. are usual; these are not:
  return c !== 0x23 /* # */ && c !== 0x25 /* % */ && c !== 0x2b /* + */ && c !== 0x2e /* . */ && c !== 0x2f /* / */ && c !== 0x3f /* ? */;
}

const isCtl = (c: number) => c < 0x20 || c === 0x7f;
const isAlpha = (c: number) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Split off "scheme://host[:port]" of an absolute-form target: where the path starts, and the host. */
function splitAbsolute(t: string): { ok: true; pathStart: number; host: string } | { ok: false; reason: string } {
  let i = 1;
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (isAlpha(c) || isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) i++;
    else break;
  }
  if (t[i] !== ':' || t[i + 1] !== '/' || t[i + 2] !== '/') return { ok: false, reason: 'client sent invalid request' };
  i += 3;
  const hostStart = i;
  if (t[i] === '[') {
    i++;
    for (;;) {
      if (i >= t.length) return { ok: false, reason: 'client sent invalid request' };
      const c = t.charCodeAt(i);
      if (c === 0x5d) { i++; break; }
      if (isAlpha(c) || isDigit(c) || ':-._~!$&\'()*+,;='.includes(t[i]!)) { i++; continue; }
      return { ok: false, reason: 'client sent invalid request' };
    }
  } else {
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (isAlpha(c) || isDigit(c) || c === 0x2e || c === 0x2d) i++;
      else break;
    }
  }
  const host = t.slice(hostStart, i);
  if (t[i] === ':') {
    i++;
    while (i < t.length && isDigit(t.charCodeAt(i))) i++;
  }
  if (i < t.length && t[i] !== '/' && t[i] !== '?') return { ok: false, reason: 'client sent invalid request' };
  return { ok: true, pathStart: i, host };
}

/**
 * Parse a request target as nginx does. `uri` is what locations are matched against; `requestUri`
 * is what proxy_pass without a URI part forwards.
 */
export function normalizeRequestTarget(target: string): NormalizedTarget {
  let path = target;
  let absoluteHost: string | undefined;
  if (target[0] !== '/') {
    if (target.length === 0 || !isAlpha(target.charCodeAt(0))) return bad('client sent invalid request');
    const abs = splitAbsolute(target);
    if (!abs.ok) return bad(abs.reason);
    const h = validateHost(abs.host);
    if (h === null) return bad('client sent invalid host in request line');
    absoluteHost = h;
    // "http://host" alone is read as "/" (nginx reuses a '/' of the scheme).
    path = abs.pathStart === target.length ? '/' : target.slice(abs.pathStart);
  }
  for (let i = 0; i < path.length; i++) {
    if (isCtl(path.charCodeAt(i))) return bad('client sent invalid request');
  }

  const emptyPath = path[0] === '?';
  const requestUri = path;
  const q = path.indexOf('?');
  const pathPart = q < 0 ? path : path.slice(0, q);
  // ngx_http_parse_request_line marks "complex" targets: "//", "/.", '#', or '%' in the path
  const simple = !emptyPath && !pathPart.includes('%') && !pathPart.includes('#') && !pathPart.includes('//') && !pathPart.includes('/.') && !(q >= 0 && path.indexOf('#', q) >= 0);
  const base = { hasArgs: q >= 0, requestUri, validUnparsedUri: !emptyPath, ...(absoluteHost === undefined ? {} : { absoluteHost }) };
  if (simple) {
    return { ok: true, uri: pathPart, args: q < 0 ? '' : path.slice(q + 1), quoted: false, ...base };
  }
  const r = parseComplex(path, emptyPath);
  if (!r.ok) return bad('client sent invalid request');
  return { ok: true, uri: r.uri, args: r.args, quoted: r.quoted, ...base, hasArgs: r.hasArgs };
}

const enum S { Usual, Slash, Dot, DotDot, Quoted, QuotedSecond }

type Complex = { ok: true; uri: string; args: string; hasArgs: boolean; quoted: boolean } | { ok: false };

/** Remove the last segment after ".." (out ends with "/.."): back to the '/' before it. */
function upOne(out: number[]): boolean {
  let u = out.length - 4;
  for (;;) {
    if (u < 0) return false;
    if (out[u] === 0x2f) break;
    u--;
  }
  out.length = u + 1;
  return true;
}

/** ngx_http_parse_complex_uri with merge_slashes on: decode %XX, merge "//", resolve "." and "..". */
function parseComplex(p: string, emptyPath: boolean): Complex {
  const out: number[] = emptyPath ? [0x2f] : [];
  let state = S.Usual;
  let quotedState = S.Usual;
  let decoded = 0;
  let quoted = false;
  let i = 0;
  let ch = p.charCodeAt(0);
  let argsFrom = -1;

  scan: while (i < p.length) {
    // `ch` is p[i] unless a decoded %XX is being re-read in its pre-escape state.
    switch (state) {
      case S.Usual:
      case S.Slash:
      case S.Dot:
      case S.DotDot: {
        if (usual(ch)) {
          state = S.Usual;
          out.push(ch);
          break;
        }
        if (ch === 0x25 /* % */) {
          quotedState = state;
          state = S.Quoted;
          break;
        }
        if (ch === 0x3f /* ? */ || ch === 0x23 /* # */) {
          if (state === S.Dot) out.length -= 1;
          else if (state === S.DotDot && !upOne(out)) return { ok: false };
          if (ch === 0x3f) argsFrom = i + 1;
          break scan;
        }
        if (ch === 0x2f /* / */) {
          if (state === S.Usual) out.push(ch);
          else if (state === S.Dot) out.length -= 1; // "/./" → "/"
          else if (state === S.DotDot && !upOne(out)) return { ok: false };
          // S.Slash: merge_slashes drops it
          state = S.Slash;
          break;
        }
        if (ch === 0x2e /* . */) {
          out.push(ch);
          state = state === S.Slash ? S.Dot : state === S.Dot ? S.DotDot : S.Usual;
          break;
        }
        // '+' and anything else
        state = S.Usual;
        out.push(ch);
        break;
      }
      case S.Quoted: {
        quoted = true;
        decoded = hexValue(ch);
        if (decoded < 0) return { ok: false };
        state = S.QuotedSecond;
        break;
      }
      case S.QuotedSecond: {
        const low = hexValue(ch);
        if (low < 0) return { ok: false };
        const c = (decoded << 4) + low;
        if (c === 0) return { ok: false }; // %00
        if (c === 0x25 || c === 0x23 || c === 0x3f) {
          // a decoded '%', '#' or '?' is data, not syntax
          state = S.Usual;
          out.push(c);
          break;
        }
        // re-read the decoded byte in the state before the '%': "%2e%2e" and "%2F" act like ".." and "/"
        state = quotedState;
        ch = c;
        continue scan;
      }
    }
    i++;
    ch = p.charCodeAt(i);
  }

  if (argsFrom < 0) {
    if (state === S.Quoted || state === S.QuotedSecond) return { ok: false };
    if (i >= p.length) {
      if (state === S.Dot) out.length -= 1;
      else if (state === S.DotDot && !upOne(out)) return { ok: false };
    }
  }
  let args = '';
  if (argsFrom >= 0) {
    const hash = p.indexOf('#', argsFrom);
    args = hash < 0 ? p.slice(argsFrom) : p.slice(argsFrom, hash);
  }
  return { ok: true, uri: String.fromCharCode(...out), args, hasArgs: argsFrom >= 0, quoted };
}
