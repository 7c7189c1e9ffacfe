// The one way Switchyard writes nginx text: deterministic, 4-space indentation, every argument
// either a plain word or a double-quoted string that nginx's lexer (lexer.ts) reads back as exactly
// the same bytes. So no string in a model can end a directive, open a block or start a comment.
import type { Directive } from './ast.ts';

const INDENT = '    ';

/** Characters that make nginx read a plain word differently: they force double quotes. */
const NEEDS_QUOTES = /[\s;{}#"'\u0000-\u001f\u007f]/;

/**
 * Backslashes nginx would consume: before " ' \ t r n (unescaped by the lexer), before a character
 * written as an escape here (", tab, CR, LF) and at the very end (it would escape the closing quote
 * or the ";"). Every other backslash is kept by nginx as written, which keeps regexes readable
 * ("\.php$", "\d+").
 */
const CONSUMES_BACKSLASH = new Set(['"', "'", '\\', 't', 'r', 'n', '\n', '\r', '\t']);

/** One argument as nginx text. */
export function quoteArg(s: string): string {
  const quoted = s === '' || NEEDS_QUOTES.test(s);
  let out = quoted ? '"' : '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1];
      out += n === undefined || CONSUMES_BACKSLASH.has(n) ? '\\\\' : '\\';
    } else if (c === '"') out += '\\"';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else out += c;
  }
  return quoted ? `${out}"` : out;
}

function printComment(text: string, indent: string): string {
  if (/[\r\n]/.test(text)) throw new Error('a comment cannot contain a line break');
  return `${indent}#${text}\n`;
}

function printList(list: readonly Directive[], depth: number): string {
  const indent = INDENT.repeat(depth);
  let out = '';
  list.forEach((d, i) => {
    // A blank line before each block or commented directive (except the first of its list).
    if (i > 0 && (d.block || d.comments.length > 0 || list[i - 1]!.block)) out += '\n';
    for (const c of d.comments) out += printComment(c, indent);
    const head = [d.name, ...d.args].map(quoteArg).join(' ');
    if (!d.block) {
      out += `${indent}${head};\n`;
      return;
    }
    const end = d.endComments ?? [];
    if (d.block.length === 0 && end.length === 0) {
      out += `${indent}${head} {}\n`;
      return;
    }
    out += `${indent}${head} {\n${printList(d.block, depth + 1)}`;
    for (const c of end) out += printComment(c, indent + INDENT);
    out += `${indent}}\n`;
  });
  return out;
}

/** The tree as nginx configuration text (ends with a newline unless empty). */
export function printNginx(list: readonly Directive[], endComments: readonly string[] = []): string {
  let out = printList(list, 0);
  for (const c of endComments) out += printComment(c, '');
  return out;
}
