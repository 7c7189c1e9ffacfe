// A session's frame log dropped by the closed-sessions cap is gone from memory, not only from the
// log: the payload store's queue of kept payloads (oldest first) names each row's log, and while a
// long-lived session keeps the oldest payloads it compacts rarely, so each dropped log it still
// named stayed whole (its arrays sized for every row it had): 3,000 short sessions of 1,000 pings
// each held 225 MB past a cap of 10 closed sessions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TrafficLog, DEFAULT_LIMITS, type NewFrame } from '../../../main/service/traffic-log.ts';
import type { SessionFrames } from '../../../main/service/frame-log.ts';
import { sleep } from '../../helpers/wait.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CLOSED_KEPT = 10;
const text = Buffer.from('a message of a long-lived session');

/** A log with one open session that keeps 2,000 payloads, then `n` short sessions of `pings` pings
 * and one message each, opened and closed one after the other; weak refs on each short one's log. */
function churn(n: number, pings: number) {
  const log = new TrafficLog({ ...DEFAULT_LIMITS, closedSessions: CLOSED_KEPT });
  const logs = (log as unknown as { frames: Map<number, SessionFrames> }).frames;
  log.upsertSession({ id: 1, state: 'open' } as never);
  for (let i = 0; i < 2000; i++) log.addMessage(1, 'client', i, true, text.length, text, 0, text.length, false);
  const ping: NewFrame = { time: 0, from: 'client', opcode: 'ping', fin: true, length: 0, preview: '', closeCode: null };
  const refs: Array<{ log: WeakRef<SessionFrames>; rows: WeakRef<Float64Array> }> = [];
  for (let id = 2; id < 2 + n; id++) {
    log.upsertSession({ id, state: 'open' } as never);
    log.addFrames(id, Array.from({ length: pings }, () => ping));
    log.addMessage(id, 'upstream', 0, true, text.length, text, 0, text.length, false);
    const f = logs.get(id)!;
    refs.push({ log: new WeakRef(f), rows: new WeakRef(f.time) });
    log.upsertSession({ id, state: 'closed' } as never);
  }
  return { log, refs };
}

async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await sleep(10); // (a WeakRef made in this job holds its target until the job ends)
    gc();
  }
}

test('the logs of sessions past the closed-sessions cap are freed while a long-lived session keeps the oldest payloads', async () => {
  const { log, refs } = churn(400, 100);
  await collect();
  assert.equal(log.allSessions().length, 1 + CLOSED_KEPT);
  const alive = refs.filter((r) => r.log.deref() !== undefined).length;
  // the kept ones, and at most those dropped since the payload queue last compacted (64: CLOSED_LOGS_PER_COMPACT)
  assert.ok(alive <= 100, `${alive} of 400 session logs still in memory`);
  assert.equal(log.rowsOf(1)?.length, 2000, 'the open session keeps its rows');
  assert.ok(log.payloads.count >= 2000 + CLOSED_KEPT, 'and its payloads, and those of the closed sessions kept');
});

test('a dropped log that the payload queue still names holds none of its rows', async () => {
  const { log, refs } = churn(40, 1000);
  await collect();
  // (30 dropped, fewer than CLOSED_LOGS_PER_COMPACT: the payload queue still names every one)
  const dropped = refs.slice(0, -CLOSED_KEPT);
  assert.equal(dropped.filter((r) => r.rows.deref() !== undefined).length, 0, 'the rows\' arrays of every dropped log are freed');
  assert.ok(refs.slice(-CLOSED_KEPT).every((r) => r.rows.deref() !== undefined), 'the kept sessions keep theirs');
  assert.equal(log.rowsOf(41)?.length, 1001);
});
