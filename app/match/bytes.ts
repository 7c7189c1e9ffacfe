// "Byte strings": JS strings whose code units are all 0-255, one unit per byte, the way the engine
// reads the request line (latin1). Config text (location names, server names, regexes) is Unicode
// and reaches nginx as UTF-8 bytes, so it is converted here before any comparison with request bytes.

/** Encode a JS string as UTF-8 and return the bytes as a latin1 byte string. Pure, no TextEncoder. */
export function utf8Bytes(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out += s[i];
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate cannot be encoded
    if (c < 0x800) out += String.fromCharCode(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out += String.fromCharCode(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out += String.fromCharCode(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}

/** The value of a hex digit's character code (either case), -1 for any other character. */
export function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** ASCII-only lowercase, as nginx's ngx_strlow / ngx_tolower (bytes >= 0x80 untouched). */
export function asciiLower(s: string): string {
  // only A-Z change, never non-ASCII bytes (which toLowerCase would fold). Runs per header per request.
  let upper = false;
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) upper = true;
    else if (c >= 0x80) ascii = false;
  }
  if (!upper) return s;
  if (ascii) return s.toLowerCase();
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 0x20) : s[i];
  }
  return out;
}

// ngx_escape_uri's NGX_ESCAPE_URI set: controls, space, '"', '#', '%', '<', '>', '?', '\', '^',
// '`', '{', '|', '}', DEL and every byte >= 0x80.
const ESCAPE_URI = new Set([0x20, 0x22, 0x23, 0x25, 0x3c, 0x3e, 0x3f, 0x5c, 0x5e, 0x60, 0x7b, 0x7c, 0x7d]);
const HEX = '0123456789ABCDEF';

/** ngx_escape_uri(…, NGX_ESCAPE_URI) over a byte string: "%XX" in uppercase hex. */
export function escapeUri(bytes: string): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || ESCAPE_URI.has(c)) out += '%' + HEX[(c >> 4) & 0xf] + HEX[c & 0xf];
    else out += bytes[i];
  }
  return out;
}
