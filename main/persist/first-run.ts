// The example a first run starts with: a listener on 127.0.0.1:8080 whose /echo location proxies
// WebSockets to the built-in echo server (main/echo), so `ws://127.0.0.1:8080/echo` shows a live
// session and its frames at once. The echo server's port changes every start: the upstream named
// ECHO_UPSTREAM always points at it (pointEchoUpstream runs before every apply at start).
import type { ConfigInput } from '../../app/config/schema.ts';

export const ECHO_UPSTREAM = 'switchyard_echo';
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
          { name: 'Built-in echo server: every WebSocket message comes back', path: '/echo', proxyPass: `http://${ECHO_UPSTREAM}`, websocket: true },
        ],
      },
    ],
  };
}

/** Whether a document uses the built-in echo upstream (then the app starts the echo server). */
export function usesEchoUpstream(doc: unknown): boolean {
  const ups = (doc as { upstreams?: unknown } | null)?.upstreams;
  return Array.isArray(ups) && ups.some((u) => (u as { name?: unknown })?.name === ECHO_UPSTREAM);
}

/** A copy of `doc` whose ECHO_UPSTREAM has exactly one server: the running echo server. */
export function pointEchoUpstream(doc: unknown, echoAddress: string): unknown {
  if (!usesEchoUpstream(doc)) return doc;
  const d = doc as { upstreams: Array<Record<string, unknown>> };
  return {
    ...d,
    upstreams: d.upstreams.map((u) => (u?.name === ECHO_UPSTREAM ? { ...u, servers: [{ address: echoAddress }] } : u)),
  };
}
