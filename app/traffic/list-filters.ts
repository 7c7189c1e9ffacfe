// Filters of the Sessions list and the HTTP log: what the toolbar's controls mean. The route label
// comes from the caller (it needs the applied config), so these stay pure.
import type { ExchangeView, RouteView, SessionView } from '../api/views.ts';

export type SessionStateFilter = 'all' | 'live' | 'closed';

export interface SessionFilterSpec {
  state: SessionStateFilter;
  /** Case-insensitive substring of the URL, route, client, upstream, state or id. */
  text: string;
}

export const isLiveSession = (s: Pick<SessionView, 'state'>): boolean => s.state === 'open' || s.state === 'connecting';

/** Matching sessions, newest first. */
export function filterSessions(list: readonly SessionView[], spec: SessionFilterSpec, routeLabel: (r: RouteView) => string): SessionView[] {
  const q = spec.text.trim().toLowerCase();
  const out: SessionView[] = [];
  for (let i = list.length - 1; i >= 0; i--) {
    const s = list[i]!;
    if (spec.state !== 'all' && (spec.state === 'live') !== isLiveSession(s)) continue;
    if (q && ![s.url, routeLabel(s.route), s.clientAddress, s.upstream ?? '', s.upstreamPath, s.state, `#${s.id}`].some((f) => f.toLowerCase().includes(q))) continue;
    out.push(s);
  }
  return out;
}

export const STATUS_CLASSES = ['all', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

export interface ExchangeFilterSpec {
  /** 'all' or one method (exact, upper case as sent). */
  method: string;
  status: StatusClass;
  /** Case-insensitive substring of the URL, method, status, route, upstream, client or cause. */
  text: string;
}

export function statusClassOf(status: number): StatusClass | null {
  const c = Math.floor(status / 100);
  return c >= 1 && c <= 5 ? (`${c}xx` as StatusClass) : null;
}

/** Matching exchanges, newest first. */
export function filterExchanges(list: readonly ExchangeView[], spec: ExchangeFilterSpec, routeLabel: (r: RouteView | null) => string): ExchangeView[] {
  const q = spec.text.trim().toLowerCase();
  const out: ExchangeView[] = [];
  for (let i = list.length - 1; i >= 0; i--) {
    const e = list[i]!;
    if (spec.method !== 'all' && e.method !== spec.method) continue;
    if (spec.status !== 'all' && statusClassOf(e.status) !== spec.status) continue;
    if (q && ![e.url, e.method, String(e.status), routeLabel(e.route), e.upstream ?? '', e.clientAddress, e.cause ?? ''].some((f) => f.toLowerCase().includes(q))) continue;
    out.push(e);
  }
  return out;
}

/** The methods present in the log, common ones first (for the method filter). */
export function methodsOf(list: readonly ExchangeView[]): string[] {
  const order = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
  const seen = new Set(list.map((e) => e.method));
  return [...order.filter((m) => seen.has(m)), ...[...seen].filter((m) => !order.includes(m)).sort()];
}

export interface TimingBar {
  /** Segments of the total, in percent: connecting, waiting for the first byte, receiving the rest. */
  connect: number;
  wait: number;
  receive: number;
}

/** The exchange's timings as parts of its total (for a small waterfall); null without a total.
 * `triedUpstream`: the request went to an upstream (it has tries); with no connect time then, no
 * try connected (refused, unreachable, connect timeout), so its time went on connecting. */
export function timingBar(t: ExchangeView['timings'], opts: { triedUpstream?: boolean } = {}): TimingBar | null {
  const total = t.totalMs;
  if (total === undefined || total <= 0) return null;
  const connect = Math.min(total, Math.max(0, t.connectMs ?? (opts.triedUpstream ? total : 0)));
  const first = Math.min(total, Math.max(connect, t.firstByteMs ?? total));
  const pct = (x: number) => Math.round((x / total) * 1000) / 10;
  return { connect: pct(connect), wait: pct(first - connect), receive: pct(total - first) };
}
