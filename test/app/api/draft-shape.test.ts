// What the route and upstream editors need of a hand-written draft (app/api/draft-shape.ts): where
// it is not that shape, and the draft with those entries taken out and nothing else changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shapeBreaks, withoutShapeBreaks } from '../../../app/api/draft-shape.ts';
import { hostMode, newLocation, upstreamNames } from '../../../app/api/draft.ts';
import { validateConfig } from '../../../app/config/validate.ts';

const where = (doc: unknown) => shapeBreaks(doc).map((b) => `${b.path.join('.')}: ${b.found} / ${b.expected}`);

test('a draft the editors can show has no breaks, whatever its values', () => {
  assert.deepEqual(where({ schemaVersion: 1 }), []);
  assert.deepEqual(where({ schemaVersion: 1, servers: [{}], upstreams: [{}] }), []);
  // values of the wrong type are validation's business: the editors show them as text
  assert.deepEqual(where({ servers: [{ listen: [{ address: 80 }], serverNames: [5, null], locations: [{ path: 7, modifier: 3, proxySetHeader: [{ name: 4 }] }] }], upstreams: [{ name: 1, servers: [{ weight: 'x' }] }] }), []);
});

test('every list and every entry of one the editors read is named where it is not what they need', () => {
  assert.deepEqual(where(null), [': null / an object']);
  assert.deepEqual(where([]), [': a list / an object']);
  assert.deepEqual(where({ servers: [null, 'a', 3, []] }), ['servers.0: null / an object', 'servers.1: a string / an object', 'servers.2: a number / an object', 'servers.3: a list / an object']);
  assert.deepEqual(where({ servers: {}, upstreams: 'x' }), ['servers: an object / a list', 'upstreams: a string / a list']);
  assert.deepEqual(where({ servers: [{ listen: '80', serverNames: 'a.test', locations: {} }] }), ['servers.0.listen: a string / a list', 'servers.0.serverNames: a string / a list', 'servers.0.locations: an object / a list']);
  assert.deepEqual(where({ servers: [{ listen: [null], locations: [null, { proxySetHeader: [true], proxyNextUpstream: 'error' }] }] }), [
    // (a proxyNextUpstream that is not a list is validation's: no editor reads it)
    'servers.0.listen.0: null / an object',
    'servers.0.locations.0: null / an object',
    'servers.0.locations.1.proxySetHeader.0: a boolean / an object',
  ]);
  assert.deepEqual(where({ upstreams: [{ method: 'hash', servers: [null] }, false] }), ['upstreams.0.method: a string / an object', 'upstreams.0.servers.0: null / an object', 'upstreams.1: a boolean / an object']);
});

test('taking the breaks out keeps every other entry, in order, and the original draft unchanged', () => {
  const good = (port: number) => ({ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9' }] });
  const doc = {
    schemaVersion: 1,
    servers: [null, good(8081), 'x', { ...good(8082), locations: [null, { path: '/a', proxyPass: 'http://127.0.0.1:9', proxySetHeader: [1, { name: 'Host', value: '$host' }, 2] }, null] }, good(8083)],
    upstreams: [{ name: 'u', method: 'hash', servers: [{ address: '127.0.0.1:1' }, null] }],
  };
  const before = JSON.stringify(doc);
  const fixed = withoutShapeBreaks(doc);
  assert.equal(JSON.stringify(doc), before);
  assert.deepEqual(shapeBreaks(fixed), []);
  assert.deepEqual(fixed.servers.map((s) => (s as { listen: Array<{ address: string }> }).listen[0]!.address), ['127.0.0.1:8081', '127.0.0.1:8082', '127.0.0.1:8083']);
  assert.deepEqual(fixed.servers[1], { ...good(8082), locations: [{ path: '/a', proxyPass: 'http://127.0.0.1:9', proxySetHeader: [{ name: 'Host', value: '$host' }] }] });
  assert.deepEqual(fixed.upstreams, [{ name: 'u', servers: [{ address: '127.0.0.1:1' }] }]);
  // what is left is a config (the upstream's method back at its default)
  assert.equal(validateConfig(fixed).ok, true);
  // not an object at all: nothing to keep, an empty config in its place
  assert.deepEqual(withoutShapeBreaks([{ servers: [] }]), { schemaVersion: 1 });
  assert.deepEqual(withoutShapeBreaks(5), { schemaVersion: 1 });
});

test('the Host mode of a location whose header names are not text is nginx\'s default, not a thrown error', () => {
  assert.equal(hostMode({ path: '/', proxyPass: 'http://x', proxySetHeader: [{ name: 5 as unknown as string, value: '$host' }] }), '$proxy_host');
  assert.equal(hostMode({ path: '/', proxyPass: 'http://x', proxySetHeader: [{ value: '$host' } as { name: string; value: string }, { name: 'host', value: '$http_host' }] }), '$http_host');
});

test('a new location takes a target that is not valid (an upstream named with a tab) without throwing: validation names it', () => {
  const loc = newLocation('/', 'http://a\tb');
  assert.equal(loc.proxyPass, 'http://a\tb');
  assert.equal(loc.proxyReadTimeout, '60s', 'the defaults are there');
  const v = validateConfig({ schemaVersion: 1, servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [loc] }] });
  assert.ok(!v.ok && v.issues.some((i) => i.path === 'servers[0].locations[0].proxyPass'), JSON.stringify(v));
});

test('the upstream names an editor offers are those that are text, whatever else the list holds', () => {
  assert.deepEqual(upstreamNames({ upstreams: [null, { name: 'a' }, { name: 5 }, 'b', { name: 'c' }] }), ['a', 'c']);
  assert.deepEqual(upstreamNames({ upstreams: 5 }), []);
  assert.deepEqual(upstreamNames({}), []);
});
