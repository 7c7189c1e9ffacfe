// What nginx knows about a request when it evaluates variables and builds the upstream request.
// Pure data: the engine fills it from the socket and the parsed request line.

export interface RequestContext {
  method: string;
  /** The request target exactly as received on the request line (nginx $request_uri). */
  requestUri: string;
  /** Normalized, percent-decoded path (nginx $uri), from app/match/normalize.ts. */
  uri: string;
  /** Raw query string without '?', '' when none (nginx $args). */
  args: string;
  /** The request had a '?' in its target (nginx $is_args is "?" then). */
  hasArgs: boolean;
  /** Client headers in arrival order, names as sent. */
  headers: ReadonlyArray<readonly [string, string]>;
  httpVersion: '1.0' | '1.1';
  remoteAddr: string;
  remotePort: number;
  serverAddr: string;
  serverPort: number;
  /** The selected server block's first server_name ('' when none): nginx $server_name. */
  serverName: string;
  scheme: 'http';
  /** nginx $proxy_host for the location's proxy_pass. */
  proxyHost: string;
  /** nginx $proxy_port: explicit port of proxy_pass as written, else "80". */
  proxyPort: string;
  /** $1…$9: the captures of the last regex that matched (the location's, else a regex server_name's), [] when none. */
  captures: readonly string[];
  /** The named regex groups, each the variable $name to nginx (lowercase names): the capture of the
   * last regex that matched and has the group ('' where the group took no part); absent when none did. */
  named?: Readonly<Record<string, string>>;
  /** What the socket and the clock say (RequestEnv); absent where nothing supplies it (tests). */
  env?: RequestEnv;
  /** The body's length once read, for a request that announced none (chunked): nginx's
   * $content_length, as it reads the whole body before it makes the upstream request. */
  bodyLength?: number;
}

/** The facts of a request that come from outside the request's bytes: filled by the engine (and
 * the route tester), read by the variables that need them. */
export interface RequestEnv {
  /** nginx $connection: the client connection's serial number (1, 2, … in the order they were accepted). */
  connection: number;
  /** nginx $connection_requests: this request's number on its connection (1 for the first). */
  connectionRequests: number;
  /** When the request was read, in ms since the epoch ($msec, $time_local, $time_iso8601); the
   * engine moves it to when the body was read, as nginx reads the clock then (http-exchange.ts). */
  now: number;
  /** nginx $hostname: the machine's host name. */
  hostname: string;
  /** nginx $request_id: 32 lowercase hex digits from 16 random bytes, the same for every use within one request. */
  requestId(): string;
}

/** A request's env (a class, not a literal with a closure: one is made for every request), its
 * $request_id made when first used (most requests use none) by `makeId`: the engine's from random
 * bytes, the route tester's from Math.random. */
export class LazyRequestEnv implements RequestEnv {
  private id: string | undefined;
  constructor(
    readonly connection: number,
    readonly connectionRequests: number,
    public now: number,
    readonly hostname: string,
    private readonly makeId: () => string,
  ) {}

  requestId(): string {
    return (this.id ??= this.makeId());
  }
}
