// Bytes ↔ text for payloads the UI shows and sends: base64 (standard alphabet, RFC 4648), hex and
// UTF-8. Pure (app/ has no Buffer, atob or TextEncoder), so the same code runs in the renderer and
// in tests.
import { base64Error } from '../text/base64.ts';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

export type Decoded = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}${B64[(n >> 6) & 63]!}=`;
  }
  return out;
}

/** Base64 by the one rule the API and the HAR import check too (app/text/base64.ts): white space
 * ignored, '=' padding optional; anything else outside the alphabet, or misplaced padding, is an error. */
export function fromBase64(text: string): Decoded {
  const problem = base64Error(text);
  if (problem) return { ok: false, message: problem };
  const s = text.replace(/\s+/g, '');
  const pad = s.indexOf('=');
  const body = pad >= 0 ? s.slice(0, pad) : s;
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < body.length; i++) {
    acc = (acc << 6) | B64_VALUE[body.charCodeAt(i)]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return { ok: true, bytes: out.subarray(0, o) };
}

/** Hex bytes: pairs of hex digits, optionally separated by spaces, ':', '-' or ',' and with "0x" prefixes. */
export function fromHex(text: string): Decoded {
  const tokens = text.trim().split(/[\s:,-]+/).filter(Boolean);
  const digits: string[] = [];
  for (const t of tokens) {
    const d = t.replace(/^0x/i, '');
    const bad = /[^0-9a-fA-F]/.exec(d);
    if (bad) return { ok: false, message: `"${bad[0]}" in "${t}" is not a hex digit` };
    if (d.length % 2) return { ok: false, message: `"${t}" has an odd number of hex digits (each byte is two)` };
    digits.push(d);
  }
  const all = digits.join('');
  const out = new Uint8Array(all.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(all.slice(i * 2, i * 2 + 2), 16);
  return { ok: true, bytes: out };
}

export function toHex(bytes: Uint8Array, sep = ' '): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (i ? sep : '') + (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return out;
}

export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate has no UTF-8 form
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** UTF-8 → text; each invalid sequence becomes U+FFFD (as TextDecoder does without `fatal`).
 * `marks`, when given, gets the byte offset and the text offset of each (bytes are read as they come). */
export function utf8Decode(bytes: Uint8Array, marks?: { bytes: number[]; chars: number[] }): { text: string; valid: boolean } {
  const parts: string[] = [];
  let codes: number[] = [];
  let valid = true;
  let done = 0; // text already in parts
  const bad = (at: number) => {
    valid = false;
    if (marks) {
      marks.bytes.push(at);
      marks.chars.push(done + codes.length);
    }
    codes.push(0xfffd);
  };
  const flush = () => {
    done += codes.length;
    parts.push(String.fromCharCode(...codes));
    codes = [];
  };
  for (let i = 0; i < bytes.length;) {
    if (codes.length >= 8192) flush(); // String.fromCharCode(...codes) has an argument limit
    const b = bytes[i]!;
    let need = 0;
    let min = 0;
    let cp = 0;
    if (b < 0x80) { codes.push(b); i++; continue; }
    if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 0x0f; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; cp = b & 0x07; min = 0x10000; }
    if (!need) { bad(i); i++; continue; }
    let j = 1; // bytes of the sequence read so far
    for (; j <= need && i + j < bytes.length && (bytes[i + j]! & 0xc0) === 0x80; j++) cp = (cp << 6) | (bytes[i + j]! & 63);
    if (j <= need) { bad(i); i += j; continue; } // cut short: the next byte starts over
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) { bad(i); i += j; continue; } // overlong, too big, surrogate
    i += j;
    if (cp >= 0x10000) codes.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    else codes.push(cp);
  }
  flush();
  return { text: parts.join(''), valid };
}
