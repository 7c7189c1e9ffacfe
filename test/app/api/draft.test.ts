// The editors' optional fields (app/api/draft.ts): what a text box puts into the draft, and what
// validation then says about it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setOptional } from '../../../app/api/draft.ts';
import { validateConfig } from '../../../app/config/validate.ts';

function configWith(server: Record<string, unknown>, upstream: Record<string, unknown> = {}) {
  return {
    schemaVersion: 1,
    upstreams: [{ name: 'app', servers: [{ address: '127.0.0.1:9001', ...server }], ...upstream }],
    servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [{ path: '/', proxyPass: 'http://app' }] }],
  };
}

test('a number field takes digits as a number, an emptied box as "not set", anything else as the text typed', () => {
  const s: Record<string, unknown> = { weight: 2 };
  setOptional(s, 'weight', ' 5 ', true);
  assert.equal(s.weight, 5);
  setOptional(s, 'weight', '1.5', true);
  assert.equal(s.weight, 1.5);
  for (const typed of ['3e', '1e3', '0x10', '5 5', 'Infinity']) {
    setOptional(s, 'weight', typed, true);
    assert.equal(s.weight, typed, `${typed} is kept as typed`);
  }
  // a fraction that would not print back as typed stays text: the box shows the model, and "1.0"
  // made 1 showed "1" while "1.05" was being typed (then "15", a valid weight)
  for (const typed of ['1.0', '3.00', '1.50', '2.', '-0.0']) {
    setOptional(s, 'weight', typed, true);
    assert.equal(s.weight, typed, `${typed} is kept as typed`);
  }
  setOptional(s, 'weight', '007', true);
  assert.equal(s.weight, 7, 'leading zeros of a whole number are no fraction to lose');
  setOptional(s, 'weight', '  ', true);
  assert.equal('weight' in s, false, 'empty: the default applies');
  setOptional(s, 'failTimeout', '30s');
  assert.equal(s.failTimeout, '30s');
});

test('text in a whole-number field is an error at that field, in the directive\'s words', () => {
  const cases: Array<[Record<string, unknown>, Record<string, unknown>, string, string]> = [
    [{ weight: '3e' }, {}, 'upstreams[0].servers[0].weight', 'weight is a whole number'],
    [{ maxFails: '1e3' }, {}, 'upstreams[0].servers[0].maxFails', 'max_fails is a whole number'],
    [{ maxConns: true }, {}, 'upstreams[0].servers[0].maxConns', 'max_conns is a whole number'],
    [{}, { keepalive: '16x' }, 'upstreams[0].keepalive', 'keepalive is a whole number'],
    [{ weight: 1.5 }, {}, 'upstreams[0].servers[0].weight', 'weight is a whole number'],
  ];
  for (const [server, upstream, path, message] of cases) {
    const r = validateConfig(configWith(server, upstream));
    assert.equal(r.ok, false, path);
    if (r.ok) continue;
    assert.deepEqual(r.issues.map((i) => [i.path, i.message]), [[path, message]]);
  }
});
