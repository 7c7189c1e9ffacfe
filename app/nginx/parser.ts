// Tokens → directive tree, with nginx's structural errors ("unexpected ...", a known directive
// with a block it does not take or without the one it does) at file:line:column.
// Comments attach to the next directive; `include` stays a directive here (see include.ts).
import type { Directive } from './ast.ts';
import { tokenize, NginxSyntaxError, type Token } from './lexer.ts';
import { directiveShapeProblem } from './directive-shape.ts';

export { NginxSyntaxError } from './lexer.ts';

export interface ParsedFile {
  directives: Directive[];
  /** Comments after the last directive of the file. */
  endComments: string[];
  /** Words and symbols read (lexer.ts, MAX_IMPORT_TOKENS). */
  tokens: number;
}

/** Blocks nested deeper than this are refused (a real configuration has a handful; the importer
 * and exporter walk the tree recursively). */
export const MAX_BLOCK_DEPTH = 100;

/** `maxTokens`: what is left of the import's MAX_IMPORT_TOKENS. */
export function parseNginx(text: string, file = '', maxTokens?: number): ParsedFile {
  const tokens = tokenize(text, file, maxTokens);
  let pos = 0;
  const err = (t: Token, reason: string): never => {
    throw new NginxSyntaxError(file, t.line, t.column, reason);
  };

  /** `parent`: the name of the directive whose block this is (null: the file's top level). */
  function parseList(inBlock: Token | null, depth = 0, parent: string | null = null): { list: Directive[]; end: string[] } {
    const list: Directive[] = [];
    let pending: string[] = [];
    let current: Directive | null = null;
    for (;;) {
      const t = tokens[pos++]!;
      switch (t.kind) {
        case 'comment':
          if (current) current.comments.push(t.text);
          else pending.push(t.text);
          break;
        case 'word':
          if (current) current.args.push(t.value);
          else {
            // the rest of a regex whose "{" opened a block ("location ~ ^/a{3}$ {"): nginx stops
            // here too ("unknown directive"), and the cause is on this line
            if (t.value.includes('}') && !t.quoted) err(t, `unknown directive "${t.value}": a "{" in an unquoted word opens a block (a regex with "{" must be in quotes)`);
            current = { name: t.value, args: [], comments: pending, file, line: t.line, column: t.column };
            pending = [];
          }
          break;
        case ';':
          if (!current) err(t, 'unexpected ";"');
          shape(t, current!, parent, false);
          list.push(current!);
          current = null;
          break;
        case '{': {
          if (!current) err(t, 'unexpected "{"');
          if (depth >= MAX_BLOCK_DEPTH) err(t, `blocks nested deeper than ${MAX_BLOCK_DEPTH} levels`);
          const d = current!;
          shape(t, d, parent, true);
          current = null;
          const inner = parseList(t, depth + 1, d.name);
          d.block = inner.list;
          if (inner.end.length) d.endComments = inner.end;
          list.push(d);
          break;
        }
        case '}':
          if (current || !inBlock) err(t, 'unexpected "}"');
          return { list, end: pending };
        case 'eof':
          if (current) err(t, `unexpected end of file, expecting ";" or "}"`);
          if (inBlock) err(t, 'unexpected end of file, expecting "}"');
          return { list, end: pending };
      }
    }
  }

  /** At the ";" or "{" that ends `d`'s head: nginx's refusal when that is not how `d` ends (nginx
   * names that token's line). */
  function shape(t: Token, d: Directive, parent: string | null, hasBlock: boolean): void {
    const problem = directiveShapeProblem(d.name, parent, hasBlock);
    if (problem) err(t, problem);
  }

  const { list, end } = parseList(null);
  // (the eof token is not counted)
  return { directives: list, endComments: end, tokens: tokens.length - 1 };
}
