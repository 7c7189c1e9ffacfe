// Frame recording through the WebSocket frame tap (main/inspect/frame-tap.ts). The tap is passive:
// it sees each relayed chunk from 'data' events next to the engine's own pipes (never changing or
// delaying a byte) and reports TapEvents (main/inspect/types.ts), turned into frame-log rows here.
import type { Socket } from 'node:net';
import type { FrameView } from '../../app/api/contract.ts';
import { createFrameTap } from '../inspect/frame-tap.ts';

export type FrameSink = (frame: Omit<FrameView, 'seq'>) => void;
export type TapFactory = (session: { client: Socket; upstream: Socket; extensions: string | null }, onFrame: FrameSink) => { stop(): void } | null;


/** Characters of a payload kept for the frame log. */
const PREVIEW = 256;

/** The factory the service uses to tap each new session. */
export async function loadFrameTap(): Promise<TapFactory> {
  return attach;
}

function attach(s: { client: Socket; upstream: Socket; extensions: string | null }, onFrame: FrameSink): { stop(): void } {
  const tap = createFrameTap({ extensions: s.extensions, previewCap: PREVIEW * 4 }, (event) => {
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
export function normalize(raw: unknown): Omit<FrameView, 'seq'> | null {
  if (!raw || typeof raw !== 'object') return null;
  const e = raw as Record<string, unknown>;
  const from = e.direction === 'server' ? 'upstream' : 'client';
  const time = typeof e.time === 'number' ? e.time : Date.now();
  const length = typeof e.length === 'number' ? e.length : 0;
  switch (e.kind) {
    case 'message': {
      const opcode = e.opcode === 1 ? 'text' : 'binary';
      const preview = typeof e.text === 'string' ? e.text : typeof e.binaryPreview === 'string' ? e.binaryPreview : '';
      return { time, from, opcode, fin: true, length, preview: cut(preview), closeCode: null };
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
