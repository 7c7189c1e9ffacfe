// From an accepted request to what to do with it, as nginx decides: server block by listen socket
// and Host, location, then the exact upstream request (URI and header list). Pure decisions over a
// compiled route table: the engine (main/engine/plan.ts) runs them on every request with node's
// IncomingMessage, the route tester (route-test.ts) with a request it builds; one code path.
// This runs per request: no work here that could be done once per config.
import type { Location, Server } from '../config/schema.ts';
import type { ProxyPassTarget } from '../config/proxy-pass.ts';
import type { LocationKind, LocationMatcher } from '../match/location.ts';
import type { RequestContext, RequestEnv } from './context.ts';
import { normalizeRequestTarget } from '../match/normalize.ts';
import { selectServer, primaryServerName, type ServerCandidate } from '../match/server.ts';
import { mergeNamed } from '../match/regex-groups.ts';
import { upstreamUri, redirectLocation } from './uri.ts';
import { upstreamHeaders, effectiveHttpVersion, type CompiledHeaders } from './headers.ts';
import { evaluateParts, evaluateVariableUri, type TemplatePart, type VariableUri } from './variables.ts';
import { candidatesFor, stripMapped, type BindCandidate } from './routing.ts';
import { requestHeadFits } from './header-buffers.ts';
import { parseNginxSize } from '../config/size.ts';
import { DEFAULTS } from '../nginx/defaults.ts';

/** A location compiled for routing (the engine's carries its balancer and timeouts too). */
export interface RouteLocation {
  index: number;
  location: Location;
  /** proxy_set_header plan, compiled once per config. */
  headers: CompiledHeaders;
  target: ProxyPassTarget;
  /** The `hash` method's key of the target's upstream, compiled once (templateParts); null for other methods. */
  pool: { hashKey: readonly TemplatePart[] | null };
  /** The proxy_pass URI part with variables, compiled (compileVariableUri); null without any. */
  variableUri: VariableUri | null;
}

export interface RouteServer {
  index: number;
  server: Server;
  matcher: LocationMatcher;
  locations: readonly RouteLocation[];
}

export interface RouteTable<S extends RouteServer> {
  binds: ReadonlyMap<string, ReadonlyArray<BindCandidate<S>>>;
}

/** What planning reads of a request; node's IncomingMessage has this shape. */
export interface RequestLike {
  method?: string | undefined;
  url?: string | undefined;
  httpVersion: string;
  /** [name, value, name, value, ...] as received. */
  rawHeaders: string[];
  socket: { localAddress?: string | undefined; localPort?: number | undefined; remoteAddress?: string | undefined; remotePort?: number | undefined };
}

export type RoutePlan<S extends RouteServer> =
  /** `headersRead`: how many of the head's header lines nginx had taken in when it refused the
   * request (0: at the request line, before any; not said: all of them, a check after the head).
   * Its own page is padded for a User-Agent among those only (app/proxy/user-agent.ts). */
  | { kind: 'error'; status: number; reason: string; headersRead?: number; server?: S; serverExplain?: string }
  | { kind: 'redirect'; status: 301; location: string; explain: string; server: S; serverExplain: string; /** The location redirected to. */ index: number }
  | {
      kind: 'proxy';
      server: S;
      loc: S['locations'][number];
      /** How it matched, and why this location (app/match/location.ts). */
      match: LocationKind;
      explain: string;
      /** Why this server block (app/match/server.ts). */
      serverExplain: string;
      ctx: RequestContext;
      path: string;
      headers: Array<[string, string]>;
      httpVersion: '1.0' | '1.1';
      hashKey: string | undefined;
      /** The request's validated host (Host header or request line), null without one. */
      host: string | null;
    };

/** Whether the request's Content-Length is over `size` (nginx size syntax; "0": no limit). */
function announcedTooLarge(raw: readonly string[], size: string): boolean {
  const limit = parseNginxSize(size) || Infinity;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.length === 14 && raw[i]!.toLowerCase() === 'content-length') return Number(raw[i + 1]) > limit;
  }
  return false;
}

/** nginx reads Content-Length into a signed 64-bit size (ngx_atoof): a number of digits past
 * 2^63 - 1 is invalid (node's parser takes them up to 2^64 - 1). */
export function overflowsOffT(value: string): boolean {
  // (every request with a body asks: fewer than 19 characters never overflow, and need no more look)
  if (value.length < 19) return false;
  const digits = value.replace(/^0+/, '');
  return /^\d+$/.test(digits) && (digits.length > 19 || (digits.length === 19 && digits > '9223372036854775807'));
}

function headerPairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/**
 * Request headers nginx 1.22 takes once (ngx_http_process_unique_header_line): a second line of
 * one is 400 "client sent duplicate header line". (Host has its own check; node itself refuses a
 * second Content-Length or Transfer-Encoding.)
 */
const UNIQUE_HEADERS = new Set(['if-modified-since', 'if-unmodified-since', 'if-match', 'if-none-match', 'if-range', 'content-range', 'transfer-encoding', 'expect', 'authorization']);
const UNIQUE_LENGTHS = new Set([...UNIQUE_HEADERS].map((h) => h.length));

/** The server blocks of a connection's listen socket, looked up once per connection and config. */
const BIND = Symbol('switchyard.bindCandidates');
interface BindCache<S extends RouteServer = RouteServer> {
  binds: unknown;
  list: ReadonlyArray<BindCandidate<S>>;
  /** The same servers as selectServer takes them (one array per list: its names are compiled once). */
  names: ServerCandidate[];
}

function socketCandidates<S extends RouteServer>(table: RouteTable<S>, socket: RequestLike['socket']): BindCache<S> {
  const holder = socket as { [BIND]?: BindCache<S> };
  const cached = holder[BIND];
  if (cached && cached.binds === table.binds) return cached;
  const list = candidatesFor(table.binds, socket.localAddress ?? '', socket.localPort ?? 0);
  const entry: BindCache<S> = { binds: table.binds, list, names: list.map((c) => ({ serverNames: c.server.server.serverNames, defaultServer: c.defaultServer })) };
  if (Object.isExtensible(socket)) holder[BIND] = entry;
  return entry;
}

/** `env`: the connection's and the clock's facts ($connection, $request_id, $msec, …), when known. */
export function planRoute<S extends RouteServer>(table: RouteTable<S>, req: RequestLike, env?: RequestEnv): RoutePlan<S> {
  // nginx refuses a head its header buffers cannot hold before it looks at anything in it
  const head = requestHeadFits(req.method ?? 'GET', req.url ?? '', req.httpVersion, req.rawHeaders);
  if (!head.ok) return { kind: 'error', status: head.status, reason: head.reason, headersRead: Math.max(0, head.line - 1) };
  if (req.httpVersion !== '1.0' && req.httpVersion !== '1.1') {
    // (node takes "HTTP/0.9" on a request line; nginx refuses a version below 1.0 written out)
    return { kind: 'error', status: req.httpVersion.startsWith('0.') ? 400 : 505, reason: `client sent HTTP/${req.httpVersion} request`, headersRead: 0 };
  }
  const socket = req.socket;
  const { list: candidates, names } = socketCandidates(table, socket);
  if (candidates.length === 0) return { kind: 'error', status: 500, reason: 'no server block for this listen socket' };

  const target = normalizeRequestTarget(req.url ?? '');
  if (!target.ok) return { kind: 'error', status: 400, reason: target.reason, headersRead: 0 };

  const headers = headerPairs(req.rawHeaders);
  let hostHeader: string | null = null;
  let transferEncoding: string | null = null;
  let contentLength: string | null = null;
  let uniqueSeen: string[] | null = null;
  let hostLine = 0;
  for (const [line, [name, value]] of headers.entries()) {
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') transferEncoding = value;
    // (node refuses two that differ; the first is the one)
    if (name.length === 14 && contentLength === null && name.toLowerCase() === 'content-length') contentLength = value;
    if (UNIQUE_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase();
      if (UNIQUE_HEADERS.has(lower)) {
        if (uniqueSeen?.includes(lower)) return { kind: 'error', status: 400, reason: `client sent duplicate header line: "${name}: ${value}"`, headersRead: line };
        (uniqueSeen ??= []).push(lower);
      }
    }
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (hostHeader !== null) return { kind: 'error', status: 400, reason: 'client sent duplicate host header', headersRead: line };
    hostHeader = value;
    hostLine = line;
  }
  const httpVersion = req.httpVersion === '1.0' ? '1.0' : '1.1';
  // nginx: an HTTP/1.1 request without Host is 400 even when the request line names a host
  if (httpVersion === '1.1' && hostHeader === null) {
    return { kind: 'error', status: 400, reason: 'client sent HTTP/1.1 request without "Host" header' };
  }

  const chosen = selectServer(names, target.absoluteHost ?? hostHeader, hostHeader);
  // (an invalid Host, refused at its line; one in an absolute request target was refused with the request line above)
  if (!chosen.ok) return { kind: 'error', status: 400, reason: chosen.reason, headersRead: hostLine };
  // the rest of nginx's checks once the head is read (ngx_http_process_request_header)
  if (contentLength !== null && overflowsOffT(contentLength)) return { kind: 'error', status: 400, reason: 'client sent invalid "Content-Length" header' };
  if (transferEncoding !== null) {
    if (httpVersion === '1.0') return { kind: 'error', status: 400, reason: 'client sent HTTP/1.0 request with "Transfer-Encoding" header' };
    if (transferEncoding.toLowerCase() !== 'chunked') return { kind: 'error', status: 501, reason: `client sent unknown "Transfer-Encoding": "${transferEncoding}"` };
  }
  if (req.method === 'TRACE' || req.method === 'CONNECT') return { kind: 'error', status: 405, reason: `client sent ${req.method} method` };
  const server = candidates[chosen.index]!.server;

  const decision = server.matcher.match(target.uri);
  if (decision.type !== 'location') {
    // nginx checks the location's client_max_body_size before anything answers from it: before the
    // trailing-slash 301 and the fallback location's `return 404`, which has nginx's default limit
    // (ngx_http_core_find_config_phase)
    const size = decision.type === 'redirect' ? server.locations[decision.index]!.location.clientMaxBodySize : DEFAULTS.clientMaxBodySize;
    if (announcedTooLarge(req.rawHeaders, size)) {
      return { kind: 'error', status: 413, reason: `client intended to send too large body (client_max_body_size ${size})`, server, serverExplain: chosen.explain };
    }
  }
  if (decision.type === 'none') return { kind: 'error', status: 404, reason: decision.explain, server, serverExplain: chosen.explain };

  if (decision.type === 'redirect') {
    return {
      kind: 'redirect', status: 301, server, explain: decision.explain, serverExplain: chosen.explain, index: decision.index,
      location: redirectLocation({ host: chosen.host, port: socket.localPort ?? 80, location: decision.location, args: target.hasArgs ? target.args : null, serverAddr: stripMapped(socket.localAddress ?? '') }),
    };
  }

  const loc = server.locations[decision.index]!;
  const ctx: RequestContext = {
    method: req.method ?? 'GET',
    requestUri: req.url ?? '',
    uri: target.uri,
    args: target.args,
    hasArgs: target.hasArgs,
    headers,
    httpVersion,
    remoteAddr: stripMapped(socket.remoteAddress ?? ''),
    remotePort: socket.remotePort ?? 0,
    serverAddr: stripMapped(socket.localAddress ?? ''),
    serverPort: socket.localPort ?? 0,
    serverName: primaryServerName(server.server.serverNames),
    scheme: 'http',
    proxyHost: loc.target.proxyHost,
    proxyPort: loc.target.proxyPort,
    captures: decision.kind === 'regex' ? decision.captures : chosen.captures ?? [],
  };
  // a named group is set by each regex that matched and has it, the location's last
  const named = decision.named && chosen.named ? mergeNamed(chosen.named, decision.named) : decision.named ?? chosen.named;
  if (named) ctx.named = named;
  if (env) ctx.env = env;
  const { evaluated, error: badUrl } = evaluateVariableUri(loc, ctx);
  if (badUrl) {
    // (in the proxy handler: after the location's client_max_body_size check)
    const tooLarge = announcedTooLarge(req.rawHeaders, loc.location.clientMaxBodySize);
    return { kind: 'error', status: tooLarge ? 413 : badUrl.status, reason: tooLarge ? `client intended to send too large body (client_max_body_size ${loc.location.clientMaxBodySize})` : badUrl.reason, server, serverExplain: chosen.explain };
  }
  const path = upstreamUri({
    location: loc.location,
    proxyPassUri: loc.target.uri,
    uri: target.uri,
    args: target.args,
    hasArgs: target.hasArgs,
    requestUri: ctx.requestUri,
    quoted: target.quoted,
    evaluated,
  });
  const hashKey = loc.pool.hashKey === null ? undefined : evaluateParts(loc.pool.hashKey, ctx);
  return {
    kind: 'proxy', server, loc, match: decision.kind, explain: decision.explain, serverExplain: chosen.explain, ctx, path,
    headers: upstreamHeaders(loc.headers, ctx),
    httpVersion: effectiveHttpVersion(loc.location),
    hashKey,
    host: chosen.host,
  };
}
