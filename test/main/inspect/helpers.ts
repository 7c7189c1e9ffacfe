// Shared by the frame tap tests: hex input, a small RFC 6455 frame encoder, and a runner that
// feeds a byte stream to a tap in given pieces and returns the events in a comparable form; and
// messages compressed as a permessage-deflate sender with context takeover sends them.
import { constants, createDeflateRaw } from 'node:zlib';
import { createFrameTap, type FrameTapOptions, type FrameTap } from '../../../main/inspect/frame-tap.ts';
import type { Direction, TapEvent } from '../../../main/inspect/types.ts';

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

export interface FrameSpec {
  opcode: number;
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** 4-byte masking key, or null/undefined for an unmasked frame. */
  mask?: Buffer | null;
  payload?: Buffer | string;
  /** Force the length form (7, 16 or 64 bits) even when not minimal. */
  lengthForm?: 7 | 16 | 64;
}

export function encodeFrame(f: FrameSpec): Buffer {
  const payload = typeof f.payload === 'string' ? Buffer.from(f.payload) : (f.payload ?? Buffer.alloc(0));
  const n = payload.length;
  const form = f.lengthForm ?? (n < 126 ? 7 : n < 65536 ? 16 : 64);
  const ext = form === 7 ? 0 : form === 16 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + (f.mask ? 4 : 0));
  head[0] = ((f.fin ?? true) ? 0x80 : 0) | (f.rsv1 ? 0x40 : 0) | (f.rsv2 ? 0x20 : 0) | (f.rsv3 ? 0x10 : 0) | (f.opcode & 0x0f);
  head[1] = (f.mask ? 0x80 : 0) | (form === 7 ? n : form === 16 ? 126 : 127);
  if (form === 16) head.writeUInt16BE(n, 2);
  if (form === 64) head.writeBigUInt64BE(BigInt(n), 2);
  if (!f.mask) return Buffer.concat([head, payload]);
  f.mask.copy(head, 2 + ext);
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) body[i] = payload[i]! ^ f.mask[i & 3]!;
  return Buffer.concat([head, body]);
}

export const MASK = hex('37fa213d');

/** JSON-friendly copy of events: Buffers as hex, times dropped (the runner's clock is 0 anyway). */
export function plain(events: TapEvent[]): unknown[] {
  return events.map((e) => JSON.parse(JSON.stringify(e, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('hex') : v))) as unknown);
}

export interface Run {
  events: TapEvent[];
  tap: FrameTap;
  maxBuffered: number;
}

/** Feed `pieces` (in order) to one direction of a fresh tap, synchronously. */
export function run(direction: Direction, pieces: Buffer[], options: FrameTapOptions = {}): Run {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ now: () => 0, ...options }, (e) => events.push(e));
  let maxBuffered = 0;
  for (const p of pieces) {
    tap[direction](p);
    const s = tap.stats()[direction];
    if (s.buffered > maxBuffered) maxBuffered = s.buffered;
  }
  return { events, tap, maxBuffered };
}

/** Split points: every single cut, plus `random` multi-cuts (deterministic PRNG). */
export function* splits(buf: Buffer, random = 20, seed = 1): Generator<Buffer[]> {
  for (let k = 1; k < buf.length; k++) yield [buf.subarray(0, k), buf.subarray(k)];
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  for (let r = 0; r < random && buf.length > 1; r++) {
    const cuts = new Set<number>();
    const count = 1 + Math.floor(rnd() * Math.min(buf.length - 1, 12));
    while (cuts.size < count) cuts.add(1 + Math.floor(rnd() * (buf.length - 1)));
    const sorted = [...cuts].sort((a, b) => a - b);
    const out: Buffer[] = [];
    let prev = 0;
    for (const c of sorted) {
      out.push(buf.subarray(prev, c));
      prev = c;
    }
    out.push(buf.subarray(prev));
    yield out;
  }
  // and byte by byte
  yield Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1));
}

/** Messages as one context-takeover compressor sends them (each ends in a sync flush, its 00 00 ff ff dropped). */
export async function takeover(texts: Array<string | Buffer>): Promise<Buffer[]> {
  const d = createDeflateRaw();
  const out: Buffer[] = [];
  let parts: Buffer[] = [];
  d.on('data', (b: Buffer) => parts.push(b));
  for (const t of texts) {
    d.write(t);
    await new Promise<void>((r) => d.flush(constants.Z_SYNC_FLUSH, () => r()));
    out.push(Buffer.concat(parts).subarray(0, -4));
    parts = [];
  }
  d.close();
  return out;
}
