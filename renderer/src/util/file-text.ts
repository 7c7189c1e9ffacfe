// A text file's contents as UTF-8, which HAR files (JSON) are: a file in another encoding (Latin-1,
// UTF-16 as Windows tools save it) is said to be so, instead of being read with its bytes turned into
// U+FFFD. A UTF-8 byte order mark is dropped, as JSON readers do.

import { utf8Decode } from '../../../app/traffic/bytes.ts';

export type FileText = { ok: true; text: string } | { ok: false; message: string };

/** `bytes` as UTF-8 text, or why they are not. */
export function utf8FileText(bytes: Uint8Array): FileText {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, message: 'it is UTF-16 text: HAR files are UTF-8 (save it as UTF-8)' };
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    // (the decoder that marks what it replaces names where the first such byte is)
    const marks = { bytes: [] as number[], chars: [] as number[] };
    utf8Decode(bytes, marks);
    return { ok: false, message: `it is not UTF-8 text, as HAR files are (its first bad byte is at offset ${marks.bytes[0]})` };
  }
}
