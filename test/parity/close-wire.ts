// A raw TCP client on a timeline, for how a proxy ends a client connection: it writes a request,
// then more bytes at set times (or a trickle, as a body still streaming in), maybe half-closes,
// and records when the answer came, when and how the connection ended (the proxy's FIN, a reset)
// and which of its writes went out before it. Used by close-explore.ts and the tests that pin
// what it found, against real nginx and the engine alike.
import net from 'node:net';

/** One thing the client does `ms` after its first write: write bytes, or half-close (FIN). */
export interface ClientStep {
  ms: number;
  write?: string;
  shut?: true;
}

export interface ClientPlan {
  /** The first bytes (latin1), written once connected. */
  send: string;
  steps?: ClientStep[];
  /** `bytes` every `everyMs` from `fromMs` to `untilMs` (a body that keeps coming), while open. */
  trickle?: { bytes: string; everyMs: number; fromMs: number; untilMs: number };
  /** How long to watch before leaving (the connection counts as open then). */
  watchMs: number;
}

export interface CloseView {
  /** Everything the client got, as latin1. */
  got: string;
  /** When the first byte of an answer came (ms from the first write), or null. */
  answerAt: number | null;
  /** What happened to the connection, in order, each at its time: `fin`, `reset`, `write-error`. */
  events: Array<{ what: string; at: number }>;
  /** Writes after the first one, and how many of those went out before any error. */
  writes: number;
  wrote: number;
}

/** Runs `plan` against 127.0.0.1:port. */
export async function clientTimeline(port: number, plan: ClientPlan): Promise<CloseView> {
  const sock = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise<void>((r, j) => {
    sock.once('connect', r);
    sock.once('error', j);
  });
  const start = Date.now();
  const at = () => Date.now() - start;
  const view: CloseView = { got: '', answerAt: null, events: [], writes: 0, wrote: 0 };
  let failed = false;
  let gone = false;
  sock.on('data', (d: Buffer) => {
    if (view.answerAt === null) view.answerAt = at();
    view.got += d.toString('latin1');
  });
  sock.on('end', () => view.events.push({ what: 'fin', at: at() }));
  sock.on('error', (e: NodeJS.ErrnoException) => {
    failed = true;
    view.events.push({ what: e.code === 'ECONNRESET' ? 'reset' : `error ${e.code ?? e.message}`, at: at() });
  });
  sock.on('close', () => (gone = true));
  const write = (bytes: string) => {
    if (gone || failed || sock.writableEnded) return;
    view.writes++;
    sock.write(Buffer.from(bytes, 'latin1'), (err) => {
      if (!err) view.wrote++;
    });
  };
  sock.write(Buffer.from(plan.send, 'latin1'));
  const timers: NodeJS.Timeout[] = [];
  for (const s of plan.steps ?? []) timers.push(setTimeout(() => (s.shut ? !gone && sock.end() : write(s.write ?? '')), s.ms));
  const t = plan.trickle;
  if (t) for (let ms = t.fromMs; ms <= t.untilMs; ms += t.everyMs) timers.push(setTimeout(() => write(t.bytes), ms));
  await new Promise<void>((r) => {
    const stop = setTimeout(r, plan.watchMs);
    sock.once('close', () => {
      clearTimeout(stop);
      r();
    });
  });
  for (const timer of timers) clearTimeout(timer);
  sock.destroy();
  return view;
}

/** A time as the report gives it: "0s" under half a second, else seconds to one decimal. */
export function when(ms: number): string {
  return ms < 500 ? '0s' : `${(ms / 1000).toFixed(1)}s`;
}

/** The status lines of the answers in `got`, in order ("" if none). */
export function statuses(got: string): string {
  return [...got.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => m[1]).join(' ');
}

/**
 * Whether two views tell the same story to a user: the same answers, the same events in the same
 * order, each within `slackMs` of the other's, and as many writes made and gone out.
 */
export function sameStory(a: CloseView, b: CloseView, slackMs = 1200): boolean {
  if (statuses(a.got) !== statuses(b.got)) return false;
  if (a.events.length !== b.events.length) return false;
  for (let i = 0; i < a.events.length; i++) {
    if (a.events[i]!.what !== b.events[i]!.what || Math.abs(a.events[i]!.at - b.events[i]!.at) > slackMs) return false;
  }
  return a.wrote === b.wrote && a.writes === b.writes;
}

/** One line per view for the report. */
export function tell(v: CloseView): string {
  const events = v.events.map((e) => `${e.what}@${when(e.at)}`).join(' ') || 'open';
  return `answer ${statuses(v.got) || 'none'}${v.answerAt === null ? '' : `@${when(v.answerAt)}`}, ${events}, writes ${v.wrote}/${v.writes}`;
}
