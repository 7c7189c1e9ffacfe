// Locations that pass to an upstream by name, as nginx matches it, and pointing them at another name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locationsPassingTo, repointLocations } from '../../../app/api/upstream-refs.ts';

const draft = () => ({
  schemaVersion: 1,
  upstreams: [{ name: 'chat', servers: [{ address: '127.0.0.1:9001' }] }],
  servers: [
    { listen: [{ address: '127.0.0.1:8080' }], locations: [
      { path: '/a/', proxyPass: 'http://chat' },
      { path: '/b/', proxyPass: 'http://CHAT/v1/' },
      { path: '/c/', proxyPass: 'http://chat:9001' }, // (an address: no group)
      { path: '/d/', proxyPass: 'http://chatty' },
    ] },
    null, { listen: [] }, { locations: [null, { path: '/e/', proxyPass: 5 }] },
  ],
});

test('the locations that pass to a group: by name in any case, without a port; a draft of any shape', () => {
  assert.deepEqual(locationsPassingTo(draft(), 'chat').map((l) => l.path), ['/a/', '/b/']);
  assert.deepEqual(locationsPassingTo(draft(), 'nothing'), []);
  for (const name of ['', undefined, 5]) assert.deepEqual(locationsPassingTo(draft(), name), []);
  for (const doc of [null, {}, { servers: 'x' }, []]) assert.deepEqual(locationsPassingTo(doc, 'chat'), []);
});

test('pointing them at another name keeps each URI part, and nothing else changes', () => {
  const d = draft();
  assert.equal(repointLocations(d, 'chat', 'chat2'), 2);
  assert.deepEqual(d.servers[0]!.locations!.map((l) => l?.proxyPass), ['http://chat2', 'http://chat2/v1/', 'http://chat:9001', 'http://chatty']);
  assert.equal(repointLocations(d, 'chat', 'chat3'), 0);
});
