// The HAR export's text, written in steps: the engine shares the thread, so the export yields to it
// every few thousand messages or few MiB of text (exportHarInSteps), as the import reads in steps. It
// is the text JSON.stringify(har, null, 2) gives, written a message at a time (each stringified at
// its depth), so that no copy of the whole document is made but the text itself.
// A file is at most what the import reads (API_LIMITS.maxImportHarBytes, of UTF-8): past that, the
// payloads of the oldest messages are left out, as the total payload cap evicts them (the message
// keeps the row's preview as its data, `_switchyard.payload: 'evicted'` and `omitted: true`), and
// `log.comment` says how many. Only payloads larger in the file than what replaces them go: leaving
// out a short one (a ping's, a one-byte text's) would make its message longer. A payload the cap
// evicts while the file is written makes its message a few bytes longer too: a pass that runs over
// for that leaves out more and is written again. Only a file too large without every payload that
// can go is refused, with its size.
import type { ExchangeBody, ExchangeView } from '../../app/api/contract.ts';
import { API_LIMITS } from '../../app/api/contract.ts';
import { HAR_OMITTED_NOTE } from '../../app/traffic/har-note.ts';
import { exchangeEntry, exported, message, sessionEntry, violation, type HarSession } from './har.ts';
import { decodeBudget, type DecodeBudget } from './exchange-body.ts';

/** The largest HAR file exported, bytes of UTF-8: what the import reads (so that every export
 * imports back; the renderer checks the file's size, the service its characters). */
export const HAR_MAX_BYTES = API_LIMITS.maxImportHarBytes;

export type HarExport = { ok: true; text: string } | { ok: false; message: string };

/** An exchange's kept bodies, as the log shows them (redacted), when any (har-bodies.ts); a body in
 * a content coding decoded within `decoding`, the pass's (what would not fit the file's limit is
 * not decoded: a few bytes of brotli decode to megabytes). */
export type HarBodies = (x: ExchangeView, decoding: DecodeBudget) => { request?: ExchangeBody; response?: ExchangeBody } | undefined;
type Sides = ReturnType<HarBodies>;
const SIDES = ['request', 'response'] as const;

/** A body the file leaves out: as an evicted one, marked omitted. */
function leftOut(b: ExchangeBody | undefined): ExchangeBody | undefined {
  return b && { total: b.total, ...(b.contentType !== undefined ? { contentType: b.contentType } : {}), encoding: b.encoding, data: '', bytes: 0, truncated: false, evicted: true, omitted: true };
}
/** Whether a body has bytes in the file that leaving it out would save. */
const hasBytes = (b: ExchangeBody | undefined): b is ExchangeBody => !!b && !b.evicted && b.data.length > 0;

/** Messages and text (characters) written between two steps: a few milliseconds' work. */
const STEP_MESSAGES = 2000;
const STEP_CHARS = 1024 * 1024;
/** Room kept for what may grow between the passes (a live session's time, payloads evicted) and
 * the comment. */
const SLACK = 4096;

const ENTRY = '      ';
const MESSAGE = '          ';
/** `value` as JSON.stringify(…, null, 2) writes it where its first line starts at `indent`. */
const at = (value: unknown, indent: string) => JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
/** A size in a refusal: MiB and bytes, so that one just past the limit does not read as equal to it. */
const sized = (n: number, also = '') => `${mib(n).replace(/\.0$/, '')} MiB (${n.toLocaleString('en-US')} bytes${also})`;

/** A message with a payload the file may leave out: one larger than what replaces it. */
interface Payloaded {
  session: number;
  seq: number;
  time: number;
  /** Bytes its payload takes in the file beyond its preview and the marks of one left out (> 0). */
  extra: number;
}

/** One pass over the entries; `omit` names the messages written without their payload. */
class Pass {
  readonly pieces: string[] = [];
  size = 0;
  /** false once past the limit: the pieces are dropped and only counted. */
  keep = true;
  /** The messages written with their payload, and those of them the file may leave out (an
   * exchange's bodies among them, as session -1 - its index, seq 0 or 1 for request or response). */
  withPayload = 0;
  /** Of those, HTTP bodies. */
  withBody = 0;
  readonly payloaded: Payloaded[] = [];
  private work = 0;
  private chars = 0;

  /** What the pass's bodies may decode to, in all: half the file's limit (the rest for the others). */
  readonly decoding: DecodeBudget;

  constructor(private readonly max: number, private readonly omit: Map<number, Set<number>> | null) {
    this.decoding = decodeBudget(Math.floor(max / 2));
  }

  add(piece: string): boolean {
    this.size += bytes(piece);
    if (this.keep && this.size > this.max) {
      this.keep = false;
      this.pieces.length = 0;
    }
    if (this.keep) this.pieces.push(piece);
    this.chars += piece.length;
    this.work++;
    if (this.work < STEP_MESSAGES && this.chars < STEP_CHARS) return false;
    this.work = 0;
    this.chars = 0;
    return true;
  }

  /** An exchange's entry, with its bodies but those left out. */
  exchange(x: ExchangeView, index: number, all: Sides): string {
    const omitted = this.omit?.get(-1 - index);
    const bodies: Sides = all && omitted ? { request: omitted.has(0) ? leftOut(all.request) : all.request, response: omitted.has(1) ? leftOut(all.response) : all.response } : all;
    const piece = at(exchangeEntry(x, bodies), ENTRY);
    for (const [k, side] of SIDES.entries()) {
      const b = bodies?.[side];
      if (!hasBytes(b)) continue;
      this.withPayload++;
      this.withBody++;
      const extra = bytes(piece) - bytes(at(exchangeEntry(x, { ...bodies, [side]: leftOut(b) }), ENTRY));
      if (extra > 0) this.payloaded.push({ session: -1 - index, seq: k, time: x.startedAt, extra });
    }
    return piece;
  }

  /** A session's messages; yields between steps. */
  *messages(s: HarSession, index: number): Generator<void, void> {
    let first = true;
    const omitted = this.omit?.get(index);
    for (const f of s.frames) {
      if (!exported(s, f)) continue;
      let piece: string;
      if (f.opcode === 'violation') piece = at(violation(f), MESSAGE);
      else {
        const leave = omitted?.has(f.seq) === true;
        const payload = leave ? undefined : s.payload(f);
        piece = at(message(f, payload, leave), MESSAGE);
        // (which to leave out is decided from what a pass wrote with its payload: a pass that runs
        // over leaves out more of them; one no larger than its preview stays, leaving it out saves nothing)
        if (payload) {
          this.withPayload++;
          const extra = bytes(piece) - bytes(at(message(f, undefined, true), MESSAGE));
          if (extra > 0) this.payloaded.push({ session: index, seq: f.seq, time: f.time, extra });
        }
      }
      if (this.add(`${first ? '' : ',\n'}${MESSAGE}${piece}`)) yield;
      first = false;
    }
  }
}

/** The entries in the order they started (sessions first among equals, as a stable sort). */
function order(sessions: HarSession[], exchanges: ExchangeView[]) {
  const all = [
    ...sessions.map((s, i) => ({ started: new Date(s.session.openedAt).toISOString(), session: i, exchange: -1 })),
    ...exchanges.map((x, i) => ({ started: new Date(x.startedAt).toISOString(), session: -1, exchange: i })),
  ];
  return all.sort((a, b) => a.started.localeCompare(b.started));
}

/** The document around its entries: the text before them and after them. */
function shell(version: string, comment: string | undefined): [string, string] {
  const text = JSON.stringify({ log: { version: '1.2', creator: { name: 'Switchyard', version }, pages: [], entries: [], ...(comment ? { comment } : {}) } }, null, 2);
  const mark = '\n    "entries": []';
  const i = text.indexOf(mark);
  return [text.slice(0, i + mark.length - 1), text.slice(i + mark.length - 1)];
}

function* pass(p: Pass, sessions: HarSession[], exchanges: ExchangeView[], version: string, comment?: string, bodies?: HarBodies): Generator<void, void> {
  const [head, tail] = shell(version, comment);
  const entries = order(sessions, exchanges);
  p.add(entries.length ? `${head}\n` : head);
  for (const [k, e] of entries.entries()) {
    const sep = k ? ',\n' : '';
    if (e.exchange >= 0) {
      const x = exchanges[e.exchange]!;
      if (p.add(`${sep}${ENTRY}${p.exchange(x, e.exchange, bodies?.(x, p.decoding))}`)) yield;
      continue;
    }
    const s = sessions[e.session]!;
    const text = at(sessionEntry(s), ENTRY);
    const mark = `\n${ENTRY}  "_webSocketMessages": []`;
    const cut = text.indexOf(mark) + mark.length - 1;
    const some = s.frames.some((f) => exported(s, f));
    // (no messages: the entry as it is, `[]`)
    if (!some) {
      if (p.add(`${sep}${ENTRY}${text}`)) yield;
      continue;
    }
    p.add(`${sep}${ENTRY}${text.slice(0, cut)}\n`);
    yield* p.messages(s, e.session);
    p.add(`\n${ENTRY}  ]${text.slice(cut + 1)}`);
  }
  p.add(entries.length ? `\n    ${tail}` : tail);
}

/** Which payloads to leave out, besides those in `omit` (added to it), so that the file is `over`
 * bytes smaller: the oldest first; all of them when that is not enough. */
function omissions(payloaded: Payloaded[], over: number, omit: Map<number, Set<number>>): { count: number; saved: number } {
  let saved = 0;
  let count = 0;
  const oldest = payloaded.map((m, i) => ({ m, i })).sort((a, b) => a.m.time - b.m.time || a.i - b.i);
  for (const { m } of oldest) {
    if (saved >= over) break;
    let set = omit.get(m.session);
    if (!set) omit.set(m.session, (set = new Set()));
    set.add(m.seq);
    saved += m.extra;
    count++;
  }
  return { count, saved };
}

/** The bytes the document takes around its entries. */
const shellBytes = (version: string, comment?: string) => shell(version, comment).reduce((n, t) => n + bytes(t), 0);

/** The export in steps (see the file's head); the last step's value is the outcome. */
export function* writingHar(sessions: HarSession[], exchanges: ExchangeView[], version = '0.1.0', maxBytes = HAR_MAX_BYTES, bodies?: HarBodies): Generator<void, HarExport> {
  const limit = `the HAR export's limit of ${mib(maxBytes).replace(/\.0$/, '')} MiB (what its import reads)`;
  const refused = (size: number, without: string) => ({ ok: false as const, message: `the HAR would be ${sized(size)}${without}, over the HAR export's limit of ${sized(maxBytes, ', what its import reads')}: export one session at a time` });
  const first = new Pass(maxBytes, null);
  yield* pass(first, sessions, exchanges, version, undefined, bodies);
  if (first.keep) return { ok: true, text: first.pieces.join('') };
  // (past the limit: the oldest payloads go, as many as it takes; the file says so. A pass that runs
  // over, payloads evicted meanwhile having made their messages longer, leaves out more, with room
  // for as much growth again)
  const omit = new Map<number, Set<number>>();
  let count = 0;
  let saved = 0;
  let comment: string | undefined;
  let last = first;
  let growth = 0;
  for (;;) {
    const more = omissions(last.payloaded, last.size - maxBytes + SLACK + growth, omit);
    if (!more.count) return refused(last.size, last === first ? " even without the messages' payloads" : '');
    count += more.count;
    saved += more.saved;
    const note = `${HAR_OMITTED_NOTE} ${count.toLocaleString('en-US')} of the ${first.withPayload.toLocaleString('en-US')} ${first.withBody ? 'messages and HTTP bodies' : 'messages'} it kept (${mib(saved)} MiB), the oldest of those larger than their preview, so that this file stays within ${limit}: their data is the preview the frame log showed, marked _switchyard.omitted. Export one session at a time, or keep less payload, to have them all.`;
    const expected = last.size - more.saved + shellBytes(version, note) - shellBytes(version, comment);
    comment = note;
    if (expected > maxBytes) return refused(expected, " even without the messages' payloads");
    yield;
    const next = new Pass(maxBytes, omit);
    yield* pass(next, sessions, exchanges, version, comment, bodies);
    if (next.keep) return { ok: true, text: next.pieces.join('') };
    growth = Math.max(0, next.size - expected);
    last = next;
  }
}

/** The HAR document (as text, pretty-printed) for these sessions and exchanges, oldest first, all at once. */
export function exportHar(sessions: HarSession[], exchanges: ExchangeView[], version = '0.1.0', maxBytes = HAR_MAX_BYTES, bodies?: HarBodies): HarExport {
  const steps = writingHar(sessions, exchanges, version, maxBytes, bodies);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** The same, letting the event loop run between steps (the proxy shares the thread). */
export async function exportHarInSteps(sessions: HarSession[], exchanges: ExchangeView[], version = '0.1.0', maxBytes = HAR_MAX_BYTES, bodies?: HarBodies): Promise<HarExport> {
  const steps = writingHar(sessions, exchanges, version, maxBytes, bodies);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
