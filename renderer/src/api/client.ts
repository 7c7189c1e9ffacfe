// The contract over the loopback web host: POST /api/<name> for requests, a WebSocket on /feed for
// events. The host puts its token in the page (<meta name="switchyard-token">); it goes back in a
// header for requests and in the WebSocket subprotocol list for the feed (no cookie: cookies on
// 127.0.0.1 would reach every proxied app). Electron's preload provides the same `SwitchyardApi`.
import { REQUEST_NAMES, type FeedEvent, type Params, type RequestName, type Result, type ResultOf, type SwitchyardApi } from '../../../app/api/contract.ts';

export type ConnectionState = 'connecting' | 'open' | 'closed' | 'unauthorized';

export interface WebClient extends SwitchyardApi {
  /** The feed connection's state (it reconnects by itself). */
  onConnection(listener: (s: ConnectionState) => void): () => void;
}

const REQUEST_TIMEOUT_MS = 30_000;
const token = document.querySelector<HTMLMetaElement>('meta[name="switchyard-token"]')?.content ?? '';

/** A page left open after its `switchyard ui` ended may now reach another program on that port. */
const NOT_SWITCHYARD = 'the answer did not come from Switchyard (another program may listen on this address now): open the URL that `switchyard ui` printed';

/** Whether a JSON answer has the contract's shape: { ok: true, value } (JSON drops an undefined value) or { ok: false, error: { code, message } }. */
function isResult(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as { ok?: unknown; value?: unknown; error?: { code?: unknown; message?: unknown } | null };
  if (r.ok === true) return true;
  return r.ok === false && typeof r.error === 'object' && r.error !== null && typeof r.error.code === 'string' && typeof r.error.message === 'string';
}

async function call<K extends RequestName>(name: K, params: Params<K>): Promise<Result<ResultOf<K>>> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), REQUEST_TIMEOUT_MS);
  try {
    const body = JSON.stringify(params ?? {});
    const res = await fetch(`/api/${name}`, {
      method: 'POST', credentials: 'omit', signal: ctl.signal,
      // (a request made as the page goes, such as the last edit's setDraft, still reaches the host;
      // browsers take up to 64 KiB of such bodies in flight; UTF-8 has at most 3 bytes a character)
      keepalive: body.length < 20_000,
      headers: { 'Content-Type': 'application/json', 'X-Switchyard-Token': token }, body,
    });
    if (res.status === 401 || res.status === 403) {
      return { ok: false, error: { code: 'unauthorized', message: 'this page is not authorized any more: open the URL that `switchyard ui` printed' } };
    }
    const type = res.headers.get('content-type') ?? '';
    if (!type.includes('application/json')) return { ok: false, error: { code: `http_${res.status}`, message: (await res.text()).trim() || res.statusText } };
    const answer: unknown = await res.json();
    return isResult(answer) ? (answer as Result<ResultOf<K>>) : { ok: false, error: { code: 'not_switchyard', message: NOT_SWITCHYARD } };
  } catch (e) {
    const aborted = (e as Error).name === 'AbortError';
    return { ok: false, error: { code: aborted ? 'timeout' : 'unreachable', message: aborted ? `no answer in ${REQUEST_TIMEOUT_MS / 1000}s` : 'the Switchyard process is not reachable (was it stopped?)' } };
  } finally {
    clearTimeout(timer);
  }
}

export function createWebClient(): WebClient {
  const feedListeners = new Set<(e: FeedEvent) => void>();
  const stateListeners = new Set<(s: ConnectionState) => void>();
  let ws: WebSocket | null = null;
  let state: ConnectionState = 'closed';
  let retry = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const setState = (s: ConnectionState) => {
    state = s;
    for (const l of stateListeners) l(s);
  };

  const connect = () => {
    if (ws || feedListeners.size === 0) return;
    setState('connecting');
    const sock = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/feed`, ['switchyard', `token.${token}`]);
    ws = sock;
    sock.onopen = () => {
      retry = 0;
      setState('open');
    };
    sock.onmessage = (m) => {
      let e: FeedEvent;
      try {
        e = JSON.parse(String(m.data)) as FeedEvent;
      } catch {
        return;
      }
      for (const l of feedListeners) l(e);
    };
    sock.onclose = () => {
      ws = null;
      if (feedListeners.size === 0) return setState('closed');
      setState('closed');
      // A refused upgrade (wrong token) looks the same as a dead process: ask the API which it is.
      void call('listeners', {}).then((r) => {
        if (!r.ok && r.error.code === 'unauthorized') return setState('unauthorized');
        timer = setTimeout(connect, Math.min(5000, 250 * 2 ** retry++));
      });
    };
  };

  const api = Object.fromEntries(REQUEST_NAMES.map((n) => [n, (p: never) => call(n, p)])) as unknown as SwitchyardApi;
  return {
    ...api,
    subscribe(listener) {
      feedListeners.add(listener);
      connect();
      return () => {
        feedListeners.delete(listener);
        if (feedListeners.size === 0) {
          if (timer) clearTimeout(timer);
          ws?.close();
        }
      };
    },
    onConnection(listener) {
      stateListeners.add(listener);
      listener(state);
      return () => stateListeners.delete(listener);
    },
  };
}
