// The text of an nginx configuration file from its bytes, for the importer's readers (the CLI's and
// the UI's). nginx reads bytes; Switchyard's model is Unicode text, so a directive's words must be
// UTF-8. A comment is dropped on import (but for a `# route: NAME` line), so a byte in one that is
// not UTF-8, as in a file saved in Latin-1 with an accented comment, is read as U+FFFD and noted,
// not refused. A byte-order mark stays at the start of the text, for the import to name.
import { utf8Decode } from '../traffic/bytes.ts';
import { NginxSyntaxError, tokenize } from './lexer.ts';

export interface ConfTextNote {
  line: number;
  column: number;
  message: string;
}

export type ConfText = { ok: true; text: string; notes: ConfTextNote[] } | { ok: false; message: string };

/** Lines and columns (1-based, in characters of the text) of increasing text offsets, in one pass. */
function placer(text: string): (at: number) => { line: number; column: number } {
  let line = 1;
  let start = 0;
  let next = text.indexOf('\n');
  return (at) => {
    while (next >= 0 && next < at) {
      line++;
      start = next + 1;
      next = text.indexOf('\n', start);
    }
    return { line, column: at - start + 1 };
  };
}

export function confText(bytes: Uint8Array): ConfText {
  const marks = { bytes: [] as number[], chars: [] as number[] };
  const { text, valid } = utf8Decode(bytes, marks);
  if (valid) return { ok: true, text, notes: [] };
  /** "byte 0xe9 at offset 81": the k-th byte that is not UTF-8. */
  const bad = (k: number) => `byte 0x${bytes[marks.bytes[k]!]!.toString(16).padStart(2, '0')} at offset ${marks.bytes[k]}`;
  // the column where each line's comment starts (a comment runs to the end of its line); a
  // byte-order mark is read as a space here, so that a comment on the first line is one
  const commentAt = new Map<number, number>();
  try {
    for (const t of tokenize(text.startsWith('\ufeff') ? ` ${text.slice(1)}` : text)) if (t.kind === 'comment') commentAt.set(t.line, t.column);
  } catch (e) {
    if (!(e instanceof NginxSyntaxError)) throw e;
    // where comments are cannot be known: the import reads this text and names its syntax error,
    // which comes first (with U+FFFD in place of the bytes, said in a note)
    return { ok: true, text, notes: [{ line: 1, column: 1, message: `not UTF-8 (${bad(0)}): read with U+FFFD in place of such bytes` }] };
  }
  const notes: ConfTextNote[] = [];
  const place = placer(text);
  for (let k = 0; k < marks.chars.length; k++) {
    const { line, column } = place(marks.chars[k]!);
    const from = commentAt.get(line);
    if (from === undefined || from >= column) {
      return { ok: false, message: `not UTF-8: ${bad(k)} (line ${line}, column ${column}); nginx takes any byte, but only a comment may hold one here (the model's text is Unicode)` };
    }
    if (notes.at(-1)?.line !== line) notes.push({ line, column: from, message: `the comment is not UTF-8 (${bad(k)}): read with U+FFFD in place of such bytes` });
  }
  return { ok: true, text, notes };
}
