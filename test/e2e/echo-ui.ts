// A UI host for a browser test file with one WebSocket route, /ws/, to a `ws` echo upstream: started
// before the file's tests; it, the upstream and every client the tests opened are closed after.
import { before, after } from 'node:test';
import WebSocket from 'ws';
import { startWsUpstream, type Upstream } from '../helpers/upstreams.ts';
import { freePort } from '../helpers/ports.ts';
import { startUiHost, type UiHost } from './ui-host.ts';

export interface EchoUi {
  /** Set once the file's `before` ran. */
  ui: UiHost;
  /** A client through the proxy to `path`, open (closed after the file's tests). */
  open(path: string): Promise<WebSocket>;
  /** The same, with `echoes()` counting the messages that came back. */
  counting(path: string): Promise<{ ws: WebSocket; echoes: () => number }>;
}

/** `name`: the route's name (none by default). */
export function echoUiHost(opts: { name?: string } = {}): EchoUi {
  let upstream: Upstream | undefined;
  let proxyPort = 0;
  const clients: WebSocket[] = [];
  const env = {
    ui: undefined as unknown as UiHost,
    async open(path: string): Promise<WebSocket> {
      const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}${path}`);
      clients.push(ws);
      ws.on('error', () => {});
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      return ws;
    },
    async counting(path: string) {
      const ws = await env.open(path);
      let n = 0;
      ws.on('message', () => n++);
      return { ws, echoes: () => n };
    },
  };
  before(async () => {
    [upstream, proxyPort] = await Promise.all([startWsUpstream('echo'), freePort()]);
    env.ui = await startUiHost({
      schemaVersion: 1,
      upstreams: [{ name: 'echo', servers: [{ address: `127.0.0.1:${upstream.port}` }] }],
      servers: [{ listen: [{ address: `127.0.0.1:${proxyPort}` }], locations: [{ ...opts, path: '/ws/', proxyPass: 'http://echo', websocket: true }] }],
    });
  }, { timeout: 120_000 });
  after(async () => {
    for (const c of clients) c.terminate();
    await env.ui?.close();
    await upstream?.close();
  });
  return env;
}
