// `include` resolution over an injected file reader (the Node side passes fs; tests pass memory).
// As in nginx: a relative path is relative to the configuration prefix (the folder of the main
// file), a pattern with * ? [ is expanded like glob(3) in sorted order and may match nothing, a
// plain path must exist. Included directives take the place of the `include` directive.
// A file without an `http` block is a snippet that some nginx.conf includes, from a folder this
// import cannot know: a relative include missing from the snippet's folder is looked for in the
// folders above it (sites-enabled/ and conf.d/ sit one level below nginx's), with a note.
import type { Directive } from './ast.ts';
import { parseNginx } from './parser.ts';
import { MAX_IMPORT_TOKENS } from './lexer.ts';
import type { ConfTextNote } from './conf-text.ts';
import { errnoWords } from '../text/errno.ts';
import { glob, GlobLimitError, type GlobBudget } from './glob.ts';

export { glob } from './glob.ts';

export interface ConfReader {
  /** The text of a file, with notes on it (confText's: comments that are not UTF-8); rejects when
   * it cannot be read. */
  read(path: string): Promise<string | { text: string; notes: ConfTextNote[] }>;
  /** Entry names (files and folders) of a directory, for glob patterns; rejects when unreadable. */
  list(dir: string): Promise<string[]>;
}

export interface IncludeProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface LoadedConf {
  directives: Directive[];
  /** Every file read, in order. */
  files: string[];
  /** Includes that could not be followed (nginx -t would fail on these). */
  problems: IncludeProblem[];
  /** Includes of a snippet read from a folder above it, files that start with a byte-order mark. */
  notes: Array<IncludeProblem & { directive?: string }>;
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : path.slice(0, i);
}

export function joinPath(dir: string, path: string): string {
  if (path.startsWith('/')) return path;
  if (dir === '' || dir === '.') return path;
  return dir.endsWith('/') ? dir + path : `${dir}/${path}`;
}

const MAX_DEPTH = 32;
/** Files one import reads in all: a file that includes itself twice would otherwise be read 2^32
 * times within the depth limit (nginx -t fails on it too, out of memory or open files). */
export const MAX_INCLUDED_FILES = 1000;
/** Characters one import reads in all (each file may have a reader's own limit: 1,000 files of that
 * size would still be gigabytes). nginx.conf trees are kilobytes; large generated ones megabytes. */
export const MAX_INCLUDED_CHARS = 32 * 1024 * 1024;

/** What one import has read so far, over all the files given to it: files, characters, and words
 * and symbols (MAX_INCLUDED_FILES, MAX_INCLUDED_CHARS and MAX_IMPORT_TOKENS count them all), and
 * what its include patterns listed and matched (MAX_GLOB_LISTINGS, MAX_GLOB_MATCHES). */
export interface ImportBudget extends GlobBudget {
  files: number;
  chars: number;
  tokens: number;
}

export const newImportBudget = (): ImportBudget => ({ files: 0, chars: 0, tokens: 0, listings: 0, matches: 0 });

/** Read a file and everything it includes. Syntax errors throw NginxSyntaxError. `budget`: what
 * the import read before this file (several files given to one import share it). */
export async function loadNginxConf(entry: string, reader: ConfReader, prefix = dirname(entry), budget = newImportBudget()): Promise<LoadedConf> {
  const out: LoadedConf = { directives: [], files: [], problems: [], notes: [] };
  const text = withoutBom(await reader.read(entry), entry, out);
  out.files.push(entry);
  budget.files++;
  budget.chars += text.length;
  const parsed = parseNginx(text, entry, MAX_IMPORT_TOKENS - budget.tokens);
  budget.tokens += parsed.tokens;
  const tree = parsed.directives;
  const above = tree.some((d) => d.name === 'http' && d.block) ? [] : ancestors(prefix);
  out.directives = await expand(tree, { reader, prefix, above, out, capped: false, budget }, [entry]);
  return out;
}

interface Expansion {
  reader: ConfReader;
  prefix: string;
  /** Folders to try after `prefix` for a snippet's relative includes (nearest first). */
  above: string[];
  out: LoadedConf;
  /** MAX_INCLUDED_FILES or MAX_INCLUDED_CHARS were read, or an include pattern went past
   * MAX_GLOB_LISTINGS or MAX_GLOB_MATCHES: the includes left are skipped. */
  capped: boolean;
  /** What the import has read so far (past MAX_IMPORT_TOKENS it fails). */
  budget: ImportBudget;
}

/** A file's text without the UTF-8 byte-order mark it may start with, which is noted: nginx takes it
 * for part of the first directive's name and refuses the file. */
function withoutBom(read: string | { text: string; notes: ConfTextNote[] }, file: string, out: LoadedConf): string {
  const text = typeof read === 'string' ? read : read.text;
  if (typeof read !== 'string') for (const n of read.notes) out.notes.push({ file, line: n.line, column: n.column, directive: '(comment)', message: n.message });
  if (!text.startsWith('\ufeff')) return text;
  out.notes.push({ file, line: 1, column: 1, directive: '(byte-order mark)', message: 'the file starts with a UTF-8 byte-order mark, which nginx refuses (it reads it as part of the first directive: "unknown directive"): read here without it; remove it before nginx reads the file' });
  return text.slice(1);
}

/** "/etc/nginx/sites-enabled" → ["/etc/nginx", "/etc"], "conf.d" → ["."]; the root is not tried. */
function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dirname(dir); d !== dir && d !== '/'; dir = d, d = dirname(d)) out.push(d);
  return out;
}

/** The files an include names: from `prefix`, else (a snippet's relative path) the first folder
 * above that has them; a plain path's `text` too, read while looking for it (so it is read once). */
async function includedPaths(arg: string, x: Expansion): Promise<{ paths: string[]; from: string; text?: string | { text: string; notes: ConfTextNote[] } }> {
  const pattern = /[*?[]/.test(arg);
  const dirs = arg.startsWith('/') ? [x.prefix] : [x.prefix, ...x.above];
  for (const dir of dirs) {
    const path = joinPath(dir, arg);
    if (pattern) {
      const paths = await glob(path, x.reader, x.budget);
      if (paths.length) return { paths, from: dir };
      continue;
    }
    const text = await x.reader.read(path).catch(() => undefined);
    if (text !== undefined) return { paths: [path], from: dir, text };
  }
  // nothing anywhere: a pattern matches nothing; a plain path is a problem where nginx would look
  return { paths: pattern ? [] : [joinPath(x.prefix, arg)], from: x.prefix };
}

/** Why a pattern gave a folder to read, which nginx -t fails on as well (pread: "Is a directory"). */
function folderMatched(path: string): string {
  if (/\/\.\.?$/.test(path)) return ' (glob(3) gives nginx "." and ".." for a pattern that starts with a period, and nginx -t fails reading them)';
  return path.endsWith('/') ? ' (a pattern that ends with "/" gives nginx folders, and nginx -t fails reading them)' : '';
}

/** `chain`: the files being expanded, the entry first (its length is the include depth). */
async function expand(list: Directive[], x: Expansion, chain: readonly string[]): Promise<Directive[]> {
  const depth = chain.length - 1;
  const { reader, out } = x;
  const result: Directive[] = [];
  for (const d of list) {
    if (d.name !== 'include' || d.block) {
      if (d.block) d.block = await expand(d.block, x, chain);
      result.push(d);
      continue;
    }
    const problem = (message: string) => out.problems.push({ file: d.file, line: d.line, column: d.column, message });
    if (d.args.length !== 1) { problem('"include" takes exactly one argument'); continue; }
    if (depth >= MAX_DEPTH) { problem(`includes nested deeper than ${MAX_DEPTH} levels (a cycle?)`); continue; }
    // (past MAX_INCLUDED_FILES, said once where it happened: the includes after it are skipped)
    if (x.capped) continue;
    let included: Awaited<ReturnType<typeof includedPaths>>;
    try {
      included = await includedPaths(d.args[0]!, x);
    } catch (e) {
      if (!(e instanceof GlobLimitError)) throw e;
      problem(`"${d.args[0]}": ${e.message}: not expanded, and the includes after it were not read`);
      x.capped = true;
      continue;
    }
    const { paths, from, text: found } = included;
    if (from !== x.prefix) {
      out.notes.push({ file: d.file, line: d.line, column: d.column, message: `"${d.args[0]}" is not in ${x.prefix}: read from ${from} instead (a file without an http block is included by an nginx.conf, and nginx reads relative paths from that file's folder: import the nginx.conf to be sure)` });
    }
    for (const p of paths) {
      if (x.budget.files >= MAX_INCLUDED_FILES) {
        problem(`more than ${MAX_INCLUDED_FILES} files included in all (a file that includes itself?): "${p}" and the includes after it were not read`);
        x.capped = true;
        break;
      }
      if (chain.includes(p)) {
        // nginx would include it again and again until it fails
        problem(`"${p}" includes itself (${[...chain, p].join(' → ')}): not read again`);
        continue;
      }
      let text: string;
      try {
        text = withoutBom(found ?? (await reader.read(p)), p, out);
      } catch (e) {
        // (a reader's message may start with the path, said already)
        const code = (e as { code?: string }).code;
        const why = code ? errnoWords(code) : (e as Error).message.replace(`${p}: `, '');
        problem(`cannot read included file "${p}": ${why}${/[*?[]/.test(d.args[0]!) ? folderMatched(p) : ''}`);
        continue;
      }
      x.budget.chars += text.length;
      if (x.budget.chars > MAX_INCLUDED_CHARS) {
        problem(`more than ${MAX_INCLUDED_CHARS / 1024 / 1024} Mi characters included in all: "${p}" and the includes after it were not read`);
        x.capped = true;
        break;
      }
      out.files.push(p);
      x.budget.files++;
      const inner = parseNginx(text, p, MAX_IMPORT_TOKENS - x.budget.tokens);
      x.budget.tokens += inner.tokens;
      if (d.comments.length && inner.directives[0]) inner.directives[0].comments.unshift(...d.comments);
      // (a loop, not push(...): a spread of a big file's directives overflows the call stack)
      for (const e of await expand(inner.directives, x, [...chain, p])) result.push(e);
    }
  }
  return result;
}
