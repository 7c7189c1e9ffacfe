// nginx's upstream keepalive cache (ngx_http_upstream_keepalive_module.c) on a node Agent: `keepalive N`
// keeps at most N idle connections for the whole group, whichever peers they go to, and a connection
// freed into a full cache evicts the least recently used one (the cache's tail); a request takes the
// most recently freed connection to its peer (node's 'lifo' scheduling). node's own pool caps each
// peer apart and, when one is full, closes the connection just freed instead.
import { Agent, type ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { servesLastRequest } from './keepalive-requests.ts';

const TRACKED = Symbol('switchyard.keepaliveTracked');
type PooledSocket = Socket & { [TRACKED]?: true };

export class KeepaliveAgent extends Agent {
  /** The group's idle connections, least recently freed first. */
  private readonly idle = new Set<PooledSocket>();

  constructor(
    private readonly cache: number,
    timeoutMs: number,
  ) {
    // one more than the cache, so that node never refuses the connection just freed: the oldest goes
    super({ keepAlive: true, maxFreeSockets: cache + 1, timeout: timeoutMs });
  }

  // node asks this when a request on `socket` is done, as the last check before it pools the socket
  // (false closes it). A connection that served keepalive_requests (1000) closes after the last one
  // instead of going back to the pool, as in nginx.
  override keepSocketAlive(socket: Duplex): boolean {
    if (servesLastRequest(socket) || !(super.keepSocketAlive(socket) as unknown as boolean)) return false;
    this.cached(socket as PooledSocket);
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

  override reuseSocket(socket: Duplex, request: ClientRequest): void {
    this.idle.delete(socket as PooledSocket);
    super.reuseSocket(socket, request);
  }
}
