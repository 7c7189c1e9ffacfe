// An upstream's X-Accel-Redirect, as nginx 1.22 follows it (ngx_http_upstream_process_headers):
// the upstream request ends, a few of its response headers are kept for the client, and the
// request starts over in the same server block with the header's URI: percent-decoded once, refused
// when unsafe (404), the method GET unless it was HEAD, the body (already read) sent again; at
// most 10 such redirects (then 500). A name starting with "@" is a named location, which
// Switchyard does not model: 500, as nginx answers for a name it cannot find.
import { hexValue } from '../match/bytes.ts';
import { mergeNamed } from '../match/regex-groups.ts';
import { redirectLocation, upstreamUri } from './uri.ts';
import { upstreamHeaders, effectiveHttpVersion } from './headers.ts';
import { evaluateParts, evaluateVariableUri } from './variables.ts';
import type { RoutePlan, RouteServer } from './plan.ts';
import { parseNginxSize } from '../config/size.ts';
import { DEFAULTS } from '../nginx/defaults.ts';

/** nginx's limit on URI changes of one request (NGX_HTTP_MAX_URI_CHANGES). */
export const MAX_INTERNAL_REDIRECTS = 10;

/** The upstream response headers nginx keeps across an X-Accel-Redirect (their "redirect" flag). */
export const CARRIED_HEADERS = new Set(['content-type', 'set-cookie', 'content-disposition', 'cache-control', 'expires', 'accept-ranges']);

/**
 * ngx_unescape_uri on a byte string: %XX decoded; a '%' not followed by a hex digit is dropped (the
 * character after it kept), and a '%' with one hex digit and then another character is dropped
 * with both.
 */
function unescape(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    const h1 = i + 1 < s.length ? hexValue(s.charCodeAt(i + 1)) : -1;
    if (h1 < 0) {
      if (i + 1 < s.length) out += s[i + 1];
      i += 2;
      continue;
    }
    const h2 = i + 2 < s.length ? hexValue(s.charCodeAt(i + 2)) : -1;
    if (h2 >= 0) out += String.fromCharCode(h1 * 16 + h2);
    i += 3;
  }
  return out;
}

/**
 * ngx_http_parse_unsafe_uri: split off "?args", refuse "..", "/../", "/.." at the end and NUL,
 * percent-decode the path once and check it again (a decoded "?" or "%" stays in the path, as in
 * nginx). null: unsafe.
 */
export function parseUnsafeUri(value: string): { uri: string; args: string | null } | null {
  let uri = value;
  let args: string | null = null;
  for (let pass = 0; ; pass++) {
    if (uri.length === 0 || (pass === 0 && uri[0] === '?')) return null;
    if (uri.startsWith('..') && (uri.length === 2 || uri[2] === '/')) return null;
    let quoted = false;
    for (let i = 0; i < uri.length; i++) {
      const c = uri[i]!;
      if (c === '%') quoted = true;
      else if (c === '?' && pass === 0) {
        args = uri.slice(i + 1);
        uri = uri.slice(0, i);
        break;
      } else if (c === '\0') return null;
      else if (c === '/' && uri.length - i > 2 && uri[i + 1] === '.' && uri[i + 2] === '.' && (uri.length - i === 3 || uri[i + 3] === '/')) return null;
    }
    if (!quoted || pass > 0) return { uri, args };
    uri = unescape(uri);
  }
}

type ProxyPlan<S extends RouteServer> = Extract<RoutePlan<S>, { kind: 'proxy' }>;

/** The plan for the request once it is redirected to `target` (an X-Accel-Redirect value);
 * `bodyBytes`: the request body already read (-1: the request has none, nor a Content-Length). */
export function planInternalRedirect<S extends RouteServer>(prev: ProxyPlan<S>, target: string, bodyBytes = -1): RoutePlan<S> {
  const { server } = prev;
  if (target.startsWith('@')) return { kind: 'error', status: 500, reason: `could not find named location "${target}" (named locations are not modelled)`, server, serverExplain: prev.serverExplain };
  const parsed = parseUnsafeUri(target);
  if (!parsed) return { kind: 'error', status: 404, reason: `unsafe URI "${target}" was detected`, server, serverExplain: prev.serverExplain };
  const { uri } = parsed;
  const args = parsed.args ?? '';
  const decision = server.matcher.match(uri);
  // nginx checks the new location's client_max_body_size against the body's length (read by now,
  // chunked ones too) before anything answers from it, as for the request's first location
  // (ngx_http_core_find_config_phase): the fallback location's limit is nginx's default
  const size = decision.type === 'none' ? DEFAULTS.clientMaxBodySize : server.locations[decision.index]!.location.clientMaxBodySize;
  if (bodyBytes > (parseNginxSize(size) || Infinity)) {
    return { kind: 'error', status: 413, reason: `client intended to send too large body: ${bodyBytes} bytes (client_max_body_size ${size} at "${uri}")`, server, serverExplain: prev.serverExplain };
  }
  if (decision.type === 'none') return { kind: 'error', status: 404, reason: decision.explain, server, serverExplain: prev.serverExplain };
  if (decision.type === 'redirect') {
    return {
      kind: 'redirect', status: 301, server, explain: decision.explain, serverExplain: prev.serverExplain, index: decision.index,
      location: redirectLocation({ host: prev.host, port: prev.ctx.serverPort, location: decision.location, args: parsed.args, serverAddr: prev.ctx.serverAddr }),
    };
  }
  const loc = server.locations[decision.index]!;
  const ctx = {
    ...prev.ctx,
    method: prev.ctx.method === 'HEAD' ? 'HEAD' : 'GET',
    uri, args, hasArgs: parsed.args !== null,
    proxyHost: loc.target.proxyHost, proxyPort: loc.target.proxyPort,
    // (a location regex that matched sets them anew; else they stay as they were)
    captures: decision.kind === 'regex' ? decision.captures : prev.ctx.captures,
  };
  // (and its named groups: those of the regexes before stay, as $request_id does)
  if (decision.named) ctx.named = mergeNamed(prev.ctx.named, decision.named);
  // after an internal redirect nginx sends $uri escaped (r->internal), never the client's target
  const { evaluated, error: badUrl } = evaluateVariableUri(loc, ctx);
  if (badUrl) return { kind: 'error', status: badUrl.status, reason: badUrl.reason, server, serverExplain: prev.serverExplain };
  const path = upstreamUri({ location: loc.location, proxyPassUri: loc.target.uri, uri, args, hasArgs: ctx.hasArgs, requestUri: ctx.requestUri, quoted: true, internal: true, evaluated });
  return {
    kind: 'proxy', server, loc, match: decision.kind, explain: decision.explain, serverExplain: prev.serverExplain, ctx, path,
    headers: upstreamHeaders(loc.headers, ctx),
    httpVersion: effectiveHttpVersion(loc.location),
    hashKey: loc.pool.hashKey === null ? undefined : evaluateParts(loc.pool.hashKey, ctx),
    host: prev.host,
  };
}

