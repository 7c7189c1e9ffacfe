// One try of an HTTP request against one upstream peer, as the engine hands it to the http-proxy
// adapter (http-proxy-adapter.ts proxyHttpTry): what to send, and what the adapter tells of it.
import type { Agent, IncomingMessage } from 'node:http';
import type { FailureKind } from './upstream-failure.ts';

export interface TryFailure {
  kind: FailureKind;
  phase: 'connect' | 'send' | 'read';
  error: Error;
  requestSent: boolean;
  /** The try went out on an idle keepalive connection (nginx's pc->cached), which the upstream may have closed meanwhile. */
  cached: boolean;
  /** When this try's connection was ready (Date.now()), 0 when it never was. */
  connectedAt: number;
}

export interface HttpTry {
  /** nginx proxy_http_version: the request line's version. */
  httpVersion: '1.0' | '1.1';
  host: string;
  port: number;
  method: string;
  path: string;
  /** nginx's header list (app/proxy/headers.ts upstreamHeaders): its clientFrom is where the body's Content-Length goes. */
  headers: ReadonlyArray<readonly [string, string]> & { readonly clientFrom?: number };
  /** The buffered request body, or null when the client sent none. */
  body: Buffer | null;
  agent: Agent;
  connectTimeoutMs: number;
  sendTimeoutMs: number;
  readTimeoutMs: number;
}

export interface TryHandlers {
  /** The upstream answered with a header; the body has not been read yet. `timing`: when this try's
   * connection was ready, and when the head came (Date.now() times). */
  onResponse(proxyRes: IncomingMessage, timing: { connectedAt: number; firstByteAt: number }): void;
  /** The try failed before a response header arrived (nothing was sent to the client). */
  onFailure(f: TryFailure): void;
  /** The response body broke off after the header (read timeout, upstream reset or close);
   * `error`: what the socket said, when it said anything (null for a plain close). */
  onBodyError(error: Error | null, timedOut: boolean): void;
  /** The upstream switched protocols (101 with Upgrade) on this plain request: its connection is closed. */
  onUpgradeAnswer(): void;
}
