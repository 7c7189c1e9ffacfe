// Which draft upstream shows a running group's live state when the draft has two of its name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveUpstream } from '../../../renderer/src/util/live-upstream.ts';

const running = [{ name: 'api', peers: [] }, { name: 'app', peers: [] }];
const applied = { schemaVersion: 1, upstreams: [{ name: 'api' }, { name: 'app' }], servers: [] };
const owners = (draft: Array<{ name: string }>, ranConfig: unknown = applied) => draft.map((_, i) => liveUpstream(draft, i, running, ranConfig)?.name ?? null);

test('each draft upstream shows its own running group', () => {
  assert.deepEqual(owners([{ name: 'api' }, { name: 'app' }]), ['api', 'app']);
  assert.deepEqual(owners([{ name: 'api' }, { name: 'app' }, { name: 'new' }]), ['api', 'app', null], 'a new group runs nothing');
});

test('a second upstream of a running group\'s name, added after it, runs nothing', () => {
  assert.deepEqual(owners([{ name: 'api' }, { name: 'app' }, { name: 'app' }]), ['api', 'app', null]);
});

test('an upstream renamed to the name of a running group below it is not that group: the one still in its place is', () => {
  // (api renamed app: the list said "2 up" of app's peers beside its "1 server", and app "not applied")
  assert.deepEqual(owners([{ name: 'app' }, { name: 'app' }]), [null, 'app']);
});

test('the running group moved up (one above it deleted) is still the first of its name', () => {
  assert.deepEqual(owners([{ name: 'app' }]), ['app']);
  assert.deepEqual(owners([{ name: 'app' }, { name: 'app' }], { upstreams: [{ name: 'x' }, { name: 'y' }, { name: 'app' }] }), ['app', null]);
  assert.deepEqual(owners([{ name: 'api' }, { name: 'app' }], null), ['api', 'app'], 'no applied config known yet');
});
