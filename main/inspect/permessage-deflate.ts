// permessage-deflate (RFC 7692) for display: a per-direction decoder of compressed messages (the
// parameters negotiated in the handshake are read by extension-params.ts).
//
// Decoding is bounded and off the event loop: node:zlib's async inflateRaw works in the thread
// pool; at most the message's `cap` inflated bytes are kept, the rest is inflated and dropped
// (with context takeover the next message refers back into it); a message inflating past
// `maxDecoded`, a decoder falling `maxBacklog` bytes behind, or zlib rejecting the data marks the
// message undecodable, never touches the relayed bytes. Such a message's context is lost: the next
// message starts a fresh inflater, which decodes it exactly unless it refers back into what was
// lost (zlib then refuses its distance: TAP_DEFLATE_CONTEXT_LOST), and so on until one decodes. A
// message whose DEFLATE data ends with a final block (BFINAL) ends zlib's stream; the next message
// gets a fresh one, as in ws (a message that then refers back into the previous one fails to
// decode, visibly).
import { createInflateRaw, constants, type InflateRaw } from 'node:zlib';
import type { DecodeError } from './types.ts';
import { Utf8Validator } from './validation.ts';

export interface InflateResult {
  /** Inflated bytes (≤ the message's cap), or null when undecodable. */
  data: Buffer | null;
  /** Inflated size seen (exact without an error; past maxDecoded a lower bound). */
  decodedLength: number;
  truncated: boolean;
  error?: DecodeError;
  /** A text message's first invalid UTF-8 byte in all it inflated to, kept or not (-1: none). */
  utf8ErrorOffset: number;
}

export interface InflaterOptions {
  noContextTakeover: boolean;
  windowBits: number;
  /** Inflated bytes kept of a message opened by end() alone (write() gives each message its cap). */
  previewCap: number;
  /** Stop inflating a message past this many inflated bytes (the rest of it is not inflated). */
  maxDecoded: number;
  /** Give up when this many compressed bytes wait for the inflater. */
  maxBacklog: number;
}


interface Job {
  chunks: Buffer[];
  ended: boolean;
  started: boolean;
  /** Inflating stopped (limit, backlog or zlib error): the remaining input is dropped. */
  abandoned: boolean;
  out: Buffer[];
  /** Inflated bytes kept at most: the cap in force when the message started. */
  cap: number;
  kept: number;
  total: number;
  truncated: boolean;
  error: DecodeError | null;
  cb: ((r: InflateResult) => void) | null;
  /** A text message's UTF-8 check over every inflated byte (the kept ones are only the first). */
  utf8: Utf8Validator | null;
  /** A compressed message after this one went by uncaptured: the context is lost after it. */
  lostAfter: string | null;
}

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** What a message waiting to inflate counts in the backlog besides its compressed bytes (its job and
 * the tap's slot for it): so that a flood of tiny messages is bounded as a few large ones are. */
export const MESSAGE_COST = 1024;

/** Slices shorter than this are gathered into one write of up to this size: a message sent in many
 * tiny fragments then waits for zlib as its bytes, not as a Buffer (and a zlib write) per fragment. */
const GATHER = 16 * 1024;

/**
 * Inflates one direction's compressed messages in order, one message at a time through one
 * zlib stream (so no_context_takeover can reset it between messages, as ws does).
 */
export class MessageInflater {
  private readonly o: InflaterOptions;
  private z: InflateRaw | null = null;
  private jobs: Job[] = [];
  private waiting = 0; // compressed bytes buffered for jobs not yet started, and gathered
  /** The open message's small slices not yet written: its first one as it came (`held`), then
   * copies gathered in `gather` (`gathered` bytes of it; up to GATHER, for that message only). */
  private held: Buffer | null = null;
  private gather: Buffer | null = null;
  private gathered = 0;
  /** Why the context was lost (the next stream starts without it), until a stream starts. */
  private lost: string | null = null;
  /** The current stream started after the context was lost (why), until it holds a full window. */
  private resyncing: string | null = null;
  private streamOut = 0;
  private closing = false;
  /** The open message is not inflated, and has no job: it came with the backlog full (why). */
  private dropped: DecodeError | null = null;

  constructor(options: InflaterOptions) {
    this.o = options;
  }

  /** Compressed bytes not yet inflated (queued here or inside zlib), and MESSAGE_COST per message. */
  get backlog(): number {
    return this.waiting + (this.z ? this.z.writableLength : 0) + this.jobs.length * MESSAGE_COST;
  }

  /** Kept inflated bytes plus queued input. */
  get buffered(): number {
    let kept = 0;
    for (const j of this.jobs) kept += j.kept;
    return kept + this.backlog;
  }

  /** A slice of the current message's compressed payload (the tap's own copy); `text`: the
   * message is a text message (its inflated bytes are checked as UTF-8); `cap`: inflated bytes to
   * keep of it (read when the message's first slice comes). */
  write(data: Buffer, text = false, cap = this.o.previewCap): void {
    if (this.closing) return;
    const job = this.openJob(text, cap);
    if (job === null || job.abandoned || job.error) return;
    if (this.backlog + data.length > this.o.maxBacklog) {
      this.abandon(job, this.behind());
      return;
    }
    if (data.length < GATHER) {
      this.waiting += data.length;
      // (most messages are one slice: it goes on as it came, with no copy)
      if (this.held === null && this.gathered === 0) this.held = data;
      else {
        const first = this.held;
        this.held = null;
        if (first !== null) this.append(job, first);
        this.append(job, data);
      }
      return;
    }
    this.flushGathered(job);
    this.waiting += data.length;
    this.send(job, data);
  }

  private append(job: Job, data: Buffer): void {
    if (this.gathered + data.length > GATHER) this.flushGathered(job);
    const need = this.gathered + data.length;
    // (grown as needed: most fragmented messages are a few small slices)
    if (this.gather === null || this.gather.length < need) {
      const grown = Buffer.allocUnsafe(Math.min(GATHER, Math.max(256, 2 * need)));
      this.gather?.copy(grown, 0, 0, this.gathered);
      this.gather = grown;
    }
    data.copy(this.gather, this.gathered);
    this.gathered += data.length;
  }

  /** Write the small slices of the open message `job` (counted in `waiting`) on. */
  private flushGathered(job: Job): void {
    const data = this.held ?? (this.gathered === 0 ? null : Buffer.from(this.gather!.subarray(0, this.gathered)));
    this.held = null;
    this.gathered = 0;
    if (data !== null) this.send(job, data);
  }

  /** `data`, counted in `waiting`, to zlib when `job` is inflating, else to wait in `job`. */
  private send(job: Job, data: Buffer): void {
    if (job.started && this.z) {
      this.waiting -= data.length;
      this.z.write(data);
    } else job.chunks.push(data);
  }

  /** `job`'s waiting slices were written, or are not to be: they count in the backlog no more. */
  private dropChunks(job: Job): void {
    for (const c of job.chunks) this.waiting -= c.length;
    job.chunks = [];
  }

  /** The open message's small slices are not to be inflated, or were written: its buffer goes. */
  private dropGathered(): void {
    this.waiting -= this.gathered + (this.held?.length ?? 0);
    this.held = null;
    this.gathered = 0;
    this.gather = null;
  }

  /** The current message is complete; cb gets its decoding (possibly synchronously). */
  end(cb: (r: InflateResult) => void): void {
    if (this.closing) return;
    const job = this.openJob();
    if (job === null) {
      const error = this.dropped!;
      this.skip(`an earlier message was not decoded (${error.code})`);
      cb({ data: null, decodedLength: 0, truncated: true, error, utf8ErrorOffset: -1 });
      return;
    }
    if (!job.abandoned && !job.error) this.flushGathered(job);
    this.dropGathered();
    job.ended = true;
    job.cb = cb;
    if (this.jobs[0] === job) this.pump();
  }

  /** A compressed message went by without being inflated (after the messages written so far):
   * not captured, cut off by the connection's end, or dropped with the backlog full. */
  skip(reason = 'an earlier compressed message was not captured'): void {
    this.dropped = null;
    if (this.o.noContextTakeover || this.closing) return;
    const last = this.jobs[this.jobs.length - 1];
    if (last) last.lostAfter ??= reason;
    else this.loseContext(reason);
  }

  /** The stream's context is gone: the next message starts a fresh one. */
  private loseContext(reason: string): void {
    this.destroy();
    this.lost ??= reason;
  }

  /** Let messages already complete finish decoding, then free zlib. */
  close(): void {
    this.closing = true;
    this.dropped = null;
    const last = this.jobs[this.jobs.length - 1];
    if (last && !last.ended) {
      // (its bytes waiting, gathered or not, count in the backlog no more)
      this.jobs.pop();
      this.dropChunks(last);
      this.dropGathered();
    }
    if (this.jobs.length === 0) this.destroy();
  }

  private destroy(): void {
    const z = this.z;
    this.z = null;
    z?.destroy();
  }

  /** The open message's job, or a new one; null for a message dropped with the backlog full. */
  private openJob(text = false, cap = this.o.previewCap): Job | null {
    if (this.dropped) return null;
    const last = this.jobs[this.jobs.length - 1];
    if (last && !last.ended) return last;
    if (this.backlog + MESSAGE_COST > this.o.maxBacklog) {
      this.dropped = this.behind();
      return null;
    }
    const job: Job = { chunks: [], ended: false, started: false, abandoned: false, out: [], cap, kept: 0, total: 0, truncated: false, error: null, cb: null, utf8: text ? new Utf8Validator() : null, lostAfter: null };
    this.jobs.push(job);
    if (this.jobs.length === 1) this.pump();
    return job;
  }

  /** Start the head job on zlib, or finish it when it cannot or need not inflate. */
  private pump(): void {
    for (;;) {
      const job = this.jobs[0];
      if (!job) {
        if (this.closing) this.destroy();
        return;
      }
      if (!job.started) {
        if (!job.error && !job.abandoned) {
          job.started = true;
          const z = this.stream();
          for (const c of job.chunks) z.write(c);
          this.dropChunks(job);
        }
      }
      if (!job.ended) return;
      if (job.error || job.abandoned || !job.started) {
        this.finish(job);
        continue;
      }
      const z = this.z!;
      z.write(TAIL);
      z.flush(constants.Z_SYNC_FLUSH, () => {
        if (this.z !== z || this.jobs[0] !== job) return;
        // A message may end its DEFLATE data with a final block (BFINAL, RFC 7692 §7.2.3.4): zlib
        // then ends the stream, and the next message starts a new one, as ws does.
        if (z.readableEnded) this.destroy();
        else if (this.o.noContextTakeover) z.reset();
        this.finish(job);
        this.pump();
      });
      return;
    }
  }

  private finish(job: Job): void {
    this.jobs.shift();
    this.dropChunks(job);
    // (with context takeover, the next message may refer back into what this one did not inflate)
    const lost = job.abandoned ? `an earlier message was not decoded (${job.error?.code ?? 'TAP_DEFLATE_ERROR'})` : job.lostAfter;
    if (lost && !this.o.noContextTakeover) this.loseContext(lost);
    const failed = job.error !== null && job.error.code !== 'TAP_DEFLATE_TOO_LARGE';
    // (a sequence left open at the end counts only when the message inflated whole)
    const utf8 = job.utf8;
    const utf8ErrorOffset = !utf8 || failed || (job.abandoned ? utf8.errorOffset === -1 : utf8.end()) ? -1 : utf8.errorOffset;
    const result: InflateResult = {
      data: failed ? null : job.out.length === 1 ? job.out[0]! : Buffer.concat(job.out, job.kept),
      decodedLength: job.total,
      truncated: job.truncated || failed,
      utf8ErrorOffset,
    };
    if (job.error) result.error = job.error;
    job.out = [];
    const cb = job.cb;
    job.cb = null;
    cb?.(result);
  }

  private stream(): InflateRaw {
    if (this.z) return this.z;
    const z = createInflateRaw({ windowBits: this.o.windowBits });
    this.resyncing = this.lost;
    this.lost = null;
    this.streamOut = 0;
    z.on('data', (out: Buffer) => {
      const job = this.jobs[0];
      if (this.z !== z || !job || job.abandoned) return;
      job.total += out.length;
      // (once a fresh stream holds a full window, nothing can refer back past what it inflated)
      if (this.resyncing && (this.streamOut += out.length) >= 1 << this.o.windowBits) this.resyncing = null;
      job.utf8?.push(out, 0, out.length);
      const room = job.cap - job.kept;
      if (room > 0) {
        const piece = out.length <= room ? out : Buffer.from(out.subarray(0, room));
        job.out.push(piece);
        job.kept += piece.length;
      }
      if (job.total > job.cap) job.truncated = true;
      if (job.total > this.o.maxDecoded) {
        this.abandon(job, { code: 'TAP_DEFLATE_TOO_LARGE', message: `message inflates to at least ${job.total} bytes, past ${this.o.maxDecoded}; inflating stopped there` });
      }
    });
    z.on('error', (err: Error) => {
      if (this.z !== z) return;
      const job = this.jobs[0];
      // (a fresh stream after a loss refuses a distance reaching back before its first byte)
      const back = this.resyncing !== null && /too far back/.test(err.message);
      if (job) this.abandon(job, back ? { code: 'TAP_DEFLATE_CONTEXT_LOST', message: `this message refers back past what could be inflated: ${this.resyncing}` } : { code: 'TAP_DEFLATE_ERROR', message: `inflate failed: ${err.message}` });
      else this.destroy();
    });
    this.z = z;
    return z;
  }

  private behind(): DecodeError {
    return { code: 'TAP_DEFLATE_BACKLOG', message: `decoder more than ${this.o.maxBacklog} bytes behind the traffic` };
  }

  /** Stop inflating job: drop the stream if job is on it (with context takeover, the next message
   * starts a fresh one when job finishes). */
  private abandon(job: Job, error: DecodeError): void {
    job.abandoned = true;
    job.error ??= error;
    job.truncated = true;
    this.dropChunks(job);
    if (!job.ended) this.dropGathered();
    if (job.started) {
      this.destroy();
      if (this.jobs[0] === job && job.ended) {
        this.finish(job);
        this.pump();
      }
    }
  }
}
