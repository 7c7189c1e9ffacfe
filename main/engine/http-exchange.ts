// The HTTP pass: buffer the request body (nginx's proxy_request_buffering, request-body.ts),
// then try peers in balancer order with nginx's proxy_next_upstream rules, and relay the response.
import type { Agent, IncomingMessage, ServerResponse } from 'node:http';
import { abandonResponse, abortHttpTry, dropUnsentBody, proxyHttpTry, type TryFailure, type TryHandlers } from './http-proxy-adapter.ts';
import { ResponseBody, type BodyOwner } from './response-body.ts';
import { BodyCapture } from './body-capture.ts';
import { clientBodyTimeout, clientSendTimeout } from './client-timeouts.ts';
import { announcesTooLarge, expectsContinue, readBody, tooLargeCause, type BodyResult } from './request-body.ts';
import { sendError } from './error-pages.ts';
import { afterBody, type Plan } from './plan.ts';
import type { Peer, PeerAttempt } from '../upstream/types.ts';
import { ownAnswerCode, type ExchangeRecord, type EngineHooks } from './events.ts';
import { failureStatus, failureText, nextUpstreamAllows, statusCondition, statusFails, tooBigHeader, unsendable } from './upstream-failure.ts';
import { PROXY_BUFFER_SIZE, responseHeadBytes } from '../../app/proxy/header-buffers.ts';
import { passedHeaders } from './redirects.ts';
import { flushHead, sentHeaders, writeUpstreamHead } from './stored-head.ts';
import { CARRIED_HEADERS, MAX_INTERNAL_REDIRECTS, planInternalRedirect } from '../../app/proxy/internal-redirect.ts';

type ProxyPlan = Extract<Plan, { kind: 'proxy' }>;

/**
 * One proxied HTTP request: peers tried in balancer order, the response relayed, the record filled.
 * A class rather than closures: this runs per request, and a dozen closures per request (each
 * named at creation by tsx's keepNames) cost more than everything else the engine adds.
 */
class HttpExchange implements TryHandlers, BodyOwner {
  private readonly conds: ReadonlySet<string>;
  private attempt: PeerAttempt;
  private readonly agent: Agent;
  private current: Peer | null = null;
  private peerName = '';
  private done = false;
  private tries = 0;
  private body: Buffer | null = null;
  /** The upstream response being relayed. */
  private response: IncomingMessage | null = null;
  private responseBody: ResponseBody | null = null;
  /** For a recorder (hooks.bodyCap): the request body's first bytes, and the response body's as relayed. */
  private requestKept: BodyCapture | null = null;
  capture: BodyCapture | null = null;

  constructor(
    private plan: ProxyPlan,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    readonly record: ExchangeRecord,
    private readonly hooks: EngineHooks,
    /** Set when this exchange follows an X-Accel-Redirect: how many so far, and the headers kept for the client. */
    private readonly redirected: { count: number; carried: string[] } | null = null,
  ) {
    const { loc } = plan;
    this.conds = loc.nextUpstream;
    this.attempt = loc.pool.group.attempt({ remoteAddr: plan.ctx.remoteAddr, hashKey: plan.hashKey });
    // nginx's keepalive module hands every request of the group a cached connection when there is
    // one (it reads nothing of the request: an HTTP/1.0 or `Connection: close` one takes it too);
    // whether the connection is cached again is the answer's to say (keepSocketAlive)
    this.agent = loc.pool.keepalive ?? loc.pool.oneShot;
    (res as WithExchange)[EXCHANGE] = this;
    if (!redirected) res.on('close', onClientClose);
  }

  /** `bodyRead`: the body as read elsewhere (an upgrade request's: node leaves it on the socket). */
  start(bodyRead?: Promise<BodyResult>): void {
    const req = this.req;
    // nginx answers "Expect: 100-continue" when it starts reading the body, which it does for every
    // request it proxies, after the client_max_body_size check (a 404, a 301 or a 413 come alone)
    const limit = this.plan.loc.maxBodyBytes;
    if (expectsContinue(req) && !announcesTooLarge(req, limit)) this.res.writeContinue();
    if (!bodyRead && req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
      req.resume();
      this.tryNext();
      return;
    }
    void (bodyRead ?? readBody(req, limit)).then((read) => {
      if (this.done) return;
      if ('invalid' in read) {
        this.finish(read.status ?? 400, read.invalid);
        return;
      }
      if ('timedOut' in read) {
        // nginx closes the connection without an answer, and logs 408
        this.finishRecord(408, `client timed out while sending the request body: ${clientBodyTimeout.text()}`);
        this.req.socket.destroy();
        return;
      }
      if ('aborted' in read) {
        // as nginx logs it (400: the request never completed); the upstream is not contacted
        this.finishRecord(400, 'client prematurely closed connection while reading the request body');
        return;
      }
      if ('tooLarge' in read) {
        this.finish(413, tooLargeCause(this.plan.loc));
        return;
      }
      this.body = read.body;
      this.record.requestBytes = read.body?.length ?? 0;
      const cap = this.hooks.bodyCap;
      if (cap > 0 && read.body?.length) {
        // (the body is whole: its capture is its start, no larger)
        this.requestKept = new BodyCapture(cap, this.hooks.bodyBudget, Math.min(cap, read.body.length));
        this.requestKept.take(read.body);
      }
      ({ plan: this.plan, attempt: this.attempt } = afterBody(this.plan, this.attempt, req, this.record.requestBytes));
      this.tryNext();
    });
  }

  clientClosed(): void {
    this.responseBody?.stop();
    if (this.done) return;
    this.release(false);
    this.finishRecord(this.res.headersSent ? this.res.statusCode : 499, 'client closed the connection');
    // nginx closes the upstream connection when the client goes away, before the response or in it
    // (proxy_ignore_client_abort off): nothing of the answer has anywhere to go.
    abortHttpTry(this.req);
    this.response?.destroy();
  }

  private release(failed: boolean): void {
    if (this.current) this.attempt.release(this.current, failed);
    this.current = null;
  }

  finishRecord(status: number, cause?: string): void {
    if (this.done) return;
    this.done = true;
    const record = this.record;
    record.status = status;
    if (cause) record.cause = cause;
    record.timings.totalMs = Date.now() - record.startedAt;
    const { requestKept, capture } = this;
    this.hooks.exchange(record, requestKept || capture ? { request: requestKept?.settle() ?? null, response: capture?.settle() ?? null } : undefined);
  }

  private finish(status: number, cause: string): void {
    this.release(false);
    sendError(this.res, status, this.redirected ? withoutContentType(this.redirected.carried) : {}, this.record);
    // an error line, as a WebSocket handshake's refusal has (ws-exchange.ts) and nginx's error_log
    // has for both: "connect() failed … while connecting to upstream"
    this.hooks.log({ level: 'error', code: ownAnswerCode(status), message: cause, exchangeId: this.record.id });
    this.finishRecord(status, cause);
  }

  /**
   * The upstream answered with X-Accel-Redirect: its answer is dropped but for the headers nginx
   * keeps, and the request goes on in the same server block with that URI (app/proxy/internal-redirect.ts).
   */
  private internalRedirect(proxyRes: IncomingMessage, target: string): void {
    const kept = abandonResponse(proxyRes, true);
    this.release(false);
    const carried = [...(this.redirected?.carried ?? [])];
    const raw = proxyRes.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) if (CARRIED_HEADERS.has(raw[i]!.toLowerCase())) carried.push(raw[i]!, raw[i + 1]!);
    const record = this.record;
    record.tries.push({ upstream: this.peerName, outcome: `X-Accel-Redirect: ${target}` });
    const count = (this.redirected?.count ?? 0) + 1;
    // nginx makes the new location's upstream request now: its clock variables read this time
    if (this.plan.ctx.env) this.plan.ctx.env.now = Date.now();
    const next = count > MAX_INTERNAL_REDIRECTS
      ? ({ kind: 'error', status: 500, reason: `rewrite or internal redirection cycle while internally redirecting to "${target}"` } as const)
      : planInternalRedirect(this.plan, target, this.body?.length ?? -1);
    if (next.kind !== 'proxy') {
      const extra = withoutContentType(carried);
      if (next.kind === 'redirect') extra.push('Location', next.location);
      sendError(this.res, next.status, extra, this.record);
      this.finishRecord(next.status, next.kind === 'error' ? next.reason : next.explain);
      return;
    }
    // the record goes on with the next exchange
    this.done = true;
    record.upstreamPath = next.path;
    const ex = new HttpExchange(next, this.req, this.res, record, this.hooks, { count, carried });
    ex.body = this.body;
    ex.requestKept = this.requestKept;
    ex.tryNextAfter(kept);
  }

  private canRetry(condition: string, requestSent: boolean): boolean {
    const maxTries = this.plan.loc.location.proxyNextUpstreamTries;
    return nextUpstreamAllows(this.conds, condition, requestSent, this.plan.ctx.method, this.tries, maxTries) && this.attempt.triesLeft > 0;
  }

  /** The next try; when the last one's connection is being kept (abandonResponse), once it is back
   * in the keepalive cache (after node's ticks for the response's end), so that the next try to
   * the same peer can take it, as in nginx. */
  private tryNextAfter(kept: boolean): void {
    if (!kept) return this.tryNext();
    setImmediate(() => {
      if (!this.done) this.tryNext();
    });
  }

  private tryNext(): void {
    const { plan } = this;
    const peer = this.attempt.next();
    if (!peer) {
      this.finish(502, `no live upstreams while connecting to upstream "${plan.loc.pool.name}"`);
      return;
    }
    this.current = peer;
    this.tries++;
    this.peerName = peer.address;
    this.record.upstream = this.peerName;
    const { loc } = plan;
    proxyHttpTry(this.req, this.res, {
      httpVersion: plan.httpVersion, host: peer.host, port: peer.port, method: plan.ctx.method, path: plan.path, headers: plan.headers, body: this.body,
      agent: this.agent, connectTimeoutMs: loc.connectTimeoutMs, sendTimeoutMs: loc.sendTimeoutMs, readTimeoutMs: loc.readTimeoutMs,
    }, this);
  }

  onFailure(f: TryFailure): void {
    if (this.done) return;
    const cause = `${failureText(f.kind, f.error)} while ${f.phase === 'connect' ? 'connecting to upstream' : f.phase === 'send' ? 'sending request to upstream' : 'reading response header from upstream'}, upstream: ${this.peerName}`;
    this.record.tries.push({ upstream: this.peerName, outcome: cause });
    // the last try's connect time, as for an answer: one that connected and then failed (a 504 on
    // the read) took it; one that never connected has none
    if (f.connectedAt > 0) this.record.timings.connectMs = f.connectedAt - this.record.startedAt;
    else delete this.record.timings.connectMs;
    this.release(true);
    if (f.cached && f.kind === 'error') {
      // nginx: an error on a cached keepalive connection does not use up a try (u->peer.tries++),
      // so a request that met a connection the upstream had just closed goes again, even to a
      // group's only server
      this.attempt.refundTry();
      this.tries--;
    }
    if (this.canRetry(f.kind, f.requestSent)) this.tryNext();
    else this.finish(failureStatus(f.kind), cause);
  }

  onResponse(proxyRes: IncomingMessage, timing: { connectedAt: number; firstByteAt: number }): void {
    if (this.done) {
      proxyRes.resume();
      return;
    }
    const status = proxyRes.statusCode ?? 502;
    if (status === 101) {
      abandonResponse(proxyRes);
      this.onUpgradeAnswer();
      return;
    }
    // nginx reads the head into proxy_buffer_size, and (buffering) the body after it
    const headBytes = responseHeadBytes(proxyRes);
    if (headBytes > PROXY_BUFFER_SIZE) {
      abandonResponse(proxyRes);
      this.onFailure({ kind: 'invalid_header', phase: 'read', error: tooBigHeader(), requestSent: true, cached: false, connectedAt: timing.connectedAt });
      return;
    }
    const condition = statusCondition(status);
    // nginx: only when this is not the last try (u->peer.tries > 1); else the response passes
    if (condition && this.conds.has(condition) && this.attempt.triesLeft > 1 && this.canRetry(condition, true)) {
      this.record.tries.push({ upstream: this.peerName, outcome: `status ${status}` });
      // (nginx releases the peer of a 403 or 404 as "next", not failed: its connection may be kept)
      const kept = abandonResponse(proxyRes, status === 403 || status === 404);
      this.release(statusFails(condition));
      this.tryNextAfter(kept);
      return;
    }
    const accel = firstHeader(proxyRes.rawHeaders, 'x-accel-redirect');
    if (accel !== undefined) {
      this.internalRedirect(proxyRes, accel);
      return;
    }
    const record = this.record;
    // (from the request's arrival, as the total: earlier tries and a buffered body come before)
    record.timings.connectMs = timing.connectedAt - record.startedAt;
    record.timings.firstByteMs = timing.firstByteAt - record.startedAt;
    const carried = this.redirected?.carried ?? [];
    const passed = passedHeaders(this.plan, carried.length ? [...carried, ...proxyRes.rawHeaders] : proxyRes.rawHeaders);
    const res = this.res;
    try {
      writeUpstreamHead(this.req, res, status, proxyRes.statusMessage, passed);
      // (what the client got: the lines passed on, and node's Date, Connection, Transfer-Encoding)
      record.responseHeaders = sentHeaders(res);
    } catch (err) {
      // what node's parser let through but writeHead refuses: a status under 100 (nginx would
      // pass it on; a 502 is as close as node gets, and nothing may throw out of here: it would
      // take the engine down)
      res.statusCode = 200;
      abandonResponse(proxyRes);
      this.onFailure({ kind: 'invalid_header', phase: 'read', error: unsendable(status, err as NodeJS.ErrnoException), requestSent: true, cached: false, connectedAt: timing.connectedAt });
      return;
    }
    this.body = null;
    this.response = proxyRes;
    const cap = this.hooks.bodyCap;
    if (cap > 0) this.capture = new BodyCapture(cap, this.hooks.bodyBudget);
    this.responseBody = new ResponseBody(proxyRes, res, this.plan.loc.location.proxyBuffering, headBytes, this);
  }

  /** The client took nothing of the response for send_timeout: its connection closes, and the upstream's. */
  clientTimedOut(): void {
    if (this.done) return;
    this.release(false);
    this.finishRecord(this.res.statusCode, `client timed out: it took nothing for ${clientSendTimeout.text()}`);
    abortHttpTry(this.req);
    this.response?.destroy();
    this.res.destroy();
  }

  /**
   * A 101 to a request the engine did not upgrade (no websocket switch, or no Upgrade from the
   * client): 502, the try neither retried nor counted as a failure. (nginx 1.22 would turn the
   * connection into a tunnel anyway; only an upstream breaking RFC 9110 answers so.)
   */
  onUpgradeAnswer(): void {
    if (this.done) return;
    const cause = `upstream switched protocols (101) on a request that was not upgraded, upstream: ${this.peerName}`;
    this.record.tries.push({ upstream: this.peerName, outcome: cause });
    this.finish(502, cause);
  }

  /** The response is complete (ResponseBody's owner). */
  bodyEnded(): void {
    if (this.response) dropUnsentBody(this.response);
    this.release(false);
    this.finishRecord(this.res.statusCode);
  }

  onBodyError(error: Error | null, timedOut: boolean): void {
    this.responseBody?.stop();
    if (this.done) return;
    this.release(false);
    // As nginx: the response head and what came of the body go out, then the connection closes, so
    // the client sees the response cut short (fewer bytes than its Content-Length, no last chunk).
    // What proxy_buffering still holds goes too when the upstream closed (EOF); when reading it
    // failed (a timeout, a reset) nginx drops its buffers, and so does this.
    // (Destroying the socket dropped a head not sent yet, and whatever node still had queued.)
    const socket = this.res.socket;
    if (socket && !socket.destroyed) {
      if (!timedOut && this.response?.socket?.readableEnded) this.responseBody?.flushHeld();
      flushHead(this.res);
      // (closed as after any last answer: at once, or with nginx's lingering close, client-close.ts)
      socket.destroySoon();
    } else this.res.destroy();
    this.finishRecord(this.res.statusCode, timedOut ? 'upstream timed out while reading the response body' : `upstream closed the connection mid-response${error ? ` (${error.message})` : ''}`);
  }
}

/** The exchange a client response belongs to (a shared listener below). */
const EXCHANGE = Symbol('switchyard.httpExchange');
type WithExchange = ServerResponse & { [EXCHANGE]?: HttpExchange };

function onClientClose(this: ServerResponse): void {
  (this as WithExchange)[EXCHANGE]?.clientClosed();
}

function firstHeader(raw: readonly string[], lower: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.length === lower.length && raw[i]!.toLowerCase() === lower) return raw[i + 1];
  return undefined;
}

function withoutContentType(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() !== 'content-type') out.push(raw[i]!, raw[i + 1]!);
  return out;
}

export function proxyHttp(plan: ProxyPlan, req: IncomingMessage, res: ServerResponse, record: ExchangeRecord, hooks: EngineHooks, bodyRead?: Promise<BodyResult>): void {
  new HttpExchange(plan, req, res, record, hooks).start(bodyRead);
}
