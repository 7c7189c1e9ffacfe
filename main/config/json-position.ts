// Where a JSON text first goes wrong: node 20's JSON.parse often says "Unexpected token" without a
// position, and a user editing a config wants line:column. A small scanner over JSON's grammar,
// which also finds the keys an object repeats (JSON.parse keeps the last without a word).
import { utf8Decode } from '../../app/traffic/bytes.ts';

interface JsonScan {
  /** Offset of the first syntax error, -1 when the text is valid JSON. */
  errorAt: number;
  /** Keys that appear twice in one object (JSON.parse keeps the last silently): each repeat's path and offset. */
  duplicates: Array<{ path: Array<string | number>; offset: number }>;
}

/** Repeated keys reported with their whole path (the issue list stops at 1,000 and counts the rest). */
const MAX_DUPLICATE_PATHS = 1000;

/** One pass over JSON's grammar: where the text first goes wrong, and the keys an object repeats. */
function scanJson(text: string): JsonScan {
  const duplicates: JsonScan['duplicates'] = [];
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++; };
  const fail = (): never => { throw i; };
  const lit = (word: string) => { if (text.startsWith(word, i)) i += word.length; else fail(); };
  const str = () => {
    i++; // opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return; }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        if (text[i] === 'u') { if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail(); i += 5; }
        else if ('"\\/bfnrt'.includes(text[i] ?? '')) i++;
        else fail();
      } else i++;
    }
    fail();
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || m[0] === '-' || m[0] === '') fail();
    i += m![0].length;
  };
  // Iterative, with a stack of the open objects and arrays (a file nested 100,000 deep must not
  // overflow the call stack): each entry has the key or index of the value being read in it.
  const open: Array<{ keys: Set<string> | null; at: string | number }> = [];
  const key = () => {
    const top = open[open.length - 1]!;
    ws(); if (text[i] !== '"') fail();
    const at = i;
    str();
    const k = JSON.parse(text.slice(at, i)) as string;
    // (past the error cap a repeat is only counted: copying a deep path for each would cost depth
    // × repeats, gigabytes for a 100 KB file of both)
    if (top.keys!.has(k)) duplicates.push({ path: duplicates.length < MAX_DUPLICATE_PATHS ? [...open.slice(0, -1).map((o) => o.at), k] : [k], offset: at });
    top.keys!.add(k);
    top.at = k;
    ws();
    if (text[i] !== ':') fail(); i++;
  };
  /** Reads a scalar, an empty object or array (false), or opens one (true: its first value is next). */
  const begin = (): boolean => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++; ws();
      if (text[i] === (c === '{' ? '}' : ']')) { i++; return false; }
      open.push({ keys: c === '{' ? new Set() : null, at: 0 });
      if (c === '{') key();
      return true;
    }
    if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else num();
    return false;
  };
  try {
    let valueNext = true;
    for (;;) {
      if (valueNext && begin()) continue;
      // a value has ended: the next one in its object or array, or the end of it
      const top = open[open.length - 1];
      if (!top) break;
      ws();
      if (text[i] === ',') {
        i++;
        if (top.keys) key(); else top.at = (top.at as number) + 1;
        valueNext = true;
      } else if (text[i] === (top.keys ? '}' : ']')) {
        i++;
        open.pop();
        valueNext = false;
      } else fail();
    }
    ws();
    return { errorAt: i === text.length ? -1 : i, duplicates };
  } catch (at) {
    if (typeof at !== 'number') throw at;
    return { errorAt: Math.min(at, text.length), duplicates };
  }
}

/** Offset of the first syntax error in `text`, or -1 when the text is valid JSON. */
export function jsonErrorOffset(text: string): number {
  return scanJson(text).errorAt;
}

/** Keys that appear twice in one object of a valid JSON text, which JSON.parse resolves silently (the last one wins). */
export function duplicateKeys(text: string): JsonScan['duplicates'] {
  return scanJson(text).duplicates;
}

/**
 * A config file's bytes as text: a UTF-8 byte order mark (Windows editors write one) is skipped;
 * bytes that are not UTF-8 are an error naming the first one (its offset, line and column), not
 * replacement characters slipped into a server name or a header value. `bom`: the bytes began with
 * a byte order mark (an nginx.conf import names it: nginx refuses such a file).
 */
export function decodeConfigBytes(bytes: Uint8Array): { ok: true; text: string; bom: boolean } | { ok: false; message: string } {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  try {
    // (ignoreBOM: a second mark is text, which JSON refuses by position, not one more mark to skip)
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body), bom: start === 3 };
  } catch {
    // (the decoder that marks what it replaces names the first such byte and where it is)
    const marks = { bytes: [] as number[], chars: [] as number[] };
    const before = utf8Decode(body, marks).text.slice(0, marks.chars[0]);
    const at = marks.bytes[0]!;
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n');
    return { ok: false, message: `not UTF-8: byte 0x${body[at]!.toString(16).padStart(2, '0')} at offset ${at + start} (line ${line}, column ${col})` };
  }
}

