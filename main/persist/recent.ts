// The app's own small state next to the config: recent workspace files, the one open last, and the
// service settings (redaction) as the user last set them. Written atomically like everything else.
// A state file that cannot be read (damaged, from a newer Switchyard) starts empty, with a notice,
// and is moved aside untouched (document.ts's moveAside) so that the next write does not replace it;
// settings that do not pass the setSettings checks are dropped, with a notice: redaction then
// starts on, with its default header list (the safe side).
import { mkdir } from 'node:fs/promises';
import { readLimitedFile } from '../config/limited-file.ts';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import { moveAside, type PersistNotice } from './document.ts';
import { statePath } from './paths.ts';
import { checkParams } from '../../app/api/params.ts';
import type { ServiceSettings } from '../../app/api/contract.ts';

/** state.json holds recent paths and settings: a few KB. */
const MAX_STATE_BYTES = 1024 * 1024;

export const MAX_RECENT = 10;
/** Echo server addresses remembered (a workspace saved several starts ago still has its echo's). */
export const MAX_ECHO_ADDRESSES = 20;

export interface AppState {
  schemaVersion: 1;
  /** Most recent first, absolute paths. */
  recent: string[];
  /** The workspace file open when the app last saved; null = the user-data config. */
  lastWorkspace: string | null;
  /** Redaction and capture settings as last set (the service's setSettings); null = the defaults. */
  settings: Partial<ServiceSettings> | null;
  /** The built-in echo server's addresses ("127.0.0.1:PORT"), the last start's first: a server of
   * the echo upstream at one of them is the echo server's (first-run.ts), in any workspace saved
   * since, and the first is the port it listens on again. */
  echoAddresses?: string[];
}

const empty = (): AppState => ({ schemaVersion: 1, recent: [], lastWorkspace: null, settings: null });

/** Saved settings, when they are what setSettings accepts (the caps may be missing: files written
 * before they were settings; the service's defaults then stay). */
function parseSettings(raw: unknown): Partial<ServiceSettings> | null {
  const r = checkParams('setSettings', raw);
  return r.ok && r.params.redact !== undefined && r.params.redactHeaders !== undefined ? r.params : null;
}

type Inspected = { state: AppState; settingsDropped: boolean } | { state: AppState; code: string; reason: string };

/** Read state.json without changing anything on disk. */
async function inspectAppState(file: string): Promise<Inspected> {
  let raw: Partial<AppState> | null;
  try {
    // (a regular file of a state's size only: a pipe would hang the start, a huge file crash it)
    const f = await readLimitedFile(file, MAX_STATE_BYTES);
    if ('refused' in f) return { state: empty(), code: f.refused === 'too_large' ? 'file_too_large' : 'unreadable_file', reason: f.refused === 'too_large' ? `is ${f.size} bytes, more than a state file has` : 'is not a regular file' };
    raw = JSON.parse(f.bytes.toString('utf8')) as Partial<AppState> | null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: empty(), settingsDropped: false };
    return code ? { state: empty(), code: 'unreadable_file', reason: `cannot be read (${code})` } : { state: empty(), code: 'invalid_json', reason: 'is not valid JSON' };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { state: empty(), code: 'not_an_object', reason: 'is not a JSON object' };
  if (raw.schemaVersion !== 1) {
    const newer = typeof raw.schemaVersion === 'number' && raw.schemaVersion > 1;
    return { state: empty(), code: newer ? 'newer_version' : 'unknown_version', reason: newer ? `was written by a newer Switchyard (state version ${raw.schemaVersion})` : 'has no known state version' };
  }
  const recent = Array.isArray(raw.recent) ? raw.recent.filter((r): r is string => typeof r === 'string').slice(0, MAX_RECENT) : [];
  const settings = parseSettings(raw.settings);
  const state: AppState = { schemaVersion: 1, recent, lastWorkspace: typeof raw.lastWorkspace === 'string' ? raw.lastWorkspace : null, settings };
  const echo = Array.isArray(raw.echoAddresses) ? raw.echoAddresses.filter((a): a is string => typeof a === 'string' && /^127\.0\.0\.1:\d{1,5}$/.test(a)) : [];
  if (echo.length) state.echoAddresses = echo.slice(0, MAX_ECHO_ADDRESSES);
  return { state, settingsDropped: settings === null && raw.settings != null };
}

export async function readAppState(dir: string): Promise<AppState> {
  return (await inspectAppState(statePath(dir))).state;
}

/** readAppState for the app's start: what could not be used is said, and a bad file moved aside. */
export async function loadAppState(dir: string): Promise<{ state: AppState; notices: PersistNotice[] }> {
  const file = statePath(dir);
  const r = await inspectAppState(file);
  if ('code' in r) {
    const moved = await moveAside(file);
    const where = moved ? `it was moved, untouched, to ${moved}` : 'it could not be moved aside, and is replaced when the state is next saved';
    return { state: r.state, notices: [{ level: 'warn', code: r.code, file, badFile: moved ?? file, message: `${file} ${r.reason}: ${where}; the recent files and capture settings start from the defaults.` }] };
  }
  if (!r.settingsDropped) return { state: r.state, notices: [] };
  return { state: r.state, notices: [{ level: 'warn', code: 'settings_dropped', file, message: `the capture settings saved in ${file} are not valid; the defaults are used (redaction is on).` }] };
}

export async function writeAppState(dir: string, state: AppState): Promise<void> {
  await mkdir(dirname(statePath(dir)), { recursive: true });
  await writeFileAtomic(statePath(dir), `${JSON.stringify(state, null, 2)}\n`);
}

/** `file` becomes the most recent entry (and the one to reopen); returns the new state. */
export function withRecent(state: AppState, file: string | null): AppState {
  if (file === null) return { ...state, lastWorkspace: null };
  const abs = resolve(file);
  return { ...state, recent: [abs, ...state.recent.filter((r) => r !== abs)].slice(0, MAX_RECENT), lastWorkspace: abs };
}
