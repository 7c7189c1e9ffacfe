// The frame tap's public vocabulary: what it reports about one WebSocket connection.
// The tap only observes: every event describes bytes that were relayed unchanged.

/** Which socket the bytes were read from: 'client' = client→server, 'server' = server→client. */
export type Direction = 'client' | 'server';

/**
 * How much the tap does.
 * - 'off': framing is still followed (so turning capture back on stays in sync) but nothing is emitted.
 * - 'frames': frame/message/close/violation events without payload bytes (no copies, no UTF-8 or
 *   deflate decoding of data messages; control payloads ≤ 125 bytes are always read).
 * - 'payloads': also payload previews (copies, capped), UTF-8 validation, permessage-deflate decoding.
 */
export type CaptureLevel = 'off' | 'frames' | 'payloads';

export type OpcodeName = 'continuation' | 'text' | 'binary' | 'close' | 'ping' | 'pong' | 'reserved';

/** Stable violation codes. Each names one RFC 6455 rule; `closeCode` on the event is what a
 * conforming endpoint answers with. */
export type TapErrorCode =
  | 'TAP_ERR_UNEXPECTED_RSV_1'
  | 'TAP_ERR_UNEXPECTED_RSV_2_3'
  | 'TAP_ERR_INVALID_OPCODE'
  | 'TAP_ERR_UNEXPECTED_CONTINUATION'
  | 'TAP_ERR_EXPECTED_CONTINUATION'
  | 'TAP_ERR_FRAGMENTED_CONTROL'
  | 'TAP_ERR_CONTROL_TOO_LONG'
  | 'TAP_ERR_INVALID_CLOSE_PAYLOAD'
  | 'TAP_ERR_INVALID_CLOSE_CODE'
  | 'TAP_ERR_EXPECTED_MASK'
  | 'TAP_ERR_UNEXPECTED_MASK'
  | 'TAP_ERR_INVALID_PAYLOAD_LENGTH'
  | 'TAP_ERR_UNSUPPORTED_PAYLOAD_LENGTH'
  | 'TAP_ERR_NON_MINIMAL_LENGTH'
  | 'TAP_ERR_INVALID_UTF8'
  | 'TAP_ERR_DATA_AFTER_CLOSE';

/** Why a compressed message could not be shown (the proxy is never affected). */
export type DecodeErrorCode =
  | 'TAP_DEFLATE_ERROR' // zlib rejected the data
  | 'TAP_DEFLATE_TOO_LARGE' // inflated size passed the decode limit
  | 'TAP_DEFLATE_BACKLOG' // the decoder fell too far behind the traffic
  | 'TAP_DEFLATE_CONTEXT_LOST' // it refers back into an earlier message of its context-takeover stream that was not decoded
  | 'TAP_DEFLATE_NOT_CAPTURED' // capture was off while the message went by
  | 'TAP_DEFLATE_ABORTED' // the tap was closed before decoding finished
  | 'TAP_DEFLATE_INCOMPLETE'; // the connection ended inside the message

interface EventBase {
  direction: Direction;
  /** Wall-clock ms (Date.now() unless `now` was given) when the event's last byte was parsed. */
  time: number;
  /** Byte offset in this direction's stream (0 = first byte given to the tap) of the frame's first byte. */
  offset: number;
}

export interface FrameEvent extends EventBase {
  kind: 'frame';
  opcode: number;
  opcodeName: OpcodeName;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  masked: boolean;
  /** The masking key as 4 bytes (hex), or null for an unmasked frame. */
  maskKey: string | null;
  /** Exact payload length from the header. */
  length: number;
  headerLength: number;
  /** Unmasked copy of the first payload bytes (raw, i.e. still compressed for RSV1 messages);
   * null when capture is not 'payloads'. Capped by the message preview cap. */
  payloadPreview: Buffer | null;
}

export interface DecodeError {
  code: DecodeErrorCode;
  message: string;
}

export interface MessageEvent extends EventBase {
  kind: 'message';
  opcode: 1 | 2;
  /** Time of the message's first frame. */
  startTime: number;
  /** Number of frames (first + continuations). */
  frames: number;
  /** Only when false: the connection ended inside the message (RawMessage.complete). */
  fin?: false;
  /** Stream offset just past the message's last byte (of an unfinished one: the last that came). */
  end: number;
  /** Exact payload bytes on the wire (sum of frame lengths; compressed size for RSV1 messages). */
  length: number;
  compressed: boolean;
  /** Inflated size: exact unless `decodeError` (TAP_DEFLATE_TOO_LARGE: at least this), null if not decoded. */
  decodedLength: number | null;
  /** Payload copy (inflated for compressed messages), capped; null when not captured or undecodable. */
  data: Buffer | null;
  /** `data` is shorter than the message. */
  truncated: boolean;
  /** Text messages: `data` as UTF-8 (an incomplete trailing sequence of a truncated preview dropped). */
  text?: string;
  /** Text messages: byte offset of the first invalid UTF-8 sequence in `data`, when any. */
  utf8ErrorOffset?: number;
  /** Text messages: the text parses as a JSON object or array. */
  json?: boolean;
  /** Binary messages: hex of the first bytes, "00 01 ff …" (≤ 64 bytes shown; all captured bytes are in `data`). */
  binaryPreview?: string;
  /** Compressed messages that could not be decoded. */
  decodeError?: DecodeError;
  /** A frame of the message had RSV bits of a negotiated extension the tap does not know (RFC 6455
   * §5.2 lets it define them): that extension's name (the names, comma-separated, when several were
   * negotiated). Its payload is in that extension's encoding: `data` holds the bytes as relayed
   * (inflated when permessage-deflate compressed the message too), shown as `binaryPreview` even for
   * a text message, never decoded or checked as text. */
  encodedBy?: string;
}

export interface CloseEvent extends EventBase {
  kind: 'close';
  /** Status code, or null when the close frame had no payload (1005 "no status received"). */
  code: number | null;
  reason: string;
  /** Exact payload length: the code and the reason's bytes as sent (`reason` may show them otherwise). */
  length: number;
}

export interface ViolationEvent extends EventBase {
  kind: 'violation';
  code: TapErrorCode;
  message: string;
  /** Stream offset of the byte at which the violation was detected (`offset` is its frame's start). */
  at: number;
  /** Whether the tap stopped parsing this direction (true for every violation a conforming endpoint
   * fails the connection on; TAP_ERR_NON_MINIMAL_LENGTH is reported and parsing goes on). */
  fatal: boolean;
  /** The close code a conforming endpoint answers with (1002 protocol error, 1007 invalid data, 1009 too big). */
  closeCode: number;
}

export type TapEvent = FrameEvent | MessageEvent | CloseEvent | ViolationEvent;
export type TapSink = (event: TapEvent) => void;

/** The longest control frame payload (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

export const OPCODE_NAMES: readonly OpcodeName[] = [
  'continuation', 'text', 'binary', 'reserved', 'reserved', 'reserved', 'reserved', 'reserved',
  'close', 'ping', 'pong', 'reserved', 'reserved', 'reserved', 'reserved', 'reserved',
];
