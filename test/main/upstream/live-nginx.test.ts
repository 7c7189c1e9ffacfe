// Drift check: derive a few scenarios from the installed nginx right now and replay them through our
// balancers. Fails (never skips) when nginx is missing: these expectations only mean something
// against the real thing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveScenario } from '../../../scripts/derive-balancer-fixtures.ts';
import { findNginx } from '../../../main/nginx/binary.ts';
import { expected, loadFixtures, replay } from './fixture.ts';
import { SCENARIOS } from './scenarios.ts';

const stored = new Map(loadFixtures().map((f) => [f.name, f]));

test('nginx is installed for the live balancer checks', () => {
  assert.ok(findNginx(), 'nginx not found (apt-get install -y nginx, or set SWITCHYARD_NGINX)');
});

for (const name of ['rr-weights-3-2-1', 'rr-max-fails-3', 'chash']) {
  test(`live nginx agrees with our balancer: ${name}`, { timeout: 60_000 }, async () => {
    const def = SCENARIOS.find((s) => s.name === name)!;
    const fx = await deriveScenario(def);
    assert.deepEqual(replay(fx), expected(fx));
    // port-independent sequences must also still match the committed fixture
    if (fx.method.type !== 'hash') assert.deepEqual(expected(fx), expected(stored.get(name)!));
  });
}
