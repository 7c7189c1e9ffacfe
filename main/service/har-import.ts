// Reading a HAR file for viewing: entries with WebSocket messages (Chrome's `_webSocketMessages`)
// become closed sessions with frame logs, the other entries HTTP exchanges. The input is untrusted:
// checked with zod, sizes capped, nothing of it reaches the engine.
import { z } from 'zod';
import type { ExchangeView, FrameView, ImportedHar, SessionView } from '../../app/api/contract.ts';

const header = z.object({ name: z.string(), value: z.string() });
const wsMessage = z.object({
  type: z.enum(['send', 'receive', 'error']), time: z.number(), opcode: z.number().int(), data: z.string(),
  // what Switchyard's own export adds to a message (har.ts); other files have none of it
  _switchyard: z.object({
    length: z.number().int().min(0).optional(),
    wireLength: z.number().int().min(0).optional(),
    closeCode: z.number().int().min(0).max(65535).optional(),
    injected: z.boolean().optional(),
    notForwarded: z.boolean().optional(),
    decodeError: z.string().max(1000).optional(),
  }).optional(),
});
const entry = z.object({
  startedDateTime: z.string(),
  time: z.number(),
  request: z.object({ method: z.string(), url: z.string(), headers: z.array(header), bodySize: z.number().optional() }),
  response: z.object({ status: z.number(), headers: z.array(header), bodySize: z.number().optional() }),
  serverIPAddress: z.string().optional(),
  _resourceType: z.string().optional(),
  _webSocketMessages: z.array(wsMessage).optional(),
  _switchyard: z.object({
    closedBy: z.enum(['client', 'upstream', 'proxy']).nullable().optional(),
    closeReason: z.string().nullable().optional(),
    closeFrame: z.object({ from: z.enum(['client', 'upstream', 'proxy']), code: z.number().int().min(0).max(65535).nullable(), reason: z.string().max(1000) }).nullable().optional(),
    violation: z.string().max(2000).optional(),
  }).optional(),
});
const har = z.object({ log: z.object({ version: z.string(), creator: z.object({ name: z.string(), version: z.string().optional() }), entries: z.array(entry).max(100_000) }) });

type Entry = z.infer<typeof entry>;
export type HarImport = { ok: true; value: ImportedHar } | { ok: false; message: string };

const OPCODE_NAMES: Record<number, string> = { 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };
const PREVIEW = 512;

const flat = (h: Array<{ name: string; value: string }>) => h.flatMap((x) => [x.name, x.value]);
const pathOf = (url: string) => {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
};
const timeOf = (e: Entry) => {
  const t = Date.parse(e.startedDateTime);
  return Number.isFinite(t) ? t : 0;
};

/** A message's time in ms: Chrome DevTools writes seconds since the epoch, Playwright milliseconds;
 * the reading nearer the entry's start is the one meant. */
const messageMs = (t: number, start: number) => Math.round(Math.abs(t * 1000 - start) <= Math.abs(t - start) ? t * 1000 : t);

function frame(m: z.infer<typeof wsMessage>, seq: number, start: number): FrameView {
  // (Chrome DevTools' 'error' messages, opcode -1: an error the browser saw on the connection)
  const opcode = m.type === 'error' ? 'violation' : OPCODE_NAMES[m.opcode] ?? `opcode ${m.opcode}`;
  const bytes = m.opcode === 2 ? Buffer.from(m.data, 'base64') : Buffer.from(m.data, 'utf8');
  const preview = m.opcode === 2 ? [...bytes.subarray(0, 64)].map((b) => b.toString(16).padStart(2, '0')).join(' ') + (bytes.length > 64 ? ' …' : '') : m.data.length > PREVIEW ? `${m.data.slice(0, PREVIEW)}…` : m.data;
  const own = m._switchyard;
  const f: FrameView = { seq, time: messageMs(m.time, start), from: m.type === 'send' ? 'client' : 'upstream', opcode, fin: true, length: own?.length ?? bytes.length, preview, closeCode: own?.closeCode ?? null };
  if (own?.wireLength !== undefined) f.wireLength = own.wireLength;
  if (own?.decodeError !== undefined) f.decodeError = own.decodeError;
  if (own?.injected) f.injected = true;
  if (own?.notForwarded) f.notForwarded = true;
  return f;
}

function session(e: Entry, id: number): { session: SessionView; frames: FrameView[] } {
  const opened = timeOf(e);
  const frames = (e._webSocketMessages ?? []).map((m, i) => frame(m, i, opened));
  const sum = (from: string) => frames.filter((f) => f.from === from).reduce((n, f) => n + f.length, 0);
  const path = pathOf(e.request.url);
  return {
    session: {
      id, url: path, clientAddress: '', route: { server: 0, location: null, name: '', explain: 'imported from HAR' },
      upstream: e.serverIPAddress ?? null, upstreamPath: path, requestHeaders: flat(e.request.headers), responseHeaders: flat(e.response.headers),
      subprotocol: e.response.headers.find((h) => h.name.toLowerCase() === 'sec-websocket-protocol')?.value ?? null,
      extensions: e.response.headers.find((h) => h.name.toLowerCase() === 'sec-websocket-extensions')?.value ?? null,
      state: e.response.status === 101 ? 'closed' : 'rejected', status: e.response.status === 0 ? null : e.response.status, openedAt: opened, closedAt: opened + Math.max(0, e.time),
      closedBy: e._switchyard?.closedBy ?? null, closeReason: e._switchyard?.closeReason ?? null, closeFrame: e._switchyard?.closeFrame ?? null,
      bytesFromClient: sum('client'), bytesFromUpstream: sum('upstream'), framesAvailable: true,
      ...(e._switchyard?.violation !== undefined ? { violation: e._switchyard.violation } : {}),
    },
    frames,
  };
}

function exchange(e: Entry, id: number): ExchangeView {
  return {
    id, method: e.request.method, url: pathOf(e.request.url), clientAddress: '', route: null, upstream: e.serverIPAddress ?? null, upstreamPath: null,
    status: e.response.status, cause: null, tries: [], startedAt: timeOf(e), timings: { totalMs: Math.max(0, e.time) },
    requestHeaders: flat(e.request.headers), responseHeaders: flat(e.response.headers), requestBytes: Math.max(0, e.request.bodySize ?? 0), responseBytes: Math.max(0, e.response.bodySize ?? 0),
  };
}

export function importHar(text: string): HarImport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `not JSON: ${(err as Error).message}` };
  }
  const r = har.safeParse(doc);
  if (!r.success) return { ok: false, message: r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'document'}: ${i.message}`).join('; ') };
  const out: ImportedHar = { creator: r.data.log.creator.name, sessions: [], exchanges: [] };
  r.data.log.entries.forEach((e, i) => {
    const isWs = e._webSocketMessages !== undefined || e._resourceType === 'websocket' || e.response.status === 101 || /^wss?:/i.test(e.request.url);
    if (isWs) out.sessions.push(session(e, i + 1));
    else out.exchanges.push(exchange(e, i + 1));
  });
  return { ok: true, value: out };
}
