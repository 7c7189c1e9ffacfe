// nginx's own tokenizing rules (ngx_conf_read_token) as lexer.ts implements them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, unescapeWord, NginxSyntaxError } from '../../../app/nginx/lexer.ts';

const words = (text: string) => tokenize(text).filter((t) => t.kind === 'word').map((t) => (t as { value: string }).value);
const kinds = (text: string) => tokenize(text).map((t) => (t.kind === 'word' ? `w:${t.value}` : t.kind === 'comment' ? `#${t.text}` : t.kind));

test('words end at spaces, ";" and "{"; "}" and "#" only count at the start of a word', () => {
  assert.deepEqual(kinds('a b;c{d}'), ['w:a', 'w:b', ';', 'w:c', '{', 'w:d}', 'eof']);
  assert.deepEqual(kinds('x a#b } # c\n'), ['w:x', 'w:a#b', '}', '# c', 'eof']);
  assert.deepEqual(kinds('a\tb\r\nc'), ['w:a', 'w:b', 'w:c', 'eof']);
});

test('"{" right after "$" belongs to the word (${var})', () => {
  assert.deepEqual(words('set ${host}x;'), ['set', '${host}x']);
  assert.deepEqual(kinds('a $ {'), ['w:a', 'w:$', '{', 'eof']);
  assert.deepEqual(kinds('a b${'), ['w:a', 'w:b${', 'eof']);
});

test('quotes: both kinds, with separators inside, and the escapes nginx unescapes', () => {
  assert.deepEqual(words(`a "b c;{}#" 'd "e" f';`), ['a', 'b c;{}#', 'd "e" f']);
  assert.deepEqual(words(String.raw`a "x\"y" 'p\'q' "s\\t" "\t\n\r";`), ['a', 'x"y', "p'q", 's\\t', '\t\n\r']);
  assert.deepEqual(words('a "";'), ['a', '']);
});

test('other backslash pairs are kept as written (regexes keep \\d and \\.)', () => {
  assert.deepEqual(words(String.raw`location ~ ^/v\d+\.json$ {`), ['location', '~', String.raw`^/v\d+\.json$`]);
  assert.equal(unescapeWord(String.raw`a\$b\;`), String.raw`a\$b\;`);
  // a backslash protects a separator from ending the word
  assert.deepEqual(words(String.raw`a b\ c\;d;`), ['a', String.raw`b\ c\;d`]);
});

test('a quoted word must be followed by a separator (or ")" as in if (...))', () => {
  assert.deepEqual(words('if ($a = "b") {'), ['if', '($a', '=', 'b', ')']);
  assert.throws(() => tokenize('a "b"c;', 'f.conf'), (e: unknown) => e instanceof NginxSyntaxError && e.message === 'f.conf:1:6: unexpected "c"');
});

test('comments run to the end of the line, keep their text, lose a trailing CR', () => {
  const t = tokenize('# one\r\n  #two  \na;');
  assert.deepEqual(t.slice(0, 2).map((x) => x.kind === 'comment' && [x.text, x.line, x.column]), [[' one', 1, 1], ['two  ', 2, 3]]);
});

test('positions are 1-based line and column of the first character', () => {
  const t = tokenize('events {}\nhttp {\n    server_name  "a b";\n}');
  const sn = t.find((x) => x.kind === 'word' && x.value === 'a b')!;
  assert.deepEqual([sn.line, sn.column], [3, 18]);
  const eof = t.at(-1)!;
  assert.deepEqual([eof.kind, eof.line, eof.column], ['eof', 4, 2]);
});

test('an unterminated quote is an error at the opening quote', () => {
  assert.throws(() => tokenize('a;\nb "c;\nd;', 'x.conf'), (e: unknown) => {
    assert.ok(e instanceof NginxSyntaxError);
    assert.deepEqual([e.file, e.line, e.column], ['x.conf', 2, 3]);
    assert.match(e.message, /^x\.conf:2:3: unexpected end of file, missing terminating " character$/);
    return true;
  });
});

test('newlines inside quotes count as lines', () => {
  const t = tokenize('a "b\nc" d;');
  const d = t.find((x) => x.kind === 'word' && x.value === 'd')!;
  assert.deepEqual([d.line, d.column], [2, 4]);
});

test('the Lua of an OpenResty *_by_lua_block is skipped whole: braces, quotes and "--" comments inside', () => {
  const lua = 'content_by_lua_block {\n  local t = { a = "}", b = \'{\' } -- }\n  --[[ } ]] local s = [==[ } ]==]\n  if x then ngx.say("4") end\n}\nlisten 80;';
  assert.deepEqual(kinds(lua), ['w:content_by_lua_block', '{', '}', 'w:listen', 'w:80', ';', 'eof']);
  const close = tokenize(lua).find((t) => t.kind === '}')!;
  assert.deepEqual([close.line, close.column], [5, 1]);
  // only as the directive's own block: an argument of that name is a plain word
  assert.deepEqual(kinds('set $a content_by_lua_block {}'), ['w:set', 'w:$a', 'w:content_by_lua_block', '{', '}', 'eof']);
  // set_by_lua_block takes the variable first: its block is Lua all the same
  const setBy = 'set_by_lua_block $backend {\n  -- pick the peer; don\'t use "}" here\n  local t = { a = 1 }\n  return \'b\'\n}\nlisten 80;';
  assert.deepEqual(kinds(setBy), ['w:set_by_lua_block', 'w:$backend', '{', '}', 'w:listen', 'w:80', ';', 'eof']);
  assert.throws(() => tokenize('init_by_lua_block { a = "x" ', 'f.conf'), /^NginxSyntaxError: f\.conf:1:19: unexpected end of file: the Lua block of "init_by_lua_block" is not closed$/);
});
