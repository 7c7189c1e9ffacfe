// The app's own small state next to the config: recent workspace files, the one open last, and the
// service settings (redaction) as the user last set them. Written atomically like everything else;
// a damaged state file just starts empty, and settings that do not pass the setSettings checks are
// dropped: redaction then starts on, with its default header list (the safe side).
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import { statePath } from './paths.ts';
import { checkParams } from '../../app/api/params.ts';
import type { ServiceSettings } from '../../app/api/contract.ts';

export const MAX_RECENT = 10;

export interface AppState {
  schemaVersion: 1;
  /** Most recent first, absolute paths. */
  recent: string[];
  /** The workspace file open when the app last saved; null = the user-data config. */
  lastWorkspace: string | null;
  /** Redaction and capture settings as last set (the service's setSettings); null = the defaults. */
  settings: Partial<ServiceSettings> | null;
}

const empty = (): AppState => ({ schemaVersion: 1, recent: [], lastWorkspace: null, settings: null });

/** Saved settings, when they are what setSettings accepts (the caps may be missing: files written
 * before they were settings; the service's defaults then stay). */
function parseSettings(raw: unknown): Partial<ServiceSettings> | null {
  const r = checkParams('setSettings', raw);
  return r.ok && r.params.redact !== undefined && r.params.redactHeaders !== undefined ? r.params : null;
}

export async function readAppState(dir: string): Promise<AppState> {
  try {
    const raw = JSON.parse(await readFile(statePath(dir), 'utf8')) as Partial<AppState>;
    if (raw?.schemaVersion !== 1) return empty();
    const recent = Array.isArray(raw.recent) ? raw.recent.filter((r): r is string => typeof r === 'string').slice(0, MAX_RECENT) : [];
    return { schemaVersion: 1, recent, lastWorkspace: typeof raw.lastWorkspace === 'string' ? raw.lastWorkspace : null, settings: parseSettings(raw.settings) };
  } catch {
    return empty();
  }
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
