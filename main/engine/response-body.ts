// The response body from upstream to client, once the head has been written: nginx's
// proxy_buffering (app/proxy/buffering.ts), and its waiting on a client that does not take the
// response (the upstream's read timer does not count; the client has send_timeout).
//
// The body is relayed by hand rather than with pipe(): one listener counts and writes each chunk
// (pipe() sets up and tears down about a dozen listeners per response, and counting needed one
// more). Backpressure as pipe() does it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyHold, bodyPlan } from '../../app/proxy/buffering.ts';
import { pauseUpstream, resumeUpstream } from './http-proxy-adapter.ts';
import { clientSendTimeout } from './client-timeouts.ts';
import { StallWatch } from './stall-watch.ts';
import { flushHead } from './stored-head.ts';
import type { BodyCapture } from './body-capture.ts';

/** The exchange the body belongs to. */
export interface BodyOwner {
  /** Counts the body bytes read from the upstream. */
  readonly record: { responseBytes: number };
  /** Keeps the body's first bytes for a recorder, or null (nothing is copied). */
  readonly capture: BodyCapture | null;
  /** The upstream's response is complete and the client's has been ended. */
  bodyEnded(): void;
  /** The client took nothing for send_timeout. */
  clientTimedOut(): void;
}

export class ResponseBody {
  /** The body held by proxy_buffering (an unchunked body while it fills no page), or null. */
  private readonly hold: BodyHold<Buffer> | null;
  private readonly onDrain: () => void;
  /** While the client's socket is full: its send_timeout (stall-watch.ts). */
  private stall: StallWatch | null = null;

  constructor(
    private readonly proxyRes: IncomingMessage,
    private readonly res: ServerResponse,
    locationBuffering: boolean,
    /** The bytes of the upstream's response head (responseHeadBytes). */
    headBytes: number,
    private readonly owner: BodyOwner,
  ) {
    const { passing, contentLength } = bodyPlan(locationBuffering, proxyRes);
    const hold = passing === 'pages' ? new BodyHold<Buffer>(headBytes, contentLength) : null;
    this.hold = hold;
    // node sends the head with the first write, which is when nginx sends it while buffering;
    // unbuffered, nginx sends it at once
    if (passing === 'unbuffered') flushHead(res);
    const capture = owner.capture;
    proxyRes.on('data', (chunk: Buffer) => {
      owner.record.responseBytes += chunk.length;
      if (capture !== null) capture.take(chunk);
      const parts = hold === null ? chunk : hold.take(chunk);
      if (parts !== null && !writeParts(res, parts)) this.waitForClient();
    });
    proxyRes.on('end', () => {
      // (it can come while waiting: the chunk that filled the client's socket was the last)
      this.stop();
      endWith(res, hold === null ? null : hold.rest());
      owner.bodyEnded();
    });
    this.onDrain = () => {
      this.stop();
      resumeUpstream(proxyRes);
    };
  }

  /** The upstream closed mid-body: what was held goes out first, as nginx passes it on. */
  flushHeld(): void {
    if (this.hold) writeParts(this.res, this.hold.rest());
  }

  /** The exchange is over (the client went away, the upstream failed): no more waiting for the client. */
  stop(): void {
    this.stall?.end();
    this.stall = null;
  }

  /** The client's socket is full: the upstream waits without its read timer, the client has send_timeout. */
  private waitForClient(): void {
    pauseUpstream(this.proxyRes);
    const socket = this.res.socket;
    if (socket && this.stall === null) this.stall = new StallWatch(socket, clientSendTimeout.ms, () => this.owner.clientTimedOut());
    this.res.once('drain', this.onDrain);
  }
}

/** Ends the response with the parts still held, in one go (the last write and the end together). */
function endWith(res: ServerResponse, parts: Buffer[] | null): void {
  if (parts === null || parts.length === 0) res.end();
  else if (parts.length === 1) res.end(parts[0]!);
  else {
    res.cork();
    for (let i = 0; i < parts.length - 1; i++) res.write(parts[i]!);
    res.end(parts[parts.length - 1]!);
    res.uncork();
  }
}

/** Writes a chunk, or parts of the body in one go (corked); false when `res` wants a drain. */
function writeParts(res: ServerResponse, parts: Buffer | Buffer[]): boolean {
  if (!Array.isArray(parts)) return res.write(parts);
  if (parts.length === 0) return true;
  if (parts.length === 1) return res.write(parts[0]!);
  res.cork();
  let ok = true;
  for (const p of parts) ok = res.write(p);
  res.uncork();
  return ok;
}
