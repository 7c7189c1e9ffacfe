// permessage-deflate: the negotiated-parameter parse, and decoding of the real bytes `ws` sends,
// captured by a small TCP relay on 127.0.0.1 that feeds the tap exactly what it forwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { constants, createDeflateRaw, deflateRawSync } from 'node:zlib';
import { WebSocketServer, WebSocket, type PerMessageDeflateOptions } from 'ws';
import { parseExtensions, inflaterParams } from '../../../main/inspect/extension-params.ts';
import { createFrameTap, type FrameTap, type FrameTapOptions } from '../../../main/inspect/frame-tap.ts';
import type { MessageEvent, TapEvent, CloseEvent } from '../../../main/inspect/types.ts';
import { encodeFrame, MASK, takeover } from './helpers.ts';
import { until } from '../../helpers/wait.ts';

test('deflate: parseExtensions reads the response parameters', () => {
  assert.deepEqual(parseExtensions(null), { deflate: null, others: [], errors: [] });
  assert.deepEqual(parseExtensions('permessage-deflate').deflate, { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 });
  const p = parseExtensions('permessage-deflate; server_no_context_takeover; client_max_window_bits=10; server_max_window_bits="9"');
  assert.deepEqual(p.deflate, { serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 9, clientMaxWindowBits: 10 });
  assert.deepEqual(p.errors, []);
  assert.deepEqual(inflaterParams(p.deflate!, 'server'), { noContextTakeover: true, windowBits: 9 });
  assert.deepEqual(inflaterParams(p.deflate!, 'client'), { noContextTakeover: false, windowBits: 10 });
  const q = parseExtensions('x-foo; a="b,c", PerMessage-Deflate; client_no_context_takeover; client_max_window_bits=99; bogus');
  assert.deepEqual(q.others, ['x-foo']);
  assert.equal(q.deflate!.clientNoContextTakeover, true);
  assert.equal(q.deflate!.clientMaxWindowBits, 15);
  assert.equal(q.errors.length, 2);
});

test('deflate: a corrupt compressed message is undecodable; the stream goes on (no context takeover)', async () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate; server_no_context_takeover', now: () => 0 }, (e) => events.push(e));
  const good = deflateRawSync(Buffer.from('hello hello'), { finishFlush: 2 }).subarray(0, -4);
  tap.server(encodeFrame({ opcode: 1, rsv1: true, payload: Buffer.from([0xff, 0xff, 0xff]) }));
  tap.server(encodeFrame({ opcode: 1, rsv1: true, payload: good }));
  tap.server(encodeFrame({ opcode: 1, payload: 'plain' }));
  await until(() => events.filter((e) => e.kind === 'message').length === 3);
  const m = events.filter((e): e is MessageEvent => e.kind === 'message');
  assert.equal(m[0]!.decodeError?.code, 'TAP_DEFLATE_ERROR');
  assert.equal(m[0]!.data, null);
  assert.equal(m[1]!.text, 'hello hello');
  assert.equal(m[2]!.text, 'plain');
  // order: every frame before its message, in stream order
  assert.deepEqual(events.map((e) => e.kind), ['frame', 'message', 'frame', 'message', 'frame', 'message']);
  tap.close();
});

test('deflate: with context takeover, a message referring back into one that failed is CONTEXT_LOST; later ones that do not decode, on a fresh inflater', async () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate', now: () => 0 }, (e) => events.push(e));
  // the sender compressed "hello world, hello world" first: the tap gets junk in its place
  const [, refers] = await takeover(['hello world, hello world', 'hello world, hello world again']);
  const [first, again] = await takeover(['abcdefgh abcdefgh', 'abcdefgh abcdefgh']);
  for (const payload of [Buffer.from([0xff, 0xff, 0xff]), refers!, first!, again!]) tap.server(encodeFrame({ opcode: 1, rsv1: true, payload }));
  await until(() => events.filter((e) => e.kind === 'message').length === 4);
  const m = events.filter((e): e is MessageEvent => e.kind === 'message');
  assert.deepEqual(m.map((x) => [x.decodeError?.code, x.text]), [
    ['TAP_DEFLATE_ERROR', undefined], ['TAP_DEFLATE_CONTEXT_LOST', undefined], [undefined, 'abcdefgh abcdefgh'], [undefined, 'abcdefgh abcdefgh'],
  ]);
  assert.match(m[1]!.decodeError!.message, /refers back past what could be inflated: an earlier message was not decoded \(TAP_DEFLATE_ERROR\)/);
  tap.close();
});

test('deflate: with context takeover, a message past the kept bytes and the old 16 MiB is inflated whole (its exact size), and the next ones, which refer back into it, decode', async () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate', previewCap: 1000, now: () => 0 }, (e) => events.push(e));
  const big = JSON.stringify({ blob: 'x'.repeat(17 << 20) });
  const texts = ['before', big, 'after 0 {"blob":"xxxx', 'after 1 {"blob":"xxxx'];
  for (const payload of await takeover(texts)) tap.client(encodeFrame({ opcode: 1, rsv1: true, mask: MASK, payload }));
  await until(() => events.filter((e) => e.kind === 'message').length === 4, 20_000);
  const m = events.filter((e): e is MessageEvent => e.kind === 'message');
  assert.deepEqual(m.map((x) => [x.decodeError?.code, x.decodedLength, x.truncated]), [[undefined, 6, false], [undefined, big.length, true], [undefined, 21, false], [undefined, 21, false]]);
  assert.equal(m[1]!.text, big.slice(0, 1000));
  assert.deepEqual(m.slice(2).map((x) => x.text), texts.slice(2));
  tap.close();
});

test('deflate: messages ending in a final block each start a fresh inflater, also after one inflated past maxDecoded (at least N bytes)', async () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate', previewCap: 1000, maxDecoded: 100_000, now: () => 0 }, (e) => events.push(e));
  const bomb = deflateRawSync(Buffer.alloc(1_000_000)); // BFINAL
  for (let i = 0; i < 3; i++) tap.client(encodeFrame({ opcode: 2, rsv1: true, mask: MASK, payload: bomb }));
  tap.client(encodeFrame({ opcode: 1, rsv1: true, mask: MASK, payload: deflateRawSync(Buffer.from('after')) }));
  await until(() => events.filter((e) => e.kind === 'message').length === 4);
  const m = events.filter((e): e is MessageEvent => e.kind === 'message');
  assert.deepEqual(m.map((x) => x.decodeError?.code), ['TAP_DEFLATE_TOO_LARGE', 'TAP_DEFLATE_TOO_LARGE', 'TAP_DEFLATE_TOO_LARGE', undefined]);
  for (const x of m.slice(0, 3)) {
    assert.ok(x.data!.equals(Buffer.alloc(1000)) && x.truncated);
    assert.ok(x.decodedLength! > 100_000 && x.decodedLength! < 1_000_000);
    assert.equal(x.decodeError!.message, `message inflates to at least ${x.decodedLength} bytes, past 100000; inflating stopped there`);
  }
  assert.equal(m[3]!.text, 'after');
  tap.close();
});

test('deflate: events of both directions reach the sink in relay order while a message inflates', async () => {
  const events: TapEvent[] = [];
  const fast: string[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate', now: () => 0, onMessage: (m) => fast.push(m.direction) }, (e) => events.push(e));
  const question = deflateRawSync(Buffer.from('question '.repeat(20_000)), { finishFlush: 2 }).subarray(0, -4);
  tap.client(encodeFrame({ opcode: 1, rsv1: true, mask: MASK, payload: question }));
  // the upstream answers (uncompressed), pings, and the client pongs: all after the question
  tap.server(encodeFrame({ opcode: 1, payload: 'answer' }));
  tap.server(encodeFrame({ opcode: 9, payload: 'p' }));
  tap.client(encodeFrame({ opcode: 10, mask: MASK, payload: 'p' }));
  await until(() => events.length === 6);
  const label = (e: TapEvent) => `${e.direction} ${e.kind === 'message' ? 'message' : e.kind === 'frame' ? `frame ${e.opcode}` : e.kind}`;
  assert.deepEqual(events.map(label), ['client frame 1', 'client message', 'server frame 1', 'server message', 'server frame 9', 'client frame 10']);
  assert.equal((events[1] as MessageEvent).text, 'question '.repeat(20_000).slice(0, (events[1] as MessageEvent).data!.length));
  assert.equal((events[3] as MessageEvent).text, 'answer');
  assert.deepEqual(fast, [], 'behind a decoding message, uncompressed ones come as events, in order');
  // with nothing waiting, an uncompressed message takes the fast path again
  tap.server(encodeFrame({ opcode: 1, payload: 'later' }));
  assert.deepEqual(fast, ['server']);
  assert.equal(tap.stats().client.buffered + tap.stats().server.buffered, 0);
  tap.close();
});

test('deflate: afterSeen runs at once when nothing waits, else behind the events of the bytes seen before it (after close too)', async () => {
  const order: string[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate', now: () => 0, dataFrameEvents: false }, (e) => order.push(`${e.direction} ${e.kind}`));
  tap.afterSeen(() => order.push('mark 1'));
  assert.deepEqual(order, ['mark 1']);
  // what the proxy writes itself after a compressed message went by is logged after that message
  const question = deflateRawSync(Buffer.from('question '.repeat(200_000)), { finishFlush: 2 }).subarray(0, -4);
  tap.server(encodeFrame({ opcode: 1, rsv1: true, payload: question }));
  tap.afterSeen(() => order.push('mark 2'));
  tap.client(encodeFrame({ opcode: 8, mask: MASK, payload: Buffer.from([0x03, 0xe8]) }));
  tap.close();
  tap.afterSeen(() => order.push('mark 3'));
  assert.deepEqual(order, ['mark 1'], 'the message is still inflating');
  await until(() => order.length === 6);
  assert.deepEqual(order, ['mark 1', 'server message', 'mark 2', 'client frame', 'client close', 'mark 3']);
});

test('deflate: a compressed text that inflates to invalid UTF-8 is flagged by a violation, then recorded; both directions go on, in order', async () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate', now: () => 0 }, (e) => events.push(e));
  const bad = deflateRawSync(Buffer.from([0x61, 0xff]), { finishFlush: 2 }).subarray(0, -4);
  tap.client(encodeFrame({ opcode: 1, rsv1: true, mask: MASK, payload: bad }));
  tap.server(encodeFrame({ opcode: 1, payload: 'reply' }));
  tap.client(encodeFrame({ opcode: 1, mask: MASK, payload: 'after' }));
  await until(() => events.filter((e) => e.kind === 'message').length === 3);
  assert.deepEqual(events.map((e) => `${e.direction} ${e.kind === 'violation' ? `${e.code} fatal=${e.fatal}` : e.kind}`), [
    'client frame', 'client TAP_ERR_INVALID_UTF8 fatal=false', 'client message', 'server frame', 'server message', 'client frame', 'client message',
  ]);
  const m = events.filter((e): e is MessageEvent => e.kind === 'message');
  assert.equal(m[0]!.utf8ErrorOffset, 1);
  assert.equal(m[0]!.text, 'a\ufffd');
  assert.equal(m[2]!.text, 'after');
  assert.equal(tap.stats().client.stopped, false);
  assert.equal(tap.stats().client.buffered + tap.stats().server.buffered, 0);
  tap.close();
});

test('deflate: invalid UTF-8 past the kept bytes of a compressed text is flagged too (every inflated byte is checked); a binary one is not checked, a text cut mid-sequence by the cap is valid', async () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate; server_no_context_takeover', previewCap: 1000, now: () => 0 }, (e) => events.push(e));
  const squeeze = (b: Buffer) => deflateRawSync(b, { finishFlush: 2 }).subarray(0, -4);
  const late = Buffer.concat([Buffer.alloc(5000, 'x'), Buffer.from([0xff]), Buffer.from('tail')]);
  tap.server(encodeFrame({ opcode: 1, rsv1: true, payload: squeeze(late) }));
  tap.server(encodeFrame({ opcode: 2, rsv1: true, payload: squeeze(late) }));
  // a valid text whose 3-byte sequence straddles the cap, and one ending inside a sequence
  tap.server(encodeFrame({ opcode: 1, rsv1: true, payload: squeeze(Buffer.concat([Buffer.alloc(999, 'x'), Buffer.from('€ ok')])) }));
  tap.server(encodeFrame({ opcode: 1, rsv1: true, payload: squeeze(Buffer.concat([Buffer.alloc(2000, 'x'), Buffer.from('€').subarray(0, 2)])) }));
  await until(() => events.filter((e) => e.kind === 'message').length === 4);
  const m = events.filter((e): e is MessageEvent => e.kind === 'message');
  assert.deepEqual(m.map((x) => [x.truncated, x.utf8ErrorOffset]), [[true, 5000], [true, undefined], [true, undefined], [true, 2000]]);
  assert.deepEqual(events.filter((e) => e.kind === 'violation').map((e) => e.kind === 'violation' && e.message), [
    'invalid UTF-8 in a compressed text message at byte 5000 of the inflated message',
    'invalid UTF-8 in a compressed text message at byte 2000 of the inflated message',
  ]);
  tap.close();
});

test('deflate: inflation is capped (bomb) and the display cap marks truncation', async () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate; server_no_context_takeover', previewCap: 1000, maxDecoded: 100_000, now: () => 0 }, (e) => events.push(e));
  const bomb = deflateRawSync(Buffer.alloc(10_000_000), { finishFlush: 2 }).subarray(0, -4);
  tap.server(encodeFrame({ opcode: 2, rsv1: true, payload: bomb }));
  const mid = deflateRawSync(Buffer.alloc(5000, 0x41), { finishFlush: 2 }).subarray(0, -4);
  tap.server(encodeFrame({ opcode: 1, rsv1: true, payload: mid }));
  await until(() => events.filter((e) => e.kind === 'message').length === 2);
  const m = events.filter((e): e is MessageEvent => e.kind === 'message');
  assert.equal(m[0]!.decodeError?.code, 'TAP_DEFLATE_TOO_LARGE');
  assert.equal(m[0]!.truncated, true);
  assert.equal(m[0]!.data!.length, 1000);
  assert.ok(m[0]!.decodedLength! > 100_000 && m[0]!.decodedLength! < 10_000_000);
  assert.equal(m[1]!.decodeError, undefined);
  assert.equal(m[1]!.truncated, true);
  assert.equal(m[1]!.decodedLength, 5000);
  assert.equal(m[1]!.text, 'A'.repeat(1000));
  tap.close();
});

test('deflate: messages ending in a final DEFLATE block (BFINAL, RFC 7692 §7.2.3.4) all decode, with or without context takeover', async () => {
  for (const ext of ['permessage-deflate', 'permessage-deflate; client_no_context_takeover']) {
    const events: TapEvent[] = [];
    const tap = createFrameTap({ extensions: ext, now: () => 0 }, (e) => events.push(e));
    // deflateRawSync finishes each message with a BFINAL block: a sender that compresses every
    // message on its own
    for (const text of ['first message', 'second message', 'third']) tap.client(encodeFrame({ opcode: 1, rsv1: true, mask: MASK, payload: deflateRawSync(Buffer.from(text)) }));
    await until(() => events.filter((e) => e.kind === 'message').length === 3);
    const m = events.filter((e): e is MessageEvent => e.kind === 'message');
    assert.deepEqual(m.map((x) => [x.text, x.decodedLength, x.decodeError?.code]), [['first message', 13, undefined], ['second message', 14, undefined], ['third', 5, undefined]], ext);
    tap.close();
  }
});

test('deflate: a large message that does not compress decodes in full when it arrives faster than zlib inflates', async () => {
  const events: TapEvent[] = [];
  const tap = createFrameTap({ extensions: 'permessage-deflate', previewCap: 1000, now: () => 0 }, (e) => events.push(e));
  const big = Buffer.alloc(5_000_000);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((Math.imul(i, 2654435761) ^ (i >>> 7)) >>> 0, i);
  const stream = Buffer.concat([
    encodeFrame({ opcode: 2, rsv1: true, mask: MASK, payload: deflateRawSync(big, { finishFlush: 2 }).subarray(0, -4) }),
    encodeFrame({ opcode: 1, rsv1: true, mask: MASK, payload: deflateRawSync(Buffer.from('after'), { finishFlush: 2 }).subarray(0, -4) }),
  ]);
  // 2 MiB per turn of the event loop: what libuv hands over from one busy socket (32 reads of 64 KiB)
  for (let i = 0; i < stream.length; i += 65536) {
    tap.client(stream.subarray(i, i + 65536));
    if (i % (32 * 65536) === 0) await new Promise((r) => setImmediate(r));
  }
  await until(() => events.filter((e) => e.kind === 'message').length === 2, 20_000);
  const m = events.filter((e): e is MessageEvent => e.kind === 'message');
  assert.equal(m[0]!.decodeError, undefined);
  assert.equal(m[0]!.decodedLength, 5_000_000);
  assert.ok(m[0]!.data!.equals(big.subarray(0, 1000)));
  assert.equal(m[1]!.decodeError, undefined);
  assert.equal(m[1]!.text, 'after');
  tap.close();
});

interface Captured {
  events: TapEvent[];
  tap: FrameTap | null;
  extensions: string | null;
}

/** ws server ⇄ relay ⇄ ws client; the relay feeds the tap everything after the HTTP heads. */
async function rig(pmd: PerMessageDeflateOptions, clientPmd: PerMessageDeflateOptions, tapOptions: FrameTapOptions) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: pmd });
  await new Promise((r) => wss.once('listening', r));
  const wsPort = (wss.address() as net.AddressInfo).port;
  const cap: Captured = { events: [], tap: null, extensions: null };
  const relay = net.createServer((c) => {
    const u = net.connect(wsPort, '127.0.0.1');
    let reqDone = false;
    let resDone = false;
    let reqHead = Buffer.alloc(0);
    let resHead = Buffer.alloc(0);
    const early: Buffer[] = [];
    c.on('data', (chunk: Buffer) => {
      u.write(chunk);
      if (!reqDone) {
        reqHead = Buffer.concat([reqHead, chunk]);
        const k = reqHead.indexOf('\r\n\r\n');
        if (k === -1) return;
        reqDone = true;
        chunk = reqHead.subarray(k + 4);
        if (chunk.length === 0) return;
      }
      if (cap.tap) cap.tap.client(chunk);
      else early.push(chunk);
    });
    u.on('data', (chunk: Buffer) => {
      c.write(chunk);
      if (!resDone) {
        resHead = Buffer.concat([resHead, chunk]);
        const k = resHead.indexOf('\r\n\r\n');
        if (k === -1) return;
        resDone = true;
        const head = resHead.subarray(0, k).toString('latin1');
        const m = /^sec-websocket-extensions:\s*(.*)$/im.exec(head);
        cap.extensions = m ? m[1]!.trim() : null;
        cap.tap = createFrameTap({ ...tapOptions, extensions: cap.extensions }, (e) => cap.events.push(e));
        for (const e of early.splice(0)) cap.tap.client(e);
        chunk = resHead.subarray(k + 4);
        if (chunk.length === 0) return;
      }
      cap.tap!.server(chunk);
    });
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
    c.on('close', () => u.destroy());
    u.on('close', () => c.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
  const relayPort = (relay.address() as net.AddressInfo).port;
  const serverSide = new Promise<WebSocket>((r) => wss.once('connection', r));
  const client = new WebSocket(`ws://127.0.0.1:${relayPort}/`, { perMessageDeflate: clientPmd });
  await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
  const server = await serverSide;
  const close = async () => {
    client.terminate();
    await new Promise((r) => wss.close(r));
    await new Promise((r) => relay.close(r));
    cap.tap?.close();
  };
  return { cap, client, server, close };
}

const texts = (n: number, seed: string) =>
  Array.from({ length: n }, (_, i) => i % 5 === 4 ? `${seed} ${'lorem ipsum dolor sit amet '.repeat(200 + i)} ☃ ${i}` : JSON.stringify({ seed, i, items: Array.from({ length: i % 7 }, (_, k) => ({ k, name: `item-${k}` })), note: 'repeated text repeated text repeated text' }));

async function exchange(rigged: Awaited<ReturnType<typeof rig>>, opts: { fragment?: boolean } = {}) {
  const { cap, client, server } = rigged;
  const fromClient = texts(12, 'client');
  const fromServer = texts(12, 'server');
  const gotServer: string[] = [];
  const gotClient: string[] = [];
  server.on('message', (d) => gotServer.push(d.toString()));
  client.on('message', (d) => gotClient.push(d.toString()));
  for (let i = 0; i < 12; i++) {
    const a = fromClient[i]!;
    const b = fromServer[i]!;
    if (opts.fragment && i % 3 === 0) {
      // one message in three frames (compression state runs across them)
      const t = Math.floor(a.length / 3);
      client.send(a.slice(0, t), { fin: false });
      client.send(a.slice(t, 2 * t), { fin: false });
      client.send(a.slice(2 * t), { fin: true });
    } else client.send(a);
    server.send(b);
  }
  server.send(Buffer.from([0, 1, 2, 3, 250]), { binary: true });
  await until(() => gotServer.length === 12 && gotClient.length === 13);
  const expected = 12 + 13;
  await until(() => cap.events.filter((e) => e.kind === 'message').length === expected);
  const msgs = (d: 'client' | 'server') => cap.events.filter((e): e is MessageEvent => e.kind === 'message' && e.direction === d);
  return { fromClient, fromServer, client: msgs('client'), server: msgs('server') };
}

const configs: Array<[string, PerMessageDeflateOptions, PerMessageDeflateOptions, RegExp]> = [
  ['context takeover, 15 bits', { threshold: 0 }, { threshold: 0 }, /^permessage-deflate(; client_max_window_bits=15)?$/],
  ['no context takeover both ways', { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true }, { threshold: 0 }, /server_no_context_takeover.*client_no_context_takeover/],
  ['window bits 9 (server) and 10 (client)', { threshold: 0, serverMaxWindowBits: 9, clientMaxWindowBits: 10 }, { threshold: 0 }, /^(?=.*server_max_window_bits=9)(?=.*client_max_window_bits=10)/],
  ['window bits 8, server without takeover', { threshold: 0, serverMaxWindowBits: 8, clientMaxWindowBits: 8, serverNoContextTakeover: true }, { threshold: 0 }, /^(?=.*server_max_window_bits=8)(?=.*client_max_window_bits=8)(?=.*server_no_context_takeover)/],
];

for (const [name, pmd, clientPmd, negotiated] of configs) {
  for (const fragment of [false, true]) {
    test(`deflate: ws ⇄ relay ⇄ ws, ${name}${fragment ? ', fragmented' : ''}: decoded text equals what was sent`, async () => {
      const r = await rig(pmd, clientPmd, { previewCap: 1 << 20 });
      try {
        const { fromClient, fromServer, client, server } = await exchange(r, { fragment });
        assert.match(r.cap.extensions ?? '', negotiated);
        assert.deepEqual(client.map((m) => m.decodeError), client.map(() => undefined));
        assert.deepEqual(client.map((m) => m.text), fromClient);
        assert.deepEqual(server.slice(0, 12).map((m) => m.text), fromServer);
        assert.ok(client.every((m) => m.compressed && !m.truncated));
        assert.equal(server[12]!.binaryPreview, '00 01 02 03 fa');
        if (fragment) assert.deepEqual(client.map((m) => m.frames).slice(0, 4), [3, 1, 1, 3]);
        assert.deepEqual(r.cap.events.filter((e) => e.kind === 'violation'), []);
        // orderly close both ways
        r.client.close(4001, 'done ☃');
        await until(() => r.cap.events.filter((e) => e.kind === 'close').length === 2);
        assert.deepEqual(r.cap.events.filter((e): e is CloseEvent => e.kind === 'close').map((c) => [c.direction, c.code, c.reason]), [['client', 4001, 'done ☃'], ['server', 4001, 'done ☃']]);
      } finally {
        await r.close();
      }
    });
  }
}

test('deflate: context takeover survives a display cap far below the message size', async () => {
  const r = await rig({ threshold: 0 }, { threshold: 0 }, { previewCap: 100 });
  try {
    const { fromClient, client } = await exchange(r);
    assert.deepEqual(client.map((m) => m.decodeError), client.map(() => undefined));
    for (let i = 0; i < fromClient.length; i++) {
      const sent = Buffer.from(fromClient[i]!);
      assert.equal(client[i]!.decodedLength, sent.length);
      assert.equal(client[i]!.truncated, sent.length > 100);
      assert.deepEqual(client[i]!.data, sent.subarray(0, 100));
    }
  } finally {
    await r.close();
  }
});
