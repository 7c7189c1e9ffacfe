// Every fixture derived from real nginx (scripts/derive-balancer-fixtures.ts) replayed through our
// balancers: the peers tried per request must match EXACTLY.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expected, loadFixtures, replay } from './fixture.ts';

const fixtures = loadFixtures();

test('fixtures exist', () => {
  assert.ok(fixtures.length >= 20, `only ${fixtures.length} fixtures in test/fixtures/balancer`);
});

for (const fx of fixtures) {
  test(`nginx fixture ${fx.name}: ${fx.description}`, () => {
    assert.deepEqual(replay(fx), expected(fx));
  });
}
