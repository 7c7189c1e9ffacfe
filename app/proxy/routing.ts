// Which server blocks answer on which listen socket, and what a proxy_pass names. Built once per
// config, by the engine (main/engine/runtime.ts) and by the route tester (route-test.ts), so both
// route a request through the same table.
import type { Server } from '../config/schema.ts';
import type { ProxyPassTarget } from '../config/proxy-pass.ts';
import { listenSockets, normalizeListen } from '../config/validate.ts';
import { canonicalIp } from '../config/ip.ts';

export interface BindCandidate<S> {
  server: S;
  /** The server's listen entry for this socket has default_server. */
  defaultServer: boolean;
}

/**
 * Bind keys ("127.0.0.1:8080", "0.0.0.0:8080", "::1:8080", ":::8080"), addresses in their one text
 * (ip.ts) → the servers listening there, in config order.
 */
export type Binds<S> = Map<string, Array<BindCandidate<S>>>;

export function bindKey(host: string, port: number): string {
  return `${host.replace(/^\[|\]$/g, '')}:${port}`;
}

/** An IPv4-mapped IPv6 address ("::ffff:127.0.0.1") as nginx prints it ("127.0.0.1"). */
export function stripMapped(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

/** A normalized listen socket ("[::1]:8080") as a bind key ("::1:8080"). */
function socketBindKey(n: string): string {
  const i = n.lastIndexOf(':');
  return bindKey(n.slice(0, i), Number(n.slice(i + 1)));
}

/** The bind key of one listen address ("8080" → "0.0.0.0:8080"). */
export function listenBindKey(address: string): string {
  return socketBindKey(normalizeListen(address));
}

export { LOCALHOST_LISTEN } from '../config/validate.ts';

/**
 * The bind keys of one listen address: the sockets validation counts (listenSockets), so that what
 * it calls a duplicate is what the engine would bind twice. nginx listens on every address a name
 * resolves to: "localhost:8080" is 127.0.0.1:8080 and, where /etc/hosts says so, [::1]:8080.
 * `localhost` gives those addresses (the engine resolves the name; without it, 127.0.0.1).
 */
export function listenBindKeys(address: string, localhost?: readonly string[]): string[] {
  return listenSockets(address, localhost).map(socketBindKey);
}

/** The JSON path of the first listen entry that binds socket `key` (a listener's), or '' when none does. */
export function listenPathOf(config: { servers: ReadonlyArray<{ listen: ReadonlyArray<{ address: string }> }> }, key: string, localhost?: readonly string[]): string {
  for (const [i, server] of config.servers.entries()) {
    const j = server.listen.findIndex((l) => listenBindKeys(l.address, localhost).includes(key));
    if (j !== -1) return `servers[${i}].listen[${j}].address`;
  }
  return '';
}

/** Record the sockets `server` listens on; a server is listed once per socket. */
export function addServerBinds<S>(binds: Binds<S>, server: Server, compiled: S, localhost?: readonly string[]): void {
  for (const l of server.listen) {
    for (const key of listenBindKeys(l.address, localhost)) {
      const list = binds.get(key) ?? [];
      if (!list.some((c) => c.server === compiled)) list.push({ server: compiled, defaultServer: l.defaultServer });
      binds.set(key, list);
    }
  }
}

const NONE: readonly never[] = [];

/** The wildcard address of an address's family: "::" for IPv6 ("[::]:8080"), else "0.0.0.0". */
export function wildcardOf(address: string): string {
  return address.includes(':') ? '::' : '0.0.0.0';
}

/**
 * Which servers answer a connection accepted on localAddress:localPort: those listening on that
 * address, else on the wildcard of its family (an IPv4 wildcard never covers IPv6, nor the other way).
 */
export function candidatesFor<S>(binds: ReadonlyMap<string, ReadonlyArray<BindCandidate<S>>>, localAddress: string, localPort: number): ReadonlyArray<BindCandidate<S>> {
  const addr = stripMapped(canonicalIp(localAddress) ?? localAddress);
  return binds.get(bindKey(addr, localPort)) ?? binds.get(bindKey(wildcardOf(addr), localPort)) ?? NONE;
}

/**
 * The upstream group a proxy_pass names, or null when it names an address. Only a target without a
 * port can name a group; nginx compares upstream names case-insensitively.
 */
export function upstreamOf<U extends { name: string }>(upstreams: readonly U[], target: ProxyPassTarget): U | null {
  if (target.port !== null) return null;
  const host = target.host.toLowerCase();
  return upstreams.find((u) => u.name.toLowerCase() === host) ?? null;
}

/** A config's upstream group names in lower case, as nginx compares them. */
export function groupNames(config: { upstreams: ReadonlyArray<{ name: string }> }): ReadonlySet<string> {
  return new Set(config.upstreams.map((u) => u.name.toLowerCase()));
}

/** The implicit one-server group of a proxy_pass to an address: "host:port" (port 80 by default),
 * the host in lower case: nginx's ngx_http_upstream_add makes one group of `http://api:80` and
 * `http://API:80` (compared without case), with one balancing state. */
export function directTargetKey(target: ProxyPassTarget): string {
  return directTargetName(target).toLowerCase();
}

/** That group's name, as the first location naming it wrote it (nginx's implicit upstream's). */
export function directTargetName(target: ProxyPassTarget): string {
  return `${target.host}:${target.port ?? 80}`;
}
