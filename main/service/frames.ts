// Frame recording through the WebSocket frame tap (main/inspect/frame-tap.ts). The tap is passive:
// it sees each relayed chunk from 'data' events next to the engine's own pipes (never changing or
// delaying a byte) and reports TapEvents (main/inspect/types.ts), turned into frame-log rows here.
import type { Socket } from 'node:net';
import { createFrameTap } from '../inspect/frame-tap.ts';
import type { NewFrame } from './traffic-log.ts';

/** One frame-log row; messages may carry their payload bytes (`data`, capped) for replay/export. */
export type FrameSink = (frame: NewFrame) => void;
export type TapFactory = (session: { client: Socket; upstream: Socket; extensions: string | null }, onFrame: FrameSink) => { stop(): void } | null;


/** Characters of a payload kept for the frame log. */
const PREVIEW = 256;

/** The factory the service uses to tap each new session; payloads are captured up to `payloadCap`
 * bytes per message (one byte more, so a longer message shows as truncated). */
export async function loadFrameTap(payloadCap = 64 * 1024): Promise<TapFactory> {
  const previewCap = Math.max(PREVIEW * 4, payloadCap + 1);
  return (s, onFrame) => attach(s, onFrame, previewCap);
}

function attach(s: { client: Socket; upstream: Socket; extensions: string | null }, onFrame: FrameSink, previewCap: number): { stop(): void } {
  const tap = createFrameTap({ extensions: s.extensions, previewCap }, (event) => {
    const row = normalize(event);
    if (row) onFrame(row);
  });
  const fromClient = (c: Buffer) => tap.client(c);
  const fromUpstream = (c: Buffer) => tap.server(c);
  s.client.on('data', fromClient);
  s.upstream.on('data', fromUpstream);
  return {
    stop() {
      s.client.off('data', fromClient);
      s.upstream.off('data', fromUpstream);
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
      const row: NewFrame = { time, from, opcode, fin: true, length, preview: cut(preview), closeCode: null };
      if (Buffer.isBuffer(e.data)) {
        row.data = e.data;
        row.payload = e.truncated === true ? 'truncated' : 'kept';
      }
      return row;
    }
    case 'frame': {
      // data frames are reported once as their message; close frames by their 'close' event
      const op = typeof e.opcode === 'number' ? e.opcode : -1;
      if (op !== 9 && op !== 10) return null;
      const p = e.payloadPreview instanceof Uint8Array ? Buffer.from(e.payloadPreview).toString('utf8') : '';
      return { time, from, opcode: op === 9 ? 'ping' : 'pong', fin: e.fin !== false, length, preview: cut(p), closeCode: null };
    }
    case 'close':
      return { time, from, opcode: 'close', fin: true, length, preview: cut(typeof e.reason === 'string' ? e.reason : ''), closeCode: typeof e.code === 'number' ? e.code : null };
    case 'violation':
      return { time, from, opcode: 'violation', fin: true, length: 0, preview: cut(`${String(e.code)}: ${String(e.message)}`), closeCode: typeof e.closeCode === 'number' ? e.closeCode : null };
    default:
      return null;
  }
}

function cut(s: string): string {
  return s.length > PREVIEW * 2 ? `${s.slice(0, PREVIEW * 2)}…` : s;
}

/** The preview shown for a payload Switchyard sends itself: text as is, binary as hex. */
export function previewOf(opcode: 'text' | 'binary', payload: Buffer): string {
  if (opcode === 'text') return cut(payload.toString('utf8'));
  const hex = [...payload.subarray(0, 64)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return payload.length > 64 ? `${hex} …` : hex;
}
