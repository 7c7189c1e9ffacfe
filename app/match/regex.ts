// nginx location and server_name regexes are PCRE2 (byte mode, no UTF, C-locale tables); the
// engine runs JavaScript RegExps over byte strings (no 'u' flag). The pattern is read here token by
// token and rewritten so both mean the same; anything whose meaning would differ, or that JS lacks,
// is refused with a message that names the construct. Rewrites:
//   non-ASCII text      → its UTF-8 bytes (nginx reads the config as bytes)
//   (?P<n>..) (?'n'..)  → (?<n>..);  (?P=n) \k'n' \k{n} → \k<n>
//   (?i) at the start   → case-insensitive (also after a leading ^)
//   case-insensitive    → ASCII letters expanded to [aA] (PCRE folds ASCII only; JS 'i' folds À/à too)
//   .                   → [^\n]      (PCRE's dot matches \r; JS's does not)
//   $                   → end, or before a final \n (PCRE's default $); ending an alternative, \n?$
//                         (no lookaround: V8 can fall back to linear time, main/engine/v8-tuning.ts)
//   \s \h \v and negations, \e \a \cX \xHH \x{..} \0oo → explicit byte sets / bytes
// Back-references and lookbehinds are accepted only where PCRE2 10.42 and JS agree (regex-groups.ts).

import { utf8Bytes } from './bytes.ts';
import { Groups, Refuse, type GroupKind } from './regex-groups.ts';
import { takenGroupName } from '../proxy/variable-names.ts';

/** `names`: the named groups, each a variable $name to nginx (as written; nginx reads them in lowercase). */
export type RegexResult = { ok: true; regex: RegExp; names: string[] } | { ok: false; message: string };

const hex2 = (c: number) => '\\x' + c.toString(16).toUpperCase().padStart(2, '0');
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);
const isUpper = (c: number) => c >= 0x41 && c <= 0x5a;
const isLower = (c: number) => c >= 0x61 && c <= 0x7a;

const SPACE = '\\t\\n\\v\\f\\r ';
const END_LOOKAHEAD = '(?=\\n?(?![\\s\\S]))';
// Sets as class contents: PCRE2 byte-mode \s \h \v and their complements, over the byte range.
const CLASS_SETS: Record<string, string> = {
  s: SPACE,
  S: '\\x00-\\x08\\x0E-\\x1F\\x21-\\uFFFF',
  h: '\\t \\xA0',
  H: '\\x00-\\x08\\x0A-\\x1F\\x21-\\x9F\\xA1-\\uFFFF',
  v: '\\n\\v\\f\\r\\x85',
  V: '\\x00-\\x09\\x0E-\\x84\\x86-\\uFFFF',
};

/** Whether a quantifier (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`) starts at `s[i]`. */
function quantifierAt(s: string, i: number): boolean {
  return '*+?'.includes(s[i] ?? '-') || minmaxAt(s, i) !== null;
}

/** A {n}, {n,} or {n,m} quantifier at i ({,m} is literal text in PCRE2 10.42). */
function minmaxAt(s: string, i: number): RegExpExecArray | null {
  const re = /\{(\d+)(,(\d*))?\}/y;
  re.lastIndex = i;
  return re.exec(s);
}

const VARIABLE_LOOKBEHIND = "variable-length lookbehind: nginx's PCRE2 10.42 wants a fixed length, so no *, +, ? or {n,m} inside (?<=...) or (?<!...)";
const REFUSED_ESCAPES: Record<string, string> = {
  A: '\\A (use ^)', Z: '\\Z (use $)', z: '\\z', G: '\\G', Q: '\\Q...\\E quoting', E: '\\E', K: '\\K',
  p: 'unicode property \\p{..}', P: 'unicode property \\P{..}', X: '\\X', R: '\\R', N: '\\N', C: '\\C',
  g: '\\g references', o: '\\o{..}', u: '\\u', U: '\\U', l: '\\l', L: '\\L',
};

class Translator {
  private i = 0;
  private out = '';
  private groups = 0;
  readonly names = new Map<string, number>();
  private maxBackref = 0;
  private g = new Groups();
  private laterRefs: Array<{ name: string | null; why: string }> = []; // to groups not yet seen

  constructor(private src: string, private caseless: boolean) {}

  run(): string {
    const s = this.src;
    while (this.i < s.length) this.atom();
    if (this.maxBackref > this.groups) throw new Refuse(`reference to group ${this.maxBackref}, but the regex has ${this.groups} group(s)`);
    const later = this.laterRefs[0];
    if (later) throw new Refuse(later.name !== null && !this.names.has(later.name) ? `reference to a group named "${later.name}", which the regex does not have` : later.why);
    return this.out;
  }

  private close(): void {
    this.out += ')';
    // a quantifier after it decides whether its captures are certain (an unbalanced ')' is left to RegExp)
    this.g.close(quantifierAt(this.src, this.i));
  }

  private char(c: number): string {
    if (this.caseless && (isUpper(c) || isLower(c))) {
      const u = String.fromCharCode(c & ~0x20);
      return `[${u}${u.toLowerCase()}]`;
    }
    if (c < 0x20 || c >= 0x7f) return hex2(c);
    const ch = String.fromCharCode(c);
    return '\\^$.|?*+()[]{}/-'.includes(ch) ? '\\' + ch : ch;
  }

  private quantifierFollows(): void {
    const s = this.src;
    const c = s[this.i];
    if (c === '+') throw new Refuse('possessive quantifiers (*+, ++, ?+, {n}+) are not supported');
    if (c === '?') { this.out += '?'; this.i++; }
  }

  private atom(): void {
    const s = this.src;
    const c = s[this.i]!;
    switch (c) {
      case '\\': this.i++; this.g.item('bB'.includes(s[this.i] ?? '-') ? 0 : 1); this.out += this.escape(false); return;
      case '[': this.i++; this.klass(); this.g.item(1); return;
      case '(': this.i++; this.group(); return;
      case ')': this.i++; this.close(); return;
      case '.': this.i++; this.out += '[^\\n]'; this.g.item(1); return;
      case '$':
        this.i++;
        // (JavaScript repeats the lookahead it becomes; PCRE refuses to repeat '$', as it does '^')
        if (quantifierAt(s, this.i)) throw new Refuse(`quantifier does not follow a repeatable item (after '$' at offset ${this.i - 1})`);
        this.out += this.g.endsAlternative(s, this.i) ? '\\n?$' : END_LOOKAHEAD; this.g.item(0); return;
      case '|': this.g.alternative(); this.i++; this.out += c; return;
      case '^': this.i++; this.out += c; this.g.item(0); return;
      case '*': case '+': case '?':
        if (this.g.fixed) throw new Refuse(VARIABLE_LOOKBEHIND);
        this.i++; this.out += c; this.quantifierFollows(); return;
      case '{': {
        const m = minmaxAt(s, this.i);
        if (!m) { this.i++; this.out += '\\{'; this.g.item(1); return; }
        const lo = Number(m[1]);
        const hi = m[3] === undefined || m[3] === '' ? null : Number(m[3]);
        if (lo > 65535 || (hi !== null && hi > 65535)) throw new Refuse('quantifier number too big (PCRE allows up to 65535)');
        if (this.g.fixed && m[2] !== undefined && hi !== lo) throw new Refuse(VARIABLE_LOOKBEHIND);
        this.g.repeat(lo);
        this.i += m[0].length; this.out += m[0]; this.quantifierFollows(); return;
      }
      default: {
        this.i++;
        this.out += this.char(c.charCodeAt(0));
        this.g.item(1);
      }
    }
  }

  private groupName(end: string): string {
    const s = this.src;
    const close = s.indexOf(end, this.i);
    const name = close < 0 ? '' : s.slice(this.i, close);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(name)) throw new Refuse(`invalid group name "${name}"`);
    this.i = close + end.length;
    return name;
  }

  /** A reference by number or name; `from` is where its text starts, for messages. */
  private backref(n: number | string, from: number): string {
    if (this.caseless) throw new Refuse('back-references are not supported in case-insensitive regexes');
    if (this.g.lookbehinds > 0) throw new Refuse('back-references inside lookbehind are not supported (JavaScript reads a lookbehind right to left)');
    const text = this.src.slice(from, this.i);
    const num = typeof n === 'number' ? n : this.names.get(n);
    if (typeof n === 'number') this.maxBackref = Math.max(this.maxBackref, n);
    const certain = num === undefined ? 'open' : this.g.certain(num);
    if (certain === 'open') {
      const why = `back-reference ${text} comes before the group it refers to is complete: PCRE and JavaScript disagree there`;
      // a group not seen yet may not exist at all: run() says which, at the end
      if (num === undefined || num > this.groups) this.laterRefs.push({ name: typeof n === 'string' ? n : null, why });
      else throw new Refuse(why);
    } else if (!certain) {
      throw new Refuse(`back-reference ${text} to a group that may not take part in the match (optional, repeated, in another alternative or in a negative assertion): PCRE and JavaScript disagree there`);
    }
    return typeof n === 'number' ? `\\${n}` : `\\k<${n}>`;
  }

  private group(): void {
    const s = this.src;
    const rest = s.slice(this.i);
    let kind: GroupKind = 'group';
    let capture = 0;
    if (rest[0] === '*') throw new Refuse('PCRE verbs and options like (*UTF) are not supported');
    if (rest[0] !== '?') {
      capture = ++this.groups;
      this.out += '(';
    } else if (rest.startsWith('?:') || rest.startsWith('?=') || rest.startsWith('?!')) {
      this.out += '(' + rest.slice(0, 2);
      this.i += 2;
      if (rest[1] !== ':') kind = 'lookahead';
    } else if (rest.startsWith('?<=') || rest.startsWith('?<!')) {
      this.out += '(' + rest.slice(0, 3);
      this.i += 3;
      kind = 'lookbehind';
    } else if (rest.startsWith('?P<') || rest.startsWith('?<') || rest.startsWith("?'")) {
      this.i += rest.startsWith('?P<') ? 3 : 2;
      const name = this.groupName(rest.startsWith("?'") ? "'" : '>');
      if (this.names.has(name)) throw new Refuse(`duplicate group name "${name}"`);
      const same = [...this.names.keys()].find((n) => n.toLowerCase() === name.toLowerCase());
      if (same !== undefined) throw new Refuse(`group names "${same}" and "${name}" are one variable to nginx, $${name.toLowerCase()} (it reads variable names in any case); rename one`);
      const taken = takenGroupName(name);
      if (taken) throw new Refuse(taken);
      capture = ++this.groups;
      this.names.set(name, capture);
      this.out += `(?<${name}>`;
    } else if (rest.startsWith('?P=')) {
      this.i += 3;
      const name = this.groupName(')');
      this.out += this.backref(name, this.i - name.length - 5);
      return; // (?P=name) is complete, no group stays open
    } else if (rest.startsWith('?>')) {
      throw new Refuse('atomic groups (?>...) are not supported');
    } else if (rest.startsWith('?#')) {
      throw new Refuse('comments (?#...) are not supported');
    } else if (rest.startsWith('?|')) {
      throw new Refuse('branch reset groups (?|...) are not supported');
    } else if (rest.startsWith('?(')) {
      throw new Refuse('conditional groups (?(...)...) are not supported');
    } else if (/^\?(R|[+-]?\d|&|P>)/.test(rest)) {
      throw new Refuse('recursion and subroutine calls are not supported');
    } else {
      throw new Refuse(this.i === 1 ? `inline option "(${rest.slice(0, 4)}..." is not supported (only (?i) at the very start)` : 'inline options like (?i) are only supported at the very start of the regex (or right after its leading "^")');
    }
    const negative = (kind === 'lookahead' && rest[1] === '!') || (kind === 'lookbehind' && rest[2] === '!');
    this.g.open(kind, negative, capture);
  }

  /** A single byte written as an escape, or null for escapes that are not one byte. */
  private escapedByte(inClass: boolean): number | null {
    const s = this.src;
    const e = s[this.i];
    if (e === undefined) throw new Refuse('the regex ends with "\\"');
    const simple: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, e: 27, a: 7 };
    if (e in simple) { this.i++; return simple[e]!; }
    if (inClass && e === 'b') { this.i++; return 8; }
    if (e === 'x') {
      this.i++;
      if (s[this.i] === '{') {
        const m = /^\{([0-9A-Fa-f]{1,2})\}/.exec(s.slice(this.i));
        if (!m) throw new Refuse('\\x{...} above \\x{FF} is not supported (nginx matches bytes)');
        this.i += m[0].length;
        return parseInt(m[1]!, 16);
      }
      let h = '';
      while (h.length < 2 && isHex(s[this.i])) h += s[this.i++];
      if (h === '') throw new Refuse('\\x needs hex digits');
      return parseInt(h, 16);
    }
    if (e === 'c') {
      const x = s[this.i + 1];
      if (x === undefined || !/[A-Za-z]/.test(x)) throw new Refuse('\\c must be followed by a letter');
      this.i += 2;
      return x.toUpperCase().charCodeAt(0) ^ 0x40;
    }
    if (e === '0' || (inClass && e >= '1' && e <= '7')) {
      let o = '';
      while (o.length < 3 && s[this.i] !== undefined && s[this.i]! >= '0' && s[this.i]! <= '7') o += s[this.i++];
      const v = parseInt(o, 8);
      if (v > 0xff) throw new Refuse('octal escape above \\377');
      return v;
    }
    if (/[^A-Za-z0-9]/.test(e)) { this.i++; return e.charCodeAt(0); }
    return null;
  }

  private escape(inClass: boolean): string {
    const s = this.src;
    const start = this.i - 1; // the backslash
    const e = s[this.i];
    const b = this.escapedByte(inClass);
    if (b !== null) return this.char(b);
    if (e === undefined) throw new Refuse('the regex ends with "\\"');
    if (e in REFUSED_ESCAPES) throw new Refuse(`${REFUSED_ESCAPES[e]} is not supported`);
    if ('dDwW'.includes(e)) { this.i++; return '\\' + e; }
    if (e in CLASS_SETS) {
      this.i++;
      if (inClass) return CLASS_SETS[e]!;
      return e === e.toLowerCase() ? `[${CLASS_SETS[e]}]` : `[^${CLASS_SETS[e.toLowerCase()]}]`;
    }
    if (!inClass && (e === 'b' || e === 'B')) { this.i++; return '\\' + e; }
    if (!inClass && e >= '1' && e <= '9') {
      if (isDigit(s[this.i + 1])) throw new Refuse(`ambiguous escape \\${e}${s[this.i + 1]} (back-reference or octal)`);
      this.i++;
      return this.backref(Number(e), start);
    }
    if (!inClass && e === 'k') {
      const open = s[this.i + 1];
      const close = open === '<' ? '>' : open === "'" ? "'" : open === '{' ? '}' : null;
      if (close === null) throw new Refuse('\\k must be followed by <name>');
      this.i += 2;
      return this.backref(this.groupName(close), start);
    }
    throw new Refuse(`unknown escape \\${e}`);
  }

  /** Other-case letters of [lo, hi] that are not in it already, as class contents. */
  private otherCase(lo: number, hi: number): string {
    if (!this.caseless) return '';
    let extra = '';
    const add = (a: number, b: number, shift: number) => {
      const from = Math.max(lo, a);
      const to = Math.min(hi, b);
      if (from > to) return;
      const f = from + shift;
      const t = to + shift;
      // only letters not already inside [lo, hi]
      for (let c = f; c <= t; c++) if (c < lo || c > hi) extra += String.fromCharCode(c);
    };
    add(0x41, 0x5a, 0x20);
    add(0x61, 0x7a, -0x20);
    return extra;
  }

  private klass(): void {
    const s = this.src;
    // a class that opens as a POSIX one ("[:alpha:]" alone, "[.a.]", "[=a=]"): PCRE2 refuses it
    // (a POSIX class is taken only inside a class, and collating elements not at all)
    const posix = s[this.i];
    if ((posix === ':' || posix === '.' || posix === '=') && posixSyntax(s, this.i)) {
      throw new Refuse(posix === ':' ? 'POSIX named classes are supported only within a class (nginx refuses it): write e.g. [a-zA-Z]' : 'POSIX collating elements are not supported');
    }
    let body = '';
    let negate = false;
    if (s[this.i] === '^') { negate = true; this.i++; }
    let first = true;
    const literal = (c: number) => (c < 0x20 || c >= 0x7f ? hex2(c) : '\\]\\[^-'.includes(String.fromCharCode(c)) ? '\\' + String.fromCharCode(c) : String.fromCharCode(c));
    // one class atom: a byte, or a set escape (returned as text, not a byte)
    const readAtom = (): number | string => {
      const c = s[this.i];
      if (c === undefined) throw new Refuse('missing ] at the end of a character class');
      if (c === '[' && /^\[[:.=]/.test(s.slice(this.i))) throw new Refuse('POSIX classes like [:alpha:] are not supported (use e.g. [a-zA-Z])');
      if (c === '\\') {
        this.i++;
        const e = s[this.i];
        const b = this.escapedByte(true);
        if (b !== null) return b;
        if (e !== undefined && ('dDwW'.includes(e) || e in CLASS_SETS)) {
          this.i++;
          return 'dDwW'.includes(e) ? '\\' + e : CLASS_SETS[e]!;
        }
        if (e !== undefined && e in REFUSED_ESCAPES) throw new Refuse(`${REFUSED_ESCAPES[e]} is not supported`);
        throw new Refuse(`unknown escape \\${e ?? ''} in a character class`);
      }
      this.i++;
      return c.charCodeAt(0);
    };
    for (;;) {
      const c = s[this.i];
      if (c === undefined) throw new Refuse('missing ] at the end of a character class');
      if (c === ']' && !first) { this.i++; break; }
      first = false;
      const a = readAtom();
      if (typeof a === 'string') {
        if (s[this.i] === '-' && s[this.i + 1] !== ']') throw new Refuse('a range cannot start or end with a class like \\d');
        body += a;
        continue;
      }
      if (s[this.i] === '-' && s[this.i + 1] !== undefined && s[this.i + 1] !== ']') {
        this.i++;
        const z = readAtom();
        if (typeof z === 'string') throw new Refuse('a range cannot start or end with a class like \\d');
        if (z < a) throw new Refuse('range out of order in character class');
        body += `${literal(a)}-${literal(z)}${this.otherCase(a, z)}`;
        continue;
      }
      body += literal(a) + this.otherCase(a, a);
    }
    this.out += `[${negate ? '^' : ''}${body}]`;
  }
}

/** Whether `s` from `i` (':', '.' or '=' after a '[') reads as a POSIX class to its ":]" (PCRE2's check_posix_syntax). */
function posixSyntax(s: string, i: number): boolean {
  const terminator = s[i];
  for (let j = i + 1; s.length - j >= 2; j++) {
    const c = s[j];
    if (c === '\\' && (s[j + 1] === ']' || s[j + 1] === '\\')) j++;
    else if ((c === '[' && s[j + 1] === terminator) || c === ']') return false;
    else if (c === terminator && s[j + 1] === ']') return true;
  }
  return false;
}

/** A regex server name ("~" and the pattern) as nginx compiles it: caseless only when the pattern has
 * an ASCII capital letter (ngx_http_core_server_name looks for one; the Host it is matched against is
 * lower-cased already), so `~^\x41bc` matches no Host and `~^ABC` matches "abc". */
export function compileServerNameRegex(source: string): RegexResult {
  return compileNginxRegex(source, /[A-Z]/.test(source));
}

/** Translate a PCRE pattern as nginx compiles it (caseless for "~*") to a RegExp over byte strings. */
export function compileNginxRegex(source: string, caseInsensitive: boolean): RegexResult {
  if (source.length === 0) return { ok: false, message: 'empty regular expression' };
  let src = utf8Bytes(source);
  // (?i) at the start, or after its leading "^" (which has no case: the option covers the same pattern)
  const option = /^(\^*)\(\?i\)/.exec(src);
  if (option) src = option[1]! + src.slice(option[0].length);
  const t = new Translator(src, caseInsensitive || option !== null);
  let translated: string;
  try {
    translated = t.run();
  } catch (e) {
    if (e instanceof Refuse) return { ok: false, message: e.message };
    throw e;
  }
  try {
    return { ok: true, regex: new RegExp(translated, ''), names: [...t.names.keys()] };
  } catch (e) {
    return { ok: false, message: `invalid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/: /, '')}` };
  }
}
