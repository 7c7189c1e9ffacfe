// The example a first run starts with: a listener on 127.0.0.1:8080 whose /echo location proxies
// WebSockets to the built-in echo server (main/echo), so `ws://127.0.0.1:8080/echo` shows a live
// session and its frames at once. The echo server listens on the port it had at the last start
// when it can (the app state keeps its addresses), else on another: the server of the upstream named
// ECHO_UPSTREAM that is the echo server's then points at it (pointEchoUpstream runs before every
// apply at start). Servers the user added to that upstream, or put in its place, are left alone.
import type { ConfigInput } from '../../app/config/schema.ts';

import { ECHO_UPSTREAM, usesEchoUpstream } from '../../app/config/echo.ts';

export { ECHO_UPSTREAM, usesEchoUpstream };
export const FIRST_RUN_LISTEN_PORT = 8080;

export function firstRunConfig(o: { listenPort?: number; echoAddress: string }): ConfigInput {
  const port = o.listenPort ?? FIRST_RUN_LISTEN_PORT;
  return {
    schemaVersion: 1,
    upstreams: [{ name: ECHO_UPSTREAM, servers: [{ address: o.echoAddress }] }],
    servers: [
      {
        listen: [{ address: `127.0.0.1:${port}` }],
        serverNames: [],
        locations: [
          // (no address in the label: it would go stale when the user changes the listener)
          { name: 'Built-in echo server: every WebSocket message comes back', path: '/echo', proxyPass: `http://${ECHO_UPSTREAM}`, websocket: true,
            // (nginx's 60 s default closes a WebSocket idle that long: a first try in a terminal
            // client would see its session drop within a minute)
            proxyReadTimeout: '1h' },
        ],
      },
    ],
  };
}

type Doc = { upstreams: Array<{ name?: unknown; servers?: Array<{ address?: unknown }> }> };

/** Which server of ECHO_UPSTREAM is the built-in echo server's: the first at one of `known`, the
 * addresses the echo server has had; with none known (a state from before they were kept), the
 * upstream's only server. -1: none is (the user pointed the upstream elsewhere, or added servers
 * beside an echo address no longer known): the upstream is then the user's, left as it is. */
export function echoServerIndex(doc: unknown, known: readonly string[]): number {
  if (!usesEchoUpstream(doc)) return -1;
  const servers = (doc as Doc).upstreams.find((u) => u?.name === ECHO_UPSTREAM)!.servers;
  if (!Array.isArray(servers)) return -1;
  if (known.length) return servers.findIndex((s) => typeof s?.address === 'string' && known.includes(s.address));
  return servers.length === 1 ? 0 : -1;
}

/** A copy of `doc` whose ECHO_UPSTREAM server at `index` points at `echoAddress`; the upstream's
 * other servers and that server's other fields stay as the user wrote them. */
export function pointEchoUpstream(doc: unknown, index: number, echoAddress: string): unknown {
  const d = doc as Doc;
  return {
    ...d,
    upstreams: d.upstreams.map((u) => (u?.name === ECHO_UPSTREAM && Array.isArray(u.servers)
      ? { ...u, servers: u.servers.map((s, i) => (i === index ? { ...s, address: echoAddress } : s)) }
      : u)),
  };
}
