// What the engine reports about traffic. Inspection (main/inspect) and the UI subscribe to these;
// the engine does no work for them beyond filling a record it keeps anyway. The record types live in
// app/engine/records.ts, shared with the UI.
import type { ExchangeRecord, SessionRecord } from '../../app/engine/records.ts';

export type { RouteInfo, ExchangeRecord, SessionState, SessionRecord } from '../../app/engine/records.ts';

export interface LogEntry {
  time: number;
  level: 'info' | 'warn' | 'error';
  code: string;
  message: string;
  exchangeId?: number;
  sessionId?: number;
}

/** The log code of an answer the proxy gave itself, HTTP or a refused handshake alike (an error
 * line, as nginx's error_log has one): a timeout, another upstream failure, or a refused request. */
export function ownAnswerCode(status: number): string {
  return status === 504 ? 'upstream_timeout' : status >= 500 ? 'upstream_error' : 'request_refused';
}

/** Sees each chunk relayed one way, right after it was forwarded (it must not keep or change it). */
export type ChunkObserver = (chunk: Buffer) => void;

/** An open WebSocket session's two sockets, and `observe` to see every chunk relayed each way (the
 * bytes read with the handshake included) without a listener of one's own on the sockets. */
export interface SessionSockets {
  client: import('node:net').Socket;
  upstream: import('node:net').Socket;
  /** Set (or with null, remove) the observers of client→upstream and upstream→client chunks. */
  observe(fromClient: ChunkObserver | null, fromUpstream: ChunkObserver | null): void;
}

/** The first bytes of an exchange's bodies (at most EngineHooks.bodyCap each; null: none read;
 * 'evicted': the budget had no room for them), as the client sent its request's and as the client
 * was sent the response's. The record's requestBytes and responseBytes are the whole bodies' sizes. */
export interface ExchangeBodies {
  request: Buffer | null | 'evicted';
  response: Buffer | null | 'evicted';
}

/** What body captures in progress count against (the recorder's total payload cap): room is
 * claimed as a capture grows, and given back when its exchange is logged. */
export interface CaptureBudget {
  /** Room for `size` more bytes: false when there is none. */
  claim(size: number): boolean;
  unclaim(size: number): void;
}

export interface EngineHooks {
  /** `bodies`: when bodyCap is over 0 and the exchange had a body. */
  exchange(record: ExchangeRecord, bodies?: ExchangeBodies): void;
  /** Bytes of each HTTP body kept for a recorder (Engine.captureBodies); 0: none, and nothing is copied. */
  bodyCap: number;
  /** What the captures count against while in progress (null: nothing). */
  bodyBudget: CaptureBudget | null;
  sessionOpen(session: SessionRecord, sockets: SessionSockets): void;
  sessionClose(session: SessionRecord): void;
  log(entry: Omit<LogEntry, 'time'>): void;
}
