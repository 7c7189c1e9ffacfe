// The upgrade pass. nginx upgrades when the upstream request carried `Upgrade` over HTTP/1.1 (the
// websocket switch) and the upstream answers 101; then every byte passes through unchanged.
//
// Why not http-proxy's ws(): on an upstream error it ends the client socket, so nginx's
// next-upstream retry is impossible; it relays a non-101 chunked answer without its chunking; and it
// attaches socket error listeners late (node-http-proxy#1468). Here the upstream socket is ours from
// the first byte, with its error listener attached before connect.
import { request, ServerResponse, STATUS_CODES, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { writeRawError } from './error-pages.ts';
import { proxyHttp } from './http-exchange.ts';
import type { Plan } from './plan.ts';
import { forwardsUpgrade as upstreamGetsUpgrade } from '../../app/proxy/headers.ts';
import type { Peer, PeerAttempt } from '../upstream/types.ts';
import type { EngineHooks, ExchangeRecord, SessionRecord } from './events.ts';
import { WsRelay, OPCODES, checkClose } from './ws-relay.ts';
import { failureKind, failureStatus, failureText, tooBigHeader, type FailureKind } from './upstream-failure.ts';
import { responseHeadFits } from '../../app/proxy/header-buffers.ts';

type ProxyPlan = Extract<Plan, { kind: 'proxy' }>;

/** Which peer an injected frame goes to. */
export type InjectTarget = 'client' | 'upstream';

export interface LiveSession {
  record: SessionRecord;
  client: Socket;
  upstream: Socket;
  /**
   * Send a message of the proxy's own to one peer, between two complete messages of that direction
   * (masked toward the upstream). Resolves once written; rejects if the session ends first, or
   * (InjectBusyError, code 'busy') when that direction stays inside a fragmented message for
   * `waitMs` (default INJECT_WAIT_MS): the frame is then not sent at all.
   */
  inject(to: InjectTarget, opcode: 'text' | 'binary', payload: Buffer, waitMs?: number): Promise<void>;
  /**
   * End the session from the proxy side (engine stop, user action). Without a code both sockets
   * are destroyed at once; with one, a Close frame (code, reason) goes to both peers first and the
   * sockets end once both echoed it (or after `CLOSE_GRACE_MS`). Resolves when both sockets closed.
   * Rejects (error.code 'invalid_close_code' | 'close_reason_too_long') when the frame is not valid.
   */
  close(reason: string, frame?: { code?: number; reason?: string }): Promise<void>;
}

/** How long the proxy waits for both peers to answer its Close frame before dropping them. */
export const CLOSE_GRACE_MS = 1000;

/** How long an injected message waits for a message boundary (the end of a fragmented message). */
export const INJECT_WAIT_MS = 5000;

/** nginx's send_timeout (an http-level setting Switchyard does not model: its default). */
export const CLIENT_SEND_TIMEOUT_MS = 60_000;

/** Bytes a client may send behind its upgrade request before the upstream answers (kept for the
 * upstream); past it the client is not read until then. */
export const EARLY_BYTES_LIMIT = 64 * 1024;

/** Whether nginx would forward the upgrade: an Upgrade header in the upstream request over HTTP/1.1. */
export function forwardsUpgrade(plan: ProxyPlan): boolean {
  return upstreamGetsUpgrade(plan.httpVersion, plan.headers);
}

/** nginx answers an upgrade request on a route without the websocket switch as plain HTTP. */
export function upgradeAsPlainHttp(plan: ProxyPlan, req: IncomingMessage, socket: Socket, record: ExchangeRecord, hooks: EngineHooks): void {
  hooks.log({ level: 'warn', code: 'upgrade_without_websocket', message: `upgrade requested on a route without WebSocket: ${req.url} matched ${plan.explain}; forwarded as plain HTTP without Upgrade (turn on the route's WebSocket switch)`, exchangeId: record.id });
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once('finish', () => {
    res.detachSocket(socket);
    socket.destroySoon();
  });
  proxyHttp(plan, req, res, record, hooks);
}

function rawHead(statusLine: string, raw: string[], skip?: Set<string>, extra: string[] = []): string {
  let out = `${statusLine}\r\n`;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (skip?.has(raw[i]!.toLowerCase())) continue;
    out += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  for (let i = 0; i + 1 < extra.length; i += 2) out += `${extra[i]}: ${extra[i + 1]}\r\n`;
  return `${out}\r\n`;
}

const NOT_RELAYED_ON_REJECT = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

export function proxyUpgrade(
  planArg: ProxyPlan,
  req: IncomingMessage,
  socket: Socket,
  headArg: Buffer,
  session: SessionRecord,
  hooks: EngineHooks,
  onLive: (live: LiveSession) => void,
): void {
  // What is only needed until the upstream answers; released once the session is open, since a
  // long-lived idle session should hold its two sockets and its record, not the request's plan.
  let plan: ProxyPlan | null = planArg;
  let head: Buffer | null = headArg;
  const { loc } = planArg;
  const conds = new Set<string>(loc.location.proxyNextUpstream);
  const maxTries = loc.location.proxyNextUpstreamTries;
  const attempt = loc.pool.group.attempt({ remoteAddr: planArg.ctx.remoteAddr, hashKey: planArg.hashKey });
  let tries = 0;
  /** Ends the try in progress (closes its upstream connection), once the client has gone. */
  let abortTry: (() => void) | null = null;

  // Until the upstream answers, the client is read: what it sends behind its request (frames sent
  // before the 101) is kept for the upstream, and its going away is noticed. nginx (with
  // proxy_ignore_client_abort off) then closes the upstream connection and logs 499; so does this.
  let waiting = true;
  let heldBack = false;
  const onEarlyData = (chunk: Buffer) => {
    head = head && head.length ? Buffer.concat([head, chunk]) : chunk;
    if (head.length > EARLY_BYTES_LIMIT) {
      heldBack = true;
      socket.pause();
    }
  };
  const onClientGone = () => {
    if (!waiting) return;
    stopWaiting();
    abortTry?.();
    plan = null;
    head = null;
    session.state = 'rejected';
    session.closedAt = Date.now();
    session.closedBy = 'client';
    session.closeReason = 'client closed the connection before the upstream answered';
    hooks.log({ level: 'info', code: 'client_closed', message: `${session.closeReason}${session.upstream ? `, upstream: ${session.upstream}` : ''}`, sessionId: session.id });
    socket.destroy();
    hooks.sessionClose(session);
  };
  const stopWaiting = () => {
    waiting = false;
    socket.off('data', onEarlyData);
    socket.off('end', onClientGone);
    socket.off('close', onClientGone);
  };
  socket.on('data', onEarlyData);
  socket.on('end', onClientGone);
  socket.on('close', onClientGone);
  socket.resume();

  const reject = (status: number, cause: string) => {
    stopWaiting();
    session.state = 'rejected';
    session.closeReason = cause;
    session.closedAt = Date.now();
    session.closedBy = 'proxy';
    hooks.log({ level: 'error', code: status === 504 ? 'upstream_timeout' : 'upstream_error', message: cause, sessionId: session.id });
    writeRawError(socket, status);
    hooks.sessionClose(session);
  };

  const retryOrFail = (peer: Peer, kind: FailureKind, cause: string) => {
    attempt.release(peer, true);
    const allowed = !conds.has('off') && conds.has(kind) && (maxTries === 0 || tries < maxTries) && attempt.triesLeft > 0;
    if (allowed && !socket.destroyed) tryNext();
    else reject(failureStatus(kind), cause);
  };

  const tryNext = (): void => {
    if (socket.destroyed || !plan) return;
    const current = plan;
    const peer = attempt.next();
    if (!peer) {
      reject(502, `no live upstreams while connecting to upstream "${loc.pool.name}"`);
      return;
    }
    tries++;
    const peerName = peer.host.includes(':') ? `[${peer.host}]:${peer.port}` : `${peer.host}:${peer.port}`;
    session.upstream = peerName;
    let settled = false;
    const up = connect({ host: peer.host, port: peer.port });
    up.setNoDelay(true);
    abortTry = () => {
      if (settled) return;
      settled = true;
      up.destroy();
      attempt.release(peer, false);
    };
    const fail = (err: Error, timedOut: boolean) => {
      if (settled) return;
      settled = true;
      const kind = failureKind(err, timedOut);
      const phase = up.connecting ? 'connecting to upstream' : 'reading response header from upstream';
      up.destroy();
      retryOrFail(peer, kind, `${failureText(kind, err)} while ${phase}, upstream: ${peerName}`);
    };
    const onError = (e: Error) => fail(e, false);
    const onTimeout = () => fail(new Error('timed out'), true);
    up.on('error', onError);
    up.on('timeout', onTimeout);
    up.setTimeout(loc.connectTimeoutMs);
    up.once('connect', () => {
      if (settled) return;
      up.setTimeout(loc.readTimeoutMs);
      const upReq = request({ createConnection: () => up, method: current.ctx.method, path: current.path, headers: current.headers.flat() as unknown as Record<string, string>, setHost: false });
      // the upstream closing before a complete response header ("socket hang up"), or a response
      // node cannot parse, is reported here only (`up` emits no error for either)
      upReq.on('error', (e) => fail(e, false));
      upReq.once('upgrade', (upRes: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
        if (!responseHeadFits(upRes.httpVersion, upRes.statusCode ?? 101, upRes.statusMessage ?? '', upRes.rawHeaders)) {
          fail(tooBigHeader(), false);
          return;
        }
        settled = true;
        // the session installs its own listeners (error listener first, so there is no gap)
        open(peer, upRes, upSocket as Socket, upHead);
        up.off('error', onError);
        up.off('timeout', onTimeout);
      });
      upReq.once('response', (upRes: IncomingMessage) => {
        if (!responseHeadFits(upRes.httpVersion, upRes.statusCode ?? 502, upRes.statusMessage ?? '', upRes.rawHeaders)) {
          fail(tooBigHeader(), false);
          return;
        }
        settled = true;
        relayRejection(peer, upRes, up);
      });
      upReq.end();
    });
  };

  const relayRejection = (peer: Peer, upRes: IncomingMessage, up: Socket) => {
    stopWaiting();
    up.setTimeout(loc.readTimeoutMs, () => up.destroy());
    socket.once('close', () => up.destroy());
    const status = upRes.statusCode ?? 502;
    session.state = 'rejected';
    session.responseHeaders = upRes.rawHeaders;
    // The body is relayed de-chunked and close-delimited, so framing headers are not copied.
    socket.write(rawHead(`HTTP/1.1 ${status} ${upRes.statusMessage || STATUS_CODES[status] || ''}`, upRes.rawHeaders, NOT_RELAYED_ON_REJECT, ['Connection', 'close']));
    upRes.pipe(socket);
    const done = () => {
      attempt.release(peer, false);
      session.closedAt = Date.now();
      session.closedBy = 'upstream';
      session.closeReason = `upstream answered ${status} instead of 101`;
      hooks.sessionClose(session);
    };
    upRes.once('end', done);
    upRes.once('error', () => socket.destroy());
    upRes.once('aborted', () => socket.destroy());
  };

  const open = (peer: Peer, upRes: IncomingMessage, up: Socket, upHead: Buffer) => {
    stopWaiting();
    // (the relays take the socket over in this same tick, before any more is read)
    if (heldBack) socket.resume();
    const headBytes = head;
    plan = null;
    head = null;
    runSession({
      socket, up, upRes, upHead, head: headBytes, session, hooks, attempt, peer, onLive,
      readTimeoutMs: loc.readTimeoutMs, readTimeoutText: loc.location.proxyReadTimeout, sendTimeoutMs: loc.sendTimeoutMs, sendTimeoutText: loc.location.proxySendTimeout,
    });
  };

  tryNext();
}

interface SessionStart {
  socket: Socket;
  up: Socket;
  upRes: IncomingMessage;
  upHead: Buffer;
  /** Bytes the client sent after its request head, read with it. */
  head: Buffer | null;
  session: SessionRecord;
  hooks: EngineHooks;
  attempt: PeerAttempt;
  peer: Peer;
  readTimeoutMs: number;
  /** proxy_read_timeout as configured, for the close reason. */
  readTimeoutText: string;
  /** proxy_send_timeout, and as configured. */
  sendTimeoutMs: number;
  sendTimeoutText: string;
  onLive: (live: LiveSession) => void;
}

/**
 * The open session: 101 to the client, both relays, the frame tap hook, inject/close. A function of
 * its own, so that what it keeps for the session's lifetime (its listeners and their scope) does not
 * hold the handshake's state too (plan, retry closures, request head).
 */
function runSession(a: SessionStart): void {
  // (closures below must not use `a`: it holds the upstream's response object)
  const { socket, up, upRes, session, hooks, attempt, peer, onLive, readTimeoutText } = a;
  socket.write(rawHead(`HTTP/1.1 101 ${upRes.statusMessage || 'Switching Protocols'}`, upRes.rawHeaders));
  session.state = 'open';
  session.responseHeaders = upRes.rawHeaders;
  session.subprotocol = (upRes.headers['sec-websocket-protocol'] as string | undefined) ?? null;
  session.extensions = (upRes.headers['sec-websocket-extensions'] as string | undefined) ?? null;
  session.openedAt = Date.now();

  let ended = false;
  let markClosed!: () => void;
  const closed = new Promise<void>((r) => (markClosed = r));
  const endSession = (by: 'client' | 'upstream' | 'proxy', reason: string) => {
    if (!session.closedBy) {
      session.closedBy = by;
      session.closeReason = reason;
    }
    if (ended) return;
    ended = true;
    attempt.release(peer, false);
  };
  const finalize = () => {
    if (!socket.destroyed || !up.destroyed || session.state === 'closed') return;
    session.state = 'closed';
    session.closedAt = Date.now();
    session.bytesFromClient = socket.bytesRead;
    session.bytesFromUpstream = up.bytesRead;
    hooks.sessionClose(session);
    markClosed();
  };
  // Idle for proxy_read_timeout in both directions ends the session (writes to `up` count as
  // activity, as nginx re-arms the upstream read timer on every event of the upgraded pair).
  up.on('timeout', () => {
    endSession('proxy', `proxy_read_timeout (${readTimeoutText}) expired with no traffic`);
    socket.destroy();
    up.destroy();
  });
  up.setTimeout(a.readTimeoutMs);
  socket.setTimeout(0);
  socket.on('end', () => endSession('client', 'client closed the connection'));
  up.on('end', () => endSession('upstream', 'upstream closed the connection'));
  socket.on('error', (e) => endSession('client', `client socket error: ${e.message}`));
  up.on('error', (e) => endSession('upstream', `upstream socket error: ${e.message}`));
  socket.on('close', () => {
    endSession('client', 'client connection closed');
    up.destroySoon();
    finalize();
  });
  up.on('close', () => {
    endSession('upstream', 'upstream connection closed');
    socket.destroySoon();
    finalize();
  });
  // client→upstream frames are masked (RFC 6455 §5.3), upstream→client ones are not
  const toUpstream = new WsRelay(socket, up, true);
  const toClient = new WsRelay(up, socket, false);
  // a peer that stops reading ends the session after nginx's send timeout, whatever the read timeout
  const sendTimedOut = (who: 'upstream' | 'client', setting: string) => () => {
    endSession('proxy', `${who} took no data for ${setting}: it stopped reading`);
    socket.destroy();
    up.destroy();
  };
  toUpstream.sendTimeoutMs = a.sendTimeoutMs;
  toUpstream.onSendTimeout = sendTimedOut('upstream', `proxy_send_timeout (${a.sendTimeoutText})`);
  toClient.sendTimeoutMs = CLIENT_SEND_TIMEOUT_MS;
  toClient.onSendTimeout = sendTimedOut('client', 'send_timeout (60s)');
  // while the client takes nothing, what the upstream sent waits unread: nginx stops the upstream's
  // read timer then (only send_timeout runs), and so does this
  const readTimeoutMs = a.readTimeoutMs;
  toClient.onStall = (stalled) => {
    if (!up.destroyed) up.setTimeout(stalled ? 0 : readTimeoutMs);
  };
  let closing = false;
  socket.once('close', () => toUpstream.stop());
  up.once('close', () => toClient.stop());
  // before the bytes read with the handshake go through, so that an observer sees them too
  hooks.sessionOpen(session, {
    client: socket,
    upstream: up,
    observe(fromClient, fromUpstream) {
      toUpstream.observer = fromClient;
      toClient.observer = fromUpstream;
    },
  });
  if (a.upHead.length) toClient.push(a.upHead);
  if (a.head && a.head.length) toUpstream.push(a.head);
  onLive({
    record: session,
    client: socket,
    upstream: up,
    inject(to, opcode, payload, waitMs = INJECT_WAIT_MS) {
      if (closing) return Promise.reject(new Error('the session is closing'));
      return (to === 'client' ? toClient : toUpstream).inject(OPCODES[opcode], payload, { waitMs });
    },
    close(reason, frame) {
      if (frame?.code === undefined) {
        endSession('proxy', reason);
        socket.destroy();
        up.destroy();
        return closed;
      }
      const check = checkClose(frame.code, frame.reason);
      if (!check.ok) return Promise.reject(Object.assign(new Error(check.message), { code: check.code }));
      if (closing || socket.destroyed || up.destroyed) return closed;
      closing = true;
      endSession('proxy', reason);
      const drop = () => {
        socket.destroy();
        up.destroy();
      };
      const grace = setTimeout(drop, CLOSE_GRACE_MS);
      grace.unref();
      let echoes = 0;
      const echoed = () => {
        if (++echoes < 2) return;
        socket.end();
        up.end();
      };
      toClient.onPeerClose = echoed;
      toUpstream.onPeerClose = echoed;
      void toClient.inject(OPCODES.close, check.payload, { close: true }).catch(drop);
      void toUpstream.inject(OPCODES.close, check.payload, { close: true }).catch(drop);
      return closed.finally(() => clearTimeout(grace));
    },
  });
}
