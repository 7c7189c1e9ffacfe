// Which frames the log shows: by direction, opcode and text (substring or regular expression,
// case-insensitive, on the preview and a close frame's code). `FilteredFrames` keeps the matching
// positions of a FrameBuffer and follows it incrementally: an append tests only the new rows, a
// trim drops leading positions, and only a new filter or new content tests every row again.
import type { FrameView } from '../api/views.ts';
import type { FrameBuffer } from './frame-buffer.ts';

export const FRAME_OPCODES = ['text', 'binary', 'ping', 'pong', 'close', 'violation'] as const;

export interface FrameFilterSpec {
  /** 'client': frames the client sent (↑); 'upstream': frames the upstream sent (↓). */
  direction: 'all' | 'client' | 'upstream';
  /** Opcodes to show; empty shows every opcode. */
  opcodes: readonly string[];
  text: string;
  /** Treat `text` as a regular expression (JavaScript syntax). */
  regex: boolean;
}

export const NO_FILTER: FrameFilterSpec = { direction: 'all', opcodes: [], text: '', regex: false };

export type FramePredicate = (f: FrameView) => boolean;
/** `test` is null when the spec lets every frame through. */
export type CompiledFrameFilter = { ok: true; test: FramePredicate | null } | { ok: false; field: 'text'; message: string };

/** Longest pattern accepted: a filter runs on every row, keep it to something a person types. */
const MAX_PATTERN = 500;

export function compileFrameFilter(spec: FrameFilterSpec): CompiledFrameFilter {
  const dir = spec.direction === 'all' ? null : spec.direction;
  const ops = spec.opcodes.length && spec.opcodes.length < FRAME_OPCODES.length ? new Set(spec.opcodes) : null;
  let match: ((s: string) => boolean) | null = null;
  if (spec.text) {
    if (spec.text.length > MAX_PATTERN) return { ok: false, field: 'text', message: `filter text: at most ${MAX_PATTERN} characters` };
    if (spec.regex) {
      let re: RegExp;
      try {
        re = new RegExp(spec.text, 'i');
      } catch (e) {
        return { ok: false, field: 'text', message: `invalid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}` };
      }
      match = (s) => re.test(s);
    } else {
      const needle = spec.text.toLowerCase();
      match = (s) => s.toLowerCase().includes(needle);
    }
  }
  if (!dir && !ops && !match) return { ok: true, test: null };
  return {
    ok: true,
    test: (f) => (!dir || f.from === dir) && (!ops || ops.has(f.opcode)) && (!match || match(f.preview) || (f.closeCode !== null && match(String(f.closeCode)))),
  };
}

export class FilteredFrames {
  private positions: number[] = [];
  private seenEpoch = -1;
  private seenEnd = 0;
  private seenBase = 0;
  private test: FramePredicate | null = null;

  constructor(private readonly buffer: FrameBuffer) {}

  /** A new predicate (null: every row); the next sync tests every row again. */
  setFilter(test: FramePredicate | null): void {
    this.test = test;
    this.seenEpoch = -1;
  }

  get active(): boolean {
    return this.test !== null;
  }

  /** Catch up with the buffer; returns how many shown rows left the front (trimmed) since the last
   * sync of the same content and filter (0 after a reset or a new filter). */
  sync(): number {
    const b = this.buffer;
    const same = this.seenEpoch === b.epoch;
    const trimmed = same ? b.base - this.seenBase : 0;
    this.seenBase = b.base;
    if (!this.test) {
      this.positions = [];
      this.seenEpoch = b.epoch;
      this.seenEnd = b.end;
      return trimmed;
    }
    let removed = 0;
    if (!same) {
      this.positions = [];
      this.seenEnd = b.base;
      this.seenEpoch = b.epoch;
    } else {
      removed = lowerBound(this.positions, b.base);
      if (removed) this.positions.splice(0, removed);
    }
    const test = this.test;
    for (let p = Math.max(this.seenEnd, b.base); p < b.end; p++) if (test(b.at(p)!)) this.positions.push(p);
    this.seenEnd = b.end;
    return removed;
  }

  /** Rows shown. */
  get count(): number {
    return this.test ? this.positions.length : this.buffer.length;
  }

  /** Absolute buffer position of shown row `i`. */
  positionAt(i: number): number {
    return this.test ? this.positions[i] ?? -1 : this.buffer.base + i;
  }

  rowAt(i: number): FrameView | undefined {
    const p = this.positionAt(i);
    return p < 0 ? undefined : this.buffer.at(p);
  }

  /** Shown rows at or after absolute position `pos` (e.g. "N new since you scrolled away"). */
  countFrom(pos: number): number {
    if (!this.test) return Math.max(0, this.buffer.end - Math.max(pos, this.buffer.base));
    return this.positions.length - lowerBound(this.positions, pos);
  }

  /** Shown row index of the frame with `seq`, or -1 when it is hidden or not held. */
  indexOfSeq(seq: number): number {
    const p = this.buffer.positionOf(seq);
    if (p < 0) return -1;
    if (!this.test) return p - this.buffer.base;
    const i = lowerBound(this.positions, p);
    return this.positions[i] === p ? i : -1;
  }
}

/** First index whose value is >= x (the array is ascending). */
function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
