// A location or server_name regex that backtracks exponentially on a subject that almost matches
// (`^/(a+)+$` against "/aaaa…a!") must not hold the engine's thread: 30 characters held it, and every
// listener with it, for a minute; 40 would for days. The engine bounds backtracking as nginx's PCRE
// does with its match limit (main/engine/v8-tuning.ts: V8 falls back to its linear-time engine).
// nginx answers such a request 500 when its limit stops the match; the engine finishes the match
// (no match here) and goes on with the next location. Real loopback sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testScope } from '../../helpers/scope.ts';
import { send } from '../../helpers/client.ts';
import { header } from '../../helpers/upstreams.ts';

const scope = testScope();
const evil = 'a'.repeat(40);

test('a location regex that backtracks without end on the URI does not stall the engine', { timeout: 20_000 }, async () => {
  const u = await scope.http('u');
  const e = await scope.engine((p) => ({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${p}` }], locations: [
      { path: '/', proxyPass: `http://127.0.0.1:${u.port}` },
      { modifier: '~', path: '^/(a+)+$', proxyPass: `http://127.0.0.1:${u.port}`, proxySetHeader: [{ name: 'X-Loc', value: 'regex' }] },
      { modifier: '~*', path: '^/x/(\\w+\\s?)+$', proxyPass: `http://127.0.0.1:${u.port}`, proxySetHeader: [{ name: 'X-Loc', value: 'caseless' }] },
      // a '$' that ends one of the alternatives, or a group that does not capture
      { modifier: '~', path: '^/y/(a+)+$|^/b$', proxyPass: `http://127.0.0.1:${u.port}`, proxySetHeader: [{ name: 'X-Loc', value: 'alternative' }] },
      { modifier: '~', path: '^/z/(?:(a+)+$)', proxyPass: `http://127.0.0.1:${u.port}`, proxySetHeader: [{ name: 'X-Loc', value: 'group' }] },
    ] }],
  }));
  const [a, b, c, d, plain] = await Promise.all(['', 'x/', 'y/', 'z/'].map((p) => send(`${e.url}/${p}${evil}!`)).concat(send(`${e.url}/plain`)));
  assert.deepEqual([a!.status, b!.status, c!.status, d!.status, plain!.status], [200, 200, 200, 200, 200]);
  assert.deepEqual(u.seen.map((r) => header(r, 'x-loc') ?? r.url).sort(), [`/${evil}!`, `/plain`, `/x/${evil}!`, `/y/${evil}!`, `/z/${evil}!`].sort(), 'no regex matched: the prefix location took them');
  // and the regexes still match what they match
  for (const p of [`/${evil}`, `/X/${evil}%20b`, `/y/${evil}`, '/b', `/z/${evil}`]) await send(`${e.url}${p}`);
  assert.deepEqual(u.seen.slice(-5).map((r) => header(r, 'x-loc')), ['regex', 'caseless', 'alternative', 'alternative', 'group']);
});

test('a server_name regex that backtracks without end on the Host does not stall the engine', { timeout: 20_000 }, async () => {
  const [one, two] = [await scope.http('one'), await scope.http('two')];
  const e = await scope.engine((p) => ({
    schemaVersion: 1,
    servers: [
      { listen: [{ address: `127.0.0.1:${p}` }], serverNames: ['default.test'], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${one.port}` }] },
      { listen: [{ address: `127.0.0.1:${p}` }], serverNames: ['~^(a+)+\\.test$'], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${two.port}` }] },
    ],
  }));
  const r = await send(`${e.url}/`, { headers: { Host: `${evil}!` } });
  assert.equal(r.status, 200);
  assert.equal(one.seen.length, 1, 'the default server');
  await send(`${e.url}/`, { headers: { Host: `${evil}.test` } });
  assert.equal(two.seen.length, 1, 'the regex still matches');
});
