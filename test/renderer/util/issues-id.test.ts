// A row's messages grouped by the field each is about (stepBelow), so each field of the row names
// its own messages as its description.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { issuesId, stepBelow } from '../../../renderer/src/util/issues-id.ts';

test('the path one step below a row is the field a message is about', () => {
  const row = 'upstreams[0].servers[1]';
  assert.equal(stepBelow(row, 'upstreams[0].servers[1].weight'), 'upstreams[0].servers[1].weight');
  assert.equal(stepBelow(row, 'upstreams[0].servers[1].address'), 'upstreams[0].servers[1].address');
  assert.equal(stepBelow('servers[0].locations[2].proxySetHeader', 'servers[0].locations[2].proxySetHeader[3].value'), 'servers[0].locations[2].proxySetHeader[3]');
  assert.equal(stepBelow('a', 'a["x.y"].z'), 'a["x.y"]', 'a quoted key is one step');
});

test('a message at the row itself, or outside it, stays with the row', () => {
  assert.equal(stepBelow('upstreams[0].servers[1]', 'upstreams[0].servers[1]'), 'upstreams[0].servers[1]');
  assert.equal(stepBelow('upstreams[0].servers[1]', 'upstreams[0].servers'), 'upstreams[0].servers[1]');
  assert.equal(stepBelow('upstreams[0].servers[1]', 'upstreams[0].servers[10].weight'), 'upstreams[0].servers[1]', 'servers[10] is not inside servers[1]');
});

test('two fields of one row have distinct ids', () => {
  assert.notEqual(issuesId(stepBelow('u[0].servers[1]', 'u[0].servers[1].weight')), issuesId(stepBelow('u[0].servers[1]', 'u[0].servers[1].maxFails')));
});
