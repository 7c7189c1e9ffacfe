// The request-line URI nginx sends upstream (ngx_http_proxy_create_request), and the Location of
// an auto-redirect (ngx_http_header_filter with absolute_redirect and port_in_redirect on).
import type { Location } from '../config/schema.ts';
import { escapeUri, utf8Bytes } from '../match/bytes.ts';
import { normalizeRequestTarget } from '../match/normalize.ts';

export { escapeUri };

export interface UpstreamUriInput {
  /** The matched location. */
  location: Location;
  /** proxy_pass URI part ("/", "/v2/"), null when proxy_pass has none. */
  proxyPassUri: string | null;
  /** Normalized $uri (byte string). */
  uri: string;
  /** $args. */
  args: string;
  hasArgs: boolean;
  /** The target as received (origin- or absolute-form). */
  requestUri: string;
  /** nginx r->quoted_uri (the path had '%'). */
  quoted: boolean;
  /** After an internal redirect (r->internal): the client's target is never sent as is. */
  internal?: boolean;
  /** A proxy_pass URI part with variables, as they made it (a byte string). */
  evaluated?: string;
}

/** The unparsed URI nginx keeps for a target ($request_uri), and whether proxy_pass may send it as is. */
export function unparsedUri(requestUri: string): { uri: string; valid: boolean } {
  if (requestUri.startsWith('/')) return { uri: requestUri, valid: true };
  const t = normalizeRequestTarget(requestUri);
  if (!t.ok) return { uri: requestUri, valid: true };
  return { uri: t.requestUri, valid: t.validUnparsedUri };
}

/** ngx_inet_addr's dotted quad: four decimal parts (any number of digits, even none), each at most 255. */
function inetAddr(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d*$/.test(p) && Number(p || '0') <= 255);
}

/** ngx_atoi for a port: digits only, 1-65535. */
function validPort(text: string): boolean {
  return /^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

/**
 * What nginx makes of the URL a proxy_pass with variables made, when it cannot keep the host and
 * port as written: it parses the whole URL again per request (ngx_http_proxy_eval, ngx_parse_url),
 * finding the URI at the first "/" or "?" (after an IPv6 address at the first "/" only), so a URI
 * part that comes out starting with another byte ("http://pool$is_args." without args, "http://h:9000
 * ${is_args}%20/") runs into the port, which must then still be a number ("invalid port in upstream":
 * 500), or the host, which then is a name nginx would look up, and without a resolver answers 502
 * ("no resolver defined"); after an IPv6 address one starting with "?" is read as part of the port
 * ("http://[::1]:9000$is_args$args" with args), or as a bad host without one (500).
 * Null when the host and port stay as written; null too when the bytes make another valid port, IPv4
 * address or upstream group name (`groups`, lower case), which the engine does not connect to.
 */
export function variableUrlError(target: { host: string; port: number | null }, evaluated: string, groups: ReadonlySet<string>): { status: 500 | 502; reason: string } | null {
  const v6 = target.host.startsWith('[');
  const end = evaluated.search(v6 ? /\// : /[/?]/);
  const head = end < 0 ? evaluated : evaluated.slice(0, end);
  if (head === '') return null;
  const url = `${target.host}${target.port === null ? '' : `:${target.port}`}${evaluated}`;
  const why = v6 ? ' (after an IPv6 address nginx finds the URI at its first "/", not at "?")' : ' (the URI part came out not starting with "/" or "?")';
  if (target.port !== null) return validPort(`${target.port}${head}`) ? null : { status: 500, reason: `invalid port in upstream "${url}"${why}: 500` };
  if (v6) {
    if (!head.startsWith(':')) return { status: 500, reason: `invalid host in upstream "${url}"${why}: 500` };
    return validPort(head.slice(1)) ? null : { status: 500, reason: `invalid port in upstream "${url}"${why}: 500` };
  }
  const joined = target.host + head;
  const colon = joined.indexOf(':');
  if (colon >= 0 && !validPort(joined.slice(colon + 1))) return { status: 500, reason: `invalid port in upstream "${url}"${why}: 500` };
  const host = colon >= 0 ? joined.slice(0, colon) : joined;
  if (inetAddr(host) || (colon < 0 && groups.has(host.toLowerCase()))) return null;
  return { status: 502, reason: `no resolver defined to resolve ${host} (proxy_pass "${url}": the URI part came out not starting with "/" or "?", and ran into the host): 502` };
}

/**
 * The upstream request-line URI. Without a proxy_pass URI part the client's target goes as is;
 * with one (even "/"), the matched location name is replaced by it (for '=' the whole URI) and the
 * rest of $uri follows, re-escaped only when the client had escaped something; then "?args".
 */
export function upstreamUri(input: UpstreamUriInput): string {
  // with variables (ngx_http_proxy_eval), the URI part goes as they made it: no location replaced,
  // no args added, nothing escaped ("/" put before one that starts with "?"); when it comes out
  // empty, as without a URI part
  const e = input.evaluated;
  if (e !== undefined && e !== '') return e.startsWith('?') ? `/${e}` : e;
  const { location, uri, args } = input;
  const proxyPassUri = e === '' ? null : input.proxyPassUri;
  const raw = input.internal ? { uri: '', valid: false } : unparsedUri(input.requestUri);
  if (proxyPassUri === null || proxyPassUri === '' || location.modifier === '~' || location.modifier === '~*') {
    if (raw.valid) return raw.uri;
    // "http://host?x": nginx sends $uri, escaped if needed, and ?args
    return (input.quoted ? escapeUri(uri) : uri) + (args.length > 0 ? `?${args}` : '');
  }
  // loc_len: the location name's length in bytes. The URI starts with it for prefix and exact
  // matches (the only ones that may have a proxy_pass URI part).
  const locLen = utf8Bytes(location.path).length;
  const rest = uri.slice(Math.min(locLen, uri.length));
  const base = utf8Bytes(proxyPassUri);
  return base + (input.quoted ? escapeUri(rest) : rest) + (args.length > 0 ? `?${args}` : '');
}

export interface RedirectInput {
  /** nginx r->headers_in.server: the validated host, null when the client sent none. */
  host: string | null;
  /** The local port that accepted the connection. */
  port: number;
  /** The escaped location name from the 'redirect' decision. */
  location: string;
  /** $args, or null / '' for none. */
  args: string | null;
  /** Local address of the connection, used when there is no host (nginx prints it without brackets). */
  serverAddr?: string;
}

/** The Location value of nginx's auto-redirect 301: "http://host[:port]/name/[?args]". */
export function redirectLocation(input: RedirectInput): string {
  const host = input.host ?? (input.serverAddr ?? '').replace(/^\[|\]$/g, '');
  const port = input.port === 80 ? '' : `:${input.port}`;
  const args = input.args !== null && input.args.length > 0 ? `?${input.args}` : '';
  return `http://${host}${port}${input.location}${args}`;
}
