// Model → nginx directive tree → text. The exported file means to nginx 1.22 what the model means
// to the engine: nginx's defaults are left out only where they equal the model's defaults, and
// every non-default value is written. The output is deterministic (model order, fixed layout).
import type { Config, Location, Server, Upstream, UpstreamServer } from '../config/schema.ts';
import { directive, type Directive } from './ast.ts';
import { parseProxyPass } from '../config/proxy-pass.ts';
import { printNginx } from './printer.ts';
import { renameVariables } from '../proxy/variable-names.ts';
import { DEFAULTS, NO_MATCH_COMMENT, PINNED_COMMENT, ROUTE_COMMENT_PREFIX, SNIPPET_UPGRADE_VARIABLE } from './defaults.ts';
import { hashBucketDirectives } from './hash-buckets.ts';
import { NGINX_SET_HEADERS } from '../proxy/headers.ts';

export interface ExportOptions {
  /** 'full': a complete nginx.conf (events + http); 'snippet': the http-level part to include. */
  shape: 'full' | 'snippet';
}

/** `map $http_upgrade $connection_upgrade { default upgrade; '' close; }`, as nginx.org documents it. */
export function connectionUpgradeMap(variable = '$connection_upgrade'): Directive {
  return directive('map', ['$http_upgrade', variable], [directive('default', ['upgrade']), directive('', ['close'])]);
}

/**
 * What a snippet's server pins: every setting the model has that nginx inherits from the http block,
 * at the model's default (= nginx's), so that the including http block's own (`proxy_set_header
 * Host $host`, `client_max_body_size 0`, `proxy_http_version 1.1`…) does not reach its routes. A
 * location's own values still override these. (`proxy_redirect default`, the engine's behaviour, can
 * only follow a proxy_pass: each location of a snippet writes it.)
 */
function pinnedDefaults(): Directive[] {
  return [
    directive('proxy_http_version', [DEFAULTS.proxyHttpVersion], undefined, [PINNED_COMMENT]),
    ...NGINX_SET_HEADERS.map(([name, value]) => directive('proxy_set_header', [name, value])),
    directive('proxy_connect_timeout', [DEFAULTS.timeout]),
    directive('proxy_send_timeout', [DEFAULTS.timeout]),
    directive('proxy_read_timeout', [DEFAULTS.timeout]),
    directive('proxy_next_upstream', [...DEFAULTS.proxyNextUpstream]),
    directive('proxy_next_upstream_tries', [String(DEFAULTS.proxyNextUpstreamTries)]),
    directive('proxy_buffering', ['on']),
    directive('client_max_body_size', [DEFAULTS.clientMaxBodySize]),
  ];
}

export function exportTree(config: Config, opts: ExportOptions): Directive[] {
  const snippet = opts.shape === 'snippet';
  const upgrade = snippet ? SNIPPET_UPGRADE_VARIABLE : '$connection_upgrade';
  const http: Directive[] = [
    ...hashBucketDirectives(config), connectionUpgradeMap(upgrade), ...config.upstreams.map((u) => upstreamBlock(u, upgrade)),
    ...config.servers.map((s) => serverBlock(s, { pinned: snippet, upgrade })),
  ];
  if (snippet) return http;
  return [directive('events', [], []), directive('http', [], http)];
}

export function exportNginx(config: Config, opts: ExportOptions): string {
  return printNginx(exportTree(config, opts));
}

/** `value` with `$connection_upgrade` written as `upgrade` (a snippet's own map variable): the
 * including file may define $connection_upgrade otherwise, or not at all. */
function upgradeVariable(value: string, upgrade: string): string {
  if (upgrade === '$connection_upgrade') return value;
  const name = upgrade.slice(1);
  return renameVariables(value, (n) => (n === 'connection_upgrade' ? name : undefined));
}

function upstreamBlock(u: Upstream, upgrade: string): Directive {
  const body: Directive[] = [];
  const m = u.method;
  // The method comes first: nginx checks server flags (backup, weight) against it as it reads them,
  // and `keepalive` must follow the method it wraps.
  if (m.type === 'least_conn' || m.type === 'ip_hash') body.push(directive(m.type));
  else if (m.type === 'hash') body.push(directive('hash', m.consistent ? [upgradeVariable(m.key, upgrade), 'consistent'] : [upgradeVariable(m.key, upgrade)]));
  else if (m.type === 'random') body.push(directive('random', m.two ? ['two'] : []));
  for (const s of u.servers) body.push(directive('server', [s.address, ...serverParams(s)]));
  if (u.keepalive !== 0) body.push(directive('keepalive', [String(u.keepalive)]));
  return directive('upstream', [u.name], body);
}

/** The parameters of an upstream `server` line that differ from nginx's defaults ("weight=2", "backup"). */
export function serverParams(s: UpstreamServer): string[] {
  const p: string[] = [];
  if (s.weight !== DEFAULTS.weight) p.push(`weight=${s.weight}`);
  if (s.maxFails !== DEFAULTS.maxFails) p.push(`max_fails=${s.maxFails}`);
  if (s.failTimeout !== DEFAULTS.failTimeout) p.push(`fail_timeout=${s.failTimeout}`);
  if (s.maxConns !== DEFAULTS.maxConns) p.push(`max_conns=${s.maxConns}`);
  if (s.backup) p.push('backup');
  if (s.down) p.push('down');
  return p;
}

function serverBlock(s: Server, o: { pinned: boolean; upgrade: string }): Directive {
  const body: Directive[] = s.listen.map((l) => directive('listen', l.defaultServer ? [l.address, 'default_server'] : [l.address]));
  if (s.serverNames.length) body.push(directive('server_name', [...s.serverNames]));
  if (o.pinned) body.push(...pinnedDefaults());
  for (const loc of s.locations) body.push(locationBlock(loc, o));
  if (!s.locations.some((l) => l.path === '/' && (l.modifier === '' || l.modifier === '^~'))) {
    body.push(directive('location', ['/'], [directive('return', ['404'])], [NO_MATCH_COMMENT]));
  }
  return directive('server', [], body);
}

export function locationBlock(loc: Location, o: { pinned: boolean; upgrade: string } = { pinned: false, upgrade: '$connection_upgrade' }): Directive {
  const body: Directive[] = [directive('proxy_pass', [upgradeVariable(loc.proxyPass, o.upgrade)])];
  // (nginx -t refuses `proxy_redirect default` beside a proxy_pass with variables, which has no
  // default rewrite: `off` pins that)
  if (o.pinned) body.push(directive('proxy_redirect', [parseProxyPass(loc.proxyPass)?.variables ? 'off' : 'default']));
  if (loc.websocket || loc.proxyHttpVersion !== DEFAULTS.proxyHttpVersion) body.push(directive('proxy_http_version', [loc.websocket ? '1.1' : loc.proxyHttpVersion]));
  if (loc.websocket) {
    body.push(directive('proxy_set_header', ['Upgrade', '$http_upgrade']));
    body.push(directive('proxy_set_header', ['Connection', o.upgrade]));
  }
  for (const h of loc.proxySetHeader) body.push(directive('proxy_set_header', [h.name, upgradeVariable(h.value, o.upgrade)]));
  if (loc.proxyConnectTimeout !== DEFAULTS.timeout) body.push(directive('proxy_connect_timeout', [loc.proxyConnectTimeout]));
  if (loc.proxySendTimeout !== DEFAULTS.timeout) body.push(directive('proxy_send_timeout', [loc.proxySendTimeout]));
  if (loc.proxyReadTimeout !== DEFAULTS.timeout) body.push(directive('proxy_read_timeout', [loc.proxyReadTimeout]));
  if (loc.proxyNextUpstream.join(' ') !== DEFAULTS.proxyNextUpstream.join(' ')) body.push(directive('proxy_next_upstream', [...loc.proxyNextUpstream]));
  if (loc.proxyNextUpstreamTries !== DEFAULTS.proxyNextUpstreamTries) body.push(directive('proxy_next_upstream_tries', [String(loc.proxyNextUpstreamTries)]));
  if (loc.proxyBuffering !== DEFAULTS.proxyBuffering) body.push(directive('proxy_buffering', [loc.proxyBuffering ? 'on' : 'off']));
  // (compared as text, like the timeouts: "1M" is written, so that it imports as "1M")
  if (loc.clientMaxBodySize !== DEFAULTS.clientMaxBodySize) body.push(directive('client_max_body_size', [loc.clientMaxBodySize]));
  const args = loc.modifier === '' ? [loc.path] : [loc.modifier, loc.path];
  return directive('location', args, body, loc.name === '' ? [] : [`${ROUTE_COMMENT_PREFIX}${loc.name}`]);
}
