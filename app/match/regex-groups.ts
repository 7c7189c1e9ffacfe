// Group bookkeeping for the PCRE → JavaScript regex translator (regex.ts), for the two places where
// an accepted pattern would otherwise mean different things, or nginx would refuse it:
//
// Back-references. A reference to a group that did not take part fails in PCRE but matches "" in
// JS, and JS clears a quantified group's captures on each repetition where PCRE keeps the last
// value. So a reference is accepted only to a group certain to have matched by then: a closed group
// is "certain within" a frame (and one alternative of it) while every group between them is
// unquantified, free of '|' and not a negative assertion; a reference read inside that frame and
// alternative sees the group set in both engines.
//
// Lookbehinds. JS takes any lookbehind; PCRE2 10.42 (nginx 1.22 here) needs each alternative of a
// lookbehind to have a fixed length, groups inside it to have alternatives of one length, and at
// most 65535 bytes. Lengths are counted as its get_branchlength() does.
//
// Nesting. PCRE2 refuses groups nested more than 250 deep (its default parens_nest_limit).

/** Thrown for a construct that is refused; the message names it. */
export class Refuse extends Error {}

const LOOKBEHIND_MAX = 65535;
const LOOKBEHIND_SCANS = 2001; // PCRE2 gives up ("lookbehind is too complicated") after this many alternatives
const PARENS_NEST_LIMIT = 250; // PCRE2's default: deeper, "parentheses are too deeply nested"

/**
 * The pattern's top level or an open group. `branch` counts the '|' seen in it so far. A `fixed`
 * frame (in a lookbehind, not under a lookahead) measures: `len` of the current alternative, the
 * `last` item's length (for {n}), `lens` of the alternatives before.
 */
interface Frame { lookbehind: boolean; negative: boolean; capture: number; branch: number; fixed: boolean; len: number; last: number; lens: number[] }
interface Certain { frame: Frame | null; branch: number }

/** A group's kind; a capturing group is a 'group' with a capture number. */
export type GroupKind = 'group' | 'lookahead' | 'lookbehind';

export class Groups {
  private frames: Frame[] = [{ lookbehind: false, negative: false, capture: 0, branch: 0, fixed: false, len: 0, last: 0, lens: [] }];
  private closed = new Map<number, Certain>();
  private scans = 0;
  /** Open lookbehinds (a lookahead inside one still counts). */
  lookbehinds = 0;

  private get frame(): Frame { return this.frames[this.frames.length - 1]!; }

  /** After a '$' at `i` of `s`, nothing could take the final newline it may stand before: no open
   * group captures or looks behind, and what follows only closes them (each perhaps quantified),
   * then ends the pattern or one of its top-level alternatives. Such a '$' (regex.ts) may take that
   * newline into the match. */
  endsAlternative(s: string, i: number): boolean {
    for (let k = 1; k < this.frames.length; k++) if (this.frames[k]!.capture !== 0 || this.frames[k]!.lookbehind) return false;
    for (let d = this.frames.length - 1; d > 0; d--, i++) {
      if (s[i] !== ')') return false;
      if ('?*+'.includes(s[i + 1] ?? '-')) i += '?+'.includes(s[i + 2] ?? '-') ? 2 : 1;
    }
    return i === s.length || s[i] === '|';
  }

  /** Must the current position have a fixed length (only {n} quantifiers, as in a lookbehind)? */
  get fixed(): boolean { return this.frame.fixed; }

  open(kind: GroupKind, negative: boolean, capture: number): void {
    const lookbehind = kind === 'lookbehind';
    // a lookahead adds no length; only the lookbehinds inside it are measured
    const fixed = lookbehind || (kind !== 'lookahead' && this.frame.fixed);
    this.frames.push({ lookbehind, negative, capture, branch: 0, fixed, len: 0, last: 0, lens: [] });
    if (this.frames.length - 1 > PARENS_NEST_LIMIT) throw new Refuse(`groups nested more than ${PARENS_NEST_LIMIT} deep: nginx's PCRE2 refuses it ("parentheses are too deeply nested")`);
    if (lookbehind) this.lookbehinds++;
    if (fixed) this.scan();
  }

  alternative(): void {
    const f = this.frame;
    f.branch++;
    if (f.fixed) { f.lens.push(f.len); f.len = f.last = 0; this.scan(); }
  }

  /** Close the innermost group (false if none is open); `quantified` if a quantifier follows it. */
  close(quantified: boolean): boolean {
    if (this.frames.length === 1) return false;
    const f = this.frames.pop()!;
    const parent = this.frame;
    if (f.lookbehind) this.lookbehinds--;
    // alternatives of different lengths are allowed only at a lookbehind's own level
    if (f.fixed && !f.lookbehind && f.lens.some((l) => l !== f.len)) {
      throw new Refuse(`lookbehind with a group whose alternatives differ in length: nginx's PCRE2 10.42 refuses it (only the lookbehind's own alternatives may differ, as in (?<=ab|c))`);
    }
    this.item(f.fixed && !f.lookbehind ? f.len : 0);
    // groups certain within f stay certain one level up only if f matches once, whole, and keeps
    // its captures; so a Certain's frame is always an open one, or null
    const keeps = !quantified && !f.negative && f.branch === 0;
    for (const c of this.closed.values()) {
      if (c.frame === f) Object.assign(c, { frame: keeps ? parent : null, branch: parent.branch });
    }
    if (f.capture > 0) this.closed.set(f.capture, { frame: quantified ? null : parent, branch: parent.branch });
    return true;
  }

  /** Has group n certainly matched here ('open': it has not closed yet, or does not exist)? */
  certain(n: number): boolean | 'open' {
    const c = this.closed.get(n);
    if (c === undefined) return 'open';
    return c.frame !== null && c.frame.branch === c.branch;
  }

  /** An item of `len` bytes (0 for assertions) was read. */
  item(len: number): void {
    const f = this.frame;
    if (!f.fixed) return;
    Object.assign(f, { len: f.len + len, last: len });
    if (f.len > LOOKBEHIND_MAX) throw new Refuse(`lookbehind longer than ${LOOKBEHIND_MAX} bytes: nginx's PCRE2 refuses it`);
  }

  /** {n} after an item: {0} takes the item back, {1} adds nothing (as PCRE2 counts). */
  repeat(n: number): void {
    const f = this.frame;
    if (!f.fixed) return;
    if (n === 0) Object.assign(f, { len: f.len - f.last, last: 0 });
    else this.item(n === 1 ? 0 : (n - 1) * f.last);
  }

  private scan(): void {
    if (++this.scans > LOOKBEHIND_SCANS) throw new Refuse(`lookbehind too complicated for nginx's PCRE2 (over ${LOOKBEHIND_SCANS} alternatives to measure)`);
  }
}

/** A match's named groups as nginx's variables hold them: lowercase names, '' for a group that took
 * no part (nginx: a capture of length 0); undefined when the regex has none. */
export function namedCaptures(m: RegExpExecArray): Record<string, string> | undefined {
  if (m.groups === undefined) return undefined;
  // (no prototype: a group may be called "constructor" or "__proto__", as nginx allows)
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(m.groups)) out[k.toLowerCase()] = v ?? '';
  return out;
}

/** The named groups of two regexes that matched, the later one's over the earlier's (no prototype either). */
export function mergeNamed(before: Readonly<Record<string, string>> | undefined, after: Readonly<Record<string, string>>): Record<string, string> {
  return Object.assign(Object.create(null) as Record<string, string>, before, after);
}
