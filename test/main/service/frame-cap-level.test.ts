// Live sessions over the total frame cap are cut to one size (TrafficLog.level), a little below the
// total so that the next rows do not cut again: only as far below as the pass's work calls for. An
// eighth of the total below it, whatever the logs' sizes, cut one row over the total into 6,268
// rows gone: a 5,000-row log down to 433, and 100 logs of 450 rows, under an even share of the
// total, lost rows as well.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrafficLog, DEFAULT_LIMITS } from '../../../main/service/traffic-log.ts';

test('one row over the total: the largest log gives up what is over, logs under their share keep every row', () => {
  const log = new TrafficLog({ ...DEFAULT_LIMITS, framesPerSession: 5000, framesTotal: 50_000 });
  for (let id = 1; id <= 101; id++) log.upsertSession({ id, state: 'open' } as never);
  let time = 0;
  const add = (id: number) => log.addMessage(id, 'client', time++, true, 1, null, 0, 0, false);
  for (let i = 0; i < 5000; i++) add(1);
  for (let id = 2; id <= 101; id++) for (let i = 0; i < 450; i++) add(id);
  assert.equal(log.frameCount, 50_000);
  add(1);
  assert.ok(log.frameCount <= 50_000, `${log.frameCount} kept`);
  for (let id = 2; id <= 101; id++) assert.equal(log.framesOf(id)!.length, 450, `session ${id} (under an even share of the total)`);
  const big = log.framesOf(1)!.length;
  assert.ok(big >= 4500, `the largest log keeps ${big} rows for one row over the total`);
  // rows keep coming to it: it alone gives up rows, down to the others' size at most
  for (let i = 0; i < 20_000; i++) add(1);
  assert.ok(log.frameCount <= 50_000, `${log.frameCount} kept`);
  for (let id = 2; id <= 101; id++) assert.equal(log.framesOf(id)!.length, 450, `session ${id}`);
  // and a new session still gets rows, the old ones sharing the total with it
  log.upsertSession({ id: 102, state: 'open' } as never);
  for (let i = 0; i < 1000; i++) add(102);
  assert.ok(log.frameCount <= 50_000, `${log.frameCount} kept`);
  assert.ok(log.framesOf(102)!.length >= 400, `the new session keeps ${log.framesOf(102)!.length}`);
});
