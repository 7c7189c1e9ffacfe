// Reading a HAR file for viewing: entries with WebSocket messages (Chrome's `_webSocketMessages`)
// become closed sessions with frame logs, the other entries HTTP exchanges. The input is untrusted:
// checked with zod, sizes capped, nothing of it reaches the engine.
import { MAX_CONTROL_PAYLOAD } from '../inspect/types.ts';
import { base64Error } from '../../app/text/base64.ts';
import { z } from 'zod';
import { formatPath } from '../../app/config/issues.ts';
import { isObject } from '../../app/config/migrate.ts';
import { IMPORT_DECODED_MAX, harBodySchema, importedBody } from './har-bodies.ts';
import { decodeBudget } from './exchange-body.ts';
import type { ExchangeView, FramePayload, FrameView, ImportedHar, ImportedSession } from '../../app/api/contract.ts';
import { hexPreview, HEX_PREVIEW_BYTES } from '../inspect/payload.ts';
import { cutPreview } from './frame-preview.ts';
import { cutText } from '../../app/text/utf16.ts';
import { printable } from '../../app/text/printable.ts';
import { targetOf } from './har-target.ts';

/** The longest route label, location, route explanation, cause or note the import keeps. */
const HAR_TEXT_MAX = 2000;

/** `s` cut to `max` characters when longer, its last one '…' (a UTF-16 pair is not split). */
const cutDisplayText = (s: string, max: number) => (s.length <= max ? s : cutText(s, max - 1));

/** Display text of Switchyard's own export (har.ts writes it whole: a cause quotes what a peer sent,
 * a route explanation its regex): past `max` characters it is cut for viewing, not refused. */
const displayText = (max: number) => z.string().transform((s) => cutDisplayText(s, max));
/** The most tries of an exchange the import keeps (the first ones). */
const TRIES_MAX = 1000;
/** How a session the file says was still open when exported ended, as far as the file knows: it is
 * shown closed (nothing of it is live), but not as if it had closed at the file's last moment. */
export const OPEN_WHEN_EXPORTED = 'still open when the file was exported: its duration, frames and bytes are up to then';

/** The last date JavaScript has (ms since the epoch). */
const MAX_DATE = 8.64e15;
const header = z.object({ name: z.string(), value: z.string() });
const wsMessage = z.object({
  type: z.enum(['send', 'receive', 'error']),
  // seconds (Chrome) or milliseconds (Playwright) since the epoch: either way a date JavaScript has
  time: z.number().min(0).max(MAX_DATE / 1000), opcode: z.number().int(), data: z.string(),
  // what Switchyard's own export adds to a message (har.ts); other files have none of it
  _switchyard: z.object({
    seq: z.number().int().min(0).optional(),
    length: z.number().int().min(0).optional(),
    wireLength: z.number().int().min(0).optional(),
    closeCode: z.number().int().min(0).max(65535).optional(),
    injected: z.boolean().optional(),
    notForwarded: z.boolean().optional(),
    /** false: a message the connection ended inside (FrameView.fin) */
    fin: z.boolean().optional(),
    decodeError: displayText(1000).optional(),
    encodedBy: displayText(1000).optional(),
    payload: z.enum(['kept', 'truncated', 'evicted']).optional(),
    /** an evicted payload the export left out to stay within what the import reads (har-text.ts) */
    omitted: z.literal(true).optional(),
    utf8ErrorOffset: z.number().int().min(0).optional(),
    bytesBase64: z.string().optional(),
    /** the bytes kept of a truncated text whose data stops before the character its cut fell in */
    keptBytes: z.number().int().min(0).optional(),
    dataBase64: z.literal(true).optional(),
    /** the side a violation ('error' message) was found in */
    from: z.enum(['client', 'upstream']).optional(),
  }).optional(),
}).superRefine((m, ctx) => {
  // (checked: Node's decoder would take anything, app/text/base64.ts)
  const bad = isBase64(m) ? base64Error(m.data) : null;
  if (bad) ctx.addIssue({ code: 'custom', path: ['data'], message: `not base64 (the data of ${m.opcode === 2 ? 'a binary message' : 'this message'} is): ${bad}` });
  const exact = m._switchyard?.bytesBase64;
  const badExact = exact !== undefined ? base64Error(exact) : null;
  if (badExact) ctx.addIssue({ code: 'custom', path: ['_switchyard', 'bytesBase64'], message: `not base64: ${badExact}` });
});
const timing = z.number().optional();
const entry = z.object({
  startedDateTime: z.string().refine((s) => Number.isFinite(Date.parse(s)), 'not an ISO 8601 date'),
  time: z.number().max(MAX_DATE / 1000),
  request: z.object({ method: z.string(), url: z.string(), httpVersion: z.unknown().optional(), headers: z.array(header), bodySize: z.number().optional(), postData: harBodySchema }),
  // (0: Chrome's for a request that got no answer)
  response: z.object({ status: z.number().int().min(0).max(999), headers: z.array(header), bodySize: z.number().optional(), content: z.object({ size: z.number().optional() }).and(harBodySchema.unwrap()).optional() }),
  timings: z.object({ blocked: timing, dns: timing, connect: timing, send: timing, wait: timing }).optional(),
  serverIPAddress: z.string().optional(),
  _resourceType: z.string().optional(),
  _webSocketMessages: z.array(wsMessage).optional(),
  // what Switchyard's own export adds to an entry (har.ts)
  _switchyard: z.object({
    clientAddress: displayText(200).optional(),
    upstream: displayText(200).nullable().optional(),
    upstreamPath: z.string().nullable().optional(),
    sessionId: z.number().int().min(1).optional(),
    route: displayText(HAR_TEXT_MAX).optional(),
    routeName: displayText(HAR_TEXT_MAX).optional(),
    routeWhere: displayText(HAR_TEXT_MAX).optional(),
    cause: displayText(HAR_TEXT_MAX).nullable().optional(),
    note: displayText(HAR_TEXT_MAX).optional(),
    tries: z.array(z.object({ upstream: displayText(200), outcome: displayText(HAR_TEXT_MAX) })).transform((t) => t.slice(0, TRIES_MAX)).optional(),
    bytesFromClient: z.number().int().min(0).optional(),
    bytesFromUpstream: z.number().int().min(0).optional(),
    framesFromClient: z.number().int().min(0).optional(),
    framesFromUpstream: z.number().int().min(0).optional(),
    framesInjected: z.number().int().min(0).optional(),
    closedBy: z.enum(['client', 'upstream', 'proxy']).nullable().optional(),
    closeReason: z.string().nullable().optional(),
    /** a session still open when the file was written: its time, frames and counts are up to then */
    openWhenExported: z.literal(true).optional(),
    closeFrame: z.object({ from: z.enum(['client', 'upstream', 'proxy']), code: z.number().int().min(0).max(65535).nullable(), reason: displayText(1000), invalid: displayText(1000).optional() }).nullable().optional(),
    violation: displayText(HAR_TEXT_MAX).optional(),
    /** an exchange no first byte came for (its wait is the whole time) */
    noFirstByte: z.literal(true).optional(),
  }).optional(),
});
// (HAR 1.2 reads 1.1 files too; an empty version means 1.1) Entries and their messages are checked
// one by one (importing), so that a large file can be read in steps.
const har = z.object({ log: z.object({ version: z.string().regex(/^(1\.\d+)?$/, 'HAR 1.x expected'), creator: z.object({ name: z.string(), version: z.string().optional() }), entries: z.array(z.unknown()).max(100_000) }) });
const entryShell = entry.extend({ _webSocketMessages: z.array(z.unknown()).optional() });

/** An entry; its messages are checked one by one, in importing (SessionRows). */
type Entry = z.infer<typeof entryShell>;
export type HarImport = { ok: true; value: ImportedHar } | { ok: false; message: string };

const OPCODE_NAMES: Record<number, string> = { 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

const flat = (h: Array<{ name: string; value: string }>) => h.flatMap((x) => [x.name, x.value]);
/** The request target the log showed (see har-target.ts). */
const pathOf = (e: Entry, scheme: 'http' | 'ws') => targetOf(e.request.url, e._switchyard ? { scheme, host: e.request.headers.find((h) => h.name.toLowerCase() === 'host')?.value } : undefined);
const explainOf = (e: Entry) => (e._switchyard?.route ? `imported from HAR: ${e._switchyard.route}` : 'imported from HAR');
/** No route of the running config (location null: the UI shows the name alone): the route's label
 * and location as Switchyard's export wrote them ("chat (/chat/)"), else 'imported'. */
const routeOf = (e: Entry) => {
  const { routeName: name = '', routeWhere: where = '' } = e._switchyard ?? {};
  const label = name && where ? `${name} (${where})` : name || where;
  return { server: 0, location: null, name: label || 'imported', where: '', explain: explainOf(e) };
};
const timeOf = (e: Entry) => {
  const t = Date.parse(e.startedDateTime);
  return Number.isFinite(t) ? t : 0;
};

/** A message's time in ms: Chrome DevTools writes seconds since the epoch, Playwright milliseconds;
 * the reading nearer the entry's start is the one meant. */
const messageMs = (t: number, start: number) => Math.round(Math.abs(t * 1000 - start) <= Math.abs(t - start) ? t * 1000 : t);

/** An exchange's timings from HAR's: connected after blocked + dns + connect (ssl is part of
 * connect), the first byte after send and wait too. */
function timingsOf(e: Entry): ExchangeView['timings'] {
  const out: ExchangeView['timings'] = { totalMs: Math.max(0, e.time) };
  const t = e.timings;
  if (!t) return out;
  const pos = (n: number | undefined) => (n !== undefined && n > 0 ? n : 0);
  const connected = pos(t.blocked) + pos(t.dns) + pos(t.connect);
  if (t.connect !== undefined && t.connect >= 0) out.connectMs = connected;
  if (t.wait !== undefined && t.wait >= 0 && e._switchyard?.noFirstByte !== true) out.firstByteMs = connected + pos(t.send) + t.wait;
  return out;
}

type Message = z.infer<typeof wsMessage>;

/** Whether a message's data is base64 of its bytes: binary, a message in an unknown extension's
 * encoding, a ping or pong that is not UTF-8 (`dataBase64`); see har.ts. */
const isBase64 = (m: Message) => m.type !== 'error' && (m.opcode === 2 || m._switchyard?.encodedBy !== undefined || m._switchyard?.dataBase64 === true);

/** Whether a message's payload was kept whole, cut or evicted: Switchyard's own files say so, and
 * a message of theirs (it has its seq) that does not had none captured (a compressed one that did not
 * inflate: its data is the row's preview); other files carry whole messages. */
const payloadState = (m: Message): FrameView['payload'] => m._switchyard?.payload ?? (m._switchyard?.seq === undefined ? 'kept' : undefined);

/** A message's payload as the file has it (an evicted one carries only its preview). A text message
 * whose exact bytes the file has (not UTF-8) keeps those, as base64. */
function payloadOf(m: Message, kept: NonNullable<FrameView['payload']>, bytes: Buffer, base64: boolean): FramePayload {
  const encoding = base64 || m._switchyard?.bytesBase64 !== undefined ? 'base64' : 'text';
  if (kept === 'evicted') return { encoding, data: '', bytes: 0, truncated: false, evicted: true, ...(m._switchyard?.omitted ? { omitted: true as const } : {}) };
  // (keptBytes: a cut text's bytes kept, up to 3 more than the whole characters its data has; never
  // more than that, nor than the message, whatever a file says)
  const said = kept === 'truncated' ? m._switchyard?.keptBytes ?? 0 : 0;
  const count = Math.max(bytes.length, Math.min(said, bytes.length + 3, m._switchyard?.length ?? Infinity));
  return { encoding, data: encoding === 'base64' ? bytes.toString('base64') : m.data, bytes: count, truncated: kept === 'truncated', evicted: false };
}

function frame(m: Message, seq: number, start: number, payloads: Record<number, FramePayload>): FrameView {
  // (Chrome DevTools' 'error' messages, opcode -1: an error the browser saw on the connection)
  const opcode = m.type === 'error' ? 'violation' : OPCODE_NAMES[m.opcode] ?? `opcode ${m.opcode}`;
  const own = m._switchyard;
  // (checked base64: see wsMessage)
  const base64 = isBase64(m);
  const exact = own?.bytesBase64;
  const bytes = base64 ? Buffer.from(m.data, 'base64') : exact !== undefined ? Buffer.from(exact, 'base64') : Buffer.from(m.data, 'utf8');
  // (a ping or pong as base64: all its bytes in hex, as the live row has them)
  const hex = base64 && m.opcode !== 2 && own?.encodedBy === undefined;
  const shown = hex ? MAX_CONTROL_PAYLOAD : HEX_PREVIEW_BYTES;
  // (bytes: the hex of the first bytes, '…' when there are more, also bytes an evicted payload lost)
  const preview = base64 ? hexPreview(bytes, shown, 0, bytes.length) + (bytes.length <= shown && (own?.length ?? 0) > bytes.length ? ' …' : '') : cutPreview(m.data);
  const f: FrameView = { seq, time: messageMs(m.time, start), from: m.type === 'error' ? own?.from ?? 'upstream' : m.type === 'send' ? 'client' : 'upstream', opcode, fin: own?.fin !== false, length: own?.length ?? (m.type === 'error' ? 0 : bytes.length), preview, closeCode: own?.closeCode ?? null };
  if (hex) f.previewHex = true;
  if (own?.utf8ErrorOffset !== undefined) f.utf8ErrorOffset = own.utf8ErrorOffset;
  if (own?.wireLength !== undefined) f.wireLength = own.wireLength;
  if (own?.decodeError !== undefined) f.decodeError = own.decodeError;
  if (own?.encodedBy !== undefined) f.encodedBy = own.encodedBy;
  if (own?.injected) f.injected = true;
  if (own?.notForwarded) f.notForwarded = true;
  const kept = m.type !== 'error' && (m.opcode === 1 || m.opcode === 2) ? payloadState(m) : undefined;
  if (kept) {
    payloads[seq] = payloadOf(m, kept, bytes, base64);
    f.payload = kept;
  }
  return f;
}

/** What each peer sent, counted as the live log counts it (traffic-watch.ts): a violation row is a
 * note, not a frame, and frames Switchyard sent itself are counted apart; and the last row's time. */
function tally(frames: readonly FrameView[]) {
  const t = { client: { frames: 0, bytes: 0 }, upstream: { frames: 0, bytes: 0 }, injected: 0, last: -Infinity };
  for (const f of frames) {
    t.last = Math.max(t.last, f.time);
    if (f.opcode === 'violation') continue;
    if (f.injected) t.injected++;
    else {
      t[f.from].frames++;
      t[f.from].bytes += f.length;
    }
  }
  return t;
}

/** An entry's messages as frame rows and payloads, one message at a time (importing). */
class SessionRows {
  readonly frames: FrameView[] = [];
  readonly payloads: Record<number, FramePayload> = {};
  // (the rows' own numbers when the file has them, increasing: older rows may have been dropped)
  private seq = -1;
  private readonly opened: number;

  constructor(e: Entry) {
    this.opened = timeOf(e);
  }

  add(m: Message): void {
    this.seq = Math.max(this.seq + 1, m._switchyard?.seq ?? 0);
    this.frames.push(frame(m, this.seq, this.opened, this.payloads));
  }
}

function session(e: Entry, id: number, rows: SessionRows): ImportedSession {
  const opened = timeOf(e);
  const { frames, payloads } = rows;
  const own = e._switchyard;
  const sent = tally(frames);
  const path = pathOf(e, 'ws');
  return {
    session: {
      id, url: path, clientAddress: own?.clientAddress ?? '', route: routeOf(e),
      upstream: own?.upstream ?? e.serverIPAddress ?? null, upstreamPath: own?.upstreamPath ?? path, tries: own?.tries ?? [],
      requestHeaders: flat(e.request.headers), responseHeaders: flat(e.response.headers),
      subprotocol: e.response.headers.find((h) => h.name.toLowerCase() === 'sec-websocket-protocol')?.value ?? null,
      extensions: e.response.headers.find((h) => h.name.toLowerCase() === 'sec-websocket-extensions')?.value ?? null,
      // (closedAt: no earlier than the last message; Chrome's entry time is the handshake's)
      state: e.response.status === 101 ? 'closed' : 'rejected', status: e.response.status === 0 ? null : e.response.status, openedAt: opened, closedAt: Math.max(sent.last, opened + Math.round(Math.max(0, e.time))),
      closedBy: own?.closedBy ?? null, closeReason: own?.closeReason ?? (own?.openWhenExported ? OPEN_WHEN_EXPORTED : null), closeFrame: own?.closeFrame ?? null,
      bytesFromClient: own?.bytesFromClient ?? sent.client.bytes, bytesFromUpstream: own?.bytesFromUpstream ?? sent.upstream.bytes,
      // (a handshake refused had no frames to record: the session says so, as it did live)
      framesAvailable: e.response.status === 101 || frames.length > 0,
      // (the export's exact counters when it has them: its messages may be only the rows kept)
      framesFromClient: own?.framesFromClient ?? sent.client.frames, framesFromUpstream: own?.framesFromUpstream ?? sent.upstream.frames,
      ...((own?.framesInjected ?? sent.injected) ? { framesInjected: own?.framesInjected ?? sent.injected } : {}),
      ...(own?.violation !== undefined ? { violation: own.violation } : {}),
    },
    frames,
    payloads,
  };
}

function exchange(e: Entry, id: number): ExchangeView {
  const own = e._switchyard;
  return {
    id, method: e.request.method, url: pathOf(e, 'http'), ...versionOf(e.request.httpVersion, own !== undefined), clientAddress: own?.clientAddress ?? '', route: own?.route ? routeOf(e) : null, upstream: own?.upstream ?? e.serverIPAddress ?? null, upstreamPath: own?.upstreamPath ?? null,
    status: e.response.status, cause: own?.cause ?? null, note: own?.note ?? null, tries: own?.tries ?? [], startedAt: timeOf(e), timings: timingsOf(e),
    requestHeaders: flat(e.request.headers), responseHeaders: flat(e.response.headers), requestBytes: Math.max(0, e.request.bodySize ?? 0), responseBytes: responseBytes(e.response),
  };
}

/** An HTTP/1.x request's version as the log keeps it ("HTTP/1.0" → "1.0"); other protocols' names
 * (Chrome's "h2", "http/2.0") give none. Switchyard's own file (`own`) writes the version the client's
 * request line named, whatever it was ("HTTP/2.0" answered 505, "HTTP/0.9" 400): that comes back. */
function versionOf(v: unknown, own: boolean): { httpVersion?: string } {
  // (only shown: a file that writes it otherwise, null or a number, imports without it)
  const m = typeof v === 'string' ? (own ? /^HTTP\/(\d\.\d)$/ : /^HTTP\/(1\.[01])$/i).exec(v) : null;
  return m ? { httpVersion: m[1]! } : {};
}

/** Messages (and entries) checked between two steps of `importing`: a few milliseconds' work. */
const STEP_ITEMS = 2000;

/** Why a part of the file at `at` is refused: its first issues, each with its path from the top. */
function refusal(issues: readonly z.core.$ZodIssue[], at: Array<string | number>): HarImport {
  return { ok: false, message: issues.slice(0, 5).map((i) => `${formatPath([...at, ...(i.path as Array<string | number>)]) || 'document'}: ${i.message}`).join('; ') };
}

/** A JSON document of another kind (no "log" object at its top, such as a Switchyard config picked by
 * mistake): said in those words, rather than as the schema's "log: expected object, received undefined". */
function notHarFile(doc: unknown): string | null {
  if (isObject(doc) && isObject(doc.log)) return null;
  const config = isObject(doc) && Object.hasOwn(doc, 'schemaVersion') ? ': this is a Switchyard config (it has "schemaVersion"), which opens with switchyard ui --config' : '';
  return `not a HAR file${config || ': it has no "log" object at its top, as every HAR file has (with its version, creator and entries)'}`;
}

/**
 * The import, in steps: it yields after every STEP_ITEMS entries and messages checked, so that a
 * caller on the engine's thread can let the proxy run between them (importHarInSteps); a HAR of
 * 64 MiB may hold a million messages, which take seconds to check and convert.
 */
function* importing(text: string): Generator<void, HarImport> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `not JSON: ${(err as Error).message}` };
  }
  yield;
  const notHar = notHarFile(doc);
  if (notHar) return { ok: false, message: notHar };
  const r = har.safeParse(doc);
  if (!r.success) return refusal(r.error.issues, []);
  const out: ImportedHar = { creator: r.data.log.creator.name, sessions: [], exchanges: [], bodies: {} };
  const fileIds: Array<number | undefined> = [];
  const decoding = decodeBudget(IMPORT_DECODED_MAX);
  let work = 0;
  for (const [i, raw] of r.data.log.entries.entries()) {
    const shell = entryShell.safeParse(raw);
    if (!shell.success) return refusal(shell.error.issues, ['log', 'entries', i]);
    const e = shell.data;
    // (each message checked and made a row in the same step: a long session is most of a file)
    const rows = new SessionRows(e);
    for (const [k, m] of (e._webSocketMessages ?? []).entries()) {
      const checked = wsMessage.safeParse(m);
      if (!checked.success) return refusal(checked.error.issues, ['log', 'entries', i, '_webSocketMessages', k]);
      rows.add(checked.data);
      if (++work >= STEP_ITEMS) {
        work = 0;
        yield;
      }
    }
    const isWs = e._webSocketMessages !== undefined || e._resourceType === 'websocket' || e.response.status === 101 || /^wss?:/i.test(e.request.url);
    if (isWs) {
      out.sessions.push(session(e, i + 1, rows));
      fileIds.push(e._switchyard?.sessionId);
    } else {
      const x = exchange(e, i + 1);
      out.exchanges.push(x);
      const request = importedBody(e.request.postData, x.requestHeaders, x.requestBytes, decoding);
      const response = importedBody(e.response.content, x.responseHeaders, e.response.content?.size ?? x.responseBytes, decoding);
      if (request || response) out.bodies[x.id] = { ...(request ? { request } : {}), ...(response ? { response } : {}) };
    }
    if (++work >= STEP_ITEMS) {
      work = 0;
      yield;
    }
  }
  // Sessions keep the numbers Switchyard gave them (#12 of the live list, of
  // switchyard-session-12.har, is #12 here too) when each has its own; else they are numbered in
  // the file's order (another tool's file, or two files' entries put together)
  if (fileIds.every((id) => id !== undefined) && new Set(fileIds).size === fileIds.length) {
    out.sessions.forEach((s, k) => (s.session.id = fileIds[k]!));
  }
  return { ok: true, value: out };
}

/** A refusal with the file's control characters in it (JSON.parse quotes the text it stopped at)
 * written as `\x00`, `\u202e`: named, not invisible or reordering what the page shows. */
const named = (r: HarImport): HarImport => (r.ok ? r : { ok: false, message: printable(r.message) });

/** Read a HAR file (all at once). */
export function importHar(text: string): HarImport {
  const steps = importing(text);
  for (;;) {
    const r = steps.next();
    if (r.done) return named(r.value);
  }
}

/** Read a HAR file letting the event loop run between steps (the proxy shares the thread). */
export async function importHarInSteps(text: string): Promise<HarImport> {
  const steps = importing(text);
  for (;;) {
    const r = steps.next();
    if (r.done) return named(r.value);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** An answer's body size: HAR's bodySize, or (-1, unknown: Chrome and Playwright write it for
 * bodies they did not count) the content's size. */
function responseBytes(r: { bodySize?: number; content?: { size?: number } }): number {
  if (r.bodySize !== undefined && r.bodySize >= 0) return r.bodySize;
  return Math.max(0, r.content?.size ?? 0);
}
