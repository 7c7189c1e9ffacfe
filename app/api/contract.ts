// The ONE typed API contract between the UI and the process that runs the engine: request name →
// params/result, event name → payload. The loopback web host (main/web) serves it over HTTP + a
// WebSocket feed; Electron's preload (main/electron/preload.ts) exposes the same `SwitchyardApi` over IPC.
// Model: alex8088/electron-toolkit packages/typed-ipc/src/types.ts.
//
// Handlers never throw across the boundary: every result is `{ ok: true, value }` or
// `{ ok: false, error: { code, message } }` (config errors also carry `issues`, placed by path).
import type { ConfigIssue } from '../config/issues.ts';
import type {
  ConfigState, ExchangeBody, ExchangeView, FramePayload, FrameView, ImportedHar, ListenerView, LogView, ServiceSettings, SessionView, UpstreamStatusView,
} from './views.ts';
import type { LastExportView, NginxCheckView, NginxExportShape, NginxExportSource } from './nginx-views.ts';

export type * from './views.ts';
export type * from './nginx-views.ts';

export interface ApiError {
  /** Stable machine-readable code, e.g. 'invalid_config', 'not_found', 'bad_params', 'internal'. */
  code: string;
  message: string;
  /** For 'invalid_config': every problem with its JSON path. */
  issues?: ConfigIssue[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export interface ApplyOutcome {
  /** Listener states after the apply: a port in use shows as state 'failed' with its message. */
  listeners: ListenerView[];
  config: ConfigState;
}

export interface SessionDetail {
  session: SessionView;
  /** null when frames are not recorded (the frame tap is not available). */
  frames: FrameView[] | null;
}

/** Request name → params and result. */
export interface Requests {
  getConfig: { params: Record<string, never>; result: ConfigState };
  /** Store the draft (unvalidated documents are kept: the user is mid-edit). */
  setDraft: { params: { draft: unknown }; result: ConfigState };
  /** Drop the draft's edits: the draft becomes the applied config again. */
  revertDraft: { params: Record<string, never>; result: ConfigState };
  /** Validate and apply the draft (or `draft` when given, which is stored first). */
  apply: { params: { draft?: unknown }; result: ApplyOutcome };
  /** Apply the config that ran before the last apply. */
  undoApply: { params: Record<string, never>; result: ApplyOutcome };
  listeners: { params: Record<string, never>; result: ListenerView[] };
  upstreamStatus: { params: Record<string, never>; result: UpstreamStatusView[] };
  /** Live sessions and recently closed ones (capped), newest last. */
  sessions: { params: Record<string, never>; result: SessionView[] };
  session: { params: { id: number }; result: SessionDetail };
  /** Which session's frames feed subscription `feed` (FeedSnapshot.feed) wants in its deltas: one
   * session's, none (null), or every session's ('all', a new subscription's). Frames no subscription
   * wants are not published at all (the page shows one session's log; encoding every session's
   * frames for it cost the proxy a quarter of its CPU). Call it before fetching that session's log:
   * from its answer on, the feed has every new frame of the session (some also in the log: rows
   * repeat by seq). */
  watchFrames: { params: { feed: string; session: number | null | 'all' }; result: { session: number | null | 'all' } };
  /** End a live session from the proxy side: a Close frame with `code` and `reason` (≤ 123 bytes of
   * UTF-8) goes to both peers, then the connections end (both echoed it, or after a second). */
  closeSession: { params: { id: number; code: number; reason?: string }; result: SessionView };
  /** Send a message of Switchyard's own to one peer of a live session, between two of its messages.
   * `data` is the text, or base64 for 'binary'. The result is its (injected) frame-log row. */
  injectMessage: { params: { id: number; direction: 'client' | 'upstream'; opcode: 'text' | 'binary'; data: string }; result: FrameView };
  /** Send a logged message's payload again, to the peer it went to (or `direction`). */
  replayFrame: { params: { id: number; seq: number; direction?: 'client' | 'upstream' }; result: FrameView };
  /** One logged message's kept payload (the frame log has only a preview): text for text messages,
   * base64 for binary ones (a truncated text ends at its last whole character; `bytes` counts the
   * kept bytes). Frames without a captured payload (control frames, violations) fail
   * with 'no_payload'; an evicted payload comes back empty with `evicted`. */
  framePayload: { params: { id: number; seq: number }; result: FramePayload };
  /** The kept start of an HTTP exchange's request or response body (the first payloadPerMessage
   * bytes), with its content encoding decoded when it is whole. Fails with 'not_found' once the
   * exchange left the log, 'no_body' when none was kept (capture was off, or there was none). */
  exchangeBody: { params: { id: number; side: 'request' | 'response' }; result: ExchangeBody };
  getSettings: { params: Record<string, never>; result: ServiceSettings };
  setSettings: { params: Partial<ServiceSettings>; result: ServiceSettings };
  /** HAR 1.2 text (Chrome's `_webSocketMessages` for sessions): the given sessions, or every kept
   * session and exchange. Sensitive headers are redacted per the settings. At most what importHar
   * reads (maxImportHarBytes of UTF-8): past it the oldest payloads are left out, said in `log.comment`. */
  exportHar: { params: { sessionIds?: number[] }; result: string };
  /** Read a HAR file for viewing (it does not join the live traffic log). */
  importHar: { params: { text: string }; result: ImportedHar };
  /** Recent HTTP exchanges (capped), newest last. */
  exchanges: { params: Record<string, never>; result: ExchangeView[] };
  logs: { params: Record<string, never>; result: LogView[] };
  /** The draft or the running config as nginx.conf text ('full' file or the http-level 'snippet'). */
  exportNginx: { params: { source: 'draft' | 'applied'; shape: 'full' | 'snippet' }; result: { text: string } };
  /** `nginx -t` on that export with the installed nginx (bounded in time), or why it cannot run. */
  testNginx: { params: { source: NginxExportSource; shape: NginxExportShape }; result: NginxCheckView };
  /** Remember `text` as the export the user took (copied, downloaded, or marked) for the diff. */
  markExported: { params: { text: string; how: 'copy' | 'download' | 'mark'; source: NginxExportSource; shape: NginxExportShape }; result: LastExportView };
  /** The last export the user took, or null. */
  lastExport: { params: Record<string, never>; result: LastExportView | null };
  /** Where the shell can show a save dialog (Electron): save the export to a file the user picks and
   * remember it. Elsewhere it fails with 'not_available' (the page downloads the text instead). */
  saveNginx: { params: { source: NginxExportSource; shape: NginxExportShape }; result: { saved: false } | { saved: true; last: LastExportView } };
}

export type RequestName = keyof Requests;
export type Params<K extends RequestName> = Requests[K]['params'];
export type ResultOf<K extends RequestName> = Requests[K]['result'];

/** The names the transports accept; anything else is refused before reaching the service. */
export const REQUEST_NAMES = [
  'getConfig', 'setDraft', 'revertDraft', 'apply', 'undoApply', 'listeners', 'upstreamStatus',
  'sessions', 'session', 'watchFrames', 'closeSession', 'exchanges', 'logs', 'exportNginx', 'testNginx', 'markExported', 'lastExport', 'saveNginx',
  'injectMessage', 'replayFrame', 'framePayload', 'exchangeBody', 'getSettings', 'setSettings', 'exportHar', 'importHar',
] as const satisfies readonly RequestName[];
// Every request is listed: a name left out would compile, and then no transport would expose it.
type Unlisted = Exclude<RequestName, (typeof REQUEST_NAMES)[number]>;
const everyRequestListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyRequestListed;

export function isRequestName(name: string): name is RequestName {
  return (REQUEST_NAMES as readonly string[]).includes(name);
}

/** Everything the UI shows live, sent first to every feed subscriber (and again after a resync). */
export interface FeedSnapshot {
  sessions: SessionView[];
  exchanges: ExchangeView[];
  listeners: ListenerView[];
  upstreams: UpstreamStatusView[];
  logs: LogView[];
  config: ConfigState;
  /** Whether sessions can have frame logs (the frame tap is present). */
  framesSupported: boolean;
  /** The subscription's id, for watchFrames: in its first snapshot (a resync's, one object for every
   * subscriber resynced, has none; the id stays). */
  feed?: string;
  /** The engine machine's name as nginx's $hostname has it (lowercase), for the route tester. */
  hostname: string;
}

/** Changes since the previous batch, coalesced (at most ~20 batches a second). */
export interface FeedDelta {
  /** Sessions that opened or changed (upsert by id). */
  sessions: SessionView[];
  /** New exchanges, oldest first. */
  exchanges: ExchangeView[];
  /** New frames per session. */
  frames: Array<{ sessionId: number; frames: FrameView[] }>;
  logs: LogView[];
  /** Present when they changed. */
  listeners?: ListenerView[];
  upstreams?: UpstreamStatusView[];
  config?: ConfigState;
}

/** Event name → payload. */
export interface Events {
  snapshot: FeedSnapshot;
  delta: FeedDelta;
}

export type EventName = keyof Events;
export type FeedEvent = { [E in EventName]: { event: E; payload: Events[E] } }[EventName];

/**
 * What the renderer gets: one named function per request, and one subscription that delivers a
 * snapshot first, then deltas (and a new snapshot whenever the transport had to drop events).
 */
export type SwitchyardApi = {
  [K in RequestName]: (params: Params<K>) => Promise<Result<ResultOf<K>>>;
} & {
  subscribe(listener: (e: FeedEvent) => void): () => void;
};

/** The service side: the same functions, transport-free. */
export type ApiHandlers = { [K in RequestName]: (params: Params<K>) => Promise<Result<ResultOf<K>>> };

/** Limits the transports enforce. */
export const API_LIMITS = {
  /** Largest request body accepted by the web host, bytes. */
  maxRequestBytes: 2 * 1024 * 1024,
  /** Largest HAR file `importHar` takes (its text), bytes: HAR files are often larger. */
  maxImportHarBytes: 64 * 1024 * 1024,
} as const;

/** The largest body the web host accepts for request `name`, bytes. An `importHar` body is the HAR
 * file's text JSON-quoted, which doubles each quote, backslash and line break: a file of
 * pretty-printed JSON messages comes to nearly twice its size, so the body may be twice the file's
 * limit (and a little more for the braces around it); the file's own limit is the params' (params.ts). */
export function maxRequestBytes(name: RequestName): number {
  return name === 'importHar' ? 2 * API_LIMITS.maxImportHarBytes + 1024 : API_LIMITS.maxRequestBytes;
}

/** What setSettings accepts for the capture caps: [least, most]. */
export const SETTINGS_LIMITS = {
  payloadPerMessage: [1024, 16 * 1024 * 1024],
  payloadTotal: [0, 4 * 1024 * 1024 * 1024],
  framesPerSession: [100, 1_000_000],
} as const;
