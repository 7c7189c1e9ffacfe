// Where a JSON text first goes wrong: node 20's JSON.parse often says "Unexpected token" without a
// position, and a user editing a config wants line:column. A small scanner over JSON's grammar,
// which also finds the keys an object repeats (JSON.parse keeps the last without a word).

interface JsonScan {
  /** Offset of the first syntax error, -1 when the text is valid JSON. */
  errorAt: number;
  /** Keys that appear twice in one object (JSON.parse keeps the last silently): each repeat's path and offset. */
  duplicates: Array<{ path: Array<string | number>; offset: number }>;
}

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
  const value = (path: Array<string | number>): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      const keys = new Set<string>();
      for (;;) {
        ws(); if (text[i] !== '"') fail();
        const at = i;
        str();
        const key = JSON.parse(text.slice(at, i)) as string;
        if (keys.has(key)) duplicates.push({ path: [...path, key], offset: at });
        keys.add(key);
        ws();
        if (text[i] !== ':') fail(); i++;
        value([...path, key]); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail();
      }
    } else if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (let n = 0; ; n++) {
        value([...path, n]); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail();
      }
    } else if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else num();
  };
  try {
    value([]);
    ws();
    return { errorAt: i === text.length ? -1 : i, duplicates };
  } catch (at) {
    return { errorAt: Math.min(at as number, text.length), duplicates };
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
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(body), bom: start === 3 };
  } catch {
    const at = firstInvalidUtf8(body);
    const before = new TextDecoder().decode(body.subarray(0, at));
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n');
    return { ok: false, message: `not UTF-8: byte 0x${body[at]!.toString(16).padStart(2, '0')} at offset ${at + start} (line ${line}, column ${col})` };
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) return i;
    }
    // overlong three- and four-byte forms, surrogates, code points past U+10FFFF
    const c1 = b[i + 1] ?? 0;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return i;
    i += n + 1;
  }
  return b.length;
}
