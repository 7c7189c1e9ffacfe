// Differential suite: every request of every scenario must look the same through real nginx
// (running the exported config) and through the engine. Needs Debian's nginx; fails without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findNginx } from '../../main/nginx/binary.ts';
import { runScenario } from './harness.ts';
import { scenarios as fixed } from './scenarios.ts';
import { randomScenarios } from './random-scenarios.ts';

const scenarios = [...fixed, ...randomScenarios];

test('nginx is installed (the parity suite needs it)', () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
});

for (const s of scenarios) {
  test(`parity: ${s.name} (${s.requests.length} cases)`, { timeout: 120_000 }, async () => {
    const { nginx, engine } = await runScenario(s);
    const diffs: string[] = [];
    s.requests.forEach((r, i) => {
      const label = `${r.method ?? 'GET'} ${r.path}${r.host !== undefined ? ` Host=${r.host}` : ''}${r.from ? ` from ${r.from}` : ''}${r.ws ? ' (ws)' : ''}`;
      if (JSON.stringify(engine[i]) !== JSON.stringify(nginx[i])) {
        diffs.push(`case ${i}: ${label}\n  nginx:  ${JSON.stringify(nginx[i])}\n  engine: ${JSON.stringify(engine[i])}`);
      }
    });
    assert.equal(diffs.length, 0, `${diffs.length} of ${s.requests.length} cases differ from nginx:\n${diffs.join('\n')}`);
  });
}

test('the parity suite has at least 100 cases', () => {
  assert.ok(scenarios.reduce((n, s) => n + s.requests.length, 0) >= 100);
});
