// Frames Switchyard writes into a WebSocket session itself (injected messages, Close frames):
// encoding, and the close codes and reasons RFC 6455 allows an endpoint to send.
import { unencodable } from '../../app/text/utf16.ts';
import { randomFillSync } from 'node:crypto';
import { maskKeyOf, xorMask } from '../inspect/mask.ts';
import { findUtf8Error, isValidCloseCode } from '../inspect/validation.ts';
import type { CloseFrameInfo } from '../../app/engine/records.ts';

export const OPCODES = { text: 1, binary: 2, close: 8 } as const;

/** One complete frame (FIN, RSV clear), masked with a random key when `mask` (client→server). */
export function encodeFrame(opcode: number, payload: Buffer, mask: boolean): Buffer {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const head = 2 + ext + (mask ? 4 : 0);
  const out = Buffer.allocUnsafe(head + len);
  out[0] = 0x80 | opcode;
  out[1] = (mask ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  if (ext === 2) out.writeUInt16BE(len, 2);
  else if (ext === 8) {
    out.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    out.writeUInt32BE(len >>> 0, 6);
  }
  if (!mask) {
    payload.copy(out, head);
    return out;
  }
  const keyAt = 2 + ext;
  randomFillSync(out, keyAt, 4);
  xorMask(payload, 0, len, out, head, maskKeyOf(out, keyAt), 0);
  return out;
}

export type CloseCheck = { ok: true; payload: Buffer } | { ok: false; code: 'invalid_close_code' | 'close_reason_too_long' | 'invalid_text'; message: string };

/** RFC 6455 §7.4: the codes an endpoint may send, and a reason that fits a control frame. */
export function checkClose(code: number, reason = ''): CloseCheck {
  const valid = Number.isInteger(code) && ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999));
  if (!valid) return { ok: false, code: 'invalid_close_code', message: `close code ${code} may not be sent (allowed: 1000-1003, 1007-1014, 3000-4999)` };
  const problem = unencodable(reason);
  if (problem !== null) return { ok: false, code: 'invalid_text', message: `close reason: ${problem}` };
  const text = Buffer.from(reason, 'utf8');
  if (text.length > 123) return { ok: false, code: 'close_reason_too_long', message: `close reason is ${text.length} bytes of UTF-8; at most 123 fit in a close frame` };
  const payload = Buffer.allocUnsafe(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return { ok: true, payload };
}

/** A peer's close frame as its session records it (`payload`: its first 125 bytes, unmasked;
 * `length`: the whole payload's; `fin`: its FIN bit): the code (null: none), the reason (UTF-8,
 * invalid bytes replaced), and what makes the frame invalid, when something does (RFC 6455 §5.4,
 * §5.5, §7.1.5, §7.4). */
export function closeFrameInfo(from: 'client' | 'upstream', payload: Buffer, length: number, fin = true): CloseFrameInfo {
  const code = payload.length >= 2 ? payload.readUInt16BE(0) : null;
  const info: CloseFrameInfo = { from, code, reason: payload.toString('utf8', 2) };
  if (!fin) info.invalid = 'FIN is not set: a control frame is never fragmented';
  else if (length === 1) info.invalid = 'a 1-byte payload: a status code takes 2';
  else if (length > 125) info.invalid = `a ${length}-byte payload: a control frame carries at most 125 (the reason shown is its first 123 bytes)`;
  else if (code !== null && !isValidCloseCode(code)) info.invalid = `code ${code} may not be sent (RFC 6455 §7.4)`;
  else {
    const bad = findUtf8Error(payload.subarray(2));
    if (bad !== -1) info.invalid = `its reason is not UTF-8 from byte ${bad}`;
  }
  return info;
}
