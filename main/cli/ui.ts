// `switchyard ui [--config FILE] [--port N] [--open]`: the engine plus the UI on a loopback web host
// (127.0.0.1, random token), until SIGINT/SIGTERM. Without Electron, this is the desktop app.
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { Engine } from '../engine/engine.ts';
import { loadConfigFile, formatIssue, type LoadResult } from '../config/load.ts';
import { emptyConfig } from '../../app/api/draft.ts';
import { SwitchyardService } from '../service/service.ts';
import { startWebHost, DEFAULT_RENDERER_DIR, type WebHost } from '../web/host.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface UiOptions {
  /** The config file to start from; without one the UI starts with an empty draft. */
  config?: string;
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

export async function uiCommand(o: UiOptions): Promise<number> {
  const loaded: LoadResult = o.config ? await loadConfigFile(o.config) : { ok: false, issues: [], raw: emptyConfig() };
  // An invalid file still opens the UI: the draft shows the problems next to the fields.
  const raw = loaded.raw ?? emptyConfig();
  if (!loaded.ok) for (const i of loaded.issues) o.stderr.write(`${formatIssue(i)}\n`);
  if (!loaded.ok && loaded.raw === undefined) return 1;

  const engine = new Engine();
  engine.on('log', (e) => o.stderr.write(`[${e.level}] ${e.code}: ${e.message}\n`));
  let applied = false;
  if (loaded.ok) {
    const r = await engine.apply(loaded.config);
    applied = r.ok;
    if (r.ok) for (const l of r.listeners) if (l.state === 'failed') o.stderr.write(`listener failed: ${l.error?.message}\n`);
  }
  const service = await SwitchyardService.create(engine, { initialDraft: raw, initialApplied: applied });
  let host: WebHost;
  try {
    host = await startWebHost({ service, port: o.port ?? 0, rendererDir: o.rendererDir });
  } catch (e) {
    o.stderr.write(`cannot start the UI host: ${(e as Error).message}\n`);
    service.close();
    await engine.stop();
    return 1;
  }
  o.stdout.write(`Switchyard UI: ${host.url}\n`);
  if (!existsSync(join(o.rendererDir ?? DEFAULT_RENDERER_DIR, 'index.html'))) o.stderr.write('the renderer is not built: run `npm run build:renderer` first\n');
  if (o.open) openBrowser(host.url, o.stderr);
  o.onReady?.(host, service);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (why: string) => {
      if (stopping) return;
      stopping = true;
      o.stderr.write(`${why}: stopping\n`);
      process.off('SIGINT', onInt).off('SIGTERM', onTerm);
      service.close();
      await host.close();
      await engine.stop();
      resolve(0);
    };
    const onInt = () => void stop('SIGINT');
    const onTerm = () => void stop('SIGTERM');
    process.on('SIGINT', onInt).on('SIGTERM', onTerm);
    o.signal?.addEventListener('abort', () => void stop('aborted'), { once: true });
  });
}

function openBrowser(url: string, stderr: Writable): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => stderr.write(`could not open a browser; open the URL above yourself\n`));
    child.unref();
  } catch {
    stderr.write(`could not open a browser; open the URL above yourself\n`);
  }
}
