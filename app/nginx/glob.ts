// glob(3) for `include` patterns, over an injected directory lister, as nginx calls it (flags 0):
// wildcards in any path segment, `*` `?` `[..]` (`[!..]` or `[^..]` negated, `a-z` ranges) and `\`
// escapes; a hidden name only for a segment that starts with a dot; results sorted.
// Names and patterns are compared as UTF-8 bytes, as nginx's glob does in its C locale (`?` is one
// byte: `??1` matches `é1`, `?1` does not), and sorted so.
// A pattern comes from a file to import, which may come from anywhere, so matching a name takes at
// most (name length × segment length) steps, never a backtracking search (a RegExp's `.*.*…Z` took
// minutes on one long name), and one import lists at most MAX_GLOB_LISTINGS folders and keeps at
// most MAX_GLOB_MATCHES names (`/*/*/*/*/*/*/*.conf` would otherwise walk the whole file system).
import { utf8Bytes } from '../match/bytes.ts';

/** Folders one import lists in all for its include patterns (a site's patterns list a few). */
export const MAX_GLOB_LISTINGS = 1000;
/** Names one import's include patterns match in all, folders on the way included. */
export const MAX_GLOB_MATCHES = 10_000;

/** What one import's include patterns have done so far (the import's budget has these too). */
export interface GlobBudget {
  listings: number;
  matches: number;
}

/** A pattern went past MAX_GLOB_LISTINGS or MAX_GLOB_MATCHES; the message says which. */
export class GlobLimitError extends Error {}

export interface DirLister {
  /** Entry names (files and folders) of a directory; rejects when unreadable. */
  list(dir: string): Promise<string[]>;
}

function join(base: string, name: string, absolute: boolean): string {
  if (base === '.' && !absolute) return name;
  return base.endsWith('/') ? base + name : `${base}/${name}`;
}

/** The paths that exist and match `pattern`, sorted; none when nothing does. Throws GlobLimitError
 * past the budget's limits. */
export async function glob(pattern: string, lister: DirLister, budget: GlobBudget = { listings: 0, matches: 0 }): Promise<string[]> {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s) => s !== '');
  let bases = [absolute ? '/' : '.'];
  let wild = false;
  const list = (dir: string) => {
    if (++budget.listings > MAX_GLOB_LISTINGS) throw new GlobLimitError(`more than ${MAX_GLOB_LISTINGS.toLocaleString('en-US')} folders listed in all for include patterns (one that walks the whole file system?)`);
    return lister.list(dir);
  };
  const keep = (next: string[], path: string) => {
    if (++budget.matches > MAX_GLOB_MATCHES) throw new GlobLimitError(`more than ${MAX_GLOB_MATCHES.toLocaleString('en-US')} files and folders matched in all by include patterns`);
    next.push(path);
  };
  for (const seg of segments) {
    const next: string[] = [];
    const literal = !/[*?[]/.test(seg);
    const matcher = literal ? [] : compileSegment(utf8Bytes(seg));
    for (const base of bases) {
      if (literal && !wild) {
        next.push(join(base, seg, absolute));
        continue;
      }
      // (after a wildcard, sites/*/site.conf: only the folders that have it, as glob(3) gives nginx
      // only paths that exist)
      const names = await list(base).catch(() => [] as string[]);
      if (literal) {
        if (names.includes(seg)) keep(next, join(base, seg, absolute));
        continue;
      }
      for (const n of byteOrder(names)) {
        if (n.startsWith('.') && !seg.startsWith('.')) continue;
        if (matchSegment(matcher, utf8Bytes(n))) keep(next, join(base, n, absolute));
      }
    }
    bases = next;
    wild ||= !literal;
  }
  return byteOrder(bases);
}

/** Sorted by their UTF-8 bytes (glob(3)'s strcoll in the C locale), not by UTF-16 code units. */
function byteOrder(names: readonly string[]): string[] {
  const keyed = names.map((n) => [utf8Bytes(n), n] as const);
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return keyed.map(([, n]) => n);
}

/** One position of a compiled segment: a code unit, any one (`?`), any run (`*`), or a class. */
type Token =
  | { kind: 'unit'; unit: number }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'class'; negate: boolean; ranges: Array<[number, number]> };

/** A segment's tokens (each a code unit of `seg`: glob gives it UTF-8 bytes, one unit each).
 * Brackets: `]` right after `[`, `[!` or `[^` is a member (`[!]a]` is any one but `]` and `a`); a
 * `[` without a `]` is literal; a reversed range (`z-a`) matches nothing. */
export function compileSegment(seg: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') {
      // (`**` is `*`)
      if (out.at(-1)?.kind !== 'star') out.push({ kind: 'star' });
    } else if (c === '?') out.push({ kind: 'any' });
    else if (c === '[') {
      const negate = seg[i + 1] === '!' || seg[i + 1] === '^';
      const first = i + (negate ? 2 : 1);
      const close = seg.indexOf(']', first + 1);
      if (close < 0) { out.push({ kind: 'unit', unit: 0x5b }); continue; }
      out.push({ kind: 'class', negate, ranges: classRanges(seg.slice(first, close)) });
      i = close;
    } else if (c === '\\' && i + 1 < seg.length) {
      out.push({ kind: 'unit', unit: seg.charCodeAt(++i) });
    } else out.push({ kind: 'unit', unit: seg.charCodeAt(i) });
  }
  return out;
}

/** `a-z0_` → [[a,z], [0,0], [_,_]]: a `-` first or last is a member. */
function classRanges(body: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let p = 0; p < body.length; ) {
    const lo = body.charCodeAt(p);
    if (body[p + 1] === '-' && p + 2 < body.length) {
      ranges.push([lo, body.charCodeAt(p + 2)]);
      p += 3;
    } else {
      ranges.push([lo, lo]);
      p += 1;
    }
  }
  return ranges;
}

function matchesOne(t: Token, unit: number): boolean {
  if (t.kind === 'unit') return t.unit === unit;
  if (t.kind === 'any') return true;
  if (t.kind === 'star') return false;
  const member = t.ranges.some(([lo, hi]) => lo <= unit && unit <= hi);
  return member !== t.negate;
}

/** Whether `name` matches the whole segment. Each token but `*` takes one code unit, so the last `*`
 * seen is the only place to come back to: what earlier ones took need never change (a later `*`
 * can take it as well), and the name is walked at most once per token. */
export function matchSegment(tokens: readonly Token[], name: string): boolean {
  let t = 0;
  let n = 0;
  let starT = -1;
  let starN = 0;
  while (n < name.length) {
    const tok = tokens[t];
    if (tok?.kind === 'star') {
      starT = t++;
      starN = n;
    } else if (tok && matchesOne(tok, name.charCodeAt(n))) {
      t++;
      n++;
    } else if (starT >= 0) {
      // the last `*` takes one more unit, and what follows it starts again after that
      t = starT + 1;
      n = ++starN;
    } else return false;
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}
