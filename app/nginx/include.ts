// `include` resolution over an injected file reader (the Node side passes fs; tests pass memory).
// As in nginx: a relative path is relative to the configuration prefix (the folder of the main
// file), a pattern with * ? [ is expanded like glob(3) in sorted order and may match nothing, a
// plain path must exist. Included directives take the place of the `include` directive.
import type { Directive } from './ast.ts';
import { parseNginx } from './parser.ts';

export interface ConfReader {
  /** The text of a file; rejects when it cannot be read. */
  read(path: string): Promise<string>;
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

/** Read a file and everything it includes. Syntax errors throw NginxSyntaxError. */
export async function loadNginxConf(entry: string, reader: ConfReader, prefix = dirname(entry)): Promise<LoadedConf> {
  const out: LoadedConf = { directives: [], files: [], problems: [] };
  const text = await reader.read(entry);
  out.files.push(entry);
  out.directives = await expand(parseNginx(text, entry).directives, reader, prefix, out, 0);
  return out;
}

async function expand(list: Directive[], reader: ConfReader, prefix: string, out: LoadedConf, depth: number): Promise<Directive[]> {
  const result: Directive[] = [];
  for (const d of list) {
    if (d.name !== 'include' || d.block) {
      if (d.block) d.block = await expand(d.block, reader, prefix, out, depth);
      result.push(d);
      continue;
    }
    const problem = (message: string) => out.problems.push({ file: d.file, line: d.line, column: d.column, message });
    if (d.args.length !== 1) { problem('"include" takes exactly one argument'); continue; }
    if (depth >= MAX_DEPTH) { problem(`includes nested deeper than ${MAX_DEPTH} levels (a cycle?)`); continue; }
    const pattern = joinPath(prefix, d.args[0]!);
    let paths: string[];
    if (/[*?[]/.test(pattern)) {
      paths = await glob(pattern, reader);
    } else paths = [pattern];
    for (const p of paths) {
      let text: string;
      try {
        text = await reader.read(p);
      } catch (e) {
        problem(`cannot read included file "${p}": ${(e as { code?: string }).code ?? (e as Error).message}`);
        continue;
      }
      out.files.push(p);
      const inner = parseNginx(text, p);
      if (d.comments.length && inner.directives[0]) inner.directives[0].comments.unshift(...d.comments);
      result.push(...(await expand(inner.directives, reader, prefix, out, depth + 1)));
    }
  }
  return result;
}

/** glob(3) over the reader: wildcards in any path segment; sorted; hidden names need a leading dot. */
export async function glob(pattern: string, reader: ConfReader): Promise<string[]> {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s) => s !== '');
  let bases = [absolute ? '/' : '.'];
  for (let si = 0; si < segments.length; si++) {
    const seg = segments[si]!;
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?[]/.test(seg)) {
        next.push(joinPath(base === '.' && !absolute ? '' : base, seg));
        continue;
      }
      let names: string[];
      try {
        names = await reader.list(base);
      } catch {
        continue;
      }
      const re = segmentRegex(seg);
      for (const n of [...names].sort()) {
        if (n.startsWith('.') && !seg.startsWith('.')) continue;
        if (re.test(n)) next.push(joinPath(base === '.' && !absolute ? '' : base, n));
      }
    }
    bases = next;
  }
  return bases.sort();
}

function segmentRegex(seg: string): RegExp {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) { re += '\\['; continue; }
      let body = seg.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = close;
    } else if (c === '\\' && i + 1 < seg.length) {
      re += seg[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's');
}
