// What the UI sees of the engine: plain JSON-safe data, copies of the engine's records. The
// service (main/service) fills these; the renderer only reads them.
import type { ConfigIssue } from '../config/issues.ts';
import type { ExchangeRecord, PeerStatus, RouteInfo, SessionRecord, SessionState } from '../engine/records.ts';

/** Why a request went where it went (nginx's selection rules). */
export type RouteView = RouteInfo;
export type { SessionState };

export interface SessionView extends SessionRecord {
  /** Whether frames are recorded for this session (needs the frame tap, main/inspect). */
  framesAvailable: boolean;
  /** Frames Switchyard sent itself (injected, replayed, its Close frames), when any. */
  framesInjected?: number;
  /** The first protocol violation the frame tap saw in this session: who sent it and what it was
   * ("client: CODE: message"); absent when none (or frames are not recorded). */
  violation?: string;
}

export interface ExchangeView extends Omit<ExchangeRecord, 'cause' | 'note'> {
  cause: string | null;
  note: string | null;
  /** Its bodies' first bytes were kept (fetch them with `exchangeBody`; an imported file's come in
   * ImportedHar.bodies). */
  bodies?: true;
}

export interface FrameView {
  /** Position in this session's frame log (0-based, increasing; older frames may be dropped). */
  seq: number;
  time: number;
  from: 'client' | 'upstream';
  /** text or binary (a whole message), ping, pong, close, or violation (the tap saw a protocol error). */
  opcode: string;
  /** False for a text or binary message the connection ended inside (the proxy's close, or a peer
   * that hung up mid-message): the row has what came of it, its fragments already passed on. */
  fin: boolean;
  /** Payload bytes; for a compressed message the inflated message's (the wire's when it could not
   * be inflated). */
  length: number;
  /** Compressed messages (permessage-deflate) only: the payload's length on the wire. */
  wireLength?: number;
  /** Compressed messages that could not be inflated, or not fully: why ("CODE: message"). The
   * relayed bytes are unaffected; `preview` then shows what was inflated, if anything. */
  decodeError?: string;
  /** Messages with RSV bits of a negotiated extension Switchyard does not know (RFC 6455 §5.2): its
   * name ("x-foo"; several comma-separated). The payload is that extension's encoding, kept and
   * shown as the raw bytes (`preview` in hex, also for a text message), not decoded. */
  encodedBy?: string;
  /** The start of the payload: text for text messages, hex for binary, the reason for close. */
  preview: string;
  /** Ping and pong frames whose payload is not valid UTF-8: `preview` is the hex of all its bytes
   * ("00 ff fe 80"; a control payload is at most 125 bytes), as a binary message's, since as text
   * it would lose them. Absent when the preview is text. */
  previewHex?: true;
  /** Text messages (and pings, pongs) whose payload is not valid UTF-8: the byte offset of the first
   * invalid sequence (a preview as text shows U+FFFD there). Absent when valid or not checked. */
  utf8ErrorOffset?: number;
  /** Close frames: the status code, when present. */
  closeCode: number | null;
  /** Sent by Switchyard itself (injectMessage, replayFrame): not read from either peer. */
  injected?: boolean;
  /** Read from a peer after Switchyard sent the other peer its Close (closeSession): not passed on
   * (nothing may follow a Close frame). The peers' answers to Switchyard's Close are such frames. */
  notForwarded?: boolean;
  /** Messages: whether the whole payload is kept (replayable), was cut at the per-message cap,
   * or was evicted to stay under the total cap. Absent when no payload was captured. */
  payload?: 'kept' | 'truncated' | 'evicted';
}

/** One frame's payload as kept for replay and export (the `framePayload` request). */
export interface FramePayload {
  /** 'text' for text messages (the UTF-8 text), 'base64' for binary ones, and for a text message
   * that is not valid UTF-8 when its exact bytes are known (an imported file's `_switchyard.bytesBase64`). */
  encoding: 'text' | 'base64';
  /** The kept bytes; '' when the payload was evicted. */
  data: string;
  /** Bytes kept (the frame's `length` is the whole payload). */
  bytes: number;
  /** Only the first `bytes` are kept (the message is longer than the per-message cap; not known once evicted). */
  truncated: boolean;
  /** Evicted to stay under the total payload cap: only the row's preview is left. */
  evicted: boolean;
  /** (imported files) Evicted by the HAR export, which left it out to keep the file within what
   * the import reads. */
  omitted?: true;
}

/** One HTTP body's kept start (the `exchangeBody` request; an imported HAR file's comes with the
 * file): text when its bytes are UTF-8, else base64; `bytes` kept of `total`. */
export interface ExchangeBody extends FramePayload {
  /** The whole body's size in bytes. */
  total: number;
  /** The body's Content-Type, when it has one. */
  contentType?: string;
  /** The body's Content-Encoding when not identity ("gzip", "deflate", "br", …). */
  contentEncoding?: string;
  /** The body decoded from its content encoding, for display: only when the kept bytes are the
   * whole body, and within 8 MiB. */
  decoded?: Pick<FramePayload, 'encoding' | 'data' | 'bytes'>;
  /** Why the content encoding was not decoded (a cut body, an unknown coding, corrupt data, too large). */
  decodeError?: string;
}

/** Service settings the UI can change. */
export interface ServiceSettings {
  /** Header names (case-insensitive) whose values are replaced by "[redacted]" in views and exports. */
  redactHeaders: string[];
  /** Query parameter names (case-insensitive, compared percent-decoded) whose values are replaced by
   * "[redacted]" wherever a URL shows in views and exports: the request's URL, the path sent
   * upstream, Referer and Location values, and notes and log lines that quote a URL. */
  redactQuery: string[];
  /** Turn redaction off entirely. */
  redact: boolean;
  /** Payload bytes kept per message for viewing, replay and export (longer ones are kept cut and
   * marked truncated); a message keeps at most the cap in force when it started, in every session. */
  payloadPerMessage: number;
  /** Payload bytes kept in all: past it the oldest payloads are evicted (their rows stay, marked). */
  payloadTotal: number;
  /** Frames kept per session (older rows are dropped; the counts stay exact). */
  framesPerSession: number;
}

/** A HAR file read for viewing: its WebSocket entries as sessions with frames, the rest as exchanges. */
export interface ImportedHar {
  creator: string;
  sessions: ImportedSession[];
  exchanges: ExchangeView[];
  /** The exchanges' bodies as the file has them, by exchange `id` (only those it has). */
  bodies: Record<number, { request?: ExchangeBody; response?: ExchangeBody }>;
}

/** One WebSocket entry of an imported HAR file. */
export interface ImportedSession {
  session: SessionView;
  frames: FrameView[];
  /** The messages' payloads as the file has them, by frame `seq` (text and binary messages only;
   * the frame rows carry just a preview). An evicted payload has none (`evicted`, data ''). */
  payloads: Record<number, FramePayload>;
}

export interface ListenerView {
  key: string;
  host: string;
  port: number;
  state: 'listening' | 'failed';
  error: { code: string; message: string } | null;
}

export type PeerView = PeerStatus;

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
  /** Grows with every change of the draft or of the applied config: a state with a smaller one than
   * a state already received (of the same `instance`) is older than it. */
  revision: number;
  /** This service's run: revisions of another run are not comparable. */
  instance: string;
  /** The file this UI was started with (`switchyard ui --config FILE`), which it reads and never
   * writes: Apply runs a config without saving it. Absent where applies are saved (a workspace). */
  readOnlyFile?: string;
}
