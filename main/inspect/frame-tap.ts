// The passive frame tap: the engine hands it every chunk it relays, per direction, and the tap
// reports frames, messages, closes and protocol violations to a sink. It never changes, delays
// or keeps the relayed buffers (it copies what it shows), never throws into the relay, and its
// memory per direction is bounded (a 14-byte header, one message preview, the decoder's backlog
// and the events waiting behind a decoding message).
//
//   const tap = createFrameTap({ extensions: session.extensions }, (event) => log.push(event));
//   client.on('data', (c) => { upstream.write(c); tap.client(c); });
//   upstream.on('data', (c) => { client.write(c); tap.server(c); });
//   ...on session end: tap.close();
//
// Events reach the sink in the order their bytes went through the relay, across both directions:
// a compressed message's event waits for its decoding (node:zlib works off the event loop) and
// every event seen after it, of either direction, waits behind it. So a log shows a request before
// the reply the peer sent after reading it, however long the request took to inflate. What the
// proxy writes itself (an injected message, its Close) takes its place in that order through
// `afterSeen`: it is logged after the messages that went by before it, decoded or not yet.
//
// A recorder that logs every message (main/service) passes `onMessage`: uncompressed messages then
// reach it as the parser's RawMessage (no MessageEvent, no text decoding or hex preview: it makes
// those when someone looks), `capture` to receive the captured bytes in its own storage, and
// `dataFrameEvents: false` when it has no use for per-frame events of data frames.
import { FrameParser } from './frame-parser.ts';
import type { CaptureStore, RawMessage } from './capture.ts';
import { MessageInflater, type InflateResult } from './permessage-deflate.ts';
import { inflaterParams, parseExtensions, type NegotiatedExtensions } from './extension-params.ts';
import { describePayload } from './payload.ts';
import { xorMask } from './mask.ts';
import type { CaptureLevel, Direction, MessageEvent, TapEvent, TapSink } from './types.ts';

export interface FrameTapOptions {
  /** The 101 response's Sec-WebSocket-Extensions value (e.g. SessionRecord.extensions), or its parse. */
  extensions?: string | null | NegotiatedExtensions;
  /** Default 'payloads'. */
  level?: CaptureLevel;
  /** Payload bytes kept per message for display (inflated bytes for compressed ones). Default 64 KiB;
   * setPreviewCap changes it. */
  previewCap?: number;
  /** Stop inflating a message past this size (below it, what is not kept is inflated and dropped:
   * with context takeover the next message refers back into it). Default 100 MiB, what ws accepts. */
  maxDecoded?: number;
  /** Give up decoding when this many compressed bytes wait for zlib, each message waiting counted
   * 1 KiB more (MESSAGE_COST: a flood of tiny messages is bounded too). Default 17 MiB. */
  maxBacklog?: number;
  /** Events (of both directions) allowed to wait behind a decoding message (count / payload
   * bytes; compressed messages waiting to decode themselves are not counted, maxBacklog bounds
   * them). Default 1024 / 4 MiB. */
  maxQueued?: number;
  maxQueuedBytes?: number;
  /** Clock for event times, ms. Default Date.now. */
  now?: () => number;
  /** Report data frames as 'frame' events (default true); control frames always are. */
  dataFrameEvents?: boolean;
  /** Where an uncompressed message's captured bytes are written (default: a Buffer each). */
  capture?: CaptureStore;
  /** Uncompressed messages go here instead of the sink, while no event waits for a decoding
   * message (stream order holds: behind one they come to the sink as MessageEvents).
   * The RawMessage is valid during the call only; its bytes are in room from `capture`, still
   * masked when `maskKey` is not 0 (with `keepMasked`). */
  onMessage?: (m: RawMessage) => void;
  /** See FrameParserOptions.keepMasked (needs dataFrameEvents off). Events always carry plain bytes. */
  keepMasked?: boolean;
}

export interface TapDirectionStats {
  /** Bytes seen (all of them, whatever the level). */
  bytes: number;
  frames: number;
  messages: number;
  /** Bytes the tap holds for this direction: parser + decoder + waiting events. */
  buffered: number;
  /** Parsing stopped (a fatal violation, or an internal failure counted in `internalErrors`). */
  stopped: boolean;
}

export interface TapStats {
  client: TapDirectionStats;
  server: TapDirectionStats;
  /** Exceptions thrown by the sink (swallowed). */
  sinkErrors: number;
  /** Exceptions inside the tap (swallowed; the direction stops). Should stay 0. */
  internalErrors: number;
}

export interface FrameTap {
  /** A chunk read from the client socket (client→server bytes). */
  client(chunk: Buffer): void;
  /** A chunk read from the upstream socket (server→client bytes). */
  server(chunk: Buffer): void;
  /** Change what is captured; takes effect from each direction's next message. */
  setLevel(level: CaptureLevel): void;
  /** Change the bytes kept per message; takes effect from each direction's next message. */
  setPreviewCap(bytes: number): void;
  readonly level: CaptureLevel;
  readonly extensions: NegotiatedExtensions;
  stats(): TapStats;
  /**
   * Run `fn` once every event of the bytes seen so far has reached the sink: at once when none
   * waits for a decoding message, else in its place behind them (also after close()). For what the
   * proxy itself wrote between those bytes and the next ones.
   */
  afterSeen(fn: () => void): void;
  /** The session ended: ignore further chunks; messages being decoded still report, then zlib is freed. */
  close(): void;
}

export const DEFAULT_PREVIEW_CAP = 64 * 1024;
/** ws's default maxPayload: the most a ws peer takes in one message (inflated). */
const DEFAULT_MAX_DECODED = 100 * 1024 * 1024;
/** One 16 MiB message (the largest per-message cap) that did not compress, and some. */
const DEFAULT_MAX_BACKLOG = 17 * 1024 * 1024;

/** An uncompressed message's captured bytes as a Buffer of their own length. */
function exactData(raw: RawMessage): Buffer | null {
  const d = raw.data;
  if (!d || (raw.dataOffset === 0 && d.length === raw.dataLength)) return d;
  return d.subarray(raw.dataOffset, raw.dataOffset + raw.dataLength);
}

interface Slot {
  side: Side;
  event: TapEvent | null;
  bytes: number;
  raw: RawMessage | null;
  /** An afterSeen callback (no event): run when it reaches the front. */
  run?: () => void;
}

interface Side {
  direction: Direction;
  parser: FrameParser;
  inflater: MessageInflater | null;
  /** Payload bytes of this direction's events in the queue. */
  queuedBytes: number;
}

export function createFrameTap(options: FrameTapOptions, sink: TapSink): FrameTap {
  const now = options.now ?? Date.now;
  const previewCap = Math.max(0, options.previewCap ?? DEFAULT_PREVIEW_CAP);
  const maxQueued = options.maxQueued ?? 1024;
  const maxQueuedBytes = options.maxQueuedBytes ?? 4 * 1024 * 1024;
  const fast = options.onMessage ?? null;
  const ext = typeof options.extensions === 'object' && options.extensions !== null ? options.extensions : parseExtensions(options.extensions);
  let level: CaptureLevel = options.level ?? 'payloads';
  let closed = false;
  let sinkErrors = 0;
  let internalErrors = 0;
  // RFC 6455 §5.2: a negotiated extension may define the RSV bits; those the tap knows no meaning of
  // (all three, or RSV2/RSV3 when RSV1 is permessage-deflate's) are allowed on any frame, and a
  // message carrying one is shown as that extension's raw bytes (MessageEvent.encodedBy).
  const extensionBits = ext.others.length === 0 ? 0 : ext.deflate ? 0x30 : 0x70;
  const encodedBy = ext.others.join(', ');
  /** Events waiting for the decoding message at the front, both directions in relay order. */
  const queue: Slot[] = [];
  /** Slots in the queue of messages still decoding: their inflater bounds them (its backlog counts
   * each), so they are not among the events maxQueued allows to wait. */
  let decoding = 0;

  const deliver = (event: TapEvent): void => {
    try {
      sink(event);
    } catch {
      sinkErrors++;
    }
  };

  const makeSide = (direction: Direction): Side => {
    const side: Side = { direction, parser: null as unknown as FrameParser, inflater: null, queuedBytes: 0 };
    if (ext.deflate) {
      const p = inflaterParams(ext.deflate, direction);
      const maxDecoded = Math.max(previewCap, options.maxDecoded ?? DEFAULT_MAX_DECODED);
      side.inflater = new MessageInflater({ ...p, previewCap, maxDecoded, maxBacklog: options.maxBacklog ?? DEFAULT_MAX_BACKLOG });
    }
    side.parser = new FrameParser(
      { direction, rsv1Allowed: ext.deflate !== null, extensionBits, previewCap, level, now, capture: options.capture, dataFrameEvents: options.dataFrameEvents, keepMasked: options.keepMasked },
      {
        event: (e) => emit({ side, event: e, bytes: e.kind === 'frame' && e.payloadPreview ? e.payloadPreview.length : 0, raw: null }),
        message: (m) => onMessage(side, m),
        compressedData: (d, text, cap) => side.inflater?.write(d, text, cap),
      },
    );
    return side;
  };

  const emit = (slot: Slot): void => {
    if (queue.length === 0 && slot.event) {
      deliver(slot.event);
      return;
    }
    queue.push(slot);
    slot.side.queuedBytes += slot.bytes;
    if (!slot.event && slot.raw) decoding++;
    if (queue.length - decoding > maxQueued || client.queuedBytes + server.queuedBytes > maxQueuedBytes) {
      // The decoders are too far behind for the display queue: give up on the waiting message(s).
      for (const s of queue) {
        if (!s.event && s.raw) decoded(s, messageEvent(s.raw, null, { code: 'TAP_DEFLATE_BACKLOG', message: 'too many events waiting for this message to decode' }));
      }
      drain();
    }
  };

  /** A decoding message's slot gets its event. */
  const decoded = (slot: Slot, event: TapEvent): void => {
    slot.event = event;
    decoding--;
  };

  /** Deliver the queue's front up to the first message still decoding. */
  const drain = (): void => {
    let k = 0;
    while (k < queue.length && (queue[k]!.event || queue[k]!.run)) {
      const s = queue[k]!;
      s.side.queuedBytes -= s.bytes;
      if (s.event) deliver(s.event);
      else runSafely(s.run!);
      k++;
    }
    if (k > 0) queue.splice(0, k);
  };

  const runSafely = (fn: () => void): void => {
    try {
      fn();
    } catch {
      sinkErrors++;
    }
  };

  const onMessage = (side: Side, raw: RawMessage): void => {
    if (!raw.compressed) {
      if (level === 'off') return; // (nothing was captured: no room to give back)
      if (fast && queue.length === 0 && !raw.encoded) {
        try {
          fast(raw);
        } catch {
          sinkErrors++;
        }
        return;
      }
      const at = raw.dataOffset;
      // (a recorder's room is its to reuse, and counts against its cap until given back: the event,
      // which may wait in the queue, takes a copy of the bytes, unmasked as they are copied, and the
      // room goes back at once)
      const store = options.capture;
      const room = store?.abandon && raw.data && raw.data.length > 0 ? raw.data : null;
      if (room) {
        raw.data = Buffer.allocUnsafe(raw.dataLength);
        if (raw.maskKey !== 0) xorMask(room, at, at + raw.dataLength, raw.data, 0, raw.maskKey, 0);
        else room.copy(raw.data, 0, at, at + raw.dataLength);
        store!.abandon!(room, at);
        raw.dataOffset = 0;
      } else if (raw.maskKey !== 0 && raw.data) xorMask(raw.data, at, at + raw.dataLength, raw.data, at, raw.maskKey, 0); // our own copy: unmask in place
      raw.maskKey = 0;
      emit({ side, event: messageEvent(raw, null, null), bytes: raw.dataLength, raw: null });
      return;
    }
    const inflater = side.inflater;
    if (!raw.complete) {
      inflater?.skip();
      if (level !== 'off') emit({ side, event: messageEvent(raw, null, { code: 'TAP_DEFLATE_INCOMPLETE', message: 'the connection ended inside this message' }), bytes: 0, raw: null });
      return;
    }
    if (!raw.captured || !inflater) {
      inflater?.skip();
      if (level !== 'off') emit({ side, event: messageEvent(raw, null, { code: 'TAP_DEFLATE_NOT_CAPTURED', message: 'payload capture was off while this message went by' }), bytes: 0, raw: null });
      return;
    }
    const kept: RawMessage = { ...raw }; // the parser reuses `raw`; decoding finishes later
    const slot: Slot = { side, event: null, bytes: 0, raw: kept };
    emit(slot);
    inflater.end((result) => {
      if (slot.event) return; // given up on already
      try {
        settle(slot, kept, result);
      } catch {
        internalErrors++;
        decoded(slot, messageEvent(kept, null, { code: 'TAP_DEFLATE_ERROR', message: 'internal error while decoding' }));
      }
      if (queue[0]?.event) drain();
    });
  };

  /** A compressed message decoded: its event, after a (non-fatal) violation when its inflated
   * text is not UTF-8, as for an uncompressed one (message-assembly.ts). */
  const settle = (slot: Slot, raw: RawMessage, result: InflateResult): void => {
    const side = slot.side;
    const ev = messageEvent(raw, result, result.error ?? null);
    slot.bytes = result.data ? result.data.length : 0;
    side.queuedBytes += slot.bytes;
    if (ev.utf8ErrorOffset !== undefined) {
      const k = queue.indexOf(slot);
      const violation: TapEvent = { kind: 'violation', direction: raw.direction, time: raw.time, offset: raw.offset, code: 'TAP_ERR_INVALID_UTF8', message: `invalid UTF-8 in a compressed text message at byte ${ev.utf8ErrorOffset} of the inflated message`, at: raw.end, fatal: false, closeCode: 1007 };
      if (k !== -1) queue.splice(k, 0, { side, event: violation, bytes: 0, raw: null });
      else deliver(violation);
    }
    decoded(slot, ev);
  };

  const messageEvent = (raw: RawMessage, result: InflateResult | null, error: MessageEvent['decodeError'] | null): MessageEvent => {
    const data = raw.compressed ? (result ? result.data : null) : exactData(raw);
    const truncated = raw.compressed ? (result ? result.truncated : true) : raw.truncated;
    const ev: MessageEvent = {
      kind: 'message',
      direction: raw.direction,
      time: raw.time,
      offset: raw.offset,
      opcode: raw.opcode,
      end: raw.end,
      startTime: raw.startTime,
      frames: raw.frames,
      length: raw.length,
      compressed: raw.compressed,
      decodedLength: raw.compressed ? (result && !(result.error && result.error.code !== 'TAP_DEFLATE_TOO_LARGE') ? result.decodedLength : null) : raw.length,
      data,
      truncated,
    };
    // (an unknown extension's encoding is no text to decode: its bytes are shown as they are)
    if (data) Object.assign(ev, describePayload(raw.encoded ? 2 : raw.opcode, data, !truncated));
    // (past the kept bytes too: the inflater checked every byte of a text message)
    if (result && result.utf8ErrorOffset !== -1 && ev.utf8ErrorOffset === undefined) ev.utf8ErrorOffset = result.utf8ErrorOffset;
    if (raw.encoded) ev.encodedBy = encodedBy;
    if (error) ev.decodeError = error;
    if (!raw.complete) ev.fin = false;
    return ev;
  };

  const client = makeSide('client');
  const server = makeSide('server');

  const feed = (side: Side, chunk: Buffer): void => {
    if (closed) return;
    try {
      side.parser.push(chunk);
    } catch {
      internalErrors++;
      side.parser.stop();
    }
  };

  const sideStats = (side: Side): TapDirectionStats => ({
    bytes: side.parser.position,
    frames: side.parser.frames,
    messages: side.parser.messages,
    buffered: side.parser.buffered + (side.inflater ? side.inflater.buffered : 0) + side.queuedBytes,
    stopped: side.parser.dead,
  });

  return {
    client: (chunk) => feed(client, chunk),
    server: (chunk) => feed(server, chunk),
    setLevel(l) {
      level = l;
      client.parser.level = l;
      server.parser.level = l;
    },
    get level() {
      return level;
    },
    setPreviewCap(bytes) {
      client.parser.previewCap = Math.max(0, bytes);
      server.parser.previewCap = Math.max(0, bytes);
    },
    extensions: ext,
    stats: () => ({ client: sideStats(client), server: sideStats(server), sinkErrors, internalErrors }),
    afterSeen(fn) {
      if (queue.length === 0) runSafely(fn);
      else queue.push({ side: client, event: null, bytes: 0, raw: null, run: fn });
    },
    close() {
      if (closed) return;
      // (a message still open is logged as far as it went: its fragments were passed on)
      try {
        client.parser.finish();
        server.parser.finish();
      } catch {
        internalErrors++;
      }
      closed = true;
      client.inflater?.close();
      server.inflater?.close();
    },
  };
}
