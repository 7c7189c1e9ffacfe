// The proxy engine: validated config in, listeners and live traffic out. Reconfiguring swaps the
// compiled runtime atomically: requests already routed finish on the old one, live WebSocket
// sessions stay open, new requests see the new routes.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { validateConfig } from '../../app/config/validate.ts';
import type { ConfigIssue } from '../../app/config/issues.ts';
import { compileRuntime, localhostFor, ResolveError, retireRuntimePools, socketsToBind, type Runtime } from './runtime.ts';
import { ListenerSet, type ListenerStatus } from './listeners.ts';
import { listenPathOf } from '../../app/proxy/routing.ts';
import { planRequest, type Plan } from './plan.ts';
import { proxyHttp } from './http-exchange.ts';
import { forwardsUpgrade, proxyUpgrade, upgradeAsPlainHttp } from './ws-exchange.ts';
import type { LiveSession } from './ws-session.ts';
import { sendError, writeRawError } from './error-pages.ts';
import { upgradeError } from './upgrade-answer.ts';
import { clientStatus } from '../../app/proxy/header-buffers.ts';
import type { CaptureBudget, EngineHooks, ExchangeBodies, ExchangeRecord, LogEntry, RouteInfo, SessionRecord, SessionSockets } from './events.ts';
import { tuneRunningV8 } from './v8-tuning.ts';
import { dropBody } from './client-close.ts';
import { userAgentRead } from '../../app/proxy/user-agent.ts';

export type ApplyResult = { ok: true; listeners: ListenerStatus[] } | { ok: false; issues: ConfigIssue[] };

export interface ApplyOptions {
  refuseListenFailure?: boolean;
}

export interface EngineEvents {
  exchange: [ExchangeRecord, ExchangeBodies | undefined];
  'session-open': [SessionRecord, SessionSockets];
  'session-close': [SessionRecord];
  log: [LogEntry];
}

/** The client's address and port as records and the access log show them: an IPv6 address in
 * brackets ("[::1]:5000", as listen addresses and upstream peers are written), else "::1:5000"
 * could be read as address "::1:5000" with no port. */
function clientAddress(socket: Socket): string {
  const host = socket.remoteAddress ?? '';
  return `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort}`;
}

/** The User-Agent nginx had read when it answered `plan` itself: none for a request refused at its
 * request line, the first one before the line refused for a header refused at its line. */
function pageUserAgent(req: IncomingMessage, plan: Plan): string | null {
  return userAgentRead(req.rawHeaders, plan.kind === 'error' ? plan.headersRead : undefined);
}

export class Engine extends EventEmitter<EngineEvents> {
  private rt: Runtime | null = null;
  private nextId = 1;
  private readonly sessions = new Map<number, LiveSession>();
  /** The apply or stop under way: they run one at a time, in the order they were asked for. */
  private turn: Promise<unknown> = Promise.resolve();
  private readonly listenerSet = new ListenerSet({
    request: (req, res) => this.onRequest(req, res),
    upgrade: (req, socket, head) => this.onUpgrade(req, socket, head),
    refused: (socket, status, line, cause, sent) => this.onRefusedHead(socket, status, line, cause, sent),
  });
  private readonly hooks: EngineHooks = {
    exchange: (r, bodies) => this.emit('exchange', r, bodies),
    bodyCap: 0,
    bodyBudget: null,
    sessionOpen: (s, sockets) => this.emit('session-open', s, sockets),
    sessionClose: (s) => {
      this.sessions.delete(s.id);
      this.emit('session-close', s);
    },
    log: (e) => this.emit('log', { time: Date.now(), ...e }),
  };

  constructor() {
    super();
    tuneRunningV8();
  }

  /** Keep the first `cap` bytes of each proxied HTTP request's and response's body for the
   * 'exchange' event's listeners (0, the default: none; the bodies are then not copied at all),
   * their room counted against `budget` while the exchange is in progress. */
  captureBodies(cap: number, budget: CaptureBudget | null = null): void {
    this.hooks.bodyCap = Math.max(0, Math.floor(cap));
    this.hooks.bodyBudget = this.hooks.bodyCap > 0 ? budget : null;
  }

  /**
   * Validate, compile and apply a config document. Invalid input changes nothing. Applies and
   * stops run one at a time, in call order (a burst of reloads: two listener syncs at once could
   * close a socket the other is still binding, and a DNS lookup could let the older config win).
   * With `refuseListenFailure` (a reload of `switchyard serve`), a listen socket the running config
   * does not have that cannot bind refuses the whole config, as nginx refuses such a reload;
   * without it (the first apply, the UI), that socket is reported failed and the others run.
   */
  apply(input: unknown, opts: ApplyOptions = {}): Promise<ApplyResult> {
    return this.inTurn(() => this.applyNow(input, opts));
  }

  private async applyNow(input: unknown, opts: ApplyOptions): Promise<ApplyResult> {
    const localhost = await localhostFor(input);
    const v = validateConfig(input, localhost);
    if (!v.ok) return v;
    let rt: Runtime;
    try {
      rt = await compileRuntime(v.config, localhost);
    } catch (e) {
      return { ok: false, issues: e instanceof ResolveError ? e.issues : [{ path: '', code: 'resolve_failed', message: (e as Error).message }] };
    }
    const old = this.rt;
    this.rt = rt;
    const { listeners, refused } = await this.listenerSet.sync(socketsToBind(rt), opts.refuseListenFailure === true);
    if (refused.length) {
      this.rt = old;
      retireRuntimePools(rt);
      return { ok: false, issues: refused.map((l) => ({ path: listenPathOf(rt.config, l.key, rt.localhost), code: 'listen_failed', message: l.error!.message })) };
    }
    if (old) retireRuntimePools(old);
    for (const l of listeners) {
      if (l.state === 'failed') this.hooks.log({ level: 'error', code: 'listen_failed', message: l.error!.message });
    }
    return { ok: true, listeners };
  }

  /** The JSON path of the running config's listen entry for socket `key` ('' when it has none). */
  listenPath(key: string): string {
    return this.rt ? listenPathOf(this.rt.config, key, this.rt.localhost) : '';
  }

  listenerStatus(): ListenerStatus[] {
    return this.listenerSet.status();
  }

  liveSessions(): SessionRecord[] {
    return [...this.sessions.values()].map((s) => s.record);
  }

  liveSession(id: number): LiveSession | undefined {
    return this.sessions.get(id);
  }

  /** The current balancers' peer states, per upstream (declared and implicit). */
  upstreamStatus() {
    return [...(this.rt?.pools.values() ?? [])].map((p) => ({ name: p.name, peers: p.group.status() }));
  }

  stop(): Promise<void> {
    return this.inTurn(() => this.stopNow());
  }

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async stopNow(): Promise<void> {
    for (const s of [...this.sessions.values()]) s.close('engine stopped');
    await this.listenerSet.closeAll();
    if (this.rt) retireRuntimePools(this.rt);
    this.rt = null;
  }

  private route(plan: Plan): RouteInfo | null {
    if (plan.kind === 'proxy') return { server: plan.server.index, location: plan.loc.index, name: plan.loc.location.name, where: plan.loc.where, explain: plan.explain };
    if (plan.kind === 'redirect') return { server: plan.server.index, location: null, name: '', where: '', explain: plan.explain };
    if (plan.server) return { server: plan.server.index, location: null, name: '', where: '', explain: plan.reason };
    return null;
  }

  private newRecord(req: IncomingMessage, plan: Plan): ExchangeRecord {
    return {
      id: this.nextId++, method: req.method ?? '', url: req.url ?? '', httpVersion: req.httpVersion, clientAddress: clientAddress(req.socket),
      route: this.route(plan), upstream: null, upstreamPath: plan.kind === 'proxy' ? plan.path : null, status: 0, tries: [],
      startedAt: Date.now(), timings: {}, requestHeaders: req.rawHeaders, responseHeaders: [], requestBytes: 0, responseBytes: 0,
    };
  }

  private answerDirect(plan: Exclude<Plan, { kind: 'proxy' }>, record: ExchangeRecord) {
    record.status = clientStatus(plan.status);
    record.cause = plan.kind === 'error' ? plan.reason : plan.explain;
    record.timings.totalMs = Date.now() - record.startedAt;
    this.hooks.exchange(record);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (!this.rt) return sendError(res, 503);
    const plan = planRequest(this.rt, req);
    const record = this.newRecord(req, plan);
    if (plan.kind === 'proxy') {
      proxyHttp(plan, req, res, record, this.hooks);
      return;
    }
    dropBody(req);
    sendError(res, plan.status, plan.kind === 'redirect' ? { Location: plan.location } : {}, record, pageUserAgent(req, plan));
    this.answerDirect(plan, record);
  }

  /** A head node's parser refused: logged as nginx logs it (its request line as far as it came, the
   * status, the cause), though no request reached the planner. */
  private onRefusedHead(socket: Socket, status: number, line: { method: string; url: string; httpVersion?: string }, cause: string, sent: { headers: string[]; bodyBytes: number } | null): void {
    this.hooks.exchange({
      id: this.nextId++, ...line, clientAddress: clientAddress(socket),
      route: null, upstream: null, upstreamPath: null, status: clientStatus(status), cause, tries: [],
      startedAt: Date.now(), timings: { totalMs: 0 }, requestHeaders: [], responseHeaders: sent?.headers ?? [], requestBytes: 0, responseBytes: sent?.bodyBytes ?? 0,
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (!this.rt) {
      writeRawError(socket, 503, {}, req.method, req.headers['user-agent']);
      return;
    }
    const plan = planRequest(this.rt, req);
    if (plan.kind !== 'proxy') {
      const record = this.newRecord(req, plan);
      // (what the client sent behind the head, a pipelined request, is the connection's next
      // request; behind a body, once the body is discarded)
      const sent = upgradeError(req, socket, plan.status, plan.kind === 'redirect' ? { Location: plan.location } : {}, { userAgent: pageUserAgent(req, plan), head });
      if (sent) {
        record.responseHeaders = sent.headers;
        record.responseBytes = sent.bodyBytes;
      }
      this.answerDirect(plan, record);
      return;
    }
    if (!forwardsUpgrade(plan)) {
      upgradeAsPlainHttp(plan, req, socket, head, this.newRecord(req, plan), this.hooks);
      return;
    }
    const session: SessionRecord = {
      id: this.nextId++, url: req.url ?? '', clientAddress: clientAddress(socket),
      route: this.route(plan)!, upstream: null, upstreamPath: plan.path, requestHeaders: req.rawHeaders, responseHeaders: [],
      tries: [], subprotocol: null, extensions: null, state: 'connecting', status: null, openedAt: Date.now(), closedAt: null, closedBy: null, closeReason: null, closeFrame: null,
      bytesFromClient: 0, bytesFromUpstream: 0, framesFromClient: 0, framesFromUpstream: 0,
    };
    proxyUpgrade(plan, req, socket, head, session, this.hooks, (live) => this.sessions.set(session.id, live));
  }
}
