// RFC 6455 §5 rules for a frame header, as pure checks the parser applies once it has the bytes.
// Each broken rule has a stable code, a reason, where in the header it was seen, and the close
// code a conforming endpoint answers with.
//
// These are ws's receiver checks (lib/receiver.js) without its policy limit (maxPayload): each one
// is an RFC "MUST fail the connection" rule. Added: the §5.2 minimal-length rule, reported as
// non-fatal (ws, like most endpoints, accepts non-minimal lengths), the §5.2 rule that a 64-bit
// length has its top bit clear, and data after a Close frame (§5.5.1, checked by the parser).
import { MAX_CONTROL_PAYLOAD, OPCODE_NAMES, type Direction, type TapErrorCode } from './types.ts';

export interface RuleBreak {
  code: TapErrorCode;
  message: string;
  /** Header byte where it shows (0 = first byte). */
  byte: number;
  closeCode: number;
  fatal: boolean;
}

export interface HeaderContext {
  direction: Direction;
  /** permessage-deflate was negotiated: RSV1 is its bit (on the first frame of a data message). */
  rsv1Allowed: boolean;
  /** RSV bits (of the first header byte: 0x40 RSV1, 0x20 RSV2, 0x10 RSV3) that a negotiated
   * extension the tap does not know may define (§5.2): allowed on any frame. */
  extensionBits: number;
  /** A fragmented data message is open (its first frame had FIN clear). */
  fragmented: boolean;
}

const broke = (code: TapErrorCode, message: string, byte: number, closeCode = 1002, fatal = true): RuleBreak => ({ code, message, byte, closeCode, fatal });

/** Checks on the first two header bytes (in ws's order), or null when they are acceptable. */
export function checkFirstBytes(b0: number, b1: number, c: HeaderContext): RuleBreak | null {
  const fin = (b0 & 0x80) !== 0;
  // (the RSV bits no negotiated extension the tap does not know may define: the ones to check)
  const own = b0 & 0x70 & ~c.extensionBits;
  const rsv1 = (own & 0x40) !== 0;
  const opcode = b0 & 0x0f;
  const len7 = b1 & 0x7f;
  const name = OPCODE_NAMES[opcode]!;
  if ((own & 0x30) !== 0) return broke('TAP_ERR_UNEXPECTED_RSV_2_3', 'RSV2 and RSV3 must be clear (no extension using them was negotiated)', 0);
  if (rsv1 && !c.rsv1Allowed) return broke('TAP_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear (permessage-deflate was not negotiated)', 0);
  if (opcode === 0) {
    if (rsv1) return broke('TAP_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear on a continuation frame', 0);
    if (!c.fragmented) return broke('TAP_ERR_UNEXPECTED_CONTINUATION', 'continuation frame without a fragmented message to continue', 0);
  } else if (opcode === 1 || opcode === 2) {
    if (c.fragmented) return broke('TAP_ERR_EXPECTED_CONTINUATION', `${name} frame while a fragmented message is open (expected a continuation)`, 0);
  } else if (opcode >= 8 && opcode <= 10) {
    if (!fin) return broke('TAP_ERR_FRAGMENTED_CONTROL', `${name} frame without FIN (control frames must not be fragmented)`, 0);
    if (rsv1) return broke('TAP_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear on a control frame', 0);
    // (ws fails the connection on the 7-bit field alone, before the extended length: so does this)
    if (len7 > MAX_CONTROL_PAYLOAD) return broke('TAP_ERR_CONTROL_TOO_LONG', `${name} frame with a ${len7 === 126 ? '16' : '64'}-bit length (a control frame's payload is at most ${MAX_CONTROL_PAYLOAD} bytes, given in the 7-bit length)`, 1);
    if (opcode === 8 && len7 === 1) return broke('TAP_ERR_INVALID_CLOSE_PAYLOAD', 'close frame with a 1-byte payload (a status code takes 2)', 1);
  } else {
    return broke('TAP_ERR_INVALID_OPCODE', `invalid opcode ${opcode} (reserved)`, 0);
  }
  const masked = (b1 & 0x80) !== 0;
  if (c.direction === 'client' && !masked) return broke('TAP_ERR_EXPECTED_MASK', 'MASK must be set on client-to-server frames', 1);
  if (c.direction === 'server' && masked) return broke('TAP_ERR_UNEXPECTED_MASK', 'MASK must be clear on server-to-client frames', 1);
  return null;
}

/** Header size implied by the second byte: 2 + extended length + mask. */
export function headerSize(b1: number): number {
  const len7 = b1 & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + ((b1 & 0x80) !== 0 ? 4 : 0);
}

const MAX_SAFE_HIGH = 2 ** 21 - 1; // high 32 bits of 2^53 - 1

/** The payload length of a complete header, or the (fatal) rule it breaks. */
export function payloadLength(hdr: Uint8Array): number | RuleBreak {
  const len7 = hdr[1]! & 0x7f;
  if (len7 < 126) return len7;
  if (len7 === 126) return (hdr[2]! << 8) | hdr[3]!;
  const high = ((hdr[2]! << 24) | (hdr[3]! << 16) | (hdr[4]! << 8) | hdr[5]!) >>> 0;
  const low = ((hdr[6]! << 24) | (hdr[7]! << 16) | (hdr[8]! << 8) | hdr[9]!) >>> 0;
  if (high >= 0x80000000) return broke('TAP_ERR_INVALID_PAYLOAD_LENGTH', 'the most significant bit of a 64-bit length must be 0', 2);
  if (high > MAX_SAFE_HIGH) return broke('TAP_ERR_UNSUPPORTED_PAYLOAD_LENGTH', 'payload length over 2^53 - 1', 2, 1009);
  return high * 0x100000000 + low;
}

/** The minimal-encoding rule (§5.2) for a length read from a header with this second byte. */
export function nonMinimal(b1: number, length: number): RuleBreak | null {
  const len7 = b1 & 0x7f;
  if (len7 === 126 && length < 126) return broke('TAP_ERR_NON_MINIMAL_LENGTH', `length ${length} sent in the 16-bit form (the minimal form must be used)`, 2, 1002, false);
  if (len7 === 127 && length < 65536) return broke('TAP_ERR_NON_MINIMAL_LENGTH', `length ${length} sent in the 64-bit form (the minimal form must be used)`, 2, 1002, false);
  return null;
}
