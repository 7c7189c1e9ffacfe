// `server { ... }` and its locations → the model (import side), with nginx's inheritance of the
// proxy_* settings pushed down into each location.
import type { Directive } from './ast.ts';
import type { Config, Listen, Location, Modifier, Server, SetHeader } from '../config/schema.ts';
import { parseProxyPass, proxyPassError } from '../config/proxy-pass.ts';
import { NGINX_SET_HEADERS } from '../proxy/headers.ts';
import { DEFAULTS, ROUTE_COMMENT_PREFIX } from './defaults.ts';
import type { ImportContext } from './import-context.ts';
import { INHERITED, inherit, ownSettings, type ProxySettings } from './import-settings.ts';
import { compileNginxRegex } from '../match/regex.ts';
import { findVariables } from '../proxy/variable-names.ts';

const LISTEN_ADDRESS = /^((\[[0-9A-Fa-f:.]+\]|\*|[0-9.]+|localhost):)?\d{1,5}$/;

/** URIs of the shapes requests have (as nginx matches them, decoded). */
const SAMPLE_URIS = ['/', '/a', '/a/b.c', '/.well-known/x', '/a b/'];

/** Whether `c`, written in a server, answers every request before nginx looks for a location: a
 * `return`, or a `rewrite` that redirects and whose regex matches any URI (`rewrite ^ https://$host$request_uri? permanent`). */
function answersEveryRequest(c: Directive): boolean {
  if (c.name === 'return') return true;
  if (c.name !== 'rewrite' || c.args.length < 2) return false;
  const [regex, to, flag] = c.args as [string, string, string?];
  if (flag !== 'permanent' && flag !== 'redirect' && !/^(https?:\/\/|\$scheme)/.test(to)) return false;
  const r = compileNginxRegex(regex, false);
  return r.ok && SAMPLE_URIS.every((u) => r.regex.test(u));
}

/** Every directive of `block` and the blocks in it. */
function allDirectives(block: readonly Directive[]): Directive[] {
  return block.flatMap((c) => [c, ...allDirectives(c.block ?? [])]);
}

/** The variables a server sets once, at its own level, to fixed text (`set $port 8123;`), which a
 * proxy_pass in it reads: nginx gives them that value before it looks for a location. */
function serverConstants(block: readonly Directive[]): Map<string, { value: string; d: Directive }> {
  const all = allDirectives(block);
  const sets = all.filter((c) => c.name === 'set' && c.args.length === 2 && /^\$\w+$/.test(c.args[0]!));
  const name = (c: Directive) => c.args[0]!.slice(1).toLowerCase();
  const read = new Set(all.filter((c) => c.name === 'proxy_pass').flatMap((c) => findVariables(c.args.join(' ')).map((v) => v.name.toLowerCase())));
  const out = new Map<string, { value: string; d: Directive }>();
  for (const c of block) {
    if (c.name !== 'set' || !sets.includes(c) || c.args[1]!.includes('$') || !read.has(name(c))) continue;
    if (sets.filter((o) => name(o) === name(c)).length === 1) out.set(name(c), { value: c.args[1]!, d: c });
  }
  return out;
}

export function importServer(d: Directive, parent: ProxySettings, ctx: ImportContext): Server | null {
  const block = d.block ?? [];
  const settings = inherit(parent, ownSettings(block, ctx));
  const server: Server = { listen: [], serverNames: [], locations: [] };
  ctx.serverConstants = serverConstants(block);
  let listenDirectives = 0;
  for (const c of block) {
    if (INHERITED.has(c.name)) continue;
    switch (c.name) {
      case 'listen': {
        listenDirectives++;
        server.listen.push(...listen(c, ctx));
        break;
      }
      case 'server_name':
        if (c.args.length === 0) ctx.warn(c, 'server_name without a name (nginx -t refuses it: "invalid number of arguments"): dropped');
        for (const n of c.args) server.serverNames.push(n);
        break;
      case 'location':
        importLocation(c, settings, ctx, server.locations, null);
        break;
      default:
        // (a variable a proxy_pass reads is said there)
        if (!(c.name === 'set' && ctx.serverConstants.get(c.args[0]!.slice(1).toLowerCase())?.d === c)) ctx.unmodelled(c, 'server');
    }
  }
  ctx.serverConstants = new Map();
  if (listenDirectives === 0) {
    ctx.warn(d, 'server has no "listen": nginx listens on *:80 (as root), imported as listen 80');
    server.listen.push({ address: '80', defaultServer: false });
  } else if (server.listen.length === 0) {
    ctx.warn(d, 'server has no listen address Switchyard can model: the server is dropped');
    return null;
  }
  // (a "return" of the server's own answers every request before nginx looks for a location: its
  // warning says what changes)
  if (!block.some((c) => (c.name === 'location' && catchesAll(c)) || answersEveryRequest(c))) {
    // (a try_files of the server's own serves them: a file, else its last argument, @app in Rails' docs)
    const tries = block.find((c) => c.name === 'try_files' && c.args.length >= 2);
    const how = tries
      ? `by the server's own "try_files ${tries.args.join(' ')}" (${tries.file === d.file ? `line ${tries.line}` : `${tries.file}:${tries.line}`}): a file of its root folder, else ${tries.args.at(-1)}`
      : 'from its root folder (static files, such as Debian\'s welcome page at "/", a 405 for a POST to a file, a 413 past the server\'s client_max_body_size)';
    ctx.warn(d, `server has no "location /": nginx answers the requests none of its locations match ${how}; Switchyard answers them 404, as the export's "location / { return 404; }" does`);
  }
  return server;
}

/** A `listen` as the model's listen addresses: none when it cannot be modelled, two for nginx's
 * one dual-stack socket (`[::]:P ipv6only=off`). */
function listen(d: Directive, ctx: ImportContext): Listen[] {
  const [raw, ...params] = d.args;
  if (raw === undefined) {
    ctx.warn(d, 'listen without an address: dropped');
    return [];
  }
  // "127.0.0.1" and "[::1]" mean port 80.
  const address = /^\d+$/.test(raw) || /:\d+$/.test(raw) ? raw : `${raw}:80`;
  if (!LISTEN_ADDRESS.test(address)) {
    ctx.warn(d, `listen "${raw}" is not modelled (an IP, "*" or localhost with a port, or a port): dropped`);
    return [];
  }
  const l: Listen = { address, defaultServer: false };
  let dualStack = false;
  for (const p of params) {
    if (p === 'default_server' || p === 'default') l.defaultServer = true;
    else if (p === 'ipv6only=on' && address.startsWith('[')) continue; // nginx's default for an IPv6 socket, the model's too
    else if (p === 'ipv6only=off' && address.startsWith('[::]:')) dualStack = true;
    else if (p === 'ssl' || p === 'quic') ctx.warn(d, `listen ${raw}: parameter "${p}" is not modelled: dropped, so this port serves plain HTTP (TLS is not modelled)`);
    else if (p === 'proxy_protocol') ctx.warn(d, `listen ${raw}: parameter "proxy_protocol" is not modelled: dropped, so this port expects plain HTTP; a load balancer that sends the PROXY header first gets 400`);
    else ctx.warn(d, `listen ${raw}: parameter "${p}" is not modelled: dropped`);
  }
  if (!dualStack) return [l];
  // one socket for IPv6 and IPv4 clients in nginx; the model's IPv6 sockets are IPv6 only, so the
  // IPv4 clients get a socket of their own (settleDualStack, once every server is read)
  const added = { address: address.slice('[::]:'.length), defaultServer: l.defaultServer };
  ctx.dualStack.push({ added, d, raw, port: added.address });
  return [l, added];
}

/** An IPv4 listen on `port`: "P", "*:P", an IPv4 address or localhost with it (ports as numbers: "080" is 80). */
function onIpv4Port(address: string, port: string): boolean {
  const m = /^(?:(?:\*|[\d.]+|localhost):)?(\d+)$/i.exec(address);
  return m !== null && Number(m[1]) === Number(port);
}
/** The IPv6 wildcard listen on `port`, "[::]:P". */
const onIpv6Wildcard = (address: string, port: string) => address.startsWith('[::]:') && Number(address.slice(5)) === Number(port);

/**
 * Each IPv4 listen added for `[::]:P ipv6only=off`, said; or taken back where another listen of the
 * file binds IPv4 port P too: nginx cannot start with such a file (its dual socket and that one
 * both want the port), and the IPv4 clients then go to that listen.
 */
export function settleDualStack(config: Config, ctx: ImportContext): void {
  const addedAll = new Set(ctx.dualStack.map((x) => x.added));
  for (const { added, d, raw, port } of ctx.dualStack) {
    const other = config.servers.flatMap((s) => s.listen).find((l) => !addedAll.has(l) && onIpv4Port(l.address, port));
    if (!other) {
      // the socket is one: every server listening on [::]:P takes its IPv4 clients too
      let others = 0;
      for (const s of config.servers) {
        if (s.listen.some((l) => onIpv6Wildcard(l.address, port)) && !s.listen.some((l) => onIpv4Port(l.address, port))) {
          s.listen.push({ address: port, defaultServer: false });
          others++;
        }
      }
      const also = others ? `; so do the ${others} other server(s) on [::]:${port}, as they share its socket` : '';
      ctx.warn(d, `listen ${raw} ipv6only=off: one socket for IPv6 and IPv4 clients in nginx; imported as two listens, [::]:${port} and ${port} (IPv4), which take the same clients (an IPv4 client's $remote_addr is then a.b.c.d, not ::ffff:a.b.c.d)${also}`);
      continue;
    }
    for (const s of config.servers) s.listen = s.listen.filter((l) => l !== added);
    ctx.warn(d, `listen ${raw} ipv6only=off: nginx cannot start with this file (its socket takes IPv4 port ${port} too, and "listen ${other.address}" binds it as well: "Address already in use"); imported as [::]:${port}, IPv6 only, the IPv4 clients going to "listen ${other.address}"`);
  }
}

export function locationArgs(d: Directive): { modifier: Modifier; path: string } | null {
  const a = d.args;
  if (a.length === 2 && (a[0] === '=' || a[0] === '^~' || a[0] === '~' || a[0] === '~*')) return { modifier: a[0], path: a[1]! };
  if (a.length !== 1) return null;
  const s = a[0]!;
  if (s.startsWith('=')) return { modifier: '=', path: s.slice(1) };
  if (s.startsWith('^~')) return { modifier: '^~', path: s.slice(2) };
  if (s.startsWith('~*')) return { modifier: '~*', path: s.slice(2) };
  if (s.startsWith('~')) return { modifier: '~', path: s.slice(1) };
  if (s.startsWith('@')) return null;
  return { modifier: '', path: s };
}

function routeName(comments: string[]): string {
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i]!;
    if (c.startsWith(ROUTE_COMMENT_PREFIX)) return c.slice(ROUTE_COMMENT_PREFIX.length);
    const m = /^\s*route:\s?(.*)$/.exec(c);
    if (m) return m[1]!;
  }
  return '';
}

/** `location /` or `location ^~ /` (the export's "return 404" one too): every URI nginx takes starts with "/". */
function catchesAll(d: Directive): boolean {
  const la = locationArgs(d);
  return la !== null && la.path === '/' && (la.modifier === '' || la.modifier === '^~');
}

function isNoMatchDefault(d: Directive): boolean {
  const b = d.block ?? [];
  return d.args.length === 1 && d.args[0] === '/' && b.length === 1 && b[0]!.name === 'return' && b[0]!.args.length === 1 && b[0]!.args[0] === '404';
}

/** The outermost location a nested one is in: how it was written, and how it matches. */
interface Outer {
  where: string;
  modifier: Modifier;
  path: string;
}

/** What a nested location changes, imported as a sibling of the location it was in. */
function flattened(inner: { modifier: Modifier; path: string }, outer: Outer): string {
  const regex = inner.modifier === '~' || inner.modifier === '~*';
  if (regex && outer.modifier === '^~') return `as a sibling it is never reached for the URIs "${outer.where}" matches (that location stops the regex search), the ones it was for, and it now matches URIs outside "${outer.path}" that nginx sent elsewhere`;
  if (regex && outer.modifier === '') return `as a sibling it also matches URIs outside "${outer.path}" (nginx tried it only for URIs "${outer.where}" matched)`;
  if (regex) return `as a sibling it also matches URIs "${outer.where}" does not (nginx tried it only for URIs that one matched)`;
  return `nginx only considers it after matching "${outer.where}"`;
}

/**
 * `url` with the server's fixed variables (ctx.serverConstants) written as their values, said at `d`,
 * when that leaves a proxy_pass Switchyard models that still has a variable (so nginx's rules for
 * one with variables still hold: the URI as the variables make it, no redirect rewritten); else `url`.
 */
function withServerConstants(url: string, d: Directive, ctx: ImportContext): string {
  const refs = findVariables(url).filter((v) => !v.capture && ctx.serverConstants.has(v.name.toLowerCase()));
  if (!refs.length) return url;
  let out = '';
  let from = 0;
  for (const v of refs) {
    out += url.slice(from, v.start) + ctx.serverConstants.get(v.name.toLowerCase())!.value;
    from = v.end;
  }
  out += url.slice(from);
  out = out.replace(/^http:\/\//i, 'http://');
  if (!out.includes('$') || !parseProxyPass(out)) return url;
  const names = [...new Set(refs.map((v) => `$${v.name}`))];
  const sets = [...new Set(refs.map((v) => ctx.serverConstants.get(v.name.toLowerCase())!.d))];
  // (the lines of the sets, with their file where it is not this proxy_pass's: an included snippet's)
  const here = sets.every((c) => c.file === d.file);
  const at = `${here ? `line${sets.length === 1 ? '' : 's'} ` : ''}${sets.map((c) => (here ? `${c.line}` : `${c.file}:${c.line}`)).join(', ')}`;
  ctx.warn(d, `proxy_pass "${url}": ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} set once in this server to fixed text (${at}), read in: "${out}"`);
  return out;
}

function importLocation(d: Directive, parent: ProxySettings, ctx: ImportContext, out: Location[], outer: Outer | null): void {
  const where = `location ${d.args.join(' ')}`;
  const la = locationArgs(d);
  if (!la) {
    ctx.warn(d, `${where}: ${d.args[0]?.startsWith('@') ? 'named locations are' : 'this form is'} not modelled: the location is dropped`);
    return;
  }
  const block = d.block ?? [];
  if (isNoMatchDefault(d)) return; // the export's explicit 404 for "no route matches": the engine's default
  const own = ownSettings(block, ctx);
  const s = inherit(parent, own);
  let proxyPass: string | null = null;
  let passDirective: Directive | null = null;
  let proxyPasses = 0;
  let redirectOff: Directive | null = null;
  // (whether the last proxy_pass so far has a '$': nginx then counts it as one with variables)
  let passVariables = false;
  const nested: Directive[] = [];
  for (const c of block) {
    if (INHERITED.has(c.name)) continue;
    if (c.name === 'proxy_pass') {
      if (++proxyPasses > 1) ctx.warn(c, '"proxy_pass" is duplicate (nginx -t refuses this): the last one is kept');
      // nginx reads the scheme in any case
      const url = withServerConstants(c.args.length === 1 ? c.args[0]!.replace(/^http:\/\//i, 'http://') : '', c, ctx);
      passVariables = url.includes('$');
      if (c.args.length !== 1) ctx.warn(c, 'proxy_pass takes one URL: dropped');
      else if (/^https:\/\//i.test(url)) ctx.warn(c, `proxy_pass "${c.args[0]}": Switchyard speaks plain HTTP to upstreams (https:// is not modelled): dropped`);
      // (only a variable in the scheme, host or port is that: "http://u/a b$uri" is refused for its space)
      else if (/^[^/]*(\/\/[^/]*)?/.exec(url)![0].includes('$') && !parseProxyPass(url)) ctx.warn(c, `proxy_pass "${c.args[0]}" uses variables before its URI part, which Switchyard does not model (variables after http://host[:port] it does): dropped`);
      // (a port past 65535 is kept, for validation to name with its line as nginx -t refuses it: invalid_port)
      else if (!parseProxyPass(url) && proxyPassError(url) !== 'invalid_port') ctx.warn(c, `proxy_pass "${c.args[0]}" is not modelled (http://upstream, http://host:port[/uri]): dropped`);
      else {
        // (a snippet's own upgrade map variable is $connection_upgrade in the model, as in a header)
        proxyPass = ctx.standardUpgrade(url);
        passDirective = c;
      }
    } else if (c.name === 'location') nested.push(c);
    else if (c.name === 'proxy_redirect' && c.args.length === 1 && c.args[0] === 'default') {
      // the engine's own behaviour (a snippet's export writes it): nothing to keep, unless nginx refuses it
      if (proxyPasses === 0) ctx.warn(c, '"proxy_redirect default" before "proxy_pass" (nginx -t refuses this: it needs the proxy_pass above it): dropped');
      else if (passVariables) ctx.warn(c, '"proxy_redirect default" beside a "proxy_pass" with variables (nginx -t refuses this: such a proxy_pass has no default rewrite; Switchyard rewrites no redirect for it, as "proxy_redirect off" does): dropped');
    } else if (c.name === 'proxy_redirect' && c.args.length === 1 && c.args[0] === 'off') redirectOff = c;
    else ctx.unmodelled(c, where, !block.some((b) => b.name === 'proxy_pass'));
  }
  // (`off` is what a proxy_pass with variables does anyway: a snippet's export writes it there)
  if (redirectOff && !(proxyPass !== null && parseProxyPass(proxyPass)?.variables)) ctx.unmodelled(redirectOff, where);
  // nginx's own header list, inherited from the server or http level (a snippet pins it so): the
  // same as none, as nginx adds exactly these when a location has no proxy_set_header
  const headers = own.headers === undefined && isNginxDefaultHeaders(s.headers) ? [] : s.headers;
  const loc = proxyPass === null ? null : buildLocation(d, la, proxyPass, { ...s, headers }, ctx);
  if (!loc) ctx.warn(d, `${where} has no proxy_pass Switchyard can model: the location is dropped (only proxied routes are modelled); the requests it took go to whichever other location matches them, or get 404`);
  else {
    if (outer !== null) ctx.warn(d, `${where} is nested in "${outer.where}": imported as a sibling that follows it; ${flattened(la, outer)}`);
    ctx.origin.set(loc, d);
    if (parseProxyPass(loc.proxyPass)?.port === null) ctx.portless.push({ location: loc, d: passDirective! });
    out.push(loc);
  }
  for (const n of nested) importLocation(n, s, ctx, out, outer ?? { where, ...la });
}

/** Exactly the headers nginx sends by default (`Host $proxy_host`, `Connection close`), in order. */
function isNginxDefaultHeaders(h: SetHeader[] | undefined): boolean {
  return h?.length === NGINX_SET_HEADERS.length && NGINX_SET_HEADERS.every(([name, value], i) => h[i]!.name.toLowerCase() === name.toLowerCase() && h[i]!.value === value);
}

function buildLocation(d: Directive, la: { modifier: Modifier; path: string }, proxyPass: string, s: ProxySettings, ctx: ImportContext): Location {
  let headers = [...(s.headers ?? [])];
  let httpVersion = s.httpVersion ?? DEFAULTS.proxyHttpVersion;
  let websocket = false;
  const upgrade = headers.findIndex((h) => h.name.toLowerCase() === 'upgrade' && h.value === '$http_upgrade');
  const connection = headers.findIndex((h) => h.name.toLowerCase() === 'connection' && h.value === '$connection_upgrade');
  // (only where the pair is the list's only Upgrade and Connection: nginx sends every line of a name,
  // and the switch takes the pair's place alone)
  const others = headers.filter((h, i) => i !== upgrade && i !== connection && /^(upgrade|connection)$/i.test(h.name));
  if (httpVersion === '1.1' && upgrade >= 0 && connection >= 0 && others.length === 0 && ctx.upgradeMap !== 'custom') {
    // The WebSocket switch stands for exactly these three directives (with the standard map).
    websocket = true;
    headers = headers.filter((_, i) => i !== upgrade && i !== connection);
    httpVersion = DEFAULTS.proxyHttpVersion;
  }
  return {
    name: routeName(d.comments),
    modifier: la.modifier,
    path: la.path,
    proxyPass,
    websocket,
    proxyHttpVersion: httpVersion,
    proxySetHeader: headers,
    proxyConnectTimeout: s.connectTimeout ?? DEFAULTS.timeout,
    proxySendTimeout: s.sendTimeout ?? DEFAULTS.timeout,
    proxyReadTimeout: s.readTimeout ?? DEFAULTS.timeout,
    proxyNextUpstream: s.nextUpstream ?? [...DEFAULTS.proxyNextUpstream],
    proxyNextUpstreamTries: s.nextUpstreamTries ?? DEFAULTS.proxyNextUpstreamTries,
    proxyBuffering: s.buffering ?? DEFAULTS.proxyBuffering,
    clientMaxBodySize: s.maxBodySize ?? DEFAULTS.clientMaxBodySize,
  };
}
