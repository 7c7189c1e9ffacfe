// Config documents on disk (the user-data config and workspace files anywhere): JSON with a
// schemaVersion, migrated on load (app/config/migrate.ts), written atomically with the previous
// version kept as NAME.bak (atomic.ts).
//
// A damaged or unreadable file is NEVER overwritten: load moves a damaged one (bytes that are not a
// config: not UTF-8, not JSON) aside to NAME.corrupt-<time> (a rename, so its bytes stay exactly as
// they were), falls back to NAME.bak, and returns a notice saying what happened and where the bad
// file now is. One that is not damaged but cannot be read (no permission, a folder or a device, too
// large, from a newer Switchyard) stays where it is, as does a damaged one that cannot be moved:
// save then refuses to write over it. Invalid-but-parseable documents are not "damaged": they open
// as a draft with issues.
import { rename, link, unlink, stat, lstat, realpath, readlink } from 'node:fs/promises';
import { readLimitedFile } from '../config/limited-file.ts';
import { MAX_CONFIG_BYTES } from '../config/load.ts';
import { migrateConfig } from '../../app/config/migrate.ts';
import { decodeConfigBytes, jsonErrorOffset } from '../config/json-position.ts';
import { writeFileAtomic, removeStaleTemps, fsyncDir } from './atomic.ts';
import { dirname, resolve } from 'node:path';

export interface PersistNotice {
  level: 'info' | 'warn' | 'error';
  /** 'migrated' | 'missing_file' | 'unreadable_file' | 'invalid_json' | 'not_an_object' | 'newer_version' | ... */
  code: string;
  message: string;
  /** The file that was asked for. */
  file: string;
  /** Where the damaged file is now (moved aside, untouched), when there was one. */
  badFile?: string;
  /** The file the document was loaded from instead (the backup). */
  loadedFrom?: string;
}

export interface LoadOutcome {
  /** The document at the current schema version (it may still fail validation), or null. */
  doc: unknown;
  source: 'file' | 'backup' | 'none';
  notices: PersistNotice[];
}

export type SaveOutcome = { ok: true } | { ok: false; code: string; message: string };

export const backupPath = (file: string): string => `${file}.bak`;

type Inspected =
  | { state: 'ok'; doc: unknown; from: number | null; steps: string[] }
  | { state: 'missing' }
  | { state: 'bad'; code: string; reason: string; damaged: boolean };

/** What a file's bytes cannot be read as a config for that is not damage to them: it is moved
 * aside for none of these (a permission, a folder or device in its place, a newer Switchyard's). */
const NOT_DAMAGE = new Set(['unreadable_file', 'file_too_large', 'newer_version']);
const bad = (code: string, reason: string): Inspected => ({ state: 'bad', code, reason, damaged: !NOT_DAMAGE.has(code) });

/** Read and classify one file without changing anything on disk. */
export async function inspectFile(file: string): Promise<Inspected> {
  let bytes: Buffer;
  try {
    // a regular file of a config's size only: a pipe would hang the start, a huge file crash it
    const f = await readLimitedFile(file, MAX_CONFIG_BYTES);
    if ('refused' in f) {
      if (f.refused === 'too_large') return bad('file_too_large', `is ${f.size} bytes, more than the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB a config may have`);
      return bad('unreadable_file', f.refused === 'folder' ? 'is a folder, not a file' : 'is not a regular file (a pipe or a device)');
    }
    bytes = f.bytes;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'missing' };
    return bad('unreadable_file', `cannot be read (${code ?? (e as Error).message})`);
  }
  const decoded = decodeConfigBytes(bytes);
  if (!decoded.ok) return bad('invalid_encoding', `is ${decoded.message}`);
  const text = decoded.text;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const at = jsonErrorOffset(text);
    const where = at >= 0 ? ` at ${lineCol(text, at)}` : '';
    return bad('invalid_json', text.length === 0 ? 'is empty' : `is not valid JSON${where}`);
  }
  const m = migrateConfig(raw);
  if (!m.ok) return bad(m.code, m.message);
  return { state: 'ok', doc: m.doc, from: m.from, steps: m.steps };
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `line ${before.split('\n').length}, column ${offset - before.lastIndexOf('\n')}`;
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/** Move a bad file to NAME.corrupt-<time> (or another `tag`) without ever replacing an existing file;
 * only a regular file (or a link to one): null for anything else (a folder, a device), left as it is. */
export async function moveAside(file: string, tag = 'corrupt'): Promise<string | null> {
  try {
    // (through a symbolic link, the file it names is what is bad: it is moved, and the link stays)
    if ((await lstat(file)).isSymbolicLink()) file = await realpath(file);
    if (!(await lstat(file)).isFile()) return null;
  } catch {
    return null;
  }
  for (let i = 0; i < 20; i++) {
    const to = `${file}.${tag}-${stamp()}${i ? `-${i}` : ''}`;
    try {
      await link(file, to); // fails with EEXIST instead of replacing
      await unlink(file);
      await fsyncDir(dirname(file));
      return to;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      // no hard links here (some filesystems): rename when the name is free
      try {
        await stat(to);
        continue;
      } catch {
        try {
          await rename(file, to);
          await fsyncDir(dirname(file));
          return to;
        } catch {
          return null;
        }
      }
    }
  }
  return null;
}

function migratedNotice(file: string, from: number | null, steps: string[], loadedFrom?: string): PersistNotice[] {
  if (steps.length === 0) return [];
  return [{ level: 'info', code: 'migrated', file, ...(loadedFrom ? { loadedFrom } : {}), message: `${loadedFrom ?? file} was written by an older Switchyard (config version ${from}); it was updated: ${steps.join('; ')}. It is saved in the new format the next time it is saved.` }];
}

/**
 * Load a config document, falling back to its backup (see the file comment). `opening`: a file the
 * user picked (Open Workspace), not one Switchyard keeps: when it is no config it is left as it is,
 * neither moved aside nor replaced by a backup (a tsconfig.json picked by mistake stays put).
 */
export async function loadDocument(file: string, o: { opening?: boolean } = {}): Promise<LoadOutcome> {
  if (o.opening) {
    const picked = await inspectFile(file);
    if (picked.state === 'ok') return { doc: picked.doc, source: 'file', notices: migratedNotice(file, picked.from, picked.steps) };
    if (picked.state === 'bad') return { doc: null, source: 'none', notices: [{ level: 'error', code: picked.code, file, message: `${file} ${picked.reason}: not opened (the file is left as it is)` }] };
  }
  await removeStaleTemps(file);
  // (a save through a symbolic link makes its temporary file next to the file the link names)
  const target = await linkTarget(file);
  if (target !== file) await removeStaleTemps(target);
  const main = await inspectFile(file);
  if (main.state === 'ok') return { doc: main.doc, source: 'file', notices: migratedNotice(file, main.from, main.steps) };

  const bakFile = backupPath(file);
  const bak = await inspectFile(bakFile);
  const notices: PersistNotice[] = [];
  let badFile: string | undefined;
  if (main.state === 'bad') {
    const moved = main.damaged ? await moveAside(file) : null;
    badFile = moved ?? file;
    const where = moved ? `it was moved, untouched, to ${moved}` : `it was left untouched at ${file} (${main.damaged ? 'it could not be moved; ' : ''}Switchyard will not save over it)`;
    const then = bak.state === 'ok' ? `loaded the backup ${bakFile} instead` : `there is no usable backup (${bakFile} ${bak.state === 'missing' ? 'does not exist' : bak.reason})`;
    notices.push({ level: 'error', code: main.code, file, badFile, ...(bak.state === 'ok' ? { loadedFrom: bakFile } : {}), message: `${file} ${main.reason}: ${where}; ${then}.` });
  } else if ((await lstat(file).catch(() => null))?.isSymbolicLink()) {
    // (a link to a file that is not there: a folder not mounted, say; saves write where it points)
    const target = await linkTarget(file);
    notices.push({ level: 'warn', code: 'missing_file', file, ...(bak.state === 'ok' ? { loadedFrom: bakFile } : {}), message: `${file} is a link to ${target}, which is not there; ${bak.state === 'ok' ? `loaded its backup ${bakFile}` : 'nothing was loaded from it'}, and a save writes ${target}.` });
  } else if (bak.state === 'ok') {
    notices.push({ level: 'warn', code: 'missing_file', file, loadedFrom: bakFile, message: `${file} is missing (an interrupted save?); loaded its backup ${bakFile}.` });
  }
  if (bak.state === 'ok') return { doc: bak.doc, source: 'backup', notices: [...notices, ...migratedNotice(file, bak.from, bak.steps, bakFile)] };
  return { doc: null, source: 'none', notices };
}

/** Where a save of `file` writes: `file`, or the file a symbolic link there names (made when it is
 * not there yet, such as a link into a folder of dotfiles not yet filled). */
async function linkTarget(file: string): Promise<string> {
  if ((await lstat(file).catch(() => null))?.isSymbolicLink() !== true) return file;
  try {
    return await realpath(file);
  } catch {
    // (dangling: the path it names, as a write through it would make it)
    return resolve(dirname(file), await readlink(file));
  }
}

export interface SaveOptions {
  /** JSON.stringify of the document the caller last read from or wrote to `file` (null: there was
   * none). A file that now holds another one was edited outside Switchyard: it is moved aside, as
   * NAME.outside-<time>, rather than replaced (a second save would rotate it out of NAME.bak). */
  expect?: string | null;
}

/**
 * Save a document atomically; the version it replaces becomes NAME.bak. A file that is there but
 * damaged is moved aside first (never overwritten, never rotated into the backup), and so is one
 * changed since the caller read it (SaveOptions.expect).
 */
export async function saveDocument(file: string, doc: unknown, o: SaveOptions = {}): Promise<SaveOutcome & { movedAside?: string; changedOutside?: boolean }> {
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const current = await inspectFile(file);
  const changedOutside = current.state === 'ok' && o.expect !== undefined && JSON.stringify(current.doc) !== o.expect;
  let movedAside: string | undefined;
  if (current.state === 'bad' && !current.damaged) {
    return { ok: false, code: 'bad_file_in_place', message: `${file} ${current.reason}; not saving over it` };
  }
  if (current.state === 'bad' || changedOutside) {
    const moved = await moveAside(file, changedOutside ? 'outside' : 'corrupt');
    const what = current.state === 'bad' ? current.reason : 'was changed outside Switchyard';
    if (!moved) return { ok: false, code: current.state === 'bad' ? 'bad_file_in_place' : 'changed_outside', message: `${file} ${what} and could not be moved aside; not saving over it` };
    movedAside = moved;
  }
  try {
    // (a symbolic link, such as a config kept in a dotfiles folder, keeps pointing where it did: the
    // file it names is replaced; the backup stays next to the link, where a load looks for it)
    const dest = await linkTarget(file);
    await writeFileAtomic(dest, text, current.state === 'ok' && !movedAside ? { backupTo: backupPath(file) } : {});
  } catch (e) {
    return { ok: false, code: 'write_failed', message: `cannot save ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  if (!movedAside) return { ok: true };
  return changedOutside ? { ok: true, movedAside, changedOutside } : { ok: true, movedAside };
}
