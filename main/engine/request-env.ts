// What a request's variables read from outside its bytes (app/proxy/context.ts RequestEnv): the
// connection's serial number and request count ($connection, $connection_requests), the clock
// ($msec, $time_*), the host name and a random $request_id. Counts live on the socket.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Socket } from 'node:net';
import { LazyRequestEnv, type RequestEnv } from '../../app/proxy/context.ts';

const CONNECTION = Symbol('switchyard.connection');
type Counted = Socket & { [CONNECTION]?: { number: number; requests: number } };

let accepted = 0;
/** nginx $hostname: this machine's name in lowercase, as nginx keeps it (ngx_init_cycle). */
export const HOSTNAME = hostname().toLowerCase();

/** A client connection was accepted: it takes the next serial number (nginx c->number). */
export function countConnection(socket: Socket): void {
  (socket as Counted)[CONNECTION] = { number: ++accepted, requests: 0 };
}

const newRequestId = (): string => randomBytes(16).toString('hex');

/** The env of the next request on `socket` (call once per request: it counts the request). */
export function requestEnv(socket: Socket): RequestEnv {
  const s = socket as Counted;
  const c = (s[CONNECTION] ??= { number: ++accepted, requests: 0 });
  c.requests++;
  return new LazyRequestEnv(c.number, c.requests, Date.now(), HOSTNAME, newRequestId);
}
