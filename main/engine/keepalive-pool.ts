// nginx's upstream keepalive cache (ngx_http_upstream_keepalive_module.c) on a node Agent: `keepalive N`
// keeps at most N idle connections for the whole group, whichever peers they go to, and a connection
// freed into a full cache evicts the least recently used one (the cache's tail); a request takes the
// most recently freed connection to its peer (node's 'lifo' scheduling). node's own pool caps each
// peer apart and, when one is full, closes the connection just freed instead.
import { Agent, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { servesLastRequest } from './keepalive-requests.ts';

const TRACKED = Symbol('switchyard.keepaliveTracked');
/** A connection of the cache; node's `_httpMessage` is the request using it (null while idle). */
type PooledSocket = Socket & { [TRACKED]?: () => void; _httpMessage?: (ClientRequest & { res?: IncomingMessage | null }) | null };
/** The Agent's documented lists (writable, as node's own code uses them) and its options. */
interface AgentLists {
  freeSockets: Record<string, PooledSocket[] | undefined>;
  sockets: Record<string, PooledSocket[] | undefined>;
  options: { timeout?: number };
  totalSocketCount: number;
  removeSocket(socket: Socket, options: { host: string; port: number }): void;
}

/** nginx takes an answer's `Connection` for close when "close" is anywhere in it (`x-close`,
 * `closed`: ngx_strlcasestrn), where node looks for the token. */
function namesClose(raw: readonly string[]): boolean {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection' && raw[i + 1]!.toLowerCase().includes('close')) return true;
  }
  return false;
}

/**
 * Bytes from the upstream on a connection no request is using: nginx closes a cached connection
 * that becomes readable (ngx_http_upstream_keepalive_close_handler); node's client, whose listeners
 * are gone by then, would drop them and reuse the connection. (Listening for good from the
 * connection's first time in the cache: adding and removing a listener around every request costs
 * more than this check per read.)
 */
function closeIfIdle(this: PooledSocket): void {
  // (a reset, as from nginx: it peeks at the byte and closes with it unread, so its kernel resets)
  if (this._httpMessage == null) this.resetAndDestroy();
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
  // (false closes it). As nginx's keepalive module: a connection that served keepalive_requests (1000)
  // closes after the last one, and so does one whose answer was HTTP/1.0 (nginx reads any 1.0
  // answer as closing its connection, Keep-Alive or not); the upstream's `Keep-Alive: timeout=N`
  // changes nothing (nginx does not read it: the connection stays keepalive_timeout, and one the
  // upstream closes meanwhile leaves the cache then). (node's own check is not called: it follows
  // that hint, builds the response's header object to read it, and turns on TCP keepalive probes,
  // which nginx does not use on upstream connections without proxy_socket_keepalive.)
  override keepSocketAlive(socket: Duplex): boolean {
    const s = socket as PooledSocket;
    const res = s._httpMessage?.res;
    if (servesLastRequest(s) || res?.httpVersionMinor === 0 || (res && namesClose(res.rawHeaders))) return false;
    s.unref();
    if (s.timeout !== this.idleTimeoutMs) s.setTimeout(this.idleTimeoutMs);
    this.cached(s);
    return true;
  }

  /** `socket` goes into the cache: at its head, evicting the tail when the cache is over full. */
  private cached(socket: PooledSocket): void {
    if (!socket[TRACKED]) {
      const untrack = () => this.idle.delete(socket);
      socket[TRACKED] = untrack;
      socket.once('close', untrack);
      socket.on('data', closeIfIdle);
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

  /**
   * The most recently freed idle connection to `host:port`, taken out of the cache for good, or
   * null when there is none. nginx's keepalive module hands every request of the group a cached
   * connection to the peer the balancer chose, an upgrade's too (ngx_http_upstream_get_keepalive_peer
   * reads nothing of the request), and that connection is then the session's: it never comes back.
   */
  takeIdle(host: string, port: number): Socket | null {
    const lists = this as unknown as AgentLists;
    const name = this.getName({ host, port });
    const free = lists.freeSockets[name];
    let socket: PooledSocket | undefined;
    while (free !== undefined && free.length > 0 && socket === undefined) {
      const s = free.pop()!;
      if (!s.destroyed) socket = s;
    }
    if (free !== undefined && free.length === 0) delete lists.freeSockets[name];
    if (socket === undefined) return null;
    this.idle.delete(socket);
    // (the cache's own listeners go: one held the cache, and the group's pools with it, for the
    // session's life, after a reload too; cached() gives them back if it ever returns: adopt)
    const untrack = socket[TRACKED];
    if (untrack) socket.off('close', untrack);
    socket[TRACKED] = undefined;
    socket.off('data', closeIfIdle);
    // node's own listeners go, and its count of the agent's connections, as for an upgrade on a
    // request of the agent's (node emits the same); the cache's idle timer and unref go too, and
    // the error listener node gives an idle connection, as node's reuseSocket takes it off (left
    // on, one more would come each time the connection went back to the cache: adopt)
    socket.emit('agentRemove');
    super.reuseSocket(socket, {} as ClientRequest);
    socket.setTimeout(0);
    return socket;
  }

  /**
   * `socket`, a connection a WebSocket handshake went on (from the cache or new) whose answer was
   * not a 101 and ended where its framing said, becomes one of the agent's in use: node frees it
   * once that answer is read (the request's shouldKeepAlive, from the answer), and keepSocketAlive
   * decides, as after any request. nginx's keepalive module treats a refused handshake as any
   * request: its connection goes back to the cache when the answer allows it. The listeners are
   * those node gives a connection it makes (installListeners in node's _http_agent.js).
   */
  adopt(socket: Socket, host: string, port: number): void {
    const lists = this as unknown as AgentLists;
    const options = { host, port };
    const s = socket as PooledSocket;
    const onFree = () => this.emit('free', s, options);
    const onClose = () => {
      lists.totalSocketCount--;
      lists.removeSocket(s, options);
    };
    // (node's: its idle timer closes it only while it is idle)
    const onTimeout = () => {
      if (this.idle.has(s)) s.destroy();
    };
    const onRemove = () => {
      onClose();
      s.off('free', onFree);
      s.off('close', onClose);
      s.off('timeout', onTimeout);
      s.off('agentRemove', onRemove);
    };
    s.on('free', onFree);
    s.on('close', onClose);
    s.on('timeout', onTimeout);
    s.on('agentRemove', onRemove);
    lists.totalSocketCount++;
    (lists.sockets[this.getName(options)] ??= []).push(s);
  }

  override reuseSocket(socket: Duplex, request: ClientRequest): void {
    this.idle.delete(socket as PooledSocket);
    super.reuseSocket(socket, request);
  }
}
