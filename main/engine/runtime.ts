// A validated Config compiled for serving: listen sockets with their candidate server blocks,
// location matchers, and one balancer (UpstreamGroup) per upstream and per direct proxy_pass target.
// Host names are resolved here, once per apply, as nginx resolves them when it loads a config.
import { Agent } from 'node:http';
import { KeepaliveAgent } from './keepalive-pool.ts';
import { lookup } from 'node:dns/promises';
import { ADDRCONFIG } from 'node:dns';
import type { Config, Location, Server, Upstream } from '../../app/config/schema.ts';
import { parseProxyPass, type ProxyPassTarget } from '../../app/config/proxy-pass.ts';
import { parseFailTimeout, parseNginxTime } from '../../app/config/time.ts';
import { parseNginxSize } from '../../app/config/size.ts';
import { compileLocations, locationText } from '../../app/match/location.ts';
import { compileHeaders, readsAfterBody, type CompiledHeaders } from '../../app/proxy/headers.ts';
import { compileVariableUri, templateParts, type TemplatePart, type VariableUri } from '../../app/proxy/variables.ts';
import { canonicalIp } from '../../app/config/ip.ts';
import { LOCALHOST_V4 } from '../../app/config/validate.ts';
import { addServerBinds, bindKey, LOCALHOST_LISTEN, directTargetKey, directTargetName, groupNames, upstreamOf, wildcardOf, type Binds } from '../../app/proxy/routing.ts';
import { createUpstreamGroup, implicitPeer } from '../upstream/group.ts';
import type { PeerConfig, UpstreamGroup } from '../upstream/types.ts';

export interface CompiledLocation {
  index: number;
  location: Location;
  /** The location as written ("~ ^/ws", "/api/"), for the records of what it served. */
  where: string;
  /** proxy_set_header plan, compiled once per config. */
  headers: CompiledHeaders;
  target: ProxyPassTarget;
  pool: Pool;
  /** The proxy_pass URI part with variables, compiled once; null without any. */
  variableUri: VariableUri | null;
  connectTimeoutMs: number;
  sendTimeoutMs: number;
  readTimeoutMs: number;
  /** client_max_body_size in bytes (Infinity: "0", no limit). */
  maxBodyBytes: number;
  /** proxy_next_upstream conditions. */
  nextUpstream: ReadonlySet<string>;
}

export interface CompiledServer {
  index: number;
  server: Server;
  matcher: ReturnType<typeof compileLocations>;
  locations: CompiledLocation[];
}

/** A balancer plus the connection pools used to reach its peers. */
export interface Pool {
  name: string;
  group: UpstreamGroup;
  /** HTTP/1.1 keepalive pool (nginx `keepalive N`), or null when the upstream keeps none. */
  keepalive: KeepaliveAgent | null;
  /** Fresh connection per request (nginx's default: Connection: close). */
  oneShot: Agent;
  /** The `hash` method's key (nginx variables), compiled once, evaluated per request; null for other methods. */
  hashKey: readonly TemplatePart[] | null;
  /** The key reads what nginx knows once the body is in (readsAfterBody): it is made again then. */
  hashAfterBody: boolean;
}

export interface Runtime {
  config: Config;
  /** Bind keys ("127.0.0.1:8080", "0.0.0.0:8080") → the servers listening there, in config order. */
  binds: Binds<CompiledServer>;
  pools: Map<string, Pool>;
  /** The addresses `listen localhost:PORT` binds in this config (its listeners' paths are found with them). */
  localhost: readonly string[];
}

/**
 * The sockets to bind: a wildcard on a port covers the specific addresses of its own family on it,
 * as in nginx ("0.0.0.0:80" takes 127.0.0.1:80 but not [::1]:80; "[::]:80" takes [::1]:80).
 */
export function socketsToBind(rt: Runtime): Array<{ key: string; host: string; port: number }> {
  const out: Array<{ key: string; host: string; port: number }> = [];
  for (const key of rt.binds.keys()) {
    const i = key.lastIndexOf(':');
    const host = key.slice(0, i);
    const port = Number(key.slice(i + 1));
    const wildcard = wildcardOf(host);
    if (host !== wildcard && rt.binds.has(bindKey(wildcard, port))) continue;
    out.push({ key, host, port });
  }
  return out;
}

/** Names in a config that do not resolve: nginx refuses such a config, and so does the engine. */
export class ResolveError extends Error {
  constructor(readonly issues: ResolveIssue[]) {
    super(issues.map((i) => i.message).join('; '));
  }
}

export interface ResolveIssue {
  path: string;
  code: 'resolve_failed';
  message: string;
}

/** `host`'s addresses, as nginx finds them; throws getaddrinfo's error, or an empty list's. */
async function lookupHost(host: string): Promise<string[]> {
  // an IP literal is read as nginx reads it: "127.0.0.010" is 127.0.0.10 (dns.lookup would take
  // "010" as octal 8)
  const bare = host.replace(/^\[|\]$/g, '');
  const ip = canonicalIp(bare);
  if (ip !== null) return [ip];
  // (getaddrinfo with AI_ADDRCONFIG, as nginx's ngx_inet_resolve_host asks: no IPv6 address on a
  // machine without IPv6 of its own, where a hosts file's "::1 localhost" would otherwise be a peer
  // nginx does not have)
  const found = await lookup(bare, { all: true, hints: ADDRCONFIG });
  if (found.length === 0) throw new Error('no address');
  return found.map((a) => a.address);
}

/** A host name the config connects to, with where it is written (its JSON path, and the name as
 * nginx's message quotes it). */
interface NameAt {
  host: string;
  path: string;
  written: string;
}

/** Every name a config connects to: its upstreams' servers, and the proxy_pass targets that name
 * no upstream. */
function namesIn(config: Config): NameAt[] {
  const names: NameAt[] = [];
  for (const [ui, u] of config.upstreams.entries()) {
    for (const [si, s] of u.servers.entries()) names.push({ host: splitHostPort(s.address).host, path: `upstreams[${ui}].servers[${si}].address`, written: s.address });
  }
  for (const [si, server] of config.servers.entries()) {
    for (const [li, location] of server.locations.entries()) {
      const target = parseProxyPass(location.proxyPass)!;
      if (upstreamOf(config.upstreams, target)) continue;
      names.push({ host: target.host, path: `servers[${si}].locations[${li}].proxyPass`, written: target.port !== null ? `${target.host}:${target.port}` : target.host });
    }
  }
  return names;
}

/** Each name's addresses, or the error looking it up gave. Every name is asked at once, once: a
 * resolver that does not answer costs its timeout once per four names (libuv's lookup threads),
 * not once per name. */
async function lookupAll(names: readonly NameAt[]): Promise<Map<string, string[] | NodeJS.ErrnoException>> {
  const hosts = [...new Set(names.map((n) => n.host))];
  const found = await Promise.all(hosts.map((h) => lookupHost(h).catch((e: NodeJS.ErrnoException) => e)));
  return new Map(hosts.map((h, i) => [h, found[i]!]));
}

/** The places a name that did not resolve is written, in nginx's words. */
function failures(names: readonly NameAt[], looked: Map<string, string[] | NodeJS.ErrnoException>): ResolveIssue[] {
  return names.flatMap((n) => {
    const r = looked.get(n.host)!;
    return Array.isArray(r) ? [] : [{ path: n.path, code: 'resolve_failed' as const, message: `host not found in upstream "${n.written}" (${r.code ?? r.message}): nginx refuses such a config too` }];
  });
}

/** Every name in a valid config that does not resolve, as `resolve_failed` issues (what the engine
 * and nginx refuse the config for: `check` says it before `serve` does). */
export async function unresolvedNames(config: Config): Promise<ResolveIssue[]> {
  const names = namesIn(config);
  return failures(names, await lookupAll(names));
}

/**
 * The addresses a `listen localhost:PORT` binds: all that the name resolves to, as nginx's
 * getaddrinfo (AI_ADDRCONFIG) finds them; 127.0.0.1 when it finds none.
 */
export async function localhostAddresses(): Promise<string[]> {
  const found = await lookup('localhost', { all: true, hints: ADDRCONFIG }).catch(() => []);
  const addrs = [...new Set(found.map((a) => canonicalIp(a.address) ?? a.address))];
  return addrs.length ? addrs : ['127.0.0.1'];
}

/** The addresses `localhost` binds for a config document not validated yet: looked up when one of
 * its listen addresses names localhost (validateConfig's duplicate-listen rules need them). */
export async function localhostFor(doc: unknown): Promise<readonly string[]> {
  const servers = (doc as { servers?: unknown } | null)?.servers;
  const named = Array.isArray(servers) && servers.some((s) => {
    const listen = (s as { listen?: unknown } | null)?.listen;
    return Array.isArray(listen) && listen.some((l) => typeof (l as { address?: unknown } | null)?.address === 'string' && LOCALHOST_LISTEN.test((l as { address: string }).address));
  });
  return named ? localhostAddresses() : LOCALHOST_V4;
}

function splitHostPort(address: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(address);
  if (!m) throw new Error(`bad address ${address}`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 80 };
}

/** `addresses`: each name's, as lookupAll found them (every name resolved). */
function upstreamPeers(u: Upstream, addresses: Map<string, string[] | NodeJS.ErrnoException>): PeerConfig[] {
  const peers: PeerConfig[] = [];
  for (const s of u.servers) {
    const { host, port } = splitHostPort(s.address);
    for (const ip of addresses.get(host) as string[]) {
      peers.push({
        server: s.address, host: ip, port, weight: s.weight, maxFails: s.maxFails,
        failTimeoutMs: parseFailTimeout(s.failTimeout)!, backup: s.backup, down: s.down, maxConns: s.maxConns,
      });
    }
  }
  return peers;
}

/**
 * nginx closes an upstream connection idle in the keepalive cache after keepalive_timeout (60s by
 * default), whatever the upstream's `Keep-Alive: timeout=N` said (KeepaliveAgent does the same).
 */
export const UPSTREAM_KEEPALIVE_TIMEOUT_MS = 60_000;

function makePool(name: string, group: UpstreamGroup, keepalive: number, hashKey: string | null = null): Pool {
  const parts = hashKey === null ? null : templateParts(hashKey);
  return {
    name,
    group,
    hashKey: parts,
    hashAfterBody: parts !== null && readsAfterBody(parts),
    keepalive: keepalive > 0 ? new KeepaliveAgent(keepalive, UPSTREAM_KEEPALIVE_TIMEOUT_MS) : null,
    oneShot: new Agent({ keepAlive: false }),
  };
}

/** `localhost`: what the name resolves to, when the caller looked it up already (localhostFor). */
export async function compileRuntime(config: Config, localhost?: readonly string[]): Promise<Runtime> {
  localhost ??= await localhostFor(config);
  const names = namesIn(config);
  const addresses = await lookupAll(names);
  const unresolved = failures(names, addresses);
  if (unresolved.length) throw new ResolveError(unresolved);
  const pools = new Map<string, Pool>();
  for (const u of config.upstreams) {
    const group = createUpstreamGroup(u.name, u.method, upstreamPeers(u, addresses));
    pools.set(u.name, makePool(u.name, group, u.keepalive, u.method.type === 'hash' ? u.method.key : null));
  }
  const binds: Binds<CompiledServer> = new Map();
  const groups = groupNames(config);
  for (const [si, server] of config.servers.entries()) {
    const locations: CompiledLocation[] = [];
    for (const [li, location] of server.locations.entries()) {
      const target = parseProxyPass(location.proxyPass)!;
      const group = upstreamOf(config.upstreams, target);
      let pool = group ? pools.get(group.name) : undefined;
      if (!pool) {
        const key = directTargetKey(target);
        pool = pools.get(key);
        if (!pool) {
          const name = directTargetName(target);
          const peers = (addresses.get(target.host) as string[]).map((ip) => implicitPeer(name, ip, target.port ?? 80));
          pool = makePool(name, createUpstreamGroup(name, { type: 'round_robin' }, peers), 0);
          pools.set(key, pool);
        }
      }
      locations.push({
        index: li, location, where: locationText(location), target, pool, variableUri: compileVariableUri(target, groups), headers: compileHeaders(location),
        connectTimeoutMs: parseNginxTime(location.proxyConnectTimeout)!,
        sendTimeoutMs: parseNginxTime(location.proxySendTimeout)!,
        readTimeoutMs: parseNginxTime(location.proxyReadTimeout)!,
        maxBodyBytes: parseNginxSize(location.clientMaxBodySize) || Infinity,
        nextUpstream: new Set(location.proxyNextUpstream),
      });
    }
    const compiled: CompiledServer = { index: si, server, matcher: compileLocations(server.locations), locations };
    addServerBinds(binds, server, compiled, localhost);
  }
  return { config, binds, pools, localhost };
}

/**
 * A replaced runtime keeps serving what is in flight (WebSocket sessions, responses being read);
 * its keepalive pools stop keeping connections: idle ones close now, busy ones when released.
 */
export function retireRuntimePools(rt: Runtime): void {
  for (const p of rt.pools.values()) {
    if (!p.keepalive) continue;
    p.keepalive.maxFreeSockets = 0;
    for (const list of Object.values(p.keepalive.freeSockets)) for (const s of list ?? []) s.destroy();
  }
}
