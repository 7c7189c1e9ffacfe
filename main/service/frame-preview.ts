// The preview a frame-log row shows (FrameView.preview): text messages as UTF-8, binary ones as hex
// of the first bytes, cut to PREVIEW_CHARS. Recorded messages get theirs made from the kept payload
// bytes when someone looks (frame-log.ts), so these read only the first few KiB of a payload.
import { completePrefix, hexPreview, HEX_PREVIEW_BYTES } from '../inspect/payload.ts';
import { cutText } from '../../app/text/utf16.ts';

/** Characters of a preview (longer ones are cut, with '…'). */
export const PREVIEW_CHARS = 512;
/** Payload bytes that always decode to more than PREVIEW_CHARS characters (UTF-8 gives at least one
 * UTF-16 unit per 3 bytes), so a text preview never needs to read further. */
const TEXT_PREVIEW_BYTES = 4 * PREVIEW_CHARS;
/** Bytes a binary preview needs: those it shows, and one more to know there are more. */
export const BINARY_PREVIEW_BYTES = HEX_PREVIEW_BYTES + 1;

/** Cut a preview to PREVIEW_CHARS characters (a UTF-16 pair is not split). */
export function cutPreview(s: string): string {
  return cutText(s, PREVIEW_CHARS);
}

/**
 * A message's preview from its captured bytes buf[off, off + len): text decoded as UTF-8 (a
 * multi-byte sequence cut off by the end of an incomplete capture dropped), binary as hex of the
 * first bytes (still masked with `maskKey` when not 0: only binary bytes are kept masked);
 * `complete` says the bytes are the whole message.
 */
export function messagePreview(text: boolean, buf: Buffer, complete: boolean, off = 0, len = buf.length - off, maskKey = 0): string {
  if (!text) return hexPreview(buf, HEX_PREVIEW_BYTES, off, len, maskKey);
  const head = off === 0 ? buf : buf.subarray(off, off + Math.min(len, TEXT_PREVIEW_BYTES));
  const end = len > TEXT_PREVIEW_BYTES ? completePrefix(head, TEXT_PREVIEW_BYTES) : complete ? len : completePrefix(head, len);
  return cutPreview(head.toString('utf8', 0, end));
}

/** The preview shown for a payload Switchyard sends itself: text as is, binary as hex. */
export function previewOf(opcode: 'text' | 'binary', payload: Buffer): string {
  return messagePreview(opcode === 'text', payload, true);
}
