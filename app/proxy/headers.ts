// The header list nginx sends upstream (ngx_http_proxy_create_request with the headers merged by
// ngx_http_proxy_init_headers): proxy_set_header entries first, in order, then nginx's defaults for
// names not set; entries whose value is '' are dropped; then the client's headers except those
// named in that list. Content-Length / Transfer-Encoding are the engine's (it frames the body).
import type { Location } from '../config/schema.ts';
import type { RequestContext } from './context.ts';
import { evaluate, validHeaders } from './variables.ts';
import { asciiLower } from '../match/bytes.ts';

/** nginx's ngx_http_proxy_headers, minus the body-framing pair the engine owns. */
export const DEFAULT_PROXY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Host', '$proxy_host'],
  ['Connection', 'close'],
  ['TE', ''],
  ['Keep-Alive', ''],
  ['Expect', ''],
  ['Upgrade', ''],
];

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

/** The headers of the upstream request, in nginx's order, values evaluated. */
export function upstreamHeaders(loc: Location, ctx: RequestContext): Array<[string, string]> {
  const merged = setHeaderList(loc);
  const named = new Set(merged.map(([n]) => asciiLower(n)));
  for (const d of DEFAULT_PROXY_HEADERS) {
    if (!named.has(asciiLower(d[0]))) {
      merged.push(d);
      named.add(asciiLower(d[0]));
    }
  }
  for (const f of FRAMING) named.add(f);

  const out: Array<[string, string]> = [];
  for (const [name, template] of merged) {
    if (FRAMING.has(asciiLower(name))) continue;
    const value = evaluate(template, ctx);
    if (value !== '') out.push([name, value]);
  }
  for (const [name, value] of validHeaders(ctx)) {
    if (!named.has(asciiLower(name))) out.push([name, value]);
  }
  return out;
}
