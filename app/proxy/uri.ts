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

/**
 * Why nginx cannot parse the URL a proxy_pass with variables made (it answers 500), or null: after an
 * IPv6 address it looks for the URI at the first "/" only (ngx_parse_inet6_url), so a URI part that
 * came out starting with "?" ("http://[::1]:9000$is_args$args" with args) is read as part of the port
 * ("invalid port in upstream"), or as a bad host without one.
 */
export function variableUrlError(target: { host: string; port: number | null }, evaluated: string): string | null {
  if (!target.host.startsWith('[') || !evaluated.startsWith('?')) return null;
  const url = `${target.host}${target.port === null ? '' : `:${target.port}`}${evaluated}`;
  return `${target.port === null ? 'invalid host' : 'invalid port'} in upstream "${url}" (after an IPv6 address nginx finds the URI at its first "/", not at "?"): 500`;
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
