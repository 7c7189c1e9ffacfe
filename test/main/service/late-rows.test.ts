// Rows that come for a session once its log is gone (a compressed message still inflating when
// the session closed, then dropped by the closed-sessions cap meanwhile) make no new log: such a
// log belonged to no kept session, so no cap ever dropped it again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { SwitchyardService } from '../../../main/service/service.ts';
import type { TrafficWatch } from '../../../main/service/traffic-watch.ts';
import type { ChunkObserver } from '../../../main/engine/events.ts';
import { encodeFrame } from '../inspect/helpers.ts';
import { FakeEngine } from './fake-engine.ts';
import { until } from '../../helpers/wait.ts';

const CLOSED_KEPT = 2;

test('a message that inflates after its session left the log makes no log of its own', async () => {
  const engine = new FakeEngine();
  const service = await SwitchyardService.create(engine.asEngine(), { initialDraft: {}, limits: { closedSessions: CLOSED_KEPT } });
  const watch = (service as unknown as { watch: TrafficWatch }).watch;
  const logs = (service.traffic as unknown as { frames: Map<number, unknown> }).frames;
  try {
    const big = deflateRawSync(Buffer.from('a compressed message '.repeat(20_000)), { finishFlush: 2 }).subarray(0, -4);
    const ROUNDS = 5;
    for (let r = 0; r < ROUNDS; r++) {
      const id = 100 + r * 10;
      const record = engine.openSession(id);
      record.extensions = 'permessage-deflate';
      const seen: { upstream: ChunkObserver | null } = { upstream: null };
      engine.emit('session-open', record, { client: {}, upstream: {}, observe: (_c: ChunkObserver | null, u: ChunkObserver | null) => Object.assign(seen, { upstream: u }) });
      seen.upstream!(encodeFrame({ opcode: 1, rsv1: true, payload: big }));
      engine.live.get(id)!.close('closed while its message inflates');
      // enough sessions close, on this turn, for the cap to drop it before node:zlib answers
      for (let k = 1; k <= CLOSED_KEPT; k++) {
        engine.openSession(id + k);
        engine.live.get(id + k)!.close('closed');
      }
      assert.equal(service.traffic.session(id), undefined, 'the cap dropped it');
      // (node:zlib inflates it on a later turn; the session's tap is through once it did)
      await until(() => (watch as unknown as { draining: Map<number, unknown> }).draining.size === 0);
    }
    for (let r = 0; r < ROUNDS; r++) assert.equal(service.traffic.framesOf(100 + r * 10), null, `no frame log for dropped session ${100 + r * 10}`);
    assert.ok(logs.size <= CLOSED_KEPT, `${logs.size} frame logs for ${CLOSED_KEPT} kept sessions`);
  } finally {
    service.close();
  }
});
