// Reading a config file from disk: JSON errors with line and column, then full validation.
import { validateConfig, type ValidationResult } from '../../app/config/validate.ts';
import { decodeConfigBytes, duplicateKeys, jsonErrorOffset } from './json-position.ts';
import { formatPath, issuesBefore } from '../../app/config/issues.ts';
import { readLimitedFile } from './limited-file.ts';
import { migrateConfig } from '../../app/config/migrate.ts';
import { printable } from '../../app/text/printable.ts';
import { localhostFor } from '../engine/runtime.ts';
import { errnoWords } from '../../app/text/errno.ts';

/** `raw`: the document as read (migrated to the current schema when it was older); `migrated`: the
 * migration's steps when it was (the file itself is not changed). */
/** `localhost`: the addresses validation took `listen localhost:PORT` to bind (for the warnings). */
export type LoadResult = ValidationResult & { raw?: unknown; migrated?: string[]; localhost?: readonly string[] };

function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return `${line}:${col}`;
}

/** Why a file could not be read, in words, with the system's code: "no such file (ENOENT)". */
function readError(e: NodeJS.ErrnoException): string {
  return e.code ? errnoWords(e.code) : e.message;
}

/** The largest config file read (a config of 20,000 locations is about 3 MB). */
export const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

export async function loadConfigFile(file: string): Promise<LoadResult> {
  let bytes: Buffer;
  try {
    const f = await readLimitedFile(file, MAX_CONFIG_BYTES);
    if ('refused' in f) {
      const why = f.refused === 'folder' ? readError({ code: 'EISDIR' } as NodeJS.ErrnoException)
        : f.refused === 'device' ? 'not a regular file' : `${f.size} bytes, more than the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB a config may have`;
      return { ok: false, issues: [{ path: '', code: f.refused === 'too_large' ? 'file_too_large' : 'unreadable_file', message: `cannot read ${file}: ${why}` }] };
    }
    bytes = f.bytes;
  } catch (e) {
    return { ok: false, issues: [{ path: '', code: 'unreadable_file', message: `cannot read ${file}: ${readError(e as NodeJS.ErrnoException)}` }] };
  }
  const decoded = decodeConfigBytes(bytes);
  if (!decoded.ok) return { ok: false, issues: [{ path: '', code: 'invalid_encoding', message: `${file}: ${decoded.message}` }] };
  const text = decoded.text;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const offset = jsonErrorOffset(text);
    const where = offset >= 0 ? `${file}:${position(text, offset)}` : file;
    const near = offset >= 0 ? (offset < text.length ? `unexpected ${JSON.stringify(text[offset])}` : 'unexpected end of file') : (e as Error).message;
    return { ok: false, issues: [{ path: '', code: 'invalid_json', message: `${where}: invalid JSON, ${near}` }] };
  }
  // JSON.parse keeps the last of two equal keys: refused, so that nothing the user wrote is dropped unseen
  const repeated = duplicateKeys(text).map((d) => ({
    path: shortPath(formatPath(d.path)), code: 'duplicate_key',
    message: `${file}:${position(text, d.offset)}: "${d.path[d.path.length - 1]}" appears twice in this object (JSON would keep only the last)`,
  }));
  // an older document is read as the workspace reads it (migrated in memory), a newer one named as such
  const m = migrateConfig(raw);
  if (!m.ok && m.code !== 'not_an_object') return { ok: false, issues: [{ path: m.code === 'migration_failed' ? '' : 'schemaVersion', code: m.code, message: m.message }], raw };
  const migrated = m.ok && m.steps.length ? m.steps : undefined;
  if (m.ok) raw = m.doc;
  const localhost = await localhostFor(raw);
  const validated = validateConfig(raw, localhost);
  if (repeated.length) return { ok: false, issues: issuesBefore(repeated, validated.ok ? [] : validated.issues), raw, ...(migrated ? { migrated } : {}) };
  return { ...validated, raw, localhost, ...(migrated ? { migrated } : {}) };
}

/** A path as long as a line can show: a key repeated 8,000 levels deep is 24 KB of "[0]". */
function shortPath(path: string): string {
  return path.length > 300 ? `${path.slice(0, 150)}…${path.slice(-150)}` : path;
}

/** An issue as one line (what a file's keys and values put in its path and message escaped). */
export function formatIssue(i: { path: string; code: string; message: string }): string {
  return printable(`${i.path || '(document)'}: ${i.message} [${i.code}]`);
}

/** A listener that could not start, as `serve` and `ui` say it: once, with its listen entry's path and code. */
export function listenerFailedLine(path: string, message: string): string {
  return `listener failed: ${formatIssue({ path, code: 'listen_failed', message })}\n`;
}

/** An engine log record as one line of stderr (peers' text in it escaped). */
export function logLine(e: { level: string; code: string; message: string }): string {
  return `[${e.level}] ${e.code}: ${printable(e.message)}\n`;
}

/** The line that says an older file was read migrated (stderr), or '' when it was not. */
export function migrationNote(file: string, r: LoadResult): string {
  return r.migrated ? `note: ${file} is an older config, read as the current schema (${r.migrated.join('; ')}; problems name that schema's paths); the file itself is unchanged\n` : '';
}

/** What says a file's config was not applied (the engine refused it: a name that does not resolve). */
export function notAppliedMessage(file: string, issue: { path: string; code: string; message: string }): string {
  return `${file} was not applied: ${formatIssue(issue)}`;
}
