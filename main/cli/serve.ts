// `switchyard serve --config FILE`: the engine, headless, until SIGINT/SIGTERM. SIGHUP re-reads
// the file and applies it (live WebSocket sessions stay open), like `nginx -s reload`.
// --inspect records every frame of every session the way the UI does: the UI's service
// (main/service/service.ts: frame tap per session, bounded frame log and payload store) runs around
// the engine, with no one watching its feed.
import { sessionEndText } from '../../app/traffic/session-close.ts';
import { Engine } from '../engine/engine.ts';
import { SwitchyardService } from '../service/service.ts';
import { loadConfigFile, formatIssue, listenerFailedLine, logLine, migrationNote } from '../config/load.ts';
import { issueCount } from '../../app/config/issues.ts';
import { printable } from '../../app/text/printable.ts';
import type { ListenerStatus } from '../engine/listeners.ts';
import type { SessionRecord } from '../engine/events.ts';
import type { Writable } from 'node:stream';
import { stopOnSignals } from './stop-signals.ts';

export interface ServeOptions {
  config: string;
  accessLog: boolean;
  /** Record every frame of every session (the UI's service around the engine). */
  inspect?: boolean;
  stdout: Writable;
  stderr: Writable;
}

/** A session's access-log head: `CLIENT "GET URL" STATUS websocket session N` (499, as nginx logs
 * it, for a client that left before an answer). */
function sessionHead(s: SessionRecord, status: number): string {
  return `${s.clientAddress} "GET ${printable(s.url, true)}" ${status} websocket session ${s.id}`;
}

/** How a session ended, escaped. The close reason a peer sent is in “…”: escaped as a quoted field
 * is ('"' and '\' too), and so are those two quotes, so that no reason ends its quotes early. */
function sessionEnd(s: SessionRecord): string {
  const frame = s.closeFrame && { ...s.closeFrame, reason: printable(s.closeFrame.reason, true).replace(/[“”]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`) };
  return printable(sessionEndText({ ...s, closeFrame: frame }));
}

/** What --inspect runs: the UI's service around `engine`, before any session opens. */
export async function startInspection(engine: Engine, draft: unknown): Promise<SwitchyardService> {
  return SwitchyardService.create(engine, { initialDraft: draft, initialApplied: true });
}

function printListeners(out: Writable, err: Writable, listeners: ListenerStatus[], engine: Engine) {
  for (const l of listeners) {
    const host = l.host.includes(':') ? `[${l.host}]` : l.host;
    if (l.state === 'listening') out.write(`listening on http://${host}:${l.port}\n`);
    else err.write(listenerFailedLine(engine.listenPath(l.key), l.error!.message));
  }
}

export async function serveCommand(o: ServeOptions): Promise<number> {
  const loaded = await loadConfigFile(o.config);
  o.stderr.write(migrationNote(o.config, loaded));
  if (!loaded.ok) {
    for (const i of loaded.issues) o.stderr.write(`${formatIssue(i)}\n`);
    o.stderr.write(`${o.config}: ${issueCount(loaded.issues)} error(s)\n`);
    return 1;
  }
  const engine = new Engine();
  // (a listener that cannot start is printed with the listeners, once; what nginx logs at info level,
  // which its error_log leaves out by default, is not printed: a client that left before the upstream
  // answered, 499 in the access log, for WebSocket handshakes as for HTTP)
  engine.on('log', (e) => { if (e.code !== 'listen_failed' && e.level !== 'info') o.stderr.write(logLine(e)); });
  if (o.accessLog) {
    // (what peers sent, escaped: no line or terminal control of theirs reaches the terminal)
    // (a request line not read whole, as nginx writes it: "-")
    engine.on('exchange', (r) => o.stdout.write(`${r.clientAddress} "${printable([r.method, r.url].filter(Boolean).join(' ') || '-', true)}" ${r.status} ${r.responseBytes} upstream=${r.upstream ?? '-'} ${r.timings.totalMs ?? 0}ms${r.cause ? ` (${printable(r.cause)})` : ''}\n`));
    engine.on('session-open', (s) => o.stdout.write(`${sessionHead(s, 101)} upstream=${s.upstream}\n`));
    // (a handshake refused, by the upstream or the proxy, never opened: its one line has the opening's fields too)
    engine.on('session-close', (s) => o.stdout.write(`${s.state === 'rejected' ? `${sessionHead(s, s.status ?? 499)} upstream=${s.upstream ?? '-'} rejected` : `websocket session ${s.id} ${s.state}`}: ${sessionEnd(s)} (${s.bytesFromClient}B up, ${s.bytesFromUpstream}B down)\n`));
  }
  // Attached before the listeners start, so the first session is recorded too.
  const service = o.inspect ? await startInspection(engine, loaded.raw ?? loaded.config) : null;
  if (service && !service.framesSupported) o.stderr.write('inspect: the frame tap is not available; frames are not recorded\n');
  const shutdown = async () => {
    service?.close();
    await engine.stop();
  };
  const applied = await engine.apply(loaded.config);
  if (!applied.ok) {
    for (const i of applied.issues) o.stderr.write(`${formatIssue(i)}\n`);
    o.stderr.write(`${o.config}: ${issueCount(applied.issues)} error(s)\n`);
    service?.close();
    return 1;
  }
  // (reloads one after another, the last signal's last; a stop waits for the one under way, which
  // then applies nothing: applied after the stop, it would bind its sockets again and keep the
  // process running)
  let reloading = Promise.resolve();
  const reload = async () => {
    const next = await loadConfigFile(o.config);
    if (signals.stopping) return;
    // as nginx refuses a reload with a socket it cannot bind, and keeps the running config
    const r = next.ok ? await engine.apply(next.config, { refuseListenFailure: true }) : next;
    if (!r.ok) {
      o.stderr.write('reload refused, still running the previous config:\n');
      for (const i of r.issues) o.stderr.write(`  ${formatIssue(i)}\n`);
      return;
    }
    o.stdout.write('reloaded\n');
    printListeners(o.stdout, o.stderr, r.listeners, engine);
  };
  const signals = stopOnSignals(o.stderr, async () => {
    await reloading;
    await shutdown();
  }, () => void (reloading = reloading.then(reload)));
  printListeners(o.stdout, o.stderr, applied.listeners, engine);
  if (!applied.listeners.some((l) => l.state === 'listening')) {
    o.stderr.write(applied.listeners.length === 0 ? 'the config defines no servers: nothing to listen on\n' : 'no listener could start\n');
    signals.stop('', 1);
  }
  return signals.stopped;
}
