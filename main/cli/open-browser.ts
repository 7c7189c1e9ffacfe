// `switchyard ui --open`: the default browser on the UI. The URL carries the token, and a
// command line is readable by every local user (ps, /proc/PID/cmdline) for as long as the
// process runs, the browser's included when it starts there. So the browser gets the path of a
// private page (0600, in a fresh 0700 folder) that redirects to the URL.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Writable } from 'node:stream';

/** What is used of a spawned child (node's ChildProcess satisfies it). */
export interface Child {
  on(event: 'error', listener: (e: Error) => void): unknown;
  on(event: 'exit', listener: (code: number | null) => void): unknown;
  unref(): void;
}
export type Spawn = (cmd: string, args: string[]) => Child;

const spawnDetached: Spawn = (cmd, args) => spawn(cmd, args, { stdio: 'ignore', detached: true });

/** A page that sends the browser to `url`, readable by this user only. */
export function writeLaunchPage(url: string): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-open-'));
  const path = join(dir, 'switchyard.html');
  const href = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  writeFileSync(path, `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${href}"><title>Switchyard</title><a href="${href}">Open Switchyard</a>\n`, { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** How long the launch page stays: the browser has long read it by then (it holds a live token). */
export const LAUNCH_PAGE_MS = 120_000;

/**
 * Open the default browser on `url` without putting it on a command line; returns the clean-up.
 * The page goes after LAUNCH_PAGE_MS, or with the clean-up, or when the process exits however it
 * exits (an uncaught error too): not only on a signal that stops it.
 */
export function openBrowser(url: string, stderr: Writable, run: Spawn = spawnDetached, keepMs = LAUNCH_PAGE_MS): () => void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  let said = false;
  const failed = () => { if (!said) stderr.write('could not open a browser; open the URL above yourself\n'); said = true; };
  let page: { path: string; remove(): void } | null = null;
  try {
    page = writeLaunchPage(url);
    const child = run(cmd, [page.path]);
    child.on('error', failed);
    // (xdg-open that finds no browser exits 3, and says nothing of it; explorer exits 1 either way)
    child.on('exit', (code) => { if (code !== null && code !== 0 && cmd !== 'explorer') failed(); });
    child.unref();
  } catch {
    failed();
  }
  const remove = () => {
    clearTimeout(timer);
    process.off('exit', remove);
    page?.remove();
    page = null;
  };
  const timer = setTimeout(remove, keepMs).unref();
  process.on('exit', remove);
  return remove;
}
