// What the UI sees of the engine: plain JSON-safe data, copies of the engine's records. The
// service (main/service) fills these; the renderer only reads them.
import type { ConfigIssue } from '../config/issues.ts';

export interface RouteView {
  server: number;
  location: number | null;
  /** The location's label ('' when unnamed) and why nginx's rules chose it. */
  name: string;
  explain: string;
}

export type SessionState = 'connecting' | 'open' | 'closed' | 'rejected';

export interface SessionView {
  id: number;
  url: string;
  clientAddress: string;
  route: RouteView;
  upstream: string | null;
  upstreamPath: string;
  requestHeaders: string[];
  responseHeaders: string[];
  subprotocol: string | null;
  extensions: string | null;
  state: SessionState;
  openedAt: number;
  closedAt: number | null;
  closedBy: 'client' | 'upstream' | 'proxy' | null;
  closeReason: string | null;
  /** Bytes read from each side so far (live sessions are refreshed about once a second). */
  bytesFromClient: number;
  bytesFromUpstream: number;
  /** Whether frames are recorded for this session (needs the frame tap, main/inspect). */
  framesAvailable: boolean;
}

export interface ExchangeView {
  id: number;
  method: string;
  url: string;
  clientAddress: string;
  route: RouteView | null;
  upstream: string | null;
  upstreamPath: string | null;
  status: number;
  cause: string | null;
  tries: Array<{ upstream: string; outcome: string }>;
  startedAt: number;
  timings: { connectMs?: number; firstByteMs?: number; totalMs?: number };
  requestHeaders: string[];
  responseHeaders: string[];
  requestBytes: number;
  responseBytes: number;
}

export interface FrameView {
  /** Position in this session's frame log (0-based, increasing; older frames may be dropped). */
  seq: number;
  time: number;
  from: 'client' | 'upstream';
  /** text or binary (a whole message), ping, pong, close, or violation (the tap saw a protocol error). */
  opcode: string;
  fin: boolean;
  length: number;
  /** The start of the payload: text for text messages, hex for binary, the reason for close. */
  preview: string;
  /** Close frames: the status code, when present. */
  closeCode: number | null;
}

export interface ListenerView {
  key: string;
  host: string;
  port: number;
  state: 'listening' | 'failed';
  error: { code: string; message: string } | null;
}

export interface PeerView {
  server: string;
  host: string;
  port: number;
  backup: boolean;
  down: boolean;
  conns: number;
  fails: number;
  unavailableUntil: number | null;
}

export interface UpstreamStatusView {
  name: string;
  peers: PeerView[];
}

export interface LogView {
  seq: number;
  time: number;
  level: 'info' | 'warn' | 'error';
  code: string;
  message: string;
  exchangeId: number | null;
  sessionId: number | null;
}

/** The draft being edited and the config the engine runs. */
export interface ConfigState {
  /** The draft document as the user left it: may be invalid. */
  draft: unknown;
  /** Validation issues of the draft (the renderer also validates as the user types). */
  draftIssues: ConfigIssue[];
  /** The config the engine runs, or null before the first apply. */
  applied: unknown;
  appliedAt: number | null;
  /** The draft differs from the applied config. */
  dirty: boolean;
  /** There is an earlier applied config to go back to. */
  canUndo: boolean;
}
