// How a captured message payload is shown: text as UTF-8 (invalid sequences flagged by byte
// offset), JSON recognised for a pretty view, binary as a hex preview. Pure functions over the
// tap's own copies; nothing here touches relayed buffers.
import { findUtf8Error } from './validation.ts';
import { isJsonSpace } from '../../app/traffic/payload-format.ts';

/** Bytes shown in a binary message's hex preview (the whole capped copy is in `data`). */
export const HEX_PREVIEW_BYTES = 64;
/** Texts longer than this are not tried as JSON (the preview cap bounds them anyway). */
export const JSON_DETECT_MAX = 1024 * 1024;

export interface TextView {
  text: string;
  /** Offset in the bytes of the first invalid UTF-8 sequence, when any. */
  utf8ErrorOffset?: number;
  json?: boolean;
}

/**
 * Decode captured text bytes. `complete` says the bytes are the whole message; when they are a
 * truncated preview, a multi-byte sequence cut off at the end is dropped rather than flagged.
 */
export function decodeText(data: Buffer, complete: boolean): TextView {
  const bad = findUtf8Error(data, !complete);
  let end = data.length;
  if (!complete && bad === -1) end = completePrefix(data);
  const text = data.toString('utf8', 0, end);
  const view: TextView = { text };
  if (bad !== -1) view.utf8ErrorOffset = bad;
  else if (complete && looksLikeJson(text)) view.json = true;
  return view;
}

/** Length of data[0, n) without a trailing multi-byte sequence that the end cut off. */
export function completePrefix(data: Uint8Array, n = data.length): number {
  for (let k = n - 1; k >= 0 && k >= n - 3; k--) {
    const b = data[k]!;
    if (b < 0x80) return n;
    if (b >= 0xc0) {
      const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return k + len > n ? k : n;
    }
  }
  return n;
}

/** Whether text is a JSON object or array (the payloads a pretty view helps with). */
export function looksLikeJson(text: string): boolean {
  if (text.length < 2 || text.length > JSON_DETECT_MAX) return false;
  let s = 0;
  while (s < text.length && isJsonSpace(text.charCodeAt(s))) s++;
  let e = text.length - 1;
  while (e > s && isJsonSpace(text.charCodeAt(e))) e--;
  const first = text.charCodeAt(s);
  const last = text.charCodeAt(e);
  if (!((first === 0x7b && last === 0x7d) || (first === 0x5b && last === 0x5d))) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** "00 01 ff …": hex of the first maxBytes bytes of data[off, off + len), with " …" when there are
 * more; bytes still masked with `maskKey` (mask.ts, from payload position 0) are shown unmasked. */
export function hexPreview(data: Uint8Array, maxBytes = HEX_PREVIEW_BYTES, off = 0, len = data.length - off, maskKey = 0): string {
  const n = Math.min(len, maxBytes);
  if (n === 0) return len > 0 ? '…' : '';
  const out = n * 3 - 1 <= HEX_SCRATCH.length ? HEX_SCRATCH : Buffer.allocUnsafe(n * 3 - 1);
  for (let i = 0, j = 0; i < n; i++) {
    const v = data[off + i]! ^ ((maskKey >>> (24 - 8 * (i & 3))) & 0xff);
    if (i > 0) out[j++] = 0x20;
    out[j++] = DIGITS[v >> 4]!;
    out[j++] = DIGITS[v & 15]!;
  }
  const hex = out.toString('latin1', 0, n * 3 - 1);
  return len > n ? `${hex} …` : hex;
}

/** Room for the default preview's hex (reused: the string is made from it at once). */
const HEX_SCRATCH = Buffer.allocUnsafeSlow(HEX_PREVIEW_BYTES * 3);
const DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** The display fields of a message event for captured bytes. */
export function describePayload(opcode: 1 | 2, data: Buffer, complete: boolean): { text?: string; utf8ErrorOffset?: number; json?: boolean; binaryPreview?: string } {
  if (opcode === 1) return decodeText(data, complete);
  return { binaryPreview: hexPreview(data) };
}
