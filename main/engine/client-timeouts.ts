// nginx's timeouts toward the client that Switchyard does not model as settings (http-level
// directives in nginx): their defaults, as setting objects so tests can shorten them.

/** As a log says it: "send_timeout (60s)". */
function describe(name: string, ms: number): string {
  return `${name} (${ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`})`;
}

/** send_timeout: the client takes nothing of a response (HTTP or WebSocket) for this long. */
export const clientSendTimeout = {
  ms: 60_000,
  text(): string {
    return describe('send_timeout', this.ms);
  },
};

/**
 * client_body_timeout: the client sends nothing of its request body for this long (between two
 * reads, not for the whole body). nginx then closes the connection without an answer (logged 408).
 */
export const clientBodyTimeout = {
  ms: 60_000,
  text(): string {
    return describe('client_body_timeout', this.ms);
  },
};

/**
 * client_header_timeout: a request head not complete this long after it started (the whole head,
 * not between reads). nginx then closes the connection without an answer (logged 408).
 */
export const clientHeaderTimeout = {
  ms: 60_000,
  text(): string {
    return describe('client_header_timeout', this.ms);
  },
};

/**
 * keepalive_timeout: a kept-alive client connection closes once idle this long after an answer.
 * (nginx sends no Keep-Alive header for it without its second parameter, and neither does the engine.)
 */
export const clientKeepaliveTimeout = {
  ms: 75_000,
  text(): string {
    return describe('keepalive_timeout', this.ms);
  },
};

/** node's http server arms an idle connection's timer this long after its keepAliveTimeout
 * (HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER in node's _http_server.js). */
export const NODE_KEEPALIVE_SLACK_MS = 1000;
