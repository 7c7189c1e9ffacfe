// The upgrade pass. nginx upgrades when the upstream request carried `Upgrade` over HTTP/1.1 (the
// websocket switch) and the upstream answers 101; then every byte passes through unchanged.
//
// Why not http-proxy's ws(): on an upstream error it ends the client socket, so nginx's
// next-upstream retry is impossible; it relays a non-101 chunked answer without its chunking; and it
// attaches socket error listeners late (node-http-proxy#1468). Here the upstream socket is ours from
// the first byte, with its error listener attached before connect. Once the upstream answered 101,
// the open session is ws-session.ts's.
import { request, ServerResponse, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { clientBodyTimeout } from './client-timeouts.ts';
import { proxyHttp } from './http-exchange.ts';
import { expectsContinue, announcesTooLarge, tooLargeCause } from './request-body.ts';
import { headWithBody, keptByNginx, sentHeaders, storeNginxHead, writeUpstreamHead } from './stored-head.ts';
import { bodyFraming, readUpgradeBody } from './upgrade-body.ts';
import { bytesFromClient, EARLY_BYTES_LIMIT, holdIncoming, upgradeError, upgradeResponse } from './upgrade-answer.ts';
import { passedHeaders } from './redirects.ts';
import { afterBody, type Plan } from './plan.ts';
import { forwardsUpgrade as upstreamGetsUpgrade } from '../../app/proxy/headers.ts';
import type { Peer } from '../upstream/types.ts';
import { ownAnswerCode, type EngineHooks, type ExchangeRecord, type SessionRecord } from './events.ts';
import { runSession, type LiveSession } from './ws-session.ts';
import { failureKind, failureStatus, failureText, nextUpstreamAllows, dropUpstream, statusCondition, statusFails, tooBigHeader, unsendable, type FailureKind } from './upstream-failure.ts';
import { responseHeadFits } from '../../app/proxy/header-buffers.ts';
import { watchStatusLine, type StatusLineWatch } from './status-line.ts';

type ProxyPlan = Extract<Plan, { kind: 'proxy' }>;

/** Whether nginx would forward the upgrade: an Upgrade header in the upstream request. */
export function forwardsUpgrade(plan: ProxyPlan): boolean {
  return upstreamGetsUpgrade(plan.headers);
}

/** nginx answers an upgrade request on a route without the websocket switch as plain HTTP. */
export function upgradeAsPlainHttp(plan: ProxyPlan, req: IncomingMessage, socket: Socket, head: Buffer, record: ExchangeRecord, hooks: EngineHooks): void {
  // (a route with the switch passes $http_upgrade, which is the first Upgrade line: an empty one
  // sends none, in nginx too)
  const message = plan.loc.location.websocket
    ? `upgrade requested with an empty first Upgrade header: ${req.url} matched ${plan.explain}; $http_upgrade is that empty line, so no Upgrade goes upstream and the request is forwarded as plain HTTP, as nginx does`
    : `upgrade requested on a route without WebSocket: ${req.url} matched ${plan.explain}; forwarded as plain HTTP without Upgrade (turn on the route's WebSocket switch)`;
  hooks.log({ level: 'warn', code: plan.loc.location.websocket ? 'upgrade_header_empty' : 'upgrade_without_websocket', message, exchangeId: record.id });
  record.note = message;
  const res = upgradeResponse(req, socket, true);
  // node has left any body on the socket (the request was an upgrade to it): read it as nginx would;
  // what follows it is the connection's next request
  const bodyRead = readUpgradeBody(req, socket, head, plan.loc.maxBodyBytes);
  void bodyRead.then((read) => {
    if ('body' in read) holdIncoming(socket, read.body ? read.rest ?? null : head);
  });
  proxyHttp(plan, req, res, record, hooks, bodyRead);
}

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
  const conds = loc.nextUpstream;
  const maxTries = loc.location.proxyNextUpstreamTries;
  let attempt = loc.pool.group.attempt({ remoteAddr: planArg.ctx.remoteAddr, hashKey: planArg.hashKey });
  let tries = 0;
  /** Ends the try in progress (closes its upstream connection), once the client has gone. */
  let abortTry: (() => void) | null = null;

  // Until the upstream answers, the client is read: what it sends behind its request (frames sent
  // before the 101) is kept for the upstream, and its going away is noticed. nginx (with
  // proxy_ignore_client_abort off) then closes the upstream connection and logs 499; so does this.
  let waiting = true;
  let heldBack = false;
  /** The request body (rare on an upgrade: an h2c POST, say), read whole first as nginx does. */
  let body: Buffer | null = null;
  const holdBackPastLimit = () => {
    if (!head || head.length <= EARLY_BYTES_LIMIT) return;
    heldBack = true;
    socket.pause();
  };
  const onEarlyData = (chunk: Buffer) => {
    head = head && head.length ? Buffer.concat([head, chunk]) : chunk;
    holdBackPastLimit();
  };
  const onClientGone = () => clientGone('client closed the connection before the upstream answered');
  const clientGone = (reason: string) => {
    if (!waiting) return;
    stopWaiting();
    abortTry?.();
    plan = null;
    head = null;
    session.state = 'rejected';
    session.closedAt = Date.now();
    session.closedBy = 'client';
    session.closeReason = reason;
    session.bytesFromClient = bytesFromClient(socket);
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
  /** No session: what the client sent behind its request, and sends until the answer is out, is
   * its connection's next request (upgrade-answer.ts). */
  const stopWaitingForGood = () => {
    stopWaiting();
    holdIncoming(socket, head);
    head = null;
  };
  /** Wait for the upstream's answer, reading the client meanwhile, and make the first try. */
  const begin = () => {
    // (a FIN read before this point, while the request waited its turn or its body was read)
    if (socket.readableEnded) return onClientGone();
    socket.on('data', onEarlyData);
    socket.on('end', onClientGone);
    socket.on('close', onClientGone);
    socket.resume();
    holdBackPastLimit();
    tryNext();
  };

  const reject = (status: number, cause: string, res?: ServerResponse) => {
    stopWaitingForGood();
    session.state = 'rejected';
    session.status = status;
    session.closeReason = cause;
    session.closedAt = Date.now();
    session.closedBy = 'proxy';
    session.bytesFromClient = bytesFromClient(socket);
    hooks.log({ level: 'error', code: ownAnswerCode(status), message: cause, sessionId: session.id });
    const sent = upgradeError(req, socket, status, {}, { res });
    if (sent) session.responseHeaders = sent.headers;
    hooks.sessionClose(session);
  };

  // (a new array of the exact size each time: a live session's one try holds no spare capacity)
  const noteTry = (peer: Peer, outcome: string) => (session.tries = [...session.tries, { upstream: peer.address, outcome }]);
  const method = planArg.ctx.method;
  const retries = (condition: string, sent: boolean) => nextUpstreamAllows(conds, condition, sent, method, tries, maxTries);

  const retryOrFail = (peer: Peer, kind: FailureKind, sent: boolean, cause: string, cached = false) => {
    attempt.release(peer, true);
    noteTry(peer, cause);
    if (cached && kind === 'error') {
      // nginx: an error on a cached keepalive connection does not use up a try (u->peer.tries++),
      // so a handshake that met a connection the upstream had just closed goes again
      attempt.refundTry();
      tries--;
    }
    if (retries(kind, sent) && attempt.triesLeft > 0 && !socket.destroyed) tryNext();
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
    session.upstream = peer.address;
    let settled = false;
    let connected = false;
    let statusWatch: StatusLineWatch | null = null;
    // proxy_read_timeout for the answer's head: one deadline from the request's end, not restarted
    // by the head's bytes (see onRequestSent in http-proxy-adapter.ts)
    let headTimer: NodeJS.Timeout | null = null;
    const settle = () => {
      settled = true;
      if (headTimer) clearTimeout(headTimer);
    };
    // nginx's keepalive module: a connection to this peer idle in the group's cache carries the
    // handshake (and is the session's from then on); a new one only when there is none
    const cached = loc.pool.keepalive?.takeIdle(peer.host, peer.port) ?? null;
    const up = cached ?? connect({ host: peer.host, port: peer.port });
    // (what the connection read before: the session counts its own bytes)
    const readBefore = up.bytesRead;
    up.setNoDelay(true);
    abortTry = () => {
      if (settled) return;
      settle();
      statusWatch?.stop();
      up.destroy();
      attempt.release(peer, false);
    };
    const fail = (err: Error, timedOut: boolean) => {
      if (settled) return;
      settle();
      statusWatch?.stop();
      const kind = failureKind(err, timedOut);
      // (not up.connecting: node clears it before it reports a refused connection)
      const phase = connected ? 'reading response header from upstream' : 'connecting to upstream';
      session.bytesFromUpstream = up.bytesRead - readBefore; // (the last try's: the record names its upstream)
      up.destroy();
      retryOrFail(peer, kind, connected, `${failureText(kind, err)} while ${phase}, upstream: ${peer.address}`, cached !== null);
    };
    const onError = (e: Error) => fail(e, false);
    const onTimeout = () => fail(new Error('timed out'), true);
    up.on('error', onError);
    up.on('timeout', onTimeout);
    const onConnected = () => {
      if (settled) return;
      connected = true;
      up.setTimeout(loc.readTimeoutMs);
      // (attached before the HTTP client's parser, so it sees the answer's first bytes too)
      const watch = (statusWatch = watchStatusLine(up));
      // (the request line is stored below as it is: a path node would refuse, a decoded capture's
      // space from a proxy_pass with variables, goes as nginx sends it)
      const upReq = request({ createConnection: () => up, method: current.ctx.method, path: '/', setHost: false });
      upReq.path = current.path;
      // the upstream closing before a complete response header ("socket hang up"), or a response
      // node cannot parse, is reported here only (`up` emits no error for either)
      upReq.on('error', (e) => fail(e, false));
      if (!storeNginxHead(upReq, `${current.ctx.method} ${current.path} HTTP/${current.httpVersion}\r\n`, headWithBody(current.headers, body))) return;
      upReq.once('upgrade', (upRes: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
        if (!responseHeadFits(upRes)) {
          dropUpstream(up, up.bytesRead - readBefore);
          fail(tooBigHeader(), false);
          return;
        }
        settle();
        const statusText = watch.take(upRes);
        // the session installs its own listeners (error listener first, so there is no gap)
        open(peer, upRes, upSocket as Socket, upHead, statusText, current, readBefore);
        up.off('error', onError);
        up.off('timeout', onTimeout);
      });
      upReq.once('response', (upRes: IncomingMessage) => {
        if (!responseHeadFits(upRes)) {
          dropUpstream(up, up.bytesRead - readBefore);
          fail(tooBigHeader(), false);
          return;
        }
        settle();
        const status = upRes.statusCode ?? 502;
        const statusText = watch.take(upRes);
        // an answer whose status proxy_next_upstream lists (http_503…) goes to the next peer, as
        // nginx's test_next does for any request, unless this is the last try
        const condition = statusCondition(status);
        // (the connection may go back to the group's keepalive cache once the answer is read, a 101's never)
        const pool = loc.pool.keepalive && status !== 101 && upReq.shouldKeepAlive ? loc.pool.keepalive : null;
        const keep = pool && (() => {
          up.off('error', onError);
          up.off('timeout', onTimeout);
          pool.adopt(up, peer.host, peer.port);
        });
        if (condition && retries(condition, true) && attempt.triesLeft > 1) {
          noteTry(peer, `status ${status}`);
          attempt.release(peer, statusFails(condition));
          // nginx releases the peer of a retried 403 or 404 as "next", not failed, and keeps its
          // connection when the answer has no body (as abandonResponse, http-proxy-adapter.ts):
          // back in the cache after node's ticks for the answer's end, before the next try
          if (keep && (status === 403 || status === 404) && keptByNginx(upRes, method)) {
            keep();
            upRes.resume();
            setImmediate(tryNext);
            return;
          }
          // (reset when more of the answer came than nginx reads of it, as on the HTTP path)
          dropUpstream(up, up.bytesRead - readBefore);
          tryNext();
          return;
        }
        relayRejection(peer, upRes, up, current, statusText, readBefore, keep);
      });
      upReq.once('finish', () => {
        if (!settled) headTimer = setTimeout(onTimeout, loc.readTimeoutMs);
      });
      if (body) upReq.end(body);
      else upReq.end();
    };
    if (cached) onConnected();
    else {
      up.setTimeout(loc.connectTimeoutMs);
      up.once('connect', onConnected);
    }
  };

  /** A non-101 answer; `statusText` is its status line from the code on, as the upstream wrote it.
   * It goes to the client as any answer (framed for the client: its Content-Length, else chunked),
   * and the connection goes on as after any (upgrade-answer.ts). */
  const relayRejection = (peer: Peer, upRes: IncomingMessage, up: Socket, current: ProxyPlan, statusText: string, readBefore: number, keep: (() => void) | null) => {
    stopWaitingForGood();
    const status = upRes.statusCode ?? 502;
    // (a 101 without the Upgrade pair switches no protocol here, and leaves none to go on with)
    const res = upgradeResponse(req, socket, status !== 101);
    try {
      writeUpstreamHead(req, res, status, upRes.statusMessage, passedHeaders(current, upRes.rawHeaders), statusText);
    } catch (err) {
      // what node's parser let through but writeHead refuses (a status under 100): the 502 the
      // HTTP path gives too, on the response begun
      const cause = `${unsendable(status, err as NodeJS.ErrnoException).message} while reading response header from upstream, upstream: ${peer.address}`;
      up.destroy();
      attempt.release(peer, false);
      noteTry(peer, cause);
      reject(502, cause, res);
      return;
    }
    const readTimeout = () => up.destroy();
    up.setTimeout(loc.readTimeoutMs, readTimeout);
    // a client that goes away ends the answer as nginx's broken-connection check does (one that
    // half-closes is closed at once: holdIncoming)
    const clientGone = () => up.destroy();
    socket.once('close', clientGone);
    noteTry(peer, `status ${status}`);
    session.state = 'rejected';
    session.status = status;
    session.responseHeaders = sentHeaders(res);
    upRes.pipe(res);
    let finished = false;
    const done = (cut: boolean) => {
      if (finished) return;
      finished = true;
      // the peer's connection ends here however the answer ends, as nginx frees the peer when it
      // finalizes the request: a count left behind would keep a max_conns peer full for good
      attempt.release(peer, false);
      session.closedAt = Date.now();
      session.closedBy = 'upstream';
      session.closeReason = `${status === 101 ? 'upstream answered 101 without Upgrade and Connection: upgrade' : `upstream answered ${status} instead of 101`}${cut ? ', cut short' : ''}`;
      session.bytesFromClient = bytesFromClient(socket);
      session.bytesFromUpstream = up.bytesRead - readBefore;
      hooks.sessionClose(session);
    };
    // the answer cut short: reset, read timeout, or the client gone (its close destroys `up`)
    const cutShort = () => done(true);
    upRes.once('end', () => {
      done(false);
      // (the client connection may serve a next request: its close is no longer this answer's)
      socket.off('close', clientGone);
      // nginx's keepalive module caches the connection of a refused handshake as of any request
      // whose answer was read whole and allows it (HTTP/1.1, no `Connection: close`: node's
      // shouldKeepAlive, which frees the connection in a moment); it is the agent's from now on.
      // Any other closes now, as nginx closes it (the client's connection may go on).
      if (!keep || up.destroyed) return void up.destroy();
      up.off('timeout', readTimeout);
      up.off('close', cutShort);
      keep();
    });
    upRes.once('error', () => socket.destroy());
    upRes.once('aborted', () => socket.destroy());
    up.once('close', cutShort);
  };

  const open = (peer: Peer, upRes: IncomingMessage, up: Socket, upHead: Buffer, statusText: string, current: ProxyPlan, upReadBefore: number) => {
    stopWaiting();
    noteTry(peer, 'status 101');
    // (the relays take the socket over in this same tick, before any more is read)
    if (heldBack) socket.resume();
    const headBytes = head;
    plan = null;
    head = null;
    runSession({
      // (proxy_redirect default applies to a 101's Location and Refresh too, as nginx's header handlers do)
      socket, up, upRes, upHead, upReadBefore, head: headBytes, statusText, headers: passedHeaders(current, upRes.rawHeaders), session, hooks, attempt, peer, onLive,
      readTimeoutMs: loc.readTimeoutMs, readTimeoutText: loc.location.proxyReadTimeout, sendTimeoutMs: loc.sendTimeoutMs, sendTimeoutText: loc.location.proxySendTimeout,
    });
  };

  // nginx answers "Expect: 100-continue" as it starts reading the body, which it does for every
  // request it proxies (a GET without one too), after the client_max_body_size check
  if (expectsContinue(req) && !announcesTooLarge(req, loc.maxBodyBytes)) socket.write('HTTP/1.1 100 Continue\r\n\r\n');
  if (bodyFraming(req.headers).kind === 'none') {
    begin();
    return;
  }
  // the body goes to the upstream with the request; what follows it is the client's early data
  void readUpgradeBody(req, socket, headArg, loc.maxBodyBytes).then((read) => {
    if ('aborted' in read) onClientGone();
    else if ('timedOut' in read) clientGone(`client timed out while sending the request body: ${clientBodyTimeout.text()}`);
    else if ('tooLarge' in read) reject(413, tooLargeCause(loc));
    else if ('invalid' in read) reject(read.status ?? 400, read.invalid);
    else {
      body = read.body;
      head = read.rest ?? null;
      // nginx makes the upstream request, and picks the peer, only now (as for any request)
      if (plan) ({ plan, attempt } = afterBody(plan, attempt, req, body?.length ?? 0));
      begin();
    }
  });
}
