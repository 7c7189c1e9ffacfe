// The header list nginx sends upstream (ngx_http_proxy_create_request with the headers merged by
// ngx_http_proxy_init_headers): proxy_set_header entries first, in order, then nginx's defaults for
// names not set; entries whose value is '' are dropped; then the client's headers except those
// named in that list. Content-Length / Transfer-Encoding are the engine's (it frames the body, and
// puts the Content-Length of a buffered body where nginx's list has it: see UpstreamHeaders).
import type { Location } from '../config/schema.ts';
import type { RequestContext } from './context.ts';
import { evaluateParts, isValidHeaderName, templateParts, type TemplatePart } from './variables.ts';
import { asciiLower } from '../match/bytes.ts';

/**
 * Upstream response headers nginx does not pass to the client by default (proxy_hide_header's
 * defaults; it writes its own Date and Server), lower case.
 */
export const NGINX_HIDDEN_RESPONSE_HEADERS: ReadonlySet<string> = new Set(['date', 'server', 'x-pad', 'x-accel-expires', 'x-accel-redirect', 'x-accel-limit-rate', 'x-accel-buffering', 'x-accel-charset']);

/** nginx's ngx_http_proxy_headers, minus the body-framing pair the engine owns. */
export const DEFAULT_PROXY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Host', '$proxy_host'],
  ['Connection', 'close'],
  ['TE', ''],
  ['Keep-Alive', ''],
  ['Expect', ''],
  ['Upgrade', ''],
];

/** The ones of them nginx sends (the others, empty, only keep the client's lines out): what a location
 * without proxy_set_header gets, `Host $proxy_host` and `Connection close`. */
export const NGINX_SET_HEADERS = DEFAULT_PROXY_HEADERS.filter(([, value]) => value !== '');

/** Names the engine sets itself and never takes from the client or from proxy_set_header. */
const FRAMING = new Set(['content-length', 'transfer-encoding']);

/** The location's proxy_set_header list as the exported nginx.conf declares it (websocket pair first). */
export function setHeaderList(loc: Location): Array<readonly [string, string]> {
  const list: Array<readonly [string, string]> = [];
  if (loc.websocket) {
    list.push(['Upgrade', '$http_upgrade'], ['Connection', '$connection_upgrade']);
  }
  for (const h of loc.proxySetHeader) list.push([h.name, h.value]);
  return list;
}

/** proxy_http_version: websocket forces 1.1. */
export function effectiveHttpVersion(loc: Location): '1.0' | '1.1' {
  return loc.websocket || loc.proxyHttpVersion === '1.1' ? '1.1' : '1.0';
}

/** Where a header of the upstream request comes from. */
export type HeaderSource = 'websocket' | 'proxy_set_header' | 'default';

/** A location's header plan, computed once per config: names, templates split into literal parts and variables. */
export interface CompiledHeaders {
  set: ReadonlyArray<{ name: string; parts: readonly TemplatePart[]; template: string; source: HeaderSource }>;
  /** Lower-case names the client may not supply (set by the list, or framing the engine owns). */
  named: ReadonlySet<string>;
  /** Some value reads what nginx knows only once the body is read: its length, the time (AFTER_BODY). */
  afterBody: boolean;
}

/** Variables nginx evaluates when it makes the upstream request, after it has read the whole body:
 * $content_length (a chunked body's length) and the clock's. */
const AFTER_BODY: ReadonlySet<string> = new Set(['content_length', 'msec', 'time_local', 'time_iso8601']);

export function compileHeaders(loc: Location): CompiledHeaders {
  const ws = loc.websocket ? 2 : 0;
  const merged = setHeaderList(loc).map(([name, template], i) => ({ name, template, source: (i < ws ? 'websocket' : 'proxy_set_header') as HeaderSource }));
  const named = new Set(merged.map((h) => asciiLower(h.name)));
  for (const [name, template] of DEFAULT_PROXY_HEADERS) {
    if (!named.has(asciiLower(name))) {
      merged.push({ name, template, source: 'default' });
      named.add(asciiLower(name));
    }
  }
  for (const f of FRAMING) named.add(f);
  const set = merged
    .filter((h) => !FRAMING.has(asciiLower(h.name)))
    .map((h) => ({ name: h.name, parts: templateParts(h.template), template: h.template, source: h.source }));
  const afterBody = set.some((h) => readsAfterBody(h.parts));
  return { set, named, afterBody };
}

/** Whether a value (templateParts) reads a variable of AFTER_BODY: a header value, a hash key. */
export function readsAfterBody(parts: readonly TemplatePart[]): boolean {
  return parts.some((p) => typeof p !== 'string' && AFTER_BODY.has(p.variable));
}

/** Whether nginx forwards an upgrade: the upstream request has an Upgrade header. Over HTTP/1.0 too
 * (`proxy_set_header Upgrade` without `proxy_http_version 1.1`): nginx tunnels on the upstream's 101
 * whatever the version it asked with, and some servers (node's ws) answer 101 to that. */
export function forwardsUpgrade(headers: ReadonlyArray<readonly [string, string]>): boolean {
  return headers.some(([n, v]) => n.toLowerCase() === 'upgrade' && v !== '');
}

/**
 * The upstream request's headers. `clientFrom` is the index of the first header passed on from the
 * client: the entries before it are the proxy_set_header/default list, and nginx's own
 * "Content-Length: $proxy_internal_body_length" (the buffered body's length, which only the engine
 * knows) goes between the two.
 */
export type UpstreamHeaders = Array<[string, string]> & { clientFrom: number };

/** The headers of the upstream request, in nginx's order, values evaluated. */
export function upstreamHeaders(loc: Location | CompiledHeaders, ctx: RequestContext): UpstreamHeaders {
  const c = 'set' in loc ? loc : compileHeaders(loc);
  const out = [] as Array<[string, string]> as UpstreamHeaders;
  for (const h of c.set) {
    const value = evaluateParts(h.parts, ctx);
    if (value !== '') out.push([h.name, value]);
  }
  out.clientFrom = out.length;
  for (const [name, value] of ctx.headers) {
    if (isValidHeaderName(name) && !c.named.has(asciiLower(name))) out.push([name, value]);
  }
  return out;
}
