// `switchyard ui [--config FILE] [--port N] [--open]`: the engine plus the UI on a loopback web host
// (127.0.0.1, random token), until SIGINT/SIGTERM/SIGHUP. Without Electron, this is the desktop app.
// Without --config it opens the saved workspace like the desktop app (main/persist/boot.ts): the
// user-data config, or on a first run the example with the built-in echo server; applied configs
// are saved back. With --config the file is only read.
import type { Writable } from 'node:stream';
import { Engine } from '../engine/engine.ts';
import { loadConfigFile, formatIssue, listenerFailedLine, logLine, migrationNote, notAppliedMessage, type LoadResult } from '../config/load.ts';
import { emptyConfig } from '../../app/api/draft.ts';
import type { ConfigIssue } from '../../app/config/issues.ts';
import { SwitchyardService } from '../service/service.ts';
import { startWebHost, DEFAULT_RENDERER_DIR, type WebHost } from '../web/host.ts';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppCore } from '../persist/boot.ts';
import { userDataDir } from '../persist/paths.ts';
import { openBrowser } from './open-browser.ts';
import { stopOnSignals } from './stop-signals.ts';
import { errnoWords } from '../../app/text/errno.ts';

export interface UiOptions {
  /** The config file to start from; without one the saved workspace (or the first-run example) opens. */
  config?: string;
  /** Without --config: the user-data folder (default: main/persist/paths.ts userDataDir()). */
  userDataDir?: string;
  /** Without --config, on a first run: the example's listener port (default 8080). */
  firstRunPort?: number;
  /** Port of the web host; 0 or absent picks a free one. */
  port?: number;
  /** Open the URL in the default browser (xdg-open / open / start). */
  open?: boolean;
  stdout: Writable;
  stderr: Writable;
  /** Where the built renderer is (default dist/renderer). */
  rendererDir?: string;
  /** Tests: called with the host once it listens. */
  onReady?: (host: WebHost, service: SwitchyardService) => void;
  /** Tests: stop without a signal. */
  signal?: AbortSignal;
}

interface Running {
  engine: Engine;
  service: SwitchyardService;
  stop(): Promise<void>;
}

/** The saved workspace through AppCore (the same core the Electron shell runs). */
async function startWorkspace(o: UiOptions): Promise<Running | number> {
  const dir = o.userDataDir ?? userDataDir();
  // (a folder that cannot be made, said in words: not a stack trace)
  const unusable = await mkdir(dir, { recursive: true }).then(() => null, (e: NodeJS.ErrnoException) => e.code ?? e.message);
  if (unusable) {
    o.stderr.write(`cannot use the user data folder ${dir}: ${errnoWords(unusable)}\n`);
    return 1;
  }
  const { core, notices, firstRun } = await AppCore.start({ userDataDir: dir, firstRunPort: o.firstRunPort });
  for (const n of notices) o.stderr.write(logLine(n));
  const failed = core.service.snapshot().listeners.filter((l) => l.state === 'failed');
  // (the example is saved as it starts: "saved" once it is, why not when it could not be)
  const save = firstRun ? await core.lastSaveOutcome() : null;
  const notSaved = save && !save.ok ? `could not be saved (${save.message})` : null;
  // (an example whose port another program holds suggests no address: a client would reach that program)
  if (firstRun && failed.length) o.stderr.write(`first run: ${notSaved ? `the example config ${notSaved}, and` : `saved the example config to ${core.path}, but`} its listener did not start (below): change its address on the Routes screen and Apply\n`);
  else if (firstRun) o.stderr.write(`first run: started the example config (${notSaved ?? `saved to ${core.path}`}); connect a WebSocket client to ws://127.0.0.1:${o.firstRunPort ?? 8080}/echo\n`);
  else o.stderr.write(`workspace: ${core.path}\n`);
  for (const l of failed) o.stderr.write(listenerFailedLine(core.engine.listenPath(l.key), l.error?.message ?? 'unknown error'));
  core.engine.on('log', (e) => o.stderr.write(logLine(e)));
  return { engine: core.engine, service: core.service, stop: () => core.close() };
}

/** --config FILE: read the file, never write it. */
async function startFile(o: UiOptions & { config: string }): Promise<Running | number> {
  const loaded: LoadResult = await loadConfigFile(o.config);
  o.stderr.write(migrationNote(o.config, loaded));
  // An invalid file still opens the UI: the draft shows the problems next to the fields.
  const raw = loaded.raw ?? emptyConfig();
  if (!loaded.ok) for (const i of loaded.issues) o.stderr.write(`${formatIssue(i)}\n`);
  if (!loaded.ok && loaded.raw === undefined) return 1;

  const engine = new Engine();
  // (a listener that cannot start now is said once, below, as serve says it; one an Apply fails later, in the log)
  let starting = true;
  engine.on('log', (e) => { if (!starting || e.code !== 'listen_failed') o.stderr.write(logLine(e)); });
  let applied = false;
  let refused: ConfigIssue[] = [];
  if (loaded.ok) {
    const r = await engine.apply(loaded.config);
    applied = r.ok;
    if (!r.ok) refused = r.issues;
    else for (const l of r.listeners) if (l.state === 'failed') o.stderr.write(listenerFailedLine(engine.listenPath(l.key), l.error?.message ?? 'unknown error'));
  }
  starting = false;
  const service = await SwitchyardService.create(engine, { initialDraft: raw, initialApplied: applied, readOnlyFile: resolve(o.config) });
  // (a valid file the engine cannot run, such as a name that does not resolve: said here and in the
  // UI's log, where the draft waits unapplied)
  for (const i of refused) engine.emit('log', { time: Date.now(), level: 'error', code: 'apply_failed', message: notAppliedMessage(o.config, i) });
  return { engine, service, stop: async () => { service.close(); await engine.stop(); } };
}

export async function uiCommand(o: UiOptions): Promise<number> {
  const running = o.config ? await startFile({ ...o, config: o.config }) : await startWorkspace(o);
  if (typeof running === 'number') return running;
  const { service } = running;
  let host: WebHost;
  try {
    host = await startWebHost({ service, port: o.port ?? 0, rendererDir: o.rendererDir });
  } catch (e) {
    const busy = (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
    o.stderr.write(`cannot start the UI host: ${busy ? `port ${o.port} on 127.0.0.1 is in use; try another --port, or --port 0 for any free one` : (e as Error).message}\n`);
    await running.stop();
    return 1;
  }
  let closeLaunchPage = () => {};
  const { stop, stopped } = stopOnSignals(o.stderr, async () => {
    closeLaunchPage();
    await host.close();
    await running.stop();
  });
  o.signal?.addEventListener('abort', () => stop('aborted'), { once: true });
  o.stdout.write(`Switchyard UI: ${host.url}\n`);
  if (!existsSync(join(o.rendererDir ?? DEFAULT_RENDERER_DIR, 'index.html'))) o.stderr.write('the renderer is not built: run `npm run build:renderer` first\n');
  if (o.open) closeLaunchPage = openBrowser(host.url, o.stderr);
  o.onReady?.(host, service);
  return stopped;
}
