// One direction of an upgraded WebSocket pair: every chunk read from `src` is written to `dst`
// unchanged and at once (backpressure as in stream.pipe: pause `src` while `dst` is full), while
// a header-only tracker follows the frame boundaries (FIN, opcode, length; payload bytes are
// skipped, never copied). That lets the proxy add frames of its own (`inject`) between two complete
// messages, splitting a chunk there when needed (no copies per chunk while none waits).
//
// Reads: the first chunk comes as a 'data' event; from then on the source reads straight into a
// buffer of the relay's (own-buffer-reads.ts over socket-reads.ts), so a busy session allocates no
// buffer per read (only a view of the bytes read), and an idle one holds none. The buffer is 16 KiB,
// grows to 64 KiB (what libuv asks node for per read) when a read fills it, and shrinks back after a
// run of small reads. A chunk written from the buffer usually leaves in the write call itself; when
// part of it stays queued in `dst` (the kernel's send buffer was full), the queued write still points
// into the buffer, so the next reads go to a fresh one. While `dst` has bytes queued, chunks are
// copied (as node would) instead.
import type { Socket } from 'node:net';
import { readInto } from './socket-reads.ts';
import { OwnBufferReads } from './own-buffer-reads.ts';
import { StallWatch } from './stall-watch.ts';
import { closeFrameInfo, encodeFrame } from './ws-frames.ts';
import { maskKeyOf, xorMask } from '../inspect/mask.ts';
import type { SessionRecord } from '../../app/engine/records.ts';
import { InjectBusyError, backedUpError, closingError, type Pending } from './ws-inject.ts';

/** Where track() stops: never (the chunk's end), after a frame, after a frame that ends a message. */
const STOP_NEVER = 0;
const STOP_AT_FRAME = 1;
const STOP_AT_MESSAGE = 2;
type Stop = typeof STOP_NEVER | typeof STOP_AT_FRAME | typeof STOP_AT_MESSAGE;

export class WsRelay {
  /** Bytes left in the current frame's payload. */
  private remaining = 0;
  /** Header bytes gathered so far (0 = between frames), and how many this header has. */
  private readonly hdr = Buffer.alloc(14);
  private hdrLen = 0;
  private hdrNeed = 2;
  private opcode = 0;
  private fin = true;
  /** A fragmented data message has started and its FIN frame has not completed. */
  private inMessage = false;
  private readonly pending: Pending[] = [];
  /** A close frame was injected: bytes from `src` are no longer forwarded (only tracked). */
  private dropping = false;
  private stopped = false;
  /** `src` has sent a close frame. */
  peerClosed = false;
  /**
   * The session's record: every frame `src` sends is counted in it (framesFromClient: the masked
   * direction, or framesFromUpstream), and the first close frame from `src` recorded once it has
   * gone by, unless one is there already (closeFrameInfo). A field, not a callback: no closure per session.
   */
  record: (Pick<SessionRecord, 'closeFrame' | 'framesFromClient' | 'framesFromUpstream'>) | null = null;
  /** The close frame being read from `src` (while `record` is set): its first 125 payload bytes, its whole length. */
  private closeRead: { payload: Buffer; got: number; length: number; /** its mask key (maskKeyOf), 0: unmasked */ key: number } | null = null;
  /** After a close was injected: called once when `src` sends its own close frame (the echo). */
  onPeerClose: (() => void) | null = null;
  /**
   * Sees every chunk read from `src` once it has been forwarded (the frame tap: it never throws).
   * The chunk is valid during the call only: its memory takes the next read.
   */
  observer: ((chunk: Buffer) => void) | null = null;
  /** Reads into the relay's own buffer, once switched (see the top of this file); false: not possible. */
  private own: OwnBufferReads | null | false = null;
  /**
   * nginx's send timeout for `dst` (proxy_send_timeout toward the upstream, send_timeout toward the
   * client): when `dst` takes none of what waits for it for this long, `onSendTimeout` is called.
   * 0: no limit.
   */
  sendTimeoutMs = 0;
  onSendTimeout: (() => void) | null = null;
  /** A timer to refresh on every chunk read and every drain of `dst` (the session's read timeout). */
  activity: NodeJS.Timeout | null = null;
  /** Told when `dst` fills up (true) and when it takes data again or the relay stops (false). */
  onStall: ((stalled: boolean) => void) | null = null;
  /** Watches a full `dst` for progress (made when one fills, dropped when it drains). */
  stall: StallWatch | null = null;
  /** The session's other direction: every chunk read and every drain here restarts its send
   * timeout too (nginx re-arms both send timers on each event of the upgraded pair). */
  peer: WsRelay | null = null;

  // The listeners are assigned in the constructor, not as arrow-function fields: tsx compiles with
  // esbuild's keepNames, which names every such field with Object.defineProperty, and a closure
  // named that way costs ~250 B more, per listener and idle session.
  private readonly onData: (chunk: Buffer) => void;
  private readonly onDrain: () => void;
  private readonly onEnd: () => void;

  constructor(private readonly src: Socket, private readonly dst: Socket, private readonly mask: boolean) {
    this.onData = (chunk) => {
      this.push(chunk);
      // (not while someone else listens to 'data' too: they would stop getting it)
      if (this.own === null && !this.stopped && this.src.readableLength === 0 && this.src.listenerCount('data') === 1) this.readIntoBuffer();
    };
    this.onDrain = () => {
      this.event();
      this.endStall();
      this.src.resume();
    };
    this.onEnd = () => {
      // (not after an injected Close: `dst` owes the proxy its answer, and the close ends it then)
      if (!this.dropping && !this.dst.destroyed && !this.dst.writableEnded) this.dst.end();
    };
    src.on('data', this.onData);
    src.on('end', this.onEnd);
    dst.on('drain', this.onDrain);
  }

  private readIntoBuffer(): void {
    const own = new OwnBufferReads(this, this.dst);
    this.own = readInto(this.src, own.buf, own.onRead, own.next) ? own : false;
    if (this.own) this.src.off('data', this.onData);
  }

  /** How `src` is read: 'data' events, or into the relay's own buffer (see the top of this file). */
  get reads(): 'data' | 'buffer' {
    return this.own ? 'buffer' : 'data';
  }

  /** Read buffers this direction has used (a new one each time a queued write kept the last, or the size changed). */
  get readBuffers(): number {
    return this.own ? this.own.count : 0;
  }

  /** The size of the buffer the next read goes to (0 while reading through 'data' events). */
  get readBufferSize(): number {
    return this.own ? this.own.buf.length : 0;
  }

  /** Whether the stream is between complete messages (where a message may go in). */
  get atBoundary(): boolean {
    return this.hdrLen === 0 && this.remaining === 0 && !this.inMessage;
  }

  /** Whether the stream is between two frames: a control frame (Close) may go in here, even inside
   * a fragmented message (RFC 6455 §5.4). */
  private get atFrameBoundary(): boolean {
    return this.hdrLen === 0 && this.remaining === 0;
  }

  /** Whether the first waiting frame can go now. */
  private get canFlush(): boolean {
    const p = this.pending[0];
    return p !== undefined && (p.close ? this.atFrameBoundary : this.atBoundary);
  }

  /** Bytes of this direction that did not come from a 'data' event (e.g. read with the handshake). */
  push(chunk: Buffer): void {
    if (this.stopped) return;
    if (this.pending.length === 0 && !this.dropping) {
      // the write first: what comes between the read and it is the relay's added latency
      this.write(chunk);
      this.track(chunk, 0, STOP_NEVER);
      this.event();
      if (this.observer) this.observer(chunk);
    } else {
      this.event();
      this.pushAround(chunk);
    }
  }

  /**
   * push() with frames waiting to go in, or after an injected close. The observer sees the chunk
   * too, split where injected frames go in inside it: what was passed on before them, then (once
   * they went to `dst` and their onHanded was told) the rest, so that what the observer sees after
   * a Close's onHanded is exactly what is no longer forwarded.
   */
  private pushAround(chunk: Buffer): void {
    let start = 0;
    let observed = 0;
    while (start < chunk.length) {
      if (this.canFlush) observed = this.flushWithin(chunk, observed, start);
      if (this.dropping) {
        this.track(chunk, start, STOP_NEVER);
        break;
      }
      const next = this.pending[0];
      const end = this.track(chunk, start, next === undefined ? STOP_NEVER : next.close ? STOP_AT_FRAME : STOP_AT_MESSAGE);
      this.write(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
      start = end;
    }
    if (this.canFlush) observed = this.flushWithin(chunk, observed, chunk.length);
    if (this.observer && observed < chunk.length) this.observer(observed === 0 ? chunk : chunk.subarray(observed));
  }

  /** flushPending() at `at` in `chunk`, of which the observer has seen up to `observed`: before the
   * frames go in (a Close among them, maybe behind a message waiting at the front), the observer sees
   * what was passed on up to it. Returns what it has seen now. */
  private flushWithin(chunk: Buffer, observed: number, at: number): number {
    if (this.observer && at > observed) {
      this.observer(chunk.subarray(observed, at));
      observed = at;
    }
    this.flushPending();
    return observed;
  }

  /**
   * Write a frame at the next boundary; resolves once handed to `dst` (a Close: once written), rejects
   * if the relay stops first, or at once when `dst` is not taking what waits (but for a Close).
   * With `waitMs`, a frame still waiting after that long (the peer keeps a fragmented message open)
   * is dropped unsent and the promise rejects with an InjectBusyError (code 'busy'). `onHanded` is
   * told when the frame goes to `dst` (before the write completes): for a Close, the moment the relay
   * starts dropping what `src` sends, the observer having seen all that was passed on before it.
   */
  inject(opcode: number, payload: Buffer, opts: { close?: boolean; waitMs?: number; onHanded?: () => void } = {}): Promise<void> {
    if (this.stopped || this.dropping) return Promise.reject(this.stopped ? new Error('the session is closed') : closingError());
    if (this.peerClosed) return Promise.reject(this.afterCloseError());
    if (opts.close !== true && this.dst.writableNeedDrain) return Promise.reject(backedUpError(this.mask ? 'upstream' : 'client', this.dst.writableLength));
    const frame = encodeFrame(opcode, payload, this.mask);
    return new Promise<void>((resolve, reject) => {
      const p: Pending = { frame, close: opts.close === true, resolve, reject, timer: null, onHanded: opts.onHanded ?? null };
      // a Close goes at the next frame boundary, ahead of messages waiting for a message boundary
      // (they could never follow it: flushPending rejects them once it is sent)
      if (p.close) this.pending.unshift(p);
      else this.pending.push(p);
      if (this.canFlush) this.flushPending();
      if (this.pending.includes(p) && opts.waitMs !== undefined) {
        const waitMs = opts.waitMs;
        p.timer = setTimeout(() => {
          const k = this.pending.indexOf(p);
          if (k === -1) return;
          this.pending.splice(k, 1);
          reject(new InjectBusyError(`no message boundary within ${waitMs} ms: a fragmented message is still being relayed this way, so the frame was not sent`));
          if (this.canFlush) this.flushPending(); // what waited behind it may go now
        }, waitMs);
        p.timer.unref();
      }
    });
  }

  /** Detach from both sockets; frames still waiting are rejected. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.observer = null;
    this.src.off('data', this.onData);
    this.src.off('end', this.onEnd);
    this.dst.off('drain', this.onDrain);
    this.endStall();
    for (const p of this.pending.splice(0)) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new Error('the session closed before the frame was sent'));
    }
  }

  private write(buf: Buffer): void {
    if (buf.length === 0 || this.dst.destroyed || this.dst.writableEnded) return;
    if (!this.dst.write(buf)) this.hold();
  }

  /** An event of the pair (a chunk read, a drain of `dst`): the session's timers start anew (the read
   * timeout; the send timeouts of a full destination either way). */
  private event(): void {
    this.activity?.refresh();
    this.stall?.touch();
    this.peer?.stall?.touch();
  }

  /** `dst` is full: stop reading `src` until it drains, and watch that it takes something. */
  private hold(): void {
    this.src.pause();
    const onSendTimeout = this.onSendTimeout;
    if (this.sendTimeoutMs > 0 && this.stall === null && onSendTimeout) {
      this.stall = new StallWatch(this.dst, this.sendTimeoutMs, () => {
        this.endStall();
        onSendTimeout();
      });
      this.onStall?.(true);
    }
  }

  /** `dst` drained (or the relay stopped, or the watch timed out): the stall is over. */
  private endStall(): void {
    const stall = this.stall;
    if (stall === null) return;
    this.stall = null;
    stall.end();
    this.onStall?.(false);
  }

  /** The error of a frame that would follow the Close frame `src` sent this way. */
  private afterCloseError(): Error {
    const [sender, receiver] = this.mask ? ['client', 'upstream'] : ['upstream', 'client'];
    return Object.assign(new Error(`the ${sender} has sent its Close frame to the ${receiver}: nothing may follow it (RFC 6455 §5.5.1)`), { code: 'peer_closed' });
  }

  private flushPending(): void {
    while (this.canFlush && !this.dropping) {
      const p = this.pending.shift()!;
      if (p.timer) clearTimeout(p.timer);
      if (this.dst.destroyed || this.dst.writableEnded) {
        p.reject(new Error('the connection closed before the frame was sent'));
        continue;
      }
      if (this.peerClosed) {
        p.reject(this.afterCloseError());
        continue;
      }
      if (p.close) this.dropping = true;
      // (a message is sent once in its place in the stream: a peer not reading would hold the caller)
      const more = this.dst.write(p.frame, p.close ? (err) => (err ? p.reject(err) : p.resolve()) : undefined);
      p.onHanded?.();
      if (!p.close) p.resolve();
      if (!more) this.hold();
    }
    for (const p of this.dropping ? this.pending.splice(0) : []) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(closingError());
    }
  }

  /** `src` sent its Close: the messages waiting for a message boundary can never follow it. */
  private rejectWaitingMessages(): void {
    for (let k = this.pending.length - 1; k >= 0; k--) {
      const p = this.pending[k]!;
      if (p.close) continue;
      this.pending.splice(k, 1);
      if (p.timer) clearTimeout(p.timer);
      p.reject(this.afterCloseError());
    }
  }

  /**
   * Follow frame headers over chunk[from..]. Returns where to cut: the chunk's end, or just after
   * the first frame that ends (STOP_AT_FRAME) or that leaves the stream between messages
   * (STOP_AT_MESSAGE).
   */
  private track(chunk: Buffer, from: number, stop: Stop): number {
    const n = chunk.length;
    let i = from;
    while (i < n) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, n - i);
        if (this.closeRead !== null) this.keepClose(this.closeRead, chunk, i, take);
        this.remaining -= take;
        i += take;
        if (this.remaining > 0) return n;
        if (this.stopsAfterFrame(stop)) return i;
        continue;
      }
      this.hdr[this.hdrLen++] = chunk[i++]!;
      if (this.hdrLen === 2) {
        const b1 = this.hdr[1]!;
        const l7 = b1 & 0x7f;
        this.hdrNeed = 2 + (l7 === 126 ? 2 : l7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
      }
      if (this.hdrLen < this.hdrNeed) continue;
      const b0 = this.hdr[0]!;
      const l7 = this.hdr[1]! & 0x7f;
      this.fin = (b0 & 0x80) !== 0;
      this.opcode = b0 & 0x0f;
      this.remaining = l7 === 126 ? this.hdr.readUInt16BE(2) : l7 === 127 ? this.hdr.readUInt32BE(2) * 2 ** 32 + this.hdr.readUInt32BE(6) : l7;
      if (this.opcode === 8 && !this.peerClosed && this.record !== null) {
        this.closeRead = { payload: Buffer.alloc(Math.min(this.remaining, 125)), got: 0, length: this.remaining, key: this.hdr[1]! & 0x80 ? maskKeyOf(this.hdr, this.hdrNeed - 4) : 0 };
      }
      this.hdrLen = 0;
      this.hdrNeed = 2;
      if (this.remaining === 0 && this.stopsAfterFrame(stop)) return i;
    }
    return n;
  }

  /** Copy the part of chunk[at, at + n) that is the close frame's first 125 payload bytes, unmasked. */
  private keepClose(c: NonNullable<WsRelay['closeRead']>, chunk: Buffer, at: number, n: number): void {
    const k = Math.min(n, c.payload.length - c.got);
    xorMask(chunk, at, at + k, c.payload, c.got, c.key, c.got);
    c.got += k;
  }

  /** A frame's last byte went by (frameDone runs either way): whether track() stops there. */
  private stopsAfterFrame(stop: Stop): boolean {
    return this.frameDone() ? stop !== STOP_NEVER : stop === STOP_AT_FRAME;
  }

  /** A frame's last byte went by; returns whether the stream is now between messages. */
  private frameDone(): boolean {
    const op = this.opcode;
    if (this.record) { if (this.mask) this.record.framesFromClient++; else this.record.framesFromUpstream++; }
    if (op < 8) this.inMessage = !this.fin;
    else if (op === 8) {
      if (!this.peerClosed) this.reportClose();
      this.peerClosed = true;
      if (this.pending.length) this.rejectWaitingMessages();
      if (this.dropping) this.firePeerClose();
    }
    return !this.inMessage;
  }

  private reportClose(): void {
    const read = this.closeRead;
    this.closeRead = null;
    if (read !== null && this.record !== null) this.record.closeFrame ??= closeFrameInfo(this.mask ? 'client' : 'upstream', read.payload, read.length, this.fin);
  }

  private firePeerClose(): void {
    const cb = this.onPeerClose;
    this.onPeerClose = null;
    cb?.();
  }
}
