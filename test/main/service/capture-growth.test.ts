// A fragmented message's capture grows into larger rooms (MessageAssembly.reserve doubles them):
// the claim on the total cap moves with it, never counted twice, so a capture the cap holds is not
// cut short, and no more kept payloads are evicted for it than its new room needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PayloadStore } from '../../../main/service/payloads.ts';

test('a capture moving to a larger room takes its old room\'s claim along: 4,000 then 8,000 bytes fit a 10,000-byte cap', () => {
  const store = new PayloadStore(10_000);
  const arena = store.arena();
  const first = arena.reserve(4000);
  const firstAt = arena.at;
  assert.equal(store.reserved, 4000);
  const next = arena.reserve(8000, first, firstAt);
  assert.equal(arena.granted, 8000, 'the larger room is granted (it was cut to a preview: 4,000 + 8,000 > 10,000)');
  assert.equal(store.reserved, 8000, 'counted once');
  arena.abandon(first, firstAt);
  assert.equal(store.reserved, 8000, 'leaving the old room gives back nothing more');
  assert.equal(arena.settle(next, arena.at), false, 'settled as a kept capture, not an evicted one');
  assert.equal(store.reserved, 0);
  // one the cap cannot hold at all: the old room keeps its claim
  const small = arena.reserve(6000);
  const smallAt = arena.at;
  arena.reserve(20_000, small, smallAt);
  assert.equal(arena.granted < 20_000, true);
  assert.equal(store.reserved, 6000, 'the old room still counts');
});
