// nginx's upstream keepalive cache (ngx_http_upstream_keepalive_module.c) on a node Agent: `keepalive N`
// keeps at most N idle connections for the whole group, whichever peers they go to, and a connection
// freed into a full cache evicts the least recently used one (the cache's tail); a request takes the
// most recently freed connection to its peer (node's 'lifo' scheduling). node's own pool caps each
// peer apart and, when one is full, closes the connection just freed instead.
import { Agent, type ClientRequest, type RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { servesLastRequest } from './keepalive-requests.ts';

const TRACKED = Symbol('switchyard.keepaliveTracked');
type PooledSocket = Socket & { [TRACKED]?: true };
/** The Agent's documented lists (writable, as node's own code uses them) and its options. */
interface AgentLists {
  freeSockets: Record<string, PooledSocket[] | undefined>;
  sockets: Record<string, PooledSocket[] | undefined>;
  options: { timeout?: number };
}

export class KeepaliveAgent extends Agent {
  /** The group's idle connections, least recently freed first. */
  private readonly idle = new Set<PooledSocket>();

  constructor(
    private readonly cache: number,
    /** How long a connection may sit idle in the cache (nginx's keepalive_timeout). */
    private readonly idleTimeoutMs: number,
  ) {
    // one more than the cache, so that node never refuses the connection just freed: the oldest goes.
    // No `timeout` option: node would then clear and re-arm the socket's timer around every request
    // (and add a 'timeout' listener to each); the idle timer is set here, when a connection is
    // cached, and only when it differs from the one the socket has (the adapter's read timeout,
    // 60 s by default like keepalive_timeout). node's agent closes a cached socket whose timer runs out.
    super({ keepAlive: true, maxFreeSockets: cache + 1 });
  }

  // node asks this when a request on `socket` is done, as the last check before it pools the socket
  // (false closes it). A connection that served keepalive_requests (1000) closes after the last one
  // instead of going back to the pool, as in nginx. (node's own check is not called: it would build
  // the response's header object to read Keep-Alive, and turn on TCP keepalive probes, which nginx
  // does not use on upstream connections without proxy_socket_keepalive.)
  override keepSocketAlive(socket: Duplex): boolean {
    const s = socket as PooledSocket & { _httpMessage?: { res?: { rawHeaders: string[] } | null } | null };
    if (servesLastRequest(s)) return false;
    const idle = cacheTimeout(s._httpMessage?.res?.rawHeaders, this.idleTimeoutMs);
    if (idle === 0) return false;
    s.unref();
    if (s.timeout !== idle) s.setTimeout(idle);
    this.cached(s);
    return true;
  }

  /** `socket` goes into the cache: at its head, evicting the tail when the cache is over full. */
  private cached(socket: PooledSocket): void {
    if (!socket[TRACKED]) {
      socket[TRACKED] = true;
      socket.once('close', () => this.idle.delete(socket));
    }
    // (not in the cache now: reuseSocket took it out when a request took it, or it is new)
    this.idle.add(socket);
    // (a loop, not for…of: no iterator made per response while the cache has room)
    while (this.idle.size > this.cache) {
      const oldest: PooledSocket = this.idle.values().next().value!;
      this.idle.delete(oldest);
      // the oldest of its peer's list too, which node drops from the front once destroyed
      oldest.destroy();
    }
  }

  /**
   * A request to a peer with an idle connection takes the most recently freed one. node's own
   * addRequest does the same after copying the request's options into a fresh object and working
   * out a TLS server name it has no use for on plain HTTP: about a tenth of the proxy's CPU per
   * request under load (bench/http-compare.ts). What it does with the connection is done here too
   * (the lists node keeps, reuseSocket, handing it to the request), except resetting the handle's
   * async_hooks identity: nothing in the engine uses async_hooks. Everything else (no idle
   * connection: a new one, or a queued request) is node's.
   */
  addRequest(req: ClientRequest, options: RequestOptions): void {
    const lists = this as unknown as AgentLists;
    const name = this.getName(options);
    const free = lists.freeSockets[name];
    let socket: PooledSocket | undefined;
    if (free !== undefined) {
      while (free.length > 0 && free[0]!.destroyed) free.shift();
      socket = free.pop();
      if (free.length === 0) delete lists.freeSockets[name];
    }
    if (socket === undefined) {
      (Agent.prototype as unknown as { addRequest(req: ClientRequest, options: RequestOptions): void }).addRequest.call(this, req, options);
      return;
    }
    (lists.sockets[name] ??= []).push(socket);
    this.reuseSocket(socket, req);
    (req as ClientRequest & { onSocket(s: Socket): void }).onSocket(socket);
    // (node's setRequestSocket: a request's own timeout, when it differs from the agent's)
    const timeout = (req as ClientRequest & { timeout?: number }).timeout;
    if (timeout !== undefined && timeout !== (lists.options.timeout || 0)) socket.setTimeout(timeout);
  }

  override reuseSocket(socket: Duplex, request: ClientRequest): void {
    this.idle.delete(socket as PooledSocket);
    super.reuseSocket(socket, request);
  }
}

/**
 * How long a freed connection may stay in the cache: `ms`, or less when the upstream's answer said
 * `Keep-Alive: timeout=N` (its first such line, as node reads it): a second before N, so that the
 * upstream's own close cannot race a reuse; 0 (do not cache) when that leaves nothing.
 */
export function cacheTimeout(rawHeaders: readonly string[] | undefined, ms: number): number {
  if (rawHeaders === undefined) return ms;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    // ('Connection' has ten letters too: tell them apart before lowercasing)
    if (name.length !== 10 || (name.charCodeAt(0) | 0x20) !== 0x6b || name.toLowerCase() !== 'keep-alive') continue;
    const hint = /^timeout=(\d+)/.exec(rawHeaders[i + 1]!)?.[1];
    if (hint === undefined) return ms;
    const announced = Number(hint) * 1000 - 1000;
    return announced <= 0 ? 0 : Math.min(announced, ms);
  }
  return ms;
}
