// nginx's keepalive_requests (1000 since 1.19.10, for client connections and for the upstream
// keepalive pool alike): the requests a connection serves before it is closed. The count lives on
// the socket itself.
import type { Duplex } from 'node:stream';

export const KEEPALIVE_REQUESTS = 1000;

const SERVED = Symbol('switchyard.requestsServed');

/** Count one more request on `socket`; true when it is the connection's last (the 1000th). */
export function servesLastRequest(socket: Duplex): boolean {
  const s = socket as Duplex & { [SERVED]?: number };
  const served = (s[SERVED] ?? 0) + 1;
  s[SERVED] = served;
  return served >= KEEPALIVE_REQUESTS;
}
