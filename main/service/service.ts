// The transport-free service: the engine, the draft vs applied config, bounded traffic logs and
// the live feed. The web host (main/web) and Electron's IPC (main/electron/ipc.ts) are thin
// adapters over `handlers` and `feed`. Model: httptoolkit-server src/api/api-model.ts.
import { isWebSocketSession, upgradedTo } from '../../app/engine/tunnel.ts';
import { bodyView, shownBytes, type DecodeBudget } from './exchange-body.ts';
import { unencodable } from '../../app/text/utf16.ts';
import { base64Error } from '../../app/text/base64.ts';
import { exportNginx } from '../../app/nginx/export.ts';
import type { Engine } from '../engine/engine.ts';
import type { ApiHandlers, ApiError, ExchangeBody, ExchangeView, FeedSnapshot, FrameView, ImportedHar, Params, RequestName, Result, ResultOf, ApplyOutcome, ServiceSettings } from '../../app/api/contract.ts';
import { checkParams } from '../../app/api/params.ts';
import { validateConfig } from '../../app/config/validate.ts';
import { localhostAddresses } from '../engine/runtime.ts';
import type { Config } from '../../app/config/schema.ts';
import { ConfigStore } from './config-store.ts';
import { Feed, type FeedOptions } from './feed.ts';
import { TrafficLog, DEFAULT_LIMITS, type TrafficLimits } from './traffic-log.ts';
import { loadFrameTap, previewOf, type TapFactory } from './frames.ts';
import { listenerView, sessionView, upstreamViews } from './views.ts';
import { TrafficWatch } from './traffic-watch.ts';
import { Redactor } from './redact.ts';
import { FrameRef } from './frame-log.ts';
import { exportHarInSteps, type HarSession } from './har.ts';
import { importHarInSteps } from './har-import.ts';
import { InjectBusyError } from '../engine/ws-inject.ts';
import { checkClose } from '../engine/ws-frames.ts';
import { INJECT_WAIT_MS } from '../engine/ws-session.ts';
import { NginxExports } from './nginx-export.ts';
import { exportFileName } from '../../app/api/nginx-views.ts';
import { isBytesMessage } from '../../app/traffic/payload-format.ts';
import { findNginx } from '../nginx/binary.ts';
import { HOSTNAME } from '../engine/request-env.ts';

export interface ServiceOptions {
  /** The document the draft starts from (usually the config file that was applied at start). */
  initialDraft: unknown;
  /** Whether `initialDraft` already runs in the engine. */
  initialApplied?: boolean;
  /** The config file the draft came from when applies are not saved to it (`ui --config FILE`). */
  readOnlyFile?: string;
  limits?: Partial<TrafficLimits>;
  feed?: FeedOptions;
  /** Tests: inject a frame tap (or null for none) instead of loading main/inspect/frame-tap.ts. */
  frameTap?: TapFactory | null;
  /** How long injectMessage/replayFrame wait for a message boundary before failing with 'busy'
   * (default INJECT_WAIT_MS, 5 s). */
  injectWaitMs?: number;
  /** The nginx binary for `testNginx` (null: behave as if nginx were not installed); default findNginx(). */
  nginx?: string | null;
  /** The addresses `listen localhost:PORT` binds (validation's duplicate-listen rules); default:
   * looked up as the engine looks them up. */
  localhost?: readonly string[];
}

/** Writes an export to a file the user picks (the desktop shell's save dialog); null when they cancel. */
export type FileSaver = (suggestedName: string, text: string) => Promise<string | null>;

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = (code: string, message: string, extra: Partial<ApiError> = {}): Result<never> => ({ ok: false, error: { code, message, ...extra } });

export class SwitchyardService {
  readonly feed: Feed;
  readonly traffic: TrafficLog;
  private readonly store: ConfigStore;
  private readonly watch: TrafficWatch;
  private readonly redact = new Redactor();
  private readonly nginxExports: NginxExports;
  private saveFile: FileSaver | null = null;
  private applying: Promise<unknown> = Promise.resolve();

  private readonly injectWaitMs: number;
  /** Told each time the settings change (the app core saves them: main/persist). */
  onSettingsChange: ((s: ServiceSettings) => void) | null = null;
  /** Called with each config the engine runs from now on (apply, undo), before the request answers,
   * with what onApplyAsked returned when that apply was asked for. */
  onApplied: ((applied: unknown, asked: unknown) => void) | null = null;
  /** Called as an apply or undo is asked for (it may wait its turn: applies run one at a time). */
  onApplyAsked: (() => unknown) | null = null;

  private constructor(readonly engine: Engine, opts: ServiceOptions, tap: TapFactory | null, private readonly localhost: readonly string[]) {
    this.injectWaitMs = opts.injectWaitMs ?? INJECT_WAIT_MS;
    this.store = new ConfigStore(opts.initialDraft, localhost, opts.readOnlyFile);
    if (opts.initialApplied) this.store.markApplied(opts.initialDraft);
    this.traffic = new TrafficLog({ ...DEFAULT_LIMITS, ...opts.limits });
    this.feed = new Feed(() => this.snapshot(), opts.feed);
    this.watch = new TrafficWatch(engine, this.traffic, this.feed, tap, this.redact);
    // (the HTTP log keeps each body's first payloadPerMessage bytes, in the payload cap)
    this.captureBodies();
    this.nginxExports = new NginxExports(() => (opts.nginx !== undefined ? opts.nginx : findNginx()));
  }

  static async create(engine: Engine, opts: ServiceOptions): Promise<SwitchyardService> {
    let service: SwitchyardService | null = null;
    // (the per-message cap a session opens with: settings may change it while running)
    const perMessage = () => service?.traffic.caps.payloadPerMessage ?? opts.limits?.payloadPerMessage ?? DEFAULT_LIMITS.payloadPerMessage;
    const tap = opts.frameTap !== undefined ? opts.frameTap : await loadFrameTap(perMessage);
    service = new SwitchyardService(engine, opts, tap, opts.localhost ?? await localhostAddresses());
    return service;
  }

  /** An exchange's kept body on `side` as the UI and exports show it (redacted), or undefined. */
  private body(x: ExchangeView, side: 'request' | 'response', decoding?: DecodeBudget): ExchangeBody | undefined {
    const kept = this.traffic.bodies.get(x.id, side);
    return kept && this.redact.body(bodyView(kept.data, kept.state, side === 'request' ? x.requestBytes : x.responseBytes, side === 'request' ? x.requestHeaders : x.responseHeaders, decoding));
  }

  private redactBodies(bodies: ImportedHar['bodies']): ImportedHar['bodies'] {
    const out: ImportedHar['bodies'] = {};
    for (const [id, b] of Object.entries(bodies)) out[Number(id)] = { ...(b.request ? { request: this.redact.body(b.request) } : {}), ...(b.response ? { response: this.redact.body(b.response) } : {}) };
    return out;
  }

  /** The engine keeps the bodies' first bytes for the HTTP log: per-message cap, none when the total is 0. */
  private captureBodies(): void {
    const { payloadPerMessage, payloadTotal } = this.traffic.caps;
    this.engine.captureBodies(payloadTotal > 0 ? payloadPerMessage : 0, this.traffic.payloads);
  }

  get framesSupported(): boolean {
    return this.watch.framesSupported;
  }

  /** Redaction and the capture caps, as getSettings reports them. */
  private settings(): ServiceSettings {
    const { payloadPerMessage, payloadTotal, framesPerSession } = this.traffic.caps;
    return { ...this.redact.settings(), payloadPerMessage, payloadTotal, framesPerSession };
  }

  snapshot(): FeedSnapshot {
    return {
      sessions: this.watch.sessions().map((v) => this.redact.session(v)),
      exchanges: this.traffic.exchanges().map((v) => this.redact.exchange(v)),
      listeners: this.engine.listenerStatus().map(listenerView),
      upstreams: upstreamViews(this.engine.upstreamStatus()),
      logs: this.traffic.logs().map((v) => this.redact.log(v)),
      config: this.store.state(),
      framesSupported: this.watch.framesSupported,
      hostname: HOSTNAME,
    };
  }

  /** One entry point for every transport: checks the params, never throws. */
  async handle(name: string, params: unknown): Promise<Result<unknown>> {
    if (!Object.hasOwn(this.handlers, name)) return fail('unknown_request', `no request named "${name}"`);
    const checked = checkParams(name as RequestName, params);
    if (!checked.ok) return fail('bad_params', checked.message);
    try {
      return await (this.handlers[name as RequestName] as (p: unknown) => Promise<Result<unknown>>)(checked.params);
    } catch (e) {
      return fail('internal', (e as Error).message || 'internal error');
    }
  }

  readonly handlers: ApiHandlers = {
    getConfig: async () => ok(this.store.state()),
    setDraft: async ({ draft }) => {
      this.store.setDraft(draft);
      return ok(this.configChanged());
    },
    revertDraft: async () => {
      this.store.revertDraft();
      return ok(this.configChanged());
    },
    apply: (p) => {
      const asked = this.onApplyAsked?.();
      return this.serial(() => this.apply(p, asked));
    },
    undoApply: () => {
      const asked = this.onApplyAsked?.();
      return this.serial(() => this.undo(asked));
    },
    listeners: async () => ok(this.engine.listenerStatus().map(listenerView)),
    upstreamStatus: async () => ok(upstreamViews(this.engine.upstreamStatus())),
    sessions: async () => ok(this.watch.sessions().map((v) => this.redact.session(v))),
    session: async ({ id }) => {
      const s = this.watch.session(id);
      if (!s) return fail('not_found', `no session ${id} (closed sessions are kept only while recent)`);
      const frames = this.traffic.framesOf(id);
      return ok({ session: this.redact.session(s), frames: frames ? this.redact.frames(frames, s) : s.framesAvailable ? [] : null });
    },
    watchFrames: async ({ feed, session }) => {
      if (!this.feed.watch(feed, session)) return fail('not_found', `no feed subscription ${feed} (it ended: a new one has a new id)`);
      return ok({ session });
    },
    closeSession: async ({ id, code, reason = '' }) => {
      const live = this.engine.liveSession(id);
      if (!live) return fail('not_live', `session ${id} is not open`);
      if (!isWebSocketSession(live.record)) {
        // a tunnel to another protocol has no Close frame (its code and reason are not used): its connections are ended
        await live.close(`closed from Switchyard (a “${upgradedTo(live.record.responseHeaders) ?? ''}” tunnel, not WebSocket: its connections were ended without a Close frame)`);
        return ok(this.redact.session(this.watch.session(id) ?? sessionView(live.record)));
      }
      const check = checkClose(code, reason);
      if (!check.ok) return fail(check.code, check.message);
      // each Close frame is logged as it goes to its peer's socket, the moment the relay starts
      // dropping what comes the same way (before the peers' answers, after the messages relayed
      // before it, still inflating or not: what the tap sees from then on is marked not forwarded),
      // and only if it goes
      const sent = (to: 'client' | 'upstream') => {
        const from = to === 'client' ? 'upstream' : 'client';
        void this.watch.recordInjected(id, { time: Date.now(), from, opcode: 'close', fin: true, length: 2 + Buffer.byteLength(reason), preview: reason, closeCode: code }, { stopForwarding: true });
      };
      try {
        await live.close(`closed from Switchyard (code ${code}${reason ? `: ${reason}` : ''})`, { code, reason }, sent);
      } catch (e) {
        return fail(sessionFailureCode(e), (e as Error).message);
      }
      return ok(this.redact.session(this.watch.session(id) ?? sessionView(live.record)));
    },
    injectMessage: async ({ id, direction, opcode, data }) => {
      const notBase64 = opcode === 'binary' ? base64Error(data) : null;
      if (notBase64 !== null) return fail('bad_data', `binary data must be base64: ${notBase64}`);
      const problem = opcode === 'text' ? unencodable(data) : null;
      if (problem !== null) return fail('invalid_text', `data: ${problem}`);
      return this.inject(id, direction, opcode, opcode === 'text' ? Buffer.from(data, 'utf8') : Buffer.from(data, 'base64'));
    },
    replayFrame: async ({ id, seq, direction }) => {
      const row = this.traffic.frame(id, seq);
      if (!row) return fail('not_found', `session ${id} has no frame ${seq} (old frames are dropped)`);
      if (row.opcode !== 'text' && row.opcode !== 'binary') return fail('not_a_message', `frame ${seq} is a ${row.opcode} frame; only text and binary messages can be replayed`);
      // what was kept is not the message: an extension's encoding needs its RSV bits, which an
      // injected frame does not carry; a compressed message that did not inflate is only its wire bytes
      if (row.encodedBy) return fail('encoded_message', `frame ${seq} cannot be replayed: it is in the encoding of the ${row.encodedBy} extension, whose bits an injected frame cannot carry`);
      if (row.decodeError) return fail('not_decoded', `frame ${seq} cannot be replayed: its compressed payload could not be inflated (${row.decodeError})`);
      const payload = row.payload === 'kept' ? this.traffic.payloads.get(row) : undefined;
      if (!payload) {
        const why = row.payload === 'evicted' ? ['payload_evicted', 'its payload was evicted to stay under the payload cap'] : row.payload === 'truncated' ? ['payload_truncated', 'it is longer than the per-message payload cap'] : ['no_payload', 'its payload was not captured'];
        return fail(why[0]!, `frame ${seq} cannot be replayed: ${why[1]}`);
      }
      return this.inject(id, direction ?? (row.from === 'client' ? 'upstream' : 'client'), row.opcode, payload);
    },
    framePayload: async ({ id, seq }) => {
      const row = this.traffic.frame(id, seq);
      if (!row) return fail('not_found', `session ${id} has no frame ${seq} (old frames are dropped)`);
      if (!row.payload && row.decodeError) return fail('not_decoded', `the payload of frame ${seq} could not be inflated (${row.decodeError}): the row shows what was`);
      if (!row.payload) return fail('no_payload', row.opcode === 'text' || row.opcode === 'binary' ? `the payload of frame ${seq} was not captured` : `frame ${seq} is a ${row.opcode} frame: only its preview is kept`);
      const data = row.payload === 'evicted' ? undefined : this.traffic.payloads.get(row);
      // (a text message whose bytes are not UTF-8 goes as base64 too: as text they would be lost)
      return ok({ ...shownBytes(data, row.payload === 'truncated', !isBytesMessage(row)), truncated: row.payload === 'truncated', evicted: !data });
    },
    exchangeBody: async ({ id, side }) => {
      const x = this.traffic.exchange(id);
      if (!x) return fail('not_found', `no exchange ${id} (old exchanges are dropped)`);
      const body = this.body(x, side);
      return body ? ok(body) : fail('no_body', `the ${side} body of exchange ${id} was not kept${x.bodies ? ' (it had none)' : ''}`);
    },
    getSettings: async () => ok(this.settings()),
    setSettings: async (p) => {
      this.redact.update(p);
      // (what the UI shows was redacted as it came: it gets it again under the new settings)
      if (p.redact !== undefined || p.redactHeaders || p.redactQuery) this.feed.resync();
      this.traffic.setCaps({ payloadPerMessage: p.payloadPerMessage, payloadTotal: p.payloadTotal, framesPerSession: p.framesPerSession });
      // (every session, open or not, keeps the new cap from its next message on)
      if (p.payloadPerMessage !== undefined) this.watch.setPayloadCap(p.payloadPerMessage);
      this.captureBodies();
      const settings = this.settings();
      this.onSettingsChange?.(settings);
      return ok(settings);
    },
    exportHar: async ({ sessionIds }) => {
      // (each session once, however often it is named)
      const ids = sessionIds ? [...new Set(sessionIds)] : undefined;
      const views = ids ? ids.map((id) => this.watch.session(id)) : this.watch.sessions();
      const missing = ids?.filter((_, i) => !views[i]);
      if (missing?.length) return fail('not_found', `no session ${missing.join(', ')}`);
      // (written in steps, the proxy running between them: a row that leaves the log meanwhile is left out)
      const kept = (row: FrameView) => !(row instanceof FrameRef) || row.kept;
      const sessions: HarSession[] = views.map((v) => ({ session: this.redact.session(v!), frames: this.redact.frames(this.traffic.rowsOf(v!.id) ?? [], v!), payload: (row) => this.traffic.payloads.get(row), kept }));
      const exchanges = sessionIds ? [] : this.traffic.exchanges();
      // (by id, looked up once each: the log's own lookup searches from the newest, n²/2 steps a pass;
      // an exchange that leaves the log meanwhile has no kept bodies left)
      const raw = new Map(exchanges.map((x) => [x.id, x]));
      const bodies = (x: ExchangeView, decoding: DecodeBudget) => {
        const r = raw.get(x.id);
        return r?.bodies && { request: this.body(r, 'request', decoding), response: this.body(r, 'response', decoding) };
      };
      const har = await exportHarInSteps(sessions, exchanges.map((x) => this.redact.exchange(x)), undefined, undefined, bodies);
      return har.ok ? ok(har.text) : fail('too_large', har.message);
    },
    importHar: async ({ text }) => {
      const r = await importHarInSteps(text);
      if (!r.ok) return fail('invalid_har', r.message);
      const v = r.value;
      return ok({ ...v, sessions: v.sessions.map((s) => ({ ...s, session: this.redact.session(s.session), frames: this.redact.frames(s.frames, s.session) })), exchanges: v.exchanges.map((x) => this.redact.exchange(x)), bodies: this.redactBodies(v.bodies) });
    },
    exchanges: async () => ok(this.traffic.exchanges().map((v) => this.redact.exchange(v))),
    logs: async () => ok(this.traffic.logs().map((v) => this.redact.log(v))),
    exportNginx: async ({ source, shape }) => this.exportText(source, shape),
    testNginx: async ({ source, shape }) => {
      const r = await this.exportText(source, shape);
      return r.ok ? ok(await this.nginxExports.check(r.value.text, shape)) : r;
    },
    markExported: async ({ text, how, source, shape }) => ok(this.nginxExports.remember(text, how, source, shape)),
    lastExport: async () => ok(this.nginxExports.lastExport()),
    saveNginx: async ({ source, shape }) => {
      if (!this.saveFile) return fail('not_available', 'saving to a file needs the desktop app; the page downloads nginx.conf instead');
      const r = await this.exportText(source, shape);
      if (!r.ok) return r;
      const path = await this.saveFile(exportFileName(shape), r.value.text);
      return ok(path === null ? { saved: false as const } : { saved: true as const, last: this.nginxExports.remember(r.value.text, 'save', source, shape, path) });
    },
  };

  /** The desktop shell's save dialog, for `saveNginx`. */
  setFileSaver(saver: FileSaver | null): void {
    this.saveFile = saver;
  }

  private async exportText(source: 'draft' | 'applied', shape: 'full' | 'snippet'): Promise<Result<{ text: string }>> {
    const state = this.store.state();
    const doc = source === 'draft' ? state.draft : state.applied;
    if (doc === null) return fail('nothing_applied', 'nothing has been applied yet');
    const v = validateConfig(doc, this.localhost);
    if (!v.ok) return fail('invalid_config', `the ${source} has problems; fix them to export`, { issues: v.issues });
    return ok({ text: exportNginx(v.config, { shape }) });
  }

  private async inject(id: number, direction: 'client' | 'upstream', opcode: 'text' | 'binary', payload: Buffer): Promise<Result<FrameView>> {
    const live = this.engine.liveSession(id);
    if (!live) return fail('not_live', `session ${id} is not open`);
    const from = direction === 'client' ? 'upstream' : 'client';
    // logged as it goes to the peer's socket, as closeSession's Close frames: after the rows of what
    // was passed on before it, before those of what follows it (in the same read, too)
    let row: Promise<FrameView> | null = null;
    const record = () => (row ??= this.watch.recordInjected(id, { time: Date.now(), from, opcode, fin: true, length: payload.length, preview: previewOf(opcode, payload), closeCode: null, payload: 'kept', data: payload }));
    try {
      await live.inject(direction, opcode, payload, this.injectWaitMs, record);
    } catch (e) {
      if (e instanceof InjectBusyError) {
        const sender = direction === 'upstream' ? 'the client' : 'the upstream';
        return fail('busy', `session ${id}: ${sender} kept a fragmented message open for ${this.injectWaitMs / 1000} s, so the ${opcode} message was not sent to the ${direction} (a frame can only go in between two messages); try again`);
      }
      return fail(sessionFailureCode(e), (e as Error).message);
    }
    return ok(await record());
  }

  /** Stop the feed and the watchers (the engine is the caller's to stop). */
  close(): void {
    this.engine.captureBodies(0);
    this.watch.close();
    this.feed.close();
  }

  private async apply({ draft }: Params<'apply'>, asked: unknown): Promise<Result<ApplyOutcome>> {
    if (draft !== undefined) this.store.setDraft(draft);
    const doc = this.store.currentDraft();
    const v = validateConfig(doc, this.localhost);
    if (!v.ok) {
      this.configChanged();
      return fail('invalid_config', `the draft has ${v.issues.length} problem${v.issues.length === 1 ? '' : 's'}; nothing was applied`, { issues: v.issues });
    }
    const r = await this.engine.apply(doc);
    if (!r.ok) return fail('apply_failed', r.issues.map((i) => i.message).join('; '), { issues: r.issues });
    this.store.markApplied(doc);
    return ok(this.afterApply(r.listeners.map(listenerView), asked));
  }

  private async undo(asked: unknown): Promise<Result<ApplyOutcome>> {
    const target = this.store.undoTarget();
    if (target === null) return fail('nothing_to_undo', 'there is no earlier applied config');
    const r = await this.engine.apply(target);
    if (!r.ok) return fail('apply_failed', r.issues.map((i) => i.message).join('; '), { issues: r.issues });
    this.store.undone();
    return ok(this.afterApply(r.listeners.map(listenerView), asked));
  }

  private afterApply(listeners: ApplyOutcome['listeners'], asked: unknown): ApplyOutcome {
    const config = this.configChanged();
    if (config.applied !== null) this.onApplied?.(config.applied, asked);
    this.feed.listeners(listeners);
    this.feed.upstreams(upstreamViews(this.engine.upstreamStatus()));
    return { listeners, config };
  }

  private configChanged(): ResultOf<'getConfig'> {
    const state = this.store.state();
    this.feed.config(state);
    return state;
  }

  /** Resolves once every apply asked for so far has run. */
  settled(): Promise<void> {
    return this.applying.then(() => undefined);
  }

  /** Applies run one at a time, in arrival order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.applying.then(fn, fn);
    this.applying = run.catch(() => undefined);
    return run;
  }
}

/** The code of a failed action on a live session: the session's stable ones pass (peer_closed,
 * closing); any other failure, a socket's error (EPIPE) too, is not_sent. */
function sessionFailureCode(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return code === 'peer_closed' || code === 'closing' || code === 'not_websocket' || code === 'busy' ? code : 'not_sent';
}
