// Engine records → the contract's views: copies, so later mutation by the engine (a session's
// state, bytes) never changes what was already sent, and nothing non-JSON leaks out.
import type { ExchangeRecord, LogEntry, RouteInfo, SessionRecord } from '../engine/events.ts';
import type { ListenerStatus } from '../engine/listeners.ts';
import type { ExchangeView, ListenerView, LogView, RouteView, SessionView, UpstreamStatusView, PeerView } from '../../app/api/contract.ts';
import type { PeerStatus } from '../upstream/types.ts';

function route(r: RouteInfo): RouteView {
  return { server: r.server, location: r.location, name: r.name, where: r.where, explain: r.explain };
}

export function sessionView(s: SessionRecord, live?: { clientBytes: number; upstreamBytes: number }, framesAvailable = false): SessionView {
  return {
    id: s.id, url: s.url, clientAddress: s.clientAddress, route: route(s.route), upstream: s.upstream, upstreamPath: s.upstreamPath,
    tries: s.tries.map((t) => ({ upstream: t.upstream, outcome: t.outcome })), requestHeaders: [...s.requestHeaders], responseHeaders: [...s.responseHeaders], subprotocol: s.subprotocol, extensions: s.extensions,
    state: s.state, status: s.status, openedAt: s.openedAt, closedAt: s.closedAt, closedBy: s.closedBy, closeReason: s.closeReason, closeFrame: s.closeFrame ? { ...s.closeFrame } : null,
    bytesFromClient: live && s.state !== 'closed' ? live.clientBytes : s.bytesFromClient,
    bytesFromUpstream: live && s.state !== 'closed' ? live.upstreamBytes : s.bytesFromUpstream,
    framesFromClient: s.framesFromClient, framesFromUpstream: s.framesFromUpstream,
    framesAvailable,
  };
}

export function exchangeView(r: ExchangeRecord): ExchangeView {
  return {
    id: r.id, method: r.method, url: r.url, ...(r.httpVersion !== undefined ? { httpVersion: r.httpVersion } : {}), clientAddress: r.clientAddress, route: r.route ? route(r.route) : null,
    upstream: r.upstream, upstreamPath: r.upstreamPath, status: r.status, cause: r.cause ?? null, note: r.note ?? null,
    tries: r.tries.map((t) => ({ upstream: t.upstream, outcome: t.outcome })), startedAt: r.startedAt, timings: { ...r.timings },
    requestHeaders: [...r.requestHeaders], responseHeaders: [...r.responseHeaders], requestBytes: r.requestBytes, responseBytes: r.responseBytes,
  };
}

export function listenerView(l: ListenerStatus): ListenerView {
  return { key: l.key, host: l.host, port: l.port, state: l.state, error: l.error ? { ...l.error } : null };
}

function peerView(p: PeerStatus): PeerView {
  return { server: p.server, host: p.host, port: p.port, backup: p.backup, down: p.down, conns: p.conns, fails: p.fails, unavailableUntil: p.unavailableUntil };
}

export function upstreamViews(list: Array<{ name: string; peers: PeerStatus[] }>): UpstreamStatusView[] {
  return list.map((u) => ({ name: u.name, peers: u.peers.map(peerView) }));
}

export function logView(e: LogEntry, seq: number): LogView {
  return { seq, time: e.time, level: e.level, code: e.code, message: e.message, exchangeId: e.exchangeId ?? null, sessionId: e.sessionId ?? null };
}
