// nginx's proxy_buffering as the client sees it (nginx 1.22, ngx_event_pipe and the proxy module's
// input filters), measured against Debian's nginx.
//
// Buffering on (nginx's default): the response is read into buffers of one memory page, the first
// (proxy_buffer_size 4k) shared with the response head, the others proxy_buffers 8 4k. A buffer
// goes to the client when it is full, or when the response is complete (all of its Content-Length,
// or the upstream closed). So an unchunked body that trickles in (server-sent events from an
// upstream asked over HTTP/1.0, nginx's default) reaches the client in 4 KiB steps, and the head
// waits with it: nginx's postpone_output does not send a head on its own. A chunked body passes
// chunk by chunk: the chunked filter hands each parsed chunk on at once.
//
// Buffering off, or `X-Accel-Buffering: no` from the upstream: the head goes out at once and every
// read is passed on as it comes. `X-Accel-Buffering: yes` turns buffering on for that response.
import { PROXY_BUFFER_SIZE, type ResponseHead } from './header-buffers.ts';

export type BodyPassing =
  /** Unchunked body, buffering on: held in pages (BodyHold). */
  | 'pages'
  /** Chunked body, buffering on: passed as it comes; the head waits for the first chunk. */
  | 'chunks'
  /** Buffering off: the head at once, then each read. */
  | 'unbuffered';

export interface BodyPlan {
  passing: BodyPassing;
  /** The body's Content-Length, or null (chunked, or ended by the upstream's close). */
  contentLength: number | null;
}

/**
 * How a response's body reaches the client: the location's proxy_buffering, overridden by the
 * upstream's `X-Accel-Buffering` (each line whose value is "yes" or "no", in any case, sets it, so
 * the last one counts; other values are ignored, as nginx's handler does). One pass over the raw
 * header list, which also finds the framing (node builds `headers` only when asked, at a cost).
 */
export function bodyPlan(locationBuffering: boolean, head: ResponseHead): BodyPlan {
  let buffering = locationBuffering;
  let chunked = false;
  let contentLength: number | null = null;
  const raw = head.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 17) {
      const lower = name.toLowerCase();
      if (lower === 'x-accel-buffering') {
        const value = raw[i + 1]!.toLowerCase();
        if (value === 'yes') buffering = true;
        else if (value === 'no') buffering = false;
      } else if (lower === 'transfer-encoding') chunked = /(^|[\s,])chunked\s*$/i.test(raw[i + 1]!);
    } else if (name.length === 14 && name.toLowerCase() === 'content-length') contentLength = Number(raw[i + 1]);
  }
  if (chunked) contentLength = null;
  return { passing: !buffering ? 'unbuffered' : chunked ? 'chunks' : 'pages', contentLength };
}

/** What a byte sequence needs to be held and split (a Buffer, or a Uint8Array). */
interface Bytes<T> {
  readonly length: number;
  subarray(start: number, end?: number): T;
}

/**
 * An unchunked body held in nginx's buffer pages. Offsets count the response as nginx reads it:
 * the head first, then the body, so the first page releases PROXY_BUFFER_SIZE minus the head's
 * bytes of body, and each later page 4096. Nothing is copied: released and held parts are views.
 */
export class BodyHold<T extends Bytes<T>> {
  private held: T[] = [];
  /** Bytes of this response read so far, head included. */
  private read: number;
  /** Bytes of it passed on (the head counts as passed: it goes out with the first release). */
  private sent: number;
  /** Where the body ends (head + Content-Length), or -1 when the upstream's close ends it. */
  private readonly end: number;

  /**
   * `headBytes`: the upstream's response head (responseHeadBytes); `contentLength`: the body's
   * Content-Length, or null (the body ends when the upstream closes).
   */
  constructor(headBytes: number, contentLength: number | null) {
    this.read = this.sent = headBytes;
    this.end = contentLength === null ? -1 : this.read + contentLength;
  }

  /**
   * Takes the next read; returns the parts that fill pages, in order, or null while none is full.
   * The read that completes a sized body passes whole with what was held (nginx hands on a buffer
   * that holds the rest of the body at once).
   */
  take(chunk: T): T[] | null {
    this.read += chunk.length;
    if (this.read === this.end) {
      const out = this.held;
      if (chunk.length) out.push(chunk);
      this.held = [];
      this.sent = this.read;
      return out;
    }
    const full = this.read - (this.read % PROXY_BUFFER_SIZE);
    if (full <= this.sent) {
      if (chunk.length) this.held.push(chunk);
      return null;
    }
    // `full` lies inside this chunk: everything before it was counted by an earlier call, whose
    // own last full page would otherwise already reach `full`
    const out = this.held;
    const keep = this.read - full;
    this.held = [];
    if (keep === 0) out.push(chunk);
    else {
      out.push(chunk.subarray(0, chunk.length - keep));
      this.held.push(chunk.subarray(chunk.length - keep));
    }
    this.sent = full;
    return out;
  }

  /** The response is complete, or the upstream failed: everything still held, in order. */
  rest(): T[] {
    const out = this.held;
    this.held = [];
    this.sent = this.read;
    return out;
  }
}
