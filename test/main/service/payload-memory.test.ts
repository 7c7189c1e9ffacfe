// The memory payloads are kept in follows the payloads kept: by the store's own count of the bytes
// of its buffers (PayloadStore.memory), an ended session holds its kept payloads and less than
// SEALED_CHUNK more (not the free room of its last slab, nor an emptied slab), a live one at most two
// slabs more, and with nothing kept nothing is held. Sessions recorded through the frame tap (the
// capture path), client frames masked; kept payloads read back as sent after their session ended.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { loadFrameTap, type MessageRecorder } from '../../../main/service/frames.ts';
import { TrafficLog, DEFAULT_LIMITS, type TrafficLimits } from '../../../main/service/traffic-log.ts';
import { SEALED_CHUNK } from '../../../main/service/payloads.ts';
import { MAX_SLAB } from '../../../main/service/slabs.ts';
import { encodeFrame, MASK } from '../inspect/helpers.ts';

const CAP = 4 * 1024 * 1024;

test('payload memory stays within the total cap plus a small overhead per session, and nothing once nothing is kept', async () => {
  const limits: TrafficLimits = { ...DEFAULT_LIMITS, payloadTotal: CAP };
  const log = new TrafficLog(limits);
  const factory = await loadFrameTap(limits.payloadPerMessage);
  const sent = new Map<string, Buffer>();
  let x = 11;
  const rnd = (m: number) => ((x = (x * 1103515245 + 12345) & 0x7fffffff) % m);
  const LIVE = 4;
  const SESSIONS = 240;
  for (let id = 1; id <= SESSIONS; id++) {
    log.upsertSession({ id, state: 'open' } as never);
    const client = new EventEmitter();
    const upstream = new EventEmitter();
    const recorder: MessageRecorder = {
      capture: log.capture(id),
      message: (m) => void log.addMessage(id, m.direction === 'server' ? 'upstream' : 'client', m.time, m.opcode === 1, m.length, m.data, m.dataOffset, m.dataLength, m.truncated, m.maskKey),
    };
    const tap = factory({ client: client as unknown as Socket, upstream: upstream as unknown as Socket, extensions: null }, (f) => void log.addFrames(id, [f]), recorder)!;
    // an echo: 10 B to 100 KB, about half of them small
    for (let i = 0; i < 15; i++) {
      const n = rnd(2) ? 10 + rnd(200) : 1000 + rnd(100_000);
      const payload = Buffer.alloc(n, (id * 7 + i) & 0xff);
      payload[0] = i;
      client.emit('data', encodeFrame({ opcode: 2, payload, mask: MASK }));
      upstream.emit('data', encodeFrame({ opcode: 2, payload, mask: null }));
      sent.set(`${id}:${2 * i}`, payload).set(`${id}:${2 * i + 1}`, payload);
    }
    // (the first LIVE sessions stay open)
    if (id > LIVE) {
      tap.stop();
      log.upsertSession({ id, state: 'closed' } as never);
    }
  }
  const p = log.payloads;
  assert.ok(p.bytes <= CAP && p.bytes > CAP / 2, `${p.bytes} bytes kept`);
  const closed = SESSIONS - LIVE;
  const bound = p.bytes + closed * SEALED_CHUNK + LIVE * 2 * MAX_SLAB;
  assert.ok(p.memory - p.pooled <= bound, `${p.memory - p.pooled} bytes held for ${p.bytes} kept (bound ${bound})`);

  // what is kept still reads back as it was sent (moved, unmasked, when its session ended)
  let checked = 0;
  for (let id = LIVE + 1; id <= SESSIONS; id++) {
    for (const r of log.rowsOf(id) ?? []) {
      if (r.payload === 'evicted') continue;
      const want = sent.get(`${id}:${r.seq}`)!;
      assert.deepEqual(log.payloads.get(r), want.subarray(0, limits.payloadPerMessage), `session ${id} row ${r.seq}`);
      checked++;
    }
  }
  assert.ok(checked > 50, `${checked} payloads checked`);

  // the live sessions end too: all that is held beyond the kept bytes is under a chunk a session
  for (let id = 1; id <= LIVE; id++) log.upsertSession({ id, state: 'closed' } as never);
  assert.ok(p.memory - p.pooled <= p.bytes + SESSIONS * SEALED_CHUNK, `${p.memory - p.pooled} bytes held for ${p.bytes} kept, all ended`);

  log.setCaps({ payloadTotal: 0 });
  assert.equal(p.count, 0);
  assert.equal(p.memory - p.pooled, 0, 'nothing kept, nothing held but the pooled slabs');
  p.idle();
  p.idle();
  assert.equal(p.memory, 0, 'and those go once idle');
});
