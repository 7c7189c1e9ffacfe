// The route tester: what the engine (and nginx with the exported file) does with one request to the
// draft: which server block and location and why, the 301 or 404, the URI and the header list the
// upstream gets. The decisions are the engine's own (plan.ts over a route table compiled from the
// draft with the engine's compilers); this file only builds the request and explains the plan.
// Pure: the UI runs it on every keystroke.
import { validateConfig } from '../config/validate.ts';
import type { ConfigIssue } from '../config/issues.ts';
import type { Config, Upstream } from '../config/schema.ts';
import { parseProxyPass } from '../config/proxy-pass.ts';
import { compileLocations, locationText, type LocationKind } from '../match/location.ts';
import { asciiLower, utf8Bytes } from '../match/bytes.ts';
import { normalizeRequestTarget } from '../match/normalize.ts';
import { serverParams } from '../nginx/export.ts';
import { compileHeaders, forwardsUpgrade, type HeaderSource } from './headers.ts';
import { compileVariableUri, evaluateParts, isValidHeaderName, templateParts } from './variables.ts';
import { addServerBinds, directTargetKey, groupNames, listenBindKey, upstreamOf, type Binds } from './routing.ts';
import { planRoute, type RouteServer, type RouteTable } from './plan.ts';
import { LazyRequestEnv } from './context.ts';
import { chooseSocket, displayBytes, isIpAddress, parseHeaderLines, parseTestUrl, type RouteTestField } from './route-test-input.ts';
import { clientStatus } from './header-buffers.ts';

export type { RouteTestField };

export interface RouteTestInput {
  /** "/path?query", or "http://host[:port]/path?query" (ws:// too). */
  url: string;
  /** The Host header; '' or absent: the URL's host[:port], else the socket's address; null: no Host header. */
  host?: string | null;
  /** The listen socket (bind key, e.g. "127.0.0.1:8080") to connect to; '' or absent: from the URL. */
  listen?: string;
  /** The client's address (nginx $remote_addr); default 127.0.0.1. */
  clientAddress?: string;
  /** Send a WebSocket handshake (Upgrade: websocket). A ws:// URL does too. */
  websocket?: boolean;
  /** Default GET. */
  method?: string;
  /** More client headers, one "Name: value" per line. */
  headers?: string;
  /** nginx $hostname: the name of the machine the engine runs on (the feed says it); absent: ''. */
  hostname?: string;
}

/** The client port the tester pretends to use (nginx $remote_port). */
export const TEST_CLIENT_PORT = 50000;

/** A tested request's $request_id: made up as nginx makes one (32 hex digits of random). */
const testRequestId = (): string => Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
/** The handshake a WebSocket client sends (RFC 6455's sample key). */
const WS_HANDSHAKE: ReadonlyArray<[string, string]> = [
  ['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['Sec-WebSocket-Version', '13'],
];

export interface HeaderRow {
  name: string;
  value: string;
  /** Set by the location (WebSocket switch, proxy_set_header), nginx's default list, or passed from the client. */
  source: HeaderSource | 'client';
  /** The nginx value it was evaluated from (not for client headers). */
  template?: string;
}

export type UpstreamInfo =
  | { kind: 'group'; name: string; method: string; keepalive: number; servers: Array<{ address: string; params: string }>; hashKey: { template: string; value: string } | null }
  | { kind: 'address'; address: string };

export type RouteOutcome =
  | { kind: 'error'; status: number; reason: string }
  | { kind: 'redirect'; status: 301; location: string; explain: string }
  | {
      kind: 'proxy';
      /** The upstream request line, e.g. "GET /v1/users HTTP/1.0". */
      requestLine: string;
      uri: string;
      uriExplain: string;
      proxyPass: string;
      upstream: UpstreamInfo;
      headers: HeaderRow[];
      /** Client headers the upstream does not get, and why. */
      dropped: Array<{ name: string; value: string; why: string }>;
      /** For a WebSocket handshake: whether the upstream gets the upgrade. */
      upgrade: { forwarded: boolean; explain: string } | null;
    };

export interface RouteTest {
  ok: true;
  /** Every socket the draft listens on, config order (for the picker). */
  sockets: string[];
  request: { socket: string; socketExplain: string; localAddress: string; clientAddress: string; requestLine: string; headers: Array<[string, string]>; websocket: boolean };
  /** The server blocks on that socket, config order. */
  servers: Array<{ index: number; label: string; defaultServer: boolean }>;
  server: { index: number; label: string; explain: string } | null;
  /** nginx $uri and $args after normalization (null when the target is refused). */
  normalized: { uri: string; args: string | null } | null;
  location: { index: number; label: string; name: string; kind: LocationKind | 'redirect'; explain: string } | null;
  outcome: RouteOutcome;
}

export type RouteTestResult =
  | RouteTest
  | { ok: false; problem: 'invalid_draft'; message: string; issues: ConfigIssue[] }
  | { ok: false; problem: 'bad_input'; field: RouteTestField; message: string };

/** The draft's routing as the engine compiles it (without its balancers and connection pools). */
export function compileRouteTable(config: Config): RouteTable<RouteServer> & { binds: Binds<RouteServer> } {
  const binds: Binds<RouteServer> = new Map();
  const groups = groupNames(config);
  config.servers.forEach((server, si) => {
    const locations = server.locations.map((location, li) => {
      const target = parseProxyPass(location.proxyPass)!;
      const group = upstreamOf(config.upstreams, target);
      const hashKey = group?.method.type === 'hash' ? group.method.key : null;
      return { index: li, location, headers: compileHeaders(location), target, pool: { hashKey: hashKey === null ? null : templateParts(hashKey) }, variableUri: compileVariableUri(target, groups) };
    });
    addServerBinds(binds, server, { index: si, server, matcher: compileLocations(server.locations), locations });
  });
  return { binds };
}

/** The sockets a draft listens on (bind keys, config order, for the picker); [] while it is invalid. */
export function draftSockets(draft: unknown): string[] {
  const v = validateConfig(draft);
  if (!v.ok) return [];
  return [...new Set(v.config.servers.flatMap((s) => s.listen.map((l) => listenBindKey(l.address))))];
}

export function serverLabel(s: Config['servers'][number]): string {
  const listen = s.listen.map((l) => l.address).join(', ');
  return s.serverNames.length ? `${listen} · ${s.serverNames.join(' ')}` : listen;
}

export function locationLabel(l: { modifier: string; path: string }): string {
  return `location ${locationText(l)}`;
}

function methodText(u: Upstream): string {
  const m = u.method;
  if (m.type === 'round_robin') return 'weighted round robin';
  if (m.type === 'hash') return `hash ${m.key}${m.consistent ? ' consistent' : ''}`;
  if (m.type === 'random') return m.two ? 'random two' : 'random';
  return m.type;
}

/** Run one request through the draft. `draft` is the document being edited (possibly invalid). */
export function testRoute(draft: unknown, input: RouteTestInput): RouteTestResult {
  return routeTester(draft)(input);
}

/**
 * testRoute for many requests through one draft: the draft is checked and its route table built
 * once (each costs as much as the config is long), not once per request.
 */
export function routeTester(draft: unknown): (input: RouteTestInput) => RouteTestResult {
  const v = validateConfig(draft);
  if (!v.ok) {
    const n = v.issues.length;
    const invalid: RouteTestResult = { ok: false, problem: 'invalid_draft', issues: v.issues, message: `The draft has ${n} problem${n === 1 ? '' : 's'}: fix ${n === 1 ? 'it' : 'them'} to test routes (the engine never runs an invalid config).` };
    return () => invalid;
  }
  return validRouteTester(v.config);
}

/** routeTester for a config validateConfig gave (not checked again). */
export function validRouteTester(config: Config): (input: RouteTestInput) => RouteTestResult {
  const table = compileRouteTable(config);
  return (input) => testValid(config, table, input);
}

function testValid(config: Config, table: ReturnType<typeof compileRouteTable>, input: RouteTestInput): RouteTestResult {
  const url = parseTestUrl(input.url);
  if (!url.ok) return { ok: false, problem: 'bad_input', field: url.field, message: url.message };
  const clientAddress = (input.clientAddress ?? '').trim() || '127.0.0.1';
  if (!isIpAddress(clientAddress)) return { ok: false, problem: 'bad_input', field: 'clientAddress', message: `"${clientAddress}" is not an IPv4 or IPv6 address` };
  const extra = parseHeaderLines(input.headers ?? '');
  if (!extra.ok) return { ok: false, problem: 'bad_input', field: extra.field, message: extra.message };
  if (typeof input.host === 'string' && /[\u0000-\u001f\u007f]/.test(input.host)) return { ok: false, problem: 'bad_input', field: 'host', message: 'a Host header cannot contain control characters' };

  const sockets = [...table.binds.keys()];
  const socket = chooseSocket(sockets, input.listen || undefined, url);
  if (!socket.ok) return { ok: false, problem: 'bad_input', field: socket.field, message: socket.message };

  const websocket = Boolean(input.websocket) || url.websocket;
  const method = (input.method ?? '').trim().toUpperCase() || 'GET';
  const hostValue = input.host === null ? null : utf8Bytes(input.host?.trim() ?? '') || url.authority || `${socket.localAddress.includes(':') ? `[${socket.localAddress}]` : socket.localAddress}${socket.port === 80 ? '' : `:${socket.port}`}`;
  const headers: Array<[string, string]> = [
    ...(hostValue === null ? [] : [['Host', hostValue] as [string, string]]),
    ...(websocket ? WS_HANDSHAKE : []),
    ...extra.headers,
  ];
  // One socket only: a connection to a wildcard socket must not land on a specific one.
  const plan = planRoute({ binds: new Map([[socket.key, table.binds.get(socket.key)!]]) }, {
    method, url: url.target, httpVersion: '1.1', rawHeaders: headers.flat(),
    socket: { localAddress: socket.localAddress, localPort: socket.port, remoteAddress: clientAddress, remotePort: TEST_CLIENT_PORT },
  }, new LazyRequestEnv(1, 1, Date.now(), input.hostname ?? '', testRequestId));

  const t = normalizeRequestTarget(url.target);
  const candidates = table.binds.get(socket.key)!;
  const base = {
    ok: true as const,
    sockets,
    request: {
      socket: socket.key, socketExplain: socket.explain, localAddress: socket.localAddress, clientAddress,
      requestLine: `${method} ${displayBytes(url.target)} HTTP/1.1`, headers: headers.map(([n, val]): [string, string] => [n, displayBytes(val)]), websocket,
    },
    servers: candidates.map((c) => ({ index: c.server.index, label: serverLabel(c.server.server), defaultServer: c.defaultServer })),
    server: plan.server && plan.serverExplain !== undefined ? { index: plan.server.index, label: serverLabel(plan.server.server), explain: plan.serverExplain } : null,
    normalized: t.ok ? { uri: displayBytes(t.uri), args: t.hasArgs ? displayBytes(t.args) : null } : null,
  };
  if (plan.kind === 'error') return { ...base, location: null, outcome: { kind: 'error', status: clientStatus(plan.status), reason: plan.reason } };
  if (plan.kind === 'redirect') {
    const target = plan.server.server.locations[plan.index]!;
    return {
      ...base,
      location: { index: plan.index, label: locationLabel(target), name: target.name, kind: 'redirect', explain: plan.explain },
      outcome: { kind: 'redirect', status: 301, location: displayBytes(plan.location), explain: plan.explain },
    };
  }

  const loc = plan.loc;
  const group = upstreamOf(config.upstreams, loc.target);
  const location = { index: loc.index, label: locationLabel(loc.location), name: loc.location.name, kind: plan.match, explain: plan.explain };
  return { ...base, location, outcome: {
    kind: 'proxy',
    requestLine: `${plan.ctx.method} ${displayBytes(plan.path)} HTTP/${plan.httpVersion}`,
    uri: displayBytes(plan.path),
    uriExplain: uriExplain(loc.location, loc.target.uri, t.ok && t.quoted, plan.ctx.args.length > 0),
    proxyPass: loc.location.proxyPass,
    upstream: group
      ? {
          kind: 'group', name: group.name, method: methodText(group), keepalive: group.keepalive,
          servers: group.servers.map((s) => ({ address: s.address, params: serverParams(s).join(' ') })),
          hashKey: plan.hashKey === undefined || group.method.type !== 'hash' ? null : { template: group.method.key, value: displayBytes(plan.hashKey) },
        }
      : { kind: 'address', address: directTargetKey(loc.target) },
    ...explainHeaders(loc.headers, plan.headers, plan.ctx),
    upgrade: websocket ? upgradeExplain(loc.location.websocket, forwardsUpgrade(plan.headers), plan.httpVersion) : null,
  } };
}

function uriExplain(loc: { modifier: string; path: string; proxyPass: string }, proxyPassUri: string | null, quoted: boolean, hasArgs: boolean): string {
  if (proxyPassUri === null) return `proxy_pass ${loc.proxyPass} has no URI part: the request URI goes as the client sent it`;
  if (proxyPassUri.includes('$')) return `proxy_pass URI "${proxyPassUri}" has variables: the URI goes as they make it (decoded captures and $uri as they are, no ?$args added); empty, as the client sent it`;
  const what = loc.modifier === '=' ? 'the whole URI' : `the matched prefix "${loc.path}"`;
  const rest = loc.modifier === '=' ? '' : quoted ? '; the rest of $uri follows, re-escaped (the client escaped part of the path)' : '; the rest of $uri follows';
  return `proxy_pass URI "${proxyPassUri}" replaces ${what}${rest}${hasArgs ? ', then ?$args' : ''}`;
}

function upgradeExplain(switchOn: boolean, forwarded: boolean, httpVersion: string): { forwarded: boolean; explain: string } {
  if (forwarded && httpVersion === '1.1') return { forwarded, explain: 'the upstream gets Upgrade over HTTP/1.1: the session opens when it answers 101' };
  if (forwarded) return { forwarded, explain: `the upstream gets Upgrade over HTTP/${httpVersion}: the session opens if it answers 101, as in nginx, but many servers refuse an upgrade that is not HTTP/1.1 (set proxy_http_version 1.1, or turn on WebSocket)` };
  if (!switchOn) return { forwarded, explain: "this location's WebSocket switch is off: nginx sends the request as plain HTTP without Upgrade, so the client gets no 101 (turn on WebSocket)" };
  return { forwarded, explain: 'the upstream request has no Upgrade header: no upgrade' };
}

/** The plan's header list with where each header comes from, and the client headers left out. */
function explainHeaders(
  compiled: RouteServer['locations'][number]['headers'], sent: ReadonlyArray<[string, string]>, ctx: Parameters<typeof evaluateParts>[1],
): { headers: HeaderRow[]; dropped: Array<{ name: string; value: string; why: string }> } {
  const setSent = compiled.set.filter((e) => evaluateParts(e.parts, ctx) !== '');
  let k = 0;
  const headers: HeaderRow[] = sent.map(([name, value]) => {
    if (!compiled.named.has(asciiLower(name))) return { name, value: displayBytes(value), source: 'client' };
    while (k < setSent.length && setSent[k]!.name !== name) k++;
    const e = setSent[k++];
    return e ? { name, value: displayBytes(value), source: e.source, template: e.template } : { name, value: displayBytes(value), source: 'client' };
  });
  const dropped: Array<{ name: string; value: string; why: string }> = [];
  for (const [name, value] of ctx.headers) {
    const lower = asciiLower(name);
    let why: string | null = null;
    if (!isValidHeaderName(name)) why = 'nginx ignores header names with characters other than letters, digits and "-" (underscores_in_headers off)';
    else if (compiled.named.has(lower)) {
      const e = compiled.set.find((s) => asciiLower(s.name) === lower);
      if (!e) why = 'the engine frames the body itself (Content-Length)';
      else if (e.source === 'default') why = e.template === '' ? `nginx does not pass ${e.name} (its default proxy_set_header ${e.name} "")` : `replaced by nginx's default ${e.name} ${e.template}`;
      else if (e.source === 'websocket') why = `replaced by the WebSocket switch: ${e.name} ${e.template}`;
      else why = e.template === '' ? `removed by proxy_set_header ${e.name} ""` : `replaced by proxy_set_header ${e.name} ${e.template}`;
    }
    if (why !== null) dropped.push({ name, value: displayBytes(value), why });
  }
  return { headers, dropped };
}
