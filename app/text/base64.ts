// Base64 as people and tools write it (RFC 4648 §4), checked before decoding: Node's decoder skips
// what it does not know, so "!!!not base64$$" would decode to six bytes without a word.

/** Why `text` is not standard base64 (RFC 4648 §4: '=' padding optional, spaces and line breaks
 * allowed), or null when it is. */
export function base64Error(text: string): string | null {
  const bad = /[^A-Za-z0-9+/=\s]/.exec(text);
  if (bad) return `${JSON.stringify(bad[0])} at character ${bad.index} is not in its alphabet (A-Z, a-z, 0-9, +, /)`;
  const s = text.replace(/\s+/g, '');
  const pad = s.indexOf('=');
  const body = pad === -1 ? s : s.slice(0, pad);
  if (pad !== -1 && (s.length - pad > 2 || s.length % 4 !== 0 || /[^=]/.test(s.slice(pad)))) return '"=" may only pad the end to a multiple of 4 characters';
  // (4 characters carry 3 bytes; 1 left over carries none)
  if (body.length % 4 === 1) return `${body.length} characters (without "=") leave one over, too few for a byte`;
  return null;
}
