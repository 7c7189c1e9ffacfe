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

export interface EngineHooks {
  exchange(record: ExchangeRecord): void;
  sessionOpen(session: SessionRecord, sockets: { client: import('node:net').Socket; upstream: import('node:net').Socket }): void;
  sessionClose(session: SessionRecord): void;
  log(entry: Omit<LogEntry, 'time'>): void;
}
