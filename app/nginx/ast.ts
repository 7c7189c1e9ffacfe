// The nginx configuration as a tree of directives, shared by the parser (text → tree), the
// importer (tree → model), the exporter (model → tree) and the printer (tree → text).

export interface SourcePosition {
  /** The file the directive was read from ('' for trees built in memory). */
  file: string;
  /** 1-based line and column of the directive's name. */
  line: number;
  column: number;
}

export interface Directive extends SourcePosition {
  name: string;
  /** Arguments after unquoting and unescaping, exactly as nginx hands them to the directive. */
  args: string[];
  /** Present for block directives (`http {}`, `server { ... }`), even when empty. */
  block?: Directive[];
  /** Text of the `#` comment lines right before the directive (without the `#`), in order. */
  comments: string[];
  /** Comments after the last directive of this directive's block, before its `}`. */
  endComments?: string[];
}

/** A directive built in memory (no source position). */
export function directive(name: string, args: string[] = [], block?: Directive[], comments: string[] = []): Directive {
  const d: Directive = { name, args, comments, file: '', line: 0, column: 0 };
  if (block) d.block = block;
  return d;
}

