// nginx's keepalive_requests (1000 since 1.19.10, for client connections and for the upstream
// keepalive pool alike): the requests a connection serves before it is closed. The count lives on
// the socket itself.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { keepaliveDisabled } from '../../app/proxy/user-agent.ts';

export const KEEPALIVE_REQUESTS = 1000;

const SERVED = Symbol('switchyard.requestsServed');

/** Count one more request on `socket`; true when it is the connection's last (the 1000th). */
export function servesLastRequest(socket: Duplex): boolean {
  const s = socket as Duplex & { [SERVED]?: number };
  const served = (s[SERVED] ?? 0) + 1;
  s[SERVED] = served;
  return served >= KEEPALIVE_REQUESTS;
}

/**
 * nginx's keepalive decision for a client request (ngx_http_process_connection): each Connection
 * line naming "close", else "keep-alive" (as substrings, any case) sets it; without one, HTTP/1.1
 * keeps the connection and HTTP/1.0 does not; and a POST from an old MSIE is never kept
 * (keepalive_disable msie6). node differs: it reads Proxy-Connection as well, and on HTTP/1.0 lets
 * keep-alive win over close.
 */
export function clientKeepAlive(req: IncomingMessage): boolean {
  if (keepaliveDisabled(req.method, req.headers['user-agent'])) return false;
  let type: 'none' | 'close' | 'keep-alive' = 'none';
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 10 || (name.charCodeAt(0) | 0x20) !== 0x63 || name.toLowerCase() !== 'connection') continue;
    const v = raw[i + 1]!.toLowerCase();
    if (v.includes('close')) type = 'close';
    else if (v.includes('keep-alive')) type = 'keep-alive';
  }
  return type === 'none' ? req.httpVersion !== '1.0' : type === 'keep-alive';
}
