// The body of an OpenResty `*_by_lua_block { ... }` directive is Lua, not nginx syntax (the Lua
// module reads it with a lexer of its own). The importer skips it whole: this finds the "}" that
// closes it, past Lua strings ("..", '..', [[..]], [==[..]==]) and comments (-- .., --[[..]]).

/** Whether a directive with this name takes a Lua block (content_by_lua_block, balancer_by_lua_block...). */
export function isLuaBlock(name: string): boolean {
  return name.endsWith('_by_lua_block');
}

/** Index of the "}" that closes the Lua block whose "{" is at `open`, or -1 when the text ends first. */
export function luaBlockEnd(text: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '{') depth++;
    else if (c === '}') {
      if (--depth === 0) return i;
    } else if (c === '"' || c === "'") {
      i++;
      while (i < text.length && text[i] !== c && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const long = longBracketEnd(text, i + 2);
      if (long !== null) i = long;
      else while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '[') {
      const long = longBracketEnd(text, i);
      if (long !== null) i = long;
    }
    if (i < 0) return -1;
    i++;
  }
  return -1;
}

/** For a long bracket "[==[" at `at`: the index of the last character of its "]==]" (-1 when
 * unclosed); null when there is no long bracket at `at`. */
function longBracketEnd(text: string, at: number): number | null {
  const m = /^\[(=*)\[/.exec(text.slice(at, at + 64));
  if (!m) return null;
  const close = text.indexOf(`]${m[1]}]`, at + m[0].length);
  return close < 0 ? -1 : close + m[1]!.length + 1;
}
