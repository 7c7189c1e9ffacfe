// Reading into the relay's own buffer (main/engine/socket-reads.ts) on real loopback sockets: the
// switch works on this Node (a Node whose internals moved must fail here, not silently fall back
// to the slower 'data' path), bytes arrive in order and unchanged, end/pause/resume/bytesRead keep
// working, and a relay whose writes queue up (slow reader) never reuses a buffer a queued write
// still points into.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { readInto } from '../../../main/engine/socket-reads.ts';
import { WsRelay } from '../../../main/engine/ws-relay.ts';
import { READ_BUFFER } from '../../../main/engine/own-buffer-reads.ts';
import { encodeFrame } from '../../../main/engine/ws-frames.ts';
import { sleep, until } from '../../helpers/wait.ts';

/** A connected pair: `a` (client side) and `b` (accepted side); both end with the test. */
async function socketPair(t: TestContext): Promise<{ a: Socket; b: Socket }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const a = connect(port, '127.0.0.1');
  await once(a, 'connect');
  const [b] = await accepted;
  t.after(() => {
    a.destroy();
    b.destroy();
    server.close();
  });
  return { a, b };
}

/** A relay from one loopback pair (src.b) to another (dst.a); `received` collects what reaches dst.b. */
async function loopbackRelay(t: TestContext) {
  const src = await socketPair(t);
  const dst = await socketPair(t);
  const relay = new WsRelay(src.b, dst.a, false);
  const received: Buffer[] = [];
  dst.b.on('data', (c: Buffer) => received.push(c));
  return { src, dst, relay, received };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('readInto: reads land in the given buffer, in order; end, bytesRead and pause/resume still work', async (t) => {
  const { a, b } = await socketPair(t);
  const buf = Buffer.alloc(4096);
  const got: Buffer[] = [];
  const sizes: number[] = [];
  assert.equal(readInto(b, buf, (n) => { got.push(Buffer.from(buf.subarray(0, n))); sizes.push(n); }, () => undefined), true, 'this Node supports reading into a buffer of ours');
  let dataEvents = 0;
  b.on('data', () => dataEvents++);
  const payload = randomBytes(200_000);
  a.write(payload.subarray(0, 100_000));
  await until(() => Buffer.concat(got).length >= 100_000);
  // paused: nothing more is read until resume
  b.pause();
  const before = got.length;
  a.write(payload.subarray(100_000));
  await sleep(100);
  assert.equal(got.length, before, 'no read while paused');
  const ended = once(b, 'end');
  a.end();
  b.resume();
  await ended;
  assert.equal(sha(Buffer.concat(got)), sha(payload));
  assert.ok(Math.max(...sizes) <= 4096, 'no read is larger than the buffer');
  assert.equal(dataEvents, 0, "'data' is no longer emitted");
  assert.equal(b.bytesRead, payload.length);
});

test('readInto: the buffer can be replaced after any read (next())', async (t) => {
  const { a, b } = await socketPair(t);
  let buf = Buffer.alloc(1024);
  const seen = new Set<Buffer>([buf]);
  const got: Buffer[] = [];
  assert.ok(readInto(b, buf, (n) => got.push(Buffer.from(buf.subarray(0, n))), () => {
    buf = Buffer.alloc(1024);
    seen.add(buf);
    return buf;
  }));
  const payload = randomBytes(50_000);
  const ended = once(b, 'end');
  a.end(payload);
  await ended;
  assert.equal(sha(Buffer.concat(got)), sha(payload));
  assert.ok(seen.size > 2, 'a new buffer after every read');
});

test('readInto refuses (changing nothing) what it cannot switch: bytes already waiting, a second switch', async (t) => {
  const { a, b } = await socketPair(t);
  b.pause();
  a.write('waiting');
  await until(() => b.readableLength > 0);
  assert.equal(readInto(b, Buffer.alloc(64), () => {}, () => undefined), false);
  assert.equal(b.read().toString(), 'waiting');
  assert.equal(readInto(b, Buffer.alloc(64), () => {}, () => undefined), true);
  assert.equal(readInto(b, Buffer.alloc(64), () => {}, () => undefined), false);
});

test('relay: switches to its own buffer after the first chunk and relays 24 MiB unchanged through a reader that stalls', async (t) => {
  const { src, dst, relay, received } = await loopbackRelay(t); // src.a writes frames; dst.b reads slowly
  const seen: Buffer[] = [];
  relay.observer = (c) => seen.push(Buffer.from(c));
  const frames: Buffer[] = [];
  let total = 0;
  for (let i = 0; total < 24 * 1024 * 1024; i++) {
    const f = encodeFrame(2, randomBytes(1 + ((i * 7919) % 150_000)), false);
    frames.push(f);
    total += f.length;
  }
  const sent = Buffer.concat(frames);
  dst.b.pause(); // nothing is read on the far side for a while: dst's kernel buffers fill, writes queue
  src.a.end(sent);
  await sleep(300);
  assert.equal(relay.reads, 'buffer', 'the relay reads into its own buffer');
  dst.b.resume();
  await once(dst.b, 'end');
  const out = Buffer.concat(received);
  assert.equal(out.length, sent.length);
  assert.equal(sha(out), sha(sent), 'every byte unchanged and in order');
  assert.equal(sha(Buffer.concat(seen)), sha(sent), 'the observer saw the same bytes');
});

/**
 * A destination that, like a socket whose kernel buffer is full, keeps pointing into the chunks it
 * was given (reporting them as queued) until flush() "sends" them, copying the bytes only then, as
 * the kernel would. A chunk overwritten while queued shows up in `sent`.
 */
class QueueingDestination extends EventEmitter {
  destroyed = false;
  writableEnded = false;
  pending: Buffer[] = [];
  sent: Buffer[] = [];
  get writableLength() { return this.pending.reduce((n, b) => n + b.length, 0); }
  write(b: Buffer) {
    this.pending.push(b);
    return true;
  }
  end() {}
  flush() {
    for (const b of this.pending) this.sent.push(Buffer.from(b));
    this.pending = [];
  }
}

/** `count` binary frames of `size(i)` random bytes written to `a`, awaiting `after(i)` after each. */
async function sendFrames(a: Socket, count: number, size: (i: number) => number, after: (i: number) => Promise<void> | void): Promise<Buffer> {
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const f = encodeFrame(2, randomBytes(size(i)), false);
    frames.push(f);
    a.write(f);
    await after(i);
  }
  return Buffer.concat(frames);
}

test('relay: while the destination has bytes queued, chunks are written as copies (the read buffer is reused at once)', async (t) => {
  const src = await socketPair(t);
  const dst = new QueueingDestination(); // never sends: everything after the first chunk is written while bytes are queued
  const relay = new WsRelay(src.b, dst as unknown as Socket, false);
  const sent = await sendFrames(src.a, 400, (i) => 1 + ((i * 613) % 3000), async (i) => {
    if (i % 20 === 0) await sleep(2); // several reads, not one
  });
  const ended = once(src.b, 'end');
  src.a.end();
  await ended;
  dst.flush();
  assert.equal(relay.reads, 'buffer');
  assert.ok(dst.sent.length > 2, `several chunks (${dst.sent.length})`);
  assert.equal(sha(Buffer.concat(dst.sent)), sha(sent), 'no queued chunk was overwritten by a later read');
});

test('relay: a write left partly queued keeps its buffer: the following reads land in another one', async (t) => {
  const src = await socketPair(t);
  const dst = new QueueingDestination();
  const relay = new WsRelay(src.b, dst as unknown as Socket, false);
  // the destination sends what it holds after every third frame: in between, reads come while a
  // chunk written straight from the buffer is still queued
  const sent = await sendFrames(src.a, 150, (i) => 10 + ((i * 131) % 900), async (i) => {
    await sleep(2); // read by the relay on its own
    if (i % 3 === 2) dst.flush();
  });
  const ended = once(src.b, 'end');
  src.a.end();
  await ended;
  dst.flush();
  assert.equal(relay.reads, 'buffer');
  assert.ok(relay.readBuffers > 10, `pinned buffers were replaced (${relay.readBuffers} buffers)`);
  assert.equal(sha(Buffer.concat(dst.sent)), sha(sent), 'no queued bytes were overwritten by a later read');
});

test('relay: the read buffer grows to 64 KiB when reads fill it and shrinks back to 16 KiB after a run of small reads', async (t) => {
  const { src, relay, received } = await loopbackRelay(t);
  const sent: Buffer[] = [];
  const send = (f: Buffer) => {
    sent.push(f);
    src.a.write(f);
  };
  const arrived = () => until(() => Buffer.concat(received).length === Buffer.concat(sent).length);
  send(encodeFrame(2, Buffer.from('first'), false));
  await arrived();
  assert.equal(relay.reads, 'buffer');
  assert.equal(relay.readBufferSize, READ_BUFFER.small);
  for (let i = 0; i < 8; i++) send(encodeFrame(2, randomBytes(200_000), false));
  await arrived();
  assert.equal(relay.readBufferSize, READ_BUFFER.large, 'full reads made it grow');
  for (let i = 0; i < READ_BUFFER.shrinkAfter + 8; i++) {
    send(encodeFrame(1, Buffer.from(`small ${i}`), false));
    await arrived(); // one small read each
  }
  assert.equal(relay.readBufferSize, READ_BUFFER.small, 'small reads made it shrink');
  assert.equal(sha(Buffer.concat(received)), sha(Buffer.concat(sent)));
});

test("relay: keeps 'data' events when another listener uses them", async (t) => {
  const { src, relay, received } = await loopbackRelay(t);
  const other: Buffer[] = [];
  src.b.on('data', (c: Buffer) => other.push(c));
  const f = encodeFrame(1, Buffer.from('hello'), false);
  src.a.write(f);
  src.a.write(f);
  await until(() => Buffer.concat(received).length >= 2 * f.length);
  assert.equal(relay.reads, 'data');
  assert.equal(Buffer.concat(other).length, 2 * f.length);
});
