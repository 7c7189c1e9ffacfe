// nginx's configuration lexer, with the rules of ngx_conf_read_token() (nginx 1.22):
// - words end at a space, tab, CR, LF, ";" or "{" ("{" right after "$" belongs to the word: "${var}");
// - "}" and "#" only mean something at the start of a word ("a#b" and "a}" are plain words);
// - a word starting with " or ' runs to the matching quote; after it must come a space, ";", "{" or ")";
// - a backslash protects the next character from all of the above, in and out of quotes;
// - in the resulting word \" \' \\ become the character, \t \r \n the control character, and any
//   other \x stays as the two characters (so regexes like "\.php$" keep their backslash);
// - "#" at the start of a word comments out the rest of the line.
// The Lua inside OpenResty's `*_by_lua_block { ... }` is skipped (see lua-block.ts).
import { isLuaBlock, luaBlockEnd } from './lua-block.ts';

export type Token =
  | { kind: 'word'; value: string; quoted: boolean; line: number; column: number }
  | { kind: ';' | '{' | '}'; line: number; column: number }
  | { kind: 'comment'; text: string; line: number; column: number }
  | { kind: 'eof'; line: number; column: number };

export class NginxSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file ? `${file}:` : ''}${line}:${column}: ${reason}`);
    this.name = 'NginxSyntaxError';
  }
}

const SPACE = new Set([' ', '\t', '\r', '\n']);

/** The word nginx builds from the raw characters between its delimiters. */
export function unescapeWord(raw: string): string {
  // (slices between escapes, not a character at a time: a string grown by single characters keeps
  // a node per character, tens of bytes each, and an imported file may be megabytes of arguments)
  let at = raw.indexOf('\\');
  if (at < 0) return raw;
  const parts: string[] = [];
  let from = 0;
  while (at >= 0 && at + 1 < raw.length) {
    const n = raw[at + 1]!;
    const sub = n === '"' || n === "'" || n === '\\' ? n : n === 't' ? '\t' : n === 'r' ? '\r' : n === 'n' ? '\n' : null;
    if (sub === null) {
      // (kept as written, and the next character is looked at afresh)
      at = raw.indexOf('\\', at + 1);
      continue;
    }
    parts.push(raw.slice(from, at), sub);
    from = at + 2;
    at = raw.indexOf('\\', from);
  }
  parts.push(raw.slice(from));
  return parts.join('');
}

/** The directive a "{" now would open takes a Lua block: its name (the first word since the last
 * ";", "{" or "}") is one, with or without arguments (`set_by_lua_block $var { ... }` has one). */
function opensLuaBlock(tokens: Token[]): boolean {
  let name: Token | undefined;
  for (let k = tokens.length - 1; k >= 0; k--) {
    const t = tokens[k]!;
    if (t.kind === ';' || t.kind === '{' || t.kind === '}') break;
    if (t.kind === 'word') name = t;
  }
  return name?.kind === 'word' && !name.quoted && isLuaBlock(name.value);
}

/** Words and symbols (and comments) one import reads in all: a 130,000-line deny list has 390,000; a file of
 * nothing but "a;" would otherwise cost hundreds of bytes of memory per byte read. */
export const MAX_IMPORT_TOKENS = 2_000_000;

/** The tokens of `text`; past `maxTokens` of them a syntax error at the one over. */
export function tokenize(text: string, file = '', maxTokens = MAX_IMPORT_TOKENS): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const col = (at: number) => at - lineStart + 1;
  const fail = (at: number, atLine: number, atLineStart: number, reason: string): never => {
    throw new NginxSyntaxError(file, atLine, at - atLineStart + 1, reason);
  };
  /** Advance over one character, keeping line numbers. */
  const step = () => {
    if (text[i] === '\n') { line++; lineStart = i + 1; }
    i++;
  };

  while (i < text.length) {
    const c = text[i]!;
    if (SPACE.has(c)) { step(); continue; }
    if (tokens.length >= maxTokens) fail(i, line, lineStart, `more than ${MAX_IMPORT_TOKENS.toLocaleString('en-US')} words and symbols (comments too) in one import (with its includes): too large to import`);
    const startLine = line;
    const startCol = col(i);
    if (c === '{' && opensLuaBlock(tokens)) {
      // OpenResty's *_by_lua_block: Lua inside, skipped whole (an empty block here)
      const end = luaBlockEnd(text, i);
      if (end < 0) fail(i, startLine, lineStart, `unexpected end of file: the Lua block of "${(tokens.at(-1) as { value: string }).value}" is not closed`);
      tokens.push({ kind: '{', line: startLine, column: startCol });
      while (i < end) step();
      tokens.push({ kind: '}', line, column: col(i) });
      i++;
      continue;
    }
    if (c === ';' || c === '{' || c === '}') {
      tokens.push({ kind: c, line: startLine, column: startCol });
      i++;
      continue;
    }
    if (c === '#') {
      let j = i + 1;
      while (j < text.length && text[j] !== '\n') j++;
      let body = text.slice(i + 1, j);
      if (body.endsWith('\r')) body = body.slice(0, -1);
      tokens.push({ kind: 'comment', text: body, line: startLine, column: startCol });
      i = j;
      continue;
    }
    if (c === '"' || c === "'") {
      const startLineStart = lineStart;
      step();
      const from = i;
      for (;;) {
        if (i >= text.length) fail(from - 1, startLine, startLineStart, `unexpected end of file, missing terminating ${c} character`);
        const ch = text[i]!;
        if (ch === '\\') { step(); if (i < text.length) step(); continue; }
        if (ch === c) break;
        step();
      }
      const raw = text.slice(from, i);
      i++; // closing quote
      tokens.push({ kind: 'word', value: unescapeWord(raw), quoted: true, line: startLine, column: startCol });
      if (i < text.length) {
        const after = text[i]!;
        // nginx wants a separator after a closing quote; ")" is allowed for `if (...)`.
        if (!SPACE.has(after) && after !== ';' && after !== '{' && after !== ')') fail(i, line, lineStart, `unexpected "${after}"`);
      }
      continue;
    }
    // An unquoted word.
    const from = i;
    let variable = false;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '\\') { variable = false; step(); if (i < text.length) step(); continue; }
      if (ch === '{' && variable) { i++; continue; }
      if (SPACE.has(ch) || ch === ';' || ch === '{') break;
      variable = ch === '$';
      i++;
    }
    tokens.push({ kind: 'word', value: unescapeWord(text.slice(from, i)), quoted: false, line: startLine, column: startCol });
  }
  tokens.push({ kind: 'eof', line, column: col(i) });
  return tokens;
}
