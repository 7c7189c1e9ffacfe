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
}
