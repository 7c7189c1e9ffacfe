// A text file's contents as UTF-8, which HAR files (JSON) are: a file in another encoding (Latin-1,
// UTF-16 as Windows tools save it) is said to be so, instead of being read with its bytes turned into
// U+FFFD. A UTF-8 byte order mark is dropped, as JSON readers do.

export type FileText = { ok: true; text: string } | { ok: false; message: string };

/** `bytes` as UTF-8 text, or why they are not. */
export function utf8FileText(bytes: Uint8Array): FileText {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, message: 'it is UTF-16 text: HAR files are UTF-8 (save it as UTF-8)' };
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, message: `it is not UTF-8 text, as HAR files are (its first bad byte is at offset ${firstBadByte(bytes)})` };
  }
}

/** The offset of the first byte that is not UTF-8: the first U+FFFD the lenient decoder writes that
 * the bytes do not spell (EF BF BD) is there, after as many bytes as the text before it takes. */
function firstBadByte(bytes: Uint8Array): number {
  const text = new TextDecoder('utf-8').decode(bytes);
  const encoder = new TextEncoder();
  // (a byte order mark, which the decoder dropped, comes before)
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) {
    const at = bom + encoder.encode(text.slice(0, i)).length;
    if (!(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) return at;
  }
  return bytes.length;
}
