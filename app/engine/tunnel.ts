// What an upgraded session switched to. nginx tunnels any 101 (h2c, a custom protocol, WebSocket),
// and so does the engine; only a WebSocket session has frames to follow, record, inject or close.

/** The protocol(s) the upstream's 101 names in its Upgrade header ("websocket", "foo"; several lines
 * joined as a client reads them: "websocket, foo"), null without one. */
export function upgradedTo(responseHeaders: readonly string[]): string | null {
  const values: string[] = [];
  for (let i = 0; i + 1 < responseHeaders.length; i += 2) {
    if (responseHeaders[i]!.toLowerCase() === 'upgrade') values.push(responseHeaders[i + 1]!.trim());
  }
  return values.length ? values.join(', ') : null;
}

/** Whether a session's 101 switched to WebSocket (RFC 6455 §4.2.2: Upgrade "websocket", in any
 * case). A session not (yet) upgraded counts as one: it is a WebSocket handshake until answered. */
export function isWebSocketSession(s: { status: number | null; responseHeaders: readonly string[] }): boolean {
  if (s.status !== 101) return true;
  const to = upgradedTo(s.responseHeaders);
  return to === null || to.toLowerCase() === 'websocket';
}
