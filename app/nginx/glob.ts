// glob(3) for `include` patterns, over an injected directory lister, as nginx calls it (flags 0,
// so fnmatch with FNM_PERIOD and `\` escapes): wildcards in any path segment, `*` `?` and brackets
// as glibc's fnmatch reads them in the C locale (`[!..]` or `[^..]` negated, `a-z` ranges, `\`
// escapes inside too, `[:digit:]` and the other C classes, `[=a=]` and `[.a.]` for the byte itself);
// a hidden name only for a segment that starts with a period, bare or escaped (`\.h*`), `.` and `..`
// included (nginx then fails to read them, as the import says); a pattern that ends with `/` only
// folders, each with its `/`; results sorted.
// Names and patterns are compared as UTF-8 bytes, as nginx's glob does in its C locale (`?` is one
// byte: `??1` matches `é1`, `?1` does not), and sorted so.
// A pattern comes from a file to import, which may come from anywhere, so matching a name takes at
// most (name length × segment length) steps once each bracket's answer for a byte is known (found
// once per pattern, in a segment of at most MAX_GLOB_SEGMENT bytes), never a backtracking search (a
// RegExp's `.*.*…Z` took minutes on one long name), and one import lists at most MAX_GLOB_LISTINGS
// folders and keeps at most MAX_GLOB_MATCHES names (`/*/*/*/*/*/*/*.conf` would otherwise walk the
// whole file system).
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
  /** Entry names (files and folders) of a directory, without `.` and `..`; rejects when unreadable
   * or not a folder. */
  list(dir: string): Promise<string[]>;
}

function join(base: string, name: string, absolute: boolean): string {
  if (base === '.' && !absolute) return name;
  return base.endsWith('/') ? base + name : `${base}/${name}`;
}

/** Whether glob(3) matches a segment by listing its folder: an unescaped `*` or `?`, or a `[` with
 * a `]` after it (glibc's __glob_pattern_type); any other segment names one entry, its `\` escapes
 * taken out. */
export function isWild(seg: string): boolean {
  let bracket = false;
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*' || c === '?') return true;
    if (c === '\\') i++;
    else if (c === '[') bracket = true;
    else if (c === ']' && bracket) return true;
  }
  return false;
}

const unescape = (seg: string) => seg.replace(/\\(.)/gs, '$1');

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
  for (let i = 0; i < segments.length; i++) {
    let seg = segments[i]!;
    if (/(?<!\\)(\\\\)*\\$/.test(seg)) {
      // a `\` left over at the end: glob(3) drops it before a `/` (`dir\/*.conf`), and a last part
      // with one matches nothing (fnmatch: "trailing \ loses")
      if (i === segments.length - 1 && !pattern.endsWith('/')) return [];
      seg = seg.slice(0, -1);
    }
    const next: string[] = [];
    const literal = !isWild(seg);
    const name = literal ? unescape(seg) : '';
    const pat = compileSegment(literal ? '' : utf8Bytes(seg));
    if (pat.pat.length > MAX_GLOB_SEGMENT) throw new GlobLimitError(`a wildcard part of more than ${MAX_GLOB_SEGMENT.toLocaleString('en-US')} bytes`);
    for (const base of bases) {
      if (literal && !wild) {
        next.push(join(base, name, absolute));
        continue;
      }
      // (after a wildcard, sites/*/site.conf: only the folders that have it, as glob(3) gives nginx
      // only paths that exist)
      // (readdir gives glob `.` and `..` too, of a folder it can read: `.*` matches them)
      const names = await list(base).then((ns) => ['.', '..', ...ns], () => [] as string[]);
      if (literal) {
        if (names.includes(name)) keep(next, join(base, name, absolute));
        continue;
      }
      // (in any order: the paths found are sorted once, at the end)
      for (const n of names) {
        if (matchSegment(pat, utf8Bytes(n))) keep(next, join(base, n, absolute));
      }
    }
    bases = next;
    wild ||= !literal;
  }
  if (!wild) {
    // (no wildcard after all, `\*.conf`: glob(3) gives the path only when it is there)
    const there: string[] = [];
    for (const b of bases) {
      const cut = b.lastIndexOf('/');
      const names = await list(cut > 0 ? b.slice(0, cut) : cut === 0 ? '/' : '.').catch(() => [] as string[]);
      if (names.includes(b.slice(cut + 1))) there.push(b);
    }
    bases = there;
  }
  if (pattern.endsWith('/') && segments.length && isWild(segments.at(-1)!)) {
    // `conf.d/*/`: glob(3) gives the folders only, each with its `/` (which nginx cannot read)
    const folders: string[] = [];
    for (const b of bases) if (await list(b).then(() => true, () => false)) folders.push(`${b}/`);
    bases = folders;
  }
  return byteOrder(bases);
}

/** Sorted by their UTF-8 bytes (glob(3)'s strcoll in the C locale), not by UTF-16 code units. */
function byteOrder(names: readonly string[]): string[] {
  const keyed = names.map((n) => [utf8Bytes(n), n] as const);
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return keyed.map(([, n]) => n);
}

const [BSL, LB, RB, COLON, EQ, DOT, DASH] = ['\\', '[', ']', ':', '=', '.', '-'].map((c) => c.charCodeAt(0)) as [number, number, number, number, number, number, number];
const between = (c: number, lo: number, hi: number) => lo <= c && c <= hi;
const isAlpha = (c: number) => between(c, 0x41, 0x5a) || between(c, 0x61, 0x7a);
const isDigit = (c: number) => between(c, 0x30, 0x39);
const isGraph = (c: number) => between(c, 0x21, 0x7e);
/** The character classes of the C locale (ASCII only: a byte from 0x80 is in none). */
const CLASSES = new Map<string, (c: number) => boolean>(Object.entries({
  alnum: (c) => isAlpha(c) || isDigit(c),
  alpha: isAlpha,
  blank: (c) => c === 0x20 || c === 0x09,
  cntrl: (c) => c < 0x20 || c === 0x7f,
  digit: isDigit,
  graph: isGraph,
  lower: (c) => between(c, 0x61, 0x7a),
  print: (c) => between(c, 0x20, 0x7e),
  punct: (c) => isGraph(c) && !isAlpha(c) && !isDigit(c),
  space: (c) => c === 0x20 || between(c, 0x09, 0x0d),
  upper: (c) => between(c, 0x41, 0x5a),
  xdigit: (c: number) => isDigit(c) || between(c, 0x41, 0x46) || between(c, 0x61, 0x66),
}));

/** Bytes of one wildcard segment past which an include pattern is not expanded (GlobLimitError):
 * NAME_MAX is 255, and a bracket's answer for a byte may take the rest of the segment to find. */
export const MAX_GLOB_SEGMENT = 1024;

/** A segment to match names against: its UTF-8 bytes (one code unit each), and its brackets'
 * answers so far by bracket and byte (each found once per pattern, however many names). */
export interface Segment {
  pat: string;
  brackets: Map<number, number>;
}

export const compileSegment = (seg: string): Segment => ({ pat: seg, brackets: new Map() });

/** Whether `name` (bytes) matches the whole segment, as glibc's fnmatch with FNM_PERIOD answers: a
 * leading period only by a period in the pattern. Each `*` tries the name's positions once for what
 * follows it up to the next `*` (fnmatch's own way: the last `*` seen is the only one to come back
 * to), so a name is walked at most once per pattern unit. */
export function matchSegment(seg: Segment, name: string): boolean {
  const end: End = { p: -1, n: 0, lead: false };
  let r = matchUntilStar(seg, 0, name, 0, true, end);
  while (r === 'star') r = star(seg, end.p, name, end.n, end.lead, end);
  return r === 'match';
}

type Outcome = 'match' | 'nomatch' | 'star';
interface End { p: number; n: number; lead: boolean }

/** fnmatch's loop from pattern unit `p` and name byte `n`: up to a `*` ('star', with where it is in
 * `end`), or to the end of the pattern. */
function matchUntilStar(seg: Segment, p: number, name: string, n: number, lead: boolean, end: End): Outcome {
  const { pat } = seg;
  const P = (i: number) => (i < pat.length ? pat.charCodeAt(i) : 0);
  for (let c = P(p++); c !== 0; c = P(p++)) {
    if (c === 0x3f) {
      // `?`
      if (n === name.length || (name.charCodeAt(n) === DOT && lead)) return 'nomatch';
    } else if (c === BSL) {
      c = P(p++);
      if (c === 0 || n === name.length || name.charCodeAt(n) !== c) return 'nomatch';
    } else if (c === 0x2a) {
      end.p = p - 1;
      end.n = n;
      end.lead = lead;
      return 'star';
    } else if (c === LB) {
      if (n === name.length) return 'nomatch';
      const b = name.charCodeAt(n);
      if (b === DOT && lead) return 'nomatch';
      const key = p * 256 + b;
      let r = seg.brackets.get(key);
      if (r === undefined) seg.brackets.set(key, (r = bracket(pat, p, b)));
      if (r === NOMATCH) return 'nomatch';
      // (a `[` without its `]` is itself)
      if (r === LITERAL) { if (b !== LB) return 'nomatch'; } else p = r;
    } else if (n === name.length || name.charCodeAt(n) !== c) return 'nomatch';
    lead = false;
    n++;
  }
  return n === name.length ? 'match' : 'nomatch';
}

/** fnmatch's `*` at `p` (and the `*` and `?` right after it): the first position from which the
 * rest matches up to the next `*` ('star', `end` set) or to the end. */
function star(seg: Segment, p: number, name: string, n: number, lead: boolean, end: End): Outcome {
  const { pat } = seg;
  const P = (i: number) => (i < pat.length ? pat.charCodeAt(i) : 0);
  if (n !== name.length && name.charCodeAt(n) === DOT && lead) return 'nomatch';
  let c = P(++p);
  for (; c === 0x3f || c === 0x2a; c = P(++p)) {
    if (c === 0x3f) {
      if (n === name.length) return 'nomatch';
      n++;
    }
  }
  if (c === 0) return 'match';
  const first = c === BSL ? P(p + 1) : c;
  for (; n < name.length; n++, lead = false) {
    if (c !== LB && name.charCodeAt(n) !== first) continue;
    const r = matchUntilStar(seg, p, name, n, lead, end);
    if (r !== 'nomatch') return r;
  }
  return 'nomatch';
}

const NOMATCH = -1;
const LITERAL = -2;

/** A bracket of `pat` from unit `p` (after its `[`) on byte `b`, as glibc reads it: where the
 * pattern goes on after it when it matches, NOMATCH, or LITERAL when it has no `]` (the `[` is then
 * itself). An unknown class name, a `[.ab.]` or a `[` without `]` after a member that matched fail
 * the match (glibc's answers). */
function bracket(pat: string, p: number, b: number): number {
  const P = (i: number) => (i < pat.length ? pat.charCodeAt(i) : 0);
  const not = P(p) === 0x21 || P(p) === 0x5e;
  if (not) p++;
  const matched = (from: number) => { const r = skipRest(pat, from); return r === NOMATCH || not ? NOMATCH : r; };
  let c = P(p++);
  for (;;) {
    let member = -1; // a unit to take as a member (or a range's start)
    let collating = false;
    if (c === BSL) {
      if (P(p) === 0) return NOMATCH;
      member = P(p++);
    } else if (c === LB && P(p) === COLON) {
      const start = p;
      let cls = '';
      for (;;) {
        c = P(++p);
        if (c === COLON && P(p + 1) === RB) { p += 2; break; }
        if (c < 0x61 || c >= 0x7a) { p = start; member = LB; break; }
        cls += String.fromCharCode(c);
      }
      if (member < 0) {
        const test = CLASSES.get(cls);
        if (!test) return NOMATCH;
        if (test(b)) return matched(p);
        c = P(p++);
      }
    } else if (c === LB && P(p) === EQ) {
      const start = p;
      const eq = P(p + 1);
      if (eq === 0 || P(p + 2) !== EQ || P(p + 3) !== RB) { p = start; member = LB; } else {
        p += 4;
        if (b === eq) return matched(p);
        c = P(p++);
      }
    } else if (c === 0) return LITERAL;
    else if (c === LB && P(p) === DOT) {
      const sym = collatingSymbol(pat, p);
      if (sym === null) return NOMATCH;
      p = sym.next;
      if (!(P(p) === DASH && P(p + 1) !== 0) && b === sym.unit) return matched(p);
      member = sym.unit;
      collating = true;
    } else member = c;
    if (member >= 0) {
      if (!collating) {
        const isRange = P(p) === DASH && P(p + 1) !== 0 && P(p + 1) !== RB;
        if (!isRange && member === b) return matched(p);
      }
      c = P(p++);
      if (c === DASH && P(p) !== RB) {
        let hi = P(p++);
        if (hi === LB && P(p) === DOT) {
          const sym = collatingSymbol(pat, p);
          if (sym === null) return NOMATCH;
          p = sym.next;
          hi = sym.unit;
        } else {
          if (hi === BSL) hi = P(p++);
          if (hi === 0) return NOMATCH;
        }
        if (member <= b && b <= hi) return matched(p);
        c = P(p++);
      }
    }
    if (c === RB) break;
  }
  return not ? p : NOMATCH;
}

/** `[.x.]` from its `.` at `p`: the one byte it names and where the pattern goes on; null for a
 * longer name (the C locale has none) or no `.]` (either fails the match). */
function collatingSymbol(pat: string, p: number): { unit: number; next: number } | null {
  const close = pat.indexOf('.]', p + 1);
  if (close < 0 || close !== p + 2) return null;
  return { unit: pat.charCodeAt(p + 1), next: close + 2 };
}

/** After a member matched: where the pattern goes on past the bracket's `]`, as glibc skips the
 * rest of it; NOMATCH when it has none. */
function skipRest(pat: string, p: number): number {
  const P = (i: number) => (i < pat.length ? pat.charCodeAt(i) : 0);
  for (let c = P(p++); c !== RB; c = P(p++)) {
    if (c === 0) return NOMATCH;
    if (c === BSL) {
      if (P(p) === 0) return NOMATCH;
      p++;
    } else if (c === LB && P(p) === COLON) {
      const start = p;
      for (;;) {
        c = P(++p);
        if (c === COLON && P(p + 1) === RB) break;
        if (c < 0x61 || c >= 0x7a) { p = start - 2; break; }
      }
      p += 2;
    } else if (c === LB && P(p) === EQ) {
      if (P(p + 1) === 0 || P(p + 2) !== EQ || P(p + 3) !== RB) return NOMATCH;
      p += 4;
    } else if (c === LB && P(p) === DOT) {
      const close = pat.indexOf('.]', p + 1);
      if (close < 0) return NOMATCH;
      p = close + 2;
    }
  }
  return p;
}
