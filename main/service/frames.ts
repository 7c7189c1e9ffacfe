// Frame recording through the WebSocket frame tap (main/inspect/frame-tap.ts). The tap is passive:
// it sees each relayed chunk right after the engine forwarded it (SessionSockets.observe; 'data'
// listeners of its own on sockets without it), never changing or delaying a byte, and reports
// TapEvents (main/inspect/types.ts), turned into frame-log rows here.
// With a MessageRecorder, messages (nearly all the traffic) skip the events: the tap writes their
// bytes where the recorder keeps them and hands it the parser's RawMessage; control frames, closes,
// violations and decoded compressed messages still come as rows through `onFrame`.
import { MAX_CONTROL_PAYLOAD } from '../inspect/types.ts';
import type { Socket } from 'node:net';
import { createFrameTap } from '../inspect/frame-tap.ts';
import { hexPreview } from '../inspect/payload.ts';
import { findUtf8Error } from '../inspect/validation.ts';
import type { CaptureStore, RawMessage } from '../inspect/capture.ts';
import type { SessionSockets } from '../engine/events.ts';
import { cutPreview } from './frame-preview.ts';
import type { NewFrame } from './traffic-log.ts';

/** One frame-log row; messages may carry their payload bytes (`data`, capped) for replay/export,
 * and give the stream offset just past their last byte (`end`). */
export type FrameSink = (frame: NewFrame, end?: number) => void;

/** Where a session's messages are recorded (TrafficLog.capture / addMessage behind it). */
export interface MessageRecorder {
  /** Room for the messages' captured bytes (kept in place by `message`). */
  capture: CaptureStore;
  /** A whole uncompressed message; `m` and `m.data` are the tap's (see FrameTapOptions.onMessage). */
  message(m: RawMessage): void;
}

/** The session a tap is made for: its sockets (and the engine's observe, when there is one). */
export interface TappedSession {
  client: Socket;
  upstream: Socket;
  extensions: string | null;
  observe?: SessionSockets['observe'];
}

/** A session's tap: `afterSeen` (when the tap can order) runs a function once the rows of every byte
 * already seen were given to `onFrame` (see FrameTap.afterSeen). */
export interface SessionTap {
  stop(): void;
  afterSeen?(fn: () => void): void;
  /** Bytes of `from`'s stream the tap has seen (all relayed, when the relay starts dropping). */
  position?(from: 'client' | 'upstream'): number;
  /** The per-message payload cap changed: messages starting from now on keep at most `bytes`. */
  setPayloadCap?(bytes: number): void;
}

export type TapFactory = (session: TappedSession, onFrame: FrameSink, recorder?: MessageRecorder) => SessionTap | null;

/** The factory the service uses to tap each new session; payloads are captured up to `payloadCap`
 * bytes per message, the cap in force when the message starts (a function: the cap when the
 * session opens; SessionTap.setPayloadCap changes it). A longer message is marked truncated. */
export async function loadFrameTap(payloadCap: number | (() => number) = 64 * 1024): Promise<TapFactory> {
  const cap = typeof payloadCap === 'number' ? () => payloadCap : payloadCap;
  return (s, onFrame, recorder) => attach(s, onFrame, cap(), recorder);
}

function attach(s: TappedSession, onFrame: FrameSink, previewCap: number, recorder?: MessageRecorder): SessionTap {
  const fast = recorder ? { dataFrameEvents: false, keepMasked: true, capture: recorder.capture, onMessage: (m: RawMessage) => recorder.message(m) } : {};
  const tap = createFrameTap({ extensions: s.extensions, previewCap, ...fast }, (event) => {
    const row = normalize(event);
    if (row) onFrame(row, event.kind === 'message' ? event.end : undefined);
  });
  const fromClient = (c: Buffer) => tap.client(c);
  const fromUpstream = (c: Buffer) => tap.server(c);
  const observe = s.observe;
  if (observe) observe(fromClient, fromUpstream);
  else {
    s.client.on('data', fromClient);
    s.upstream.on('data', fromUpstream);
  }
  return {
    afterSeen: (fn) => tap.afterSeen(fn),
    position: (from) => tap.stats()[from === 'client' ? 'client' : 'server'].bytes,
    setPayloadCap: (bytes) => tap.setPreviewCap(bytes),
    stop() {
      if (observe) observe(null, null);
      else {
        s.client.off('data', fromClient);
        s.upstream.off('data', fromUpstream);
      }
      tap.close();
    },
  };
}

/** One tap event → one frame-log row: messages (text/binary), control frames, closes, violations. */
export function normalize(raw: unknown): NewFrame | null {
  if (!raw || typeof raw !== 'object') return null;
  const e = raw as Record<string, unknown>;
  const from = e.direction === 'server' ? 'upstream' : 'client';
  const time = typeof e.time === 'number' ? e.time : Date.now();
  const length = typeof e.length === 'number' ? e.length : 0;
  switch (e.kind) {
    case 'message': {
      const opcode = e.opcode === 1 ? 'text' : 'binary';
      const preview = typeof e.text === 'string' ? e.text : typeof e.binaryPreview === 'string' ? e.binaryPreview : '';
      // (fin false: the connection ended inside the message, logged as far as it went)
      const row: NewFrame = { time, from, opcode, fin: e.fin !== false, length, preview: cut(preview), closeCode: null };
      if (e.compressed === true) {
        row.wireLength = length;
        if (typeof e.decodedLength === 'number') row.length = e.decodedLength;
        const err = e.decodeError as { code?: unknown; message?: unknown } | undefined;
        if (err && typeof err === 'object') row.decodeError = `${String(err.code)}: ${String(err.message)}`;
      }
      // (an unknown extension's encoding: the tap made a hex preview of its bytes, no text)
      if (typeof e.encodedBy === 'string') row.encodedBy = e.encodedBy;
      if (typeof e.utf8ErrorOffset === 'number') row.utf8ErrorOffset = e.utf8ErrorOffset;
      if (Buffer.isBuffer(e.data)) {
        row.data = e.data;
        row.payload = e.truncated === true ? 'truncated' : 'kept';
        // (the tap kept what the cap in force when the message started allows)
        row.capped = true;
      }
      return row;
    }
    case 'frame': {
      // data frames are reported once as their message; close frames by their 'close' event
      const op = typeof e.opcode === 'number' ? e.opcode : -1;
      if (op !== 9 && op !== 10) return null;
      const p = e.payloadPreview instanceof Uint8Array ? e.payloadPreview : EMPTY;
      const row: NewFrame = { time, from, opcode: op === 9 ? 'ping' : 'pong', fin: e.fin !== false, length, preview: '', closeCode: null };
      // (a payload that is not UTF-8 goes as hex of all its bytes, ≤ 125: as text they would be lost)
      const bad = findUtf8Error(p, p.length < length);
      if (bad === -1) row.preview = cut(Buffer.from(p).toString('utf8'));
      else {
        row.preview = hexPreview(p, MAX_CONTROL_PAYLOAD) + (p.length < length && p.length <= MAX_CONTROL_PAYLOAD ? ' …' : '');
        row.previewHex = true;
        row.utf8ErrorOffset = bad;
      }
      return row;
    }
    case 'close': {
      const reason = typeof e.reason === 'string' ? e.reason : '';
      const code = typeof e.code === 'number' ? e.code : null;
      return { time, from, opcode: 'close', fin: true, length, preview: cut(reason), closeCode: code };
    }
    case 'violation':
      return { time, from, opcode: 'violation', fin: true, length: 0, preview: cut(`${String(e.code)}: ${String(e.message)}`), closeCode: typeof e.closeCode === 'number' ? e.closeCode : null };
    default:
      return null;
  }
}

const cut = cutPreview;
const EMPTY = new Uint8Array(0);

export { previewOf } from './frame-preview.ts';
