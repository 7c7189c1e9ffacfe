// How a frame's payload is shown: as text, as pretty JSON when it is JSON, and as a hex dump
// (offset, hex, ASCII). Display only; the payload itself comes from the `framePayload` request.
import type { FramePayload, FrameView } from '../api/views.ts';
import { fromBase64, utf8Decode, utf8Encode } from './bytes.ts';

export interface HexRow {
  /** Offset of the row's first byte, 8 hex digits. */
  offset: string;
  /** Up to `width` bytes as hex, a wider gap after the first half. */
  hex: string;
  /** The same bytes as ASCII, '.' for anything not printable. */
  ascii: string;
}

/** Rows of `width` bytes (16 by default): "00000010  48 65 6c 6c 6f 20 77 6f  72 6c 64 …  |Hello world…|". */
export function hexDump(bytes: Uint8Array, width = 16): HexRow[] {
  const rows: HexRow[] = [];
  const half = width / 2;
  for (let at = 0; at < bytes.length; at += width) {
    let hex = '';
    let ascii = '';
    for (let i = 0; i < width; i++) {
      const b = bytes[at + i];
      if (i) hex += i === half ? '  ' : ' ';
      hex += b === undefined ? '  ' : (b < 16 ? '0' : '') + b.toString(16);
      if (b !== undefined) ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    }
    rows.push({ offset: at.toString(16).padStart(8, '0'), hex, ascii });
  }
  return rows;
}

/** Nesting past which no pretty view is made (the text view still shows it). */
export const MAX_PRETTY_DEPTH = 1000;
/** Characters past which no pretty view is made: indentation grows with depth, and a view of a
 * 16 MiB message must not take gigabytes. */
export const MAX_PRETTY_CHARS = 64 * 1024 * 1024;

/**
 * Pretty-printed JSON (2 spaces, as JSON.stringify indents) when `text` is a JSON object or array;
 * null otherwise, or past MAX_PRETTY_DEPTH or MAX_PRETTY_CHARS. Only the white space changes:
 * numbers, strings and keys stay as the peer wrote them (a 64-bit id is not rounded to a double,
 * `1.10` stays `1.10`, a key written twice stays twice), so the view shows what was sent.
 */
export function prettyJson(text: string): string | null {
  const t = text.trim();
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return null;
  try {
    JSON.parse(t);
    return reindent(t);
  } catch {
    return null;
  }
}

/** JSON's white space (a character code): space, line feed, carriage return, tab. */
export function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Valid JSON `t` re-indented, in pieces joined once (no string built character by character). */
function reindent(t: string): string | null {
  const parts: string[] = [];
  let size = 0;
  const push = (s: string) => {
    parts.push(s);
    size += s.length;
  };
  const pads: string[] = [];
  const pad = (depth: number) => (pads[depth] ??= '\n' + '  '.repeat(depth));
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (c === '"') {
      // a string runs to the next '"' not escaped
      let j = i + 1;
      while (t[j] !== '"') j += t[j] === '\\' ? 2 : 1;
      push(t.slice(i, j + 1));
      i = j;
    } else if (c === '{' || c === '[') {
      // (an empty object or array stays on its line, as JSON.stringify writes it)
      let j = i + 1;
      while (isJsonSpace(t.charCodeAt(j))) j++;
      if (t[j] === (c === '{' ? '}' : ']')) {
        push(c + t[j]);
        i = j;
      } else {
        if (++depth > MAX_PRETTY_DEPTH) return null;
        push(c + pad(depth));
      }
    } else if (c === '}' || c === ']') push(pad(--depth) + c);
    else if (c === ',') push(',' + pad(depth));
    else if (c === ':') push(': ');
    else if (!isJsonSpace(c.charCodeAt(0))) {
      // a number or a literal: to the next structural character or space
      let j = i + 1;
      while (j < t.length && !isJsonSpace(t.charCodeAt(j)) && !',:]}'.includes(t[j]!)) j++;
      push(t.slice(i, j));
      i = j - 1;
    }
    if (size > MAX_PRETTY_CHARS) return null;
  }
  return parts.join('');
}

/** A payload as the three views need it: bytes for hex, text (UTF-8 decoded), pretty JSON or null. */
export interface PayloadViews {
  bytes: Uint8Array;
  text: string;
  /** False when the bytes are not valid UTF-8 (the text shows U+FFFD where they are not). */
  validUtf8: boolean;
  json: string | null;
}

export function payloadViews(p: Pick<FramePayload, 'encoding' | 'data'>): PayloadViews {
  if (p.encoding === 'text') return { bytes: utf8Encode(p.data), text: p.data, validUtf8: true, json: prettyJson(p.data) };
  const d = fromBase64(p.data);
  const bytes = d.ok ? d.bytes : new Uint8Array(0);
  const { text, valid } = utf8Decode(bytes);
  return { bytes, text, validUtf8: valid, json: valid ? prettyJson(text) : null };
}

/** Whether a frame's payload is bytes rather than text: a binary message, one in an unknown
 * extension's encoding whatever its opcode, a ping or pong that is not UTF-8 (`previewHex`). Its
 * preview is hex, its payload goes as base64. */
export function isBytesMessage(f: Pick<FrameView, 'opcode' | 'encodedBy' | 'previewHex'>): boolean {
  return f.opcode === 'binary' || f.encodedBy !== undefined || f.previewHex === true;
}

/** The views of a frame when only its preview is known (control frames, evicted payloads): a binary
 * message's preview (and that of a message in an unknown extension's encoding) is hex of its first
 * bytes, so its hex view shows those bytes. A ping or pong's hex preview has all its bytes, so its
 * text view is them decoded (flagged: they are not UTF-8). */
export function previewViews(f: Pick<FrameView, 'opcode' | 'preview' | 'encodedBy' | 'previewHex'>): PayloadViews {
  const v = payloadViews({ encoding: 'text', data: f.preview });
  if (isBytesMessage(f)) {
    const hex = f.preview.replace(/…$/, '').trim().split(/\s+/).filter(Boolean);
    if (hex.every((h) => /^[0-9a-f]{2}$/i.test(h))) {
      const bytes = Uint8Array.from(hex.map((h) => parseInt(h, 16)));
      if (!f.previewHex) return { ...v, bytes, json: null };
      const { text, valid } = utf8Decode(bytes);
      return { bytes, text, validUtf8: valid, json: null };
    }
  }
  return v;
}

/** The views a payload is shown in (a tab each). */
export type PayloadTab = 'text' | 'json' | 'hex';

/** The view shown: the one picked, else `byDefault`; JSON picked for an earlier payload shows one
 * that is not JSON (its JSON view is off) in its default view, and comes back for the next JSON one. */
export function shownTab(picked: PayloadTab | null, byDefault: PayloadTab, views: PayloadViews | null): PayloadTab {
  const t = picked ?? byDefault;
  return t === 'json' && views && !views.json ? byDefault : t;
}
