import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectServer, validateHost, hostVariable, findServerByName, primaryServerName } from '../../../app/match/server.ts';

test('validateHost: lowercase, port and one trailing dot stripped, invalid → null', () => {
  assert.equal(validateHost('Example.COM'), 'example.com');
  assert.equal(validateHost('example.com:8080'), 'example.com');
  assert.equal(validateHost('example.com.'), 'example.com');
  assert.equal(validateHost('example.com.:80'), 'example.com');
  assert.equal(validateHost('[::1]:8080'), '[::1]');
  assert.equal(validateHost('[::1]'), '[::1]');
  assert.equal(validateHost('[::1'), '[::1');
  assert.equal(validateHost('a:b:c'), 'a');
  assert.equal(validateHost('_'), '_');
  assert.equal(validateHost('a\\b'), 'a\\b');
  assert.equal(validateHost('caf\u00c3\u00a9'), 'caf\u00c3\u00a9');
  for (const h of ['', '.', ':80', 'a..b', 'a/b', 'a b', 'a\u0001', 'a\u007f', '..']) assert.equal(validateHost(h), null, JSON.stringify(h));
});

const cands = [
  { serverNames: ['first.test'], defaultServer: false },                 // 0
  { serverNames: ['example.com', 'www.example.com'], defaultServer: false }, // 1
  { serverNames: ['*.example.com'], defaultServer: false },              // 2
  { serverNames: ['.example.org'], defaultServer: false },               // 3
  { serverNames: ['www.example.*'], defaultServer: false },              // 4
  { serverNames: ['~^(?<sub>[a-z]+)\\.regex\\.test$'], defaultServer: false }, // 5
  { serverNames: ['*.deep.example.com'], defaultServer: true },          // 6
  { serverNames: ['www.*'], defaultServer: false },                      // 7
];

function idx(host: string | null): number | string {
  const r = selectServer(cands, host);
  return r.ok ? r.index : r.status;
}

test('exact, then longest leading wildcard, then longest trailing wildcard, then regex', () => {
  assert.equal(idx('first.test'), 0);
  assert.equal(idx('FIRST.test:81'), 0);
  assert.equal(idx('www.example.com'), 1); // exact beats *.example.com and www.example.*
  assert.equal(idx('a.example.com'), 2);
  assert.equal(idx('a.b.example.com'), 2);
  assert.equal(idx('x.deep.example.com'), 6); // longer leading wildcard
  assert.equal(idx('deep.example.com'), 2);
  assert.equal(idx('example.org'), 3);
  assert.equal(idx('www.example.org'), 3); // leading beats trailing
  assert.equal(idx('www.example.net'), 4);
  assert.equal(idx('www.example.co.uk'), 4);
  assert.equal(idx('www.other.net'), 7);
  assert.equal(idx('www.example'), 7);
  assert.equal(idx('abc.regex.test'), 5);
  assert.equal(idx('ABC.Regex.Test'), 5);
  assert.equal(selectServer(cands, 'abc.regex.test').ok && (selectServer(cands, 'abc.regex.test') as { explain: string }).explain, 'server_name ~^(?<sub>[a-z]+)\\.regex\\.test$ (first matching regex)');
});

test('no match → default_server, else the first server; missing Host → default', () => {
  assert.equal(idx('unknown.test'), 6);
  assert.equal(idx(null), 6);
  const r = selectServer([{ serverNames: ['a'], defaultServer: false }, { serverNames: ['b'], defaultServer: false }], 'zzz');
  assert.deepEqual(r, { ok: true, index: 0, host: 'zzz', explain: 'no server_name matches "zzz": the first server for this address' });
  assert.equal(selectServer([{ serverNames: [], defaultServer: false }], null).ok, true);
});

test('invalid hosts are 400, also an invalid Host header next to a request-line host', () => {
  assert.equal(idx('a..b'), 400);
  assert.equal(idx(''), 400);
  assert.equal(idx('a/b'), 400);
  assert.deepEqual(selectServer(cands, 'first.test', 'bad..host'), { ok: false, status: 400, reason: 'client sent invalid host header' });
  assert.equal(idx('[::1]:8080'), 6);
});

test('conflicting names: the first declaration wins, ".name" conflicts with the exact name', () => {
  assert.equal(findServerByName([{ serverNames: ['a.test'], defaultServer: false }, { serverNames: ['a.test'], defaultServer: false }], 'a.test')!.index, 0);
  // exact first: ".b.test" is ignored entirely (also for sub.b.test)
  const c1 = [{ serverNames: ['b.test'], defaultServer: false }, { serverNames: ['.b.test'], defaultServer: false }];
  assert.equal(findServerByName(c1, 'b.test')!.index, 0);
  assert.equal(findServerByName(c1, 'x.b.test'), null);
  // ".b.test" first: the later exact name is ignored
  const c2 = [{ serverNames: ['.b.test'], defaultServer: false }, { serverNames: ['b.test'], defaultServer: false }];
  assert.equal(findServerByName(c2, 'b.test')!.index, 0);
  const c3 = [{ serverNames: ['*.c.test'], defaultServer: false }, { serverNames: ['.c.test'], defaultServer: false }];
  assert.equal(findServerByName(c3, 'x.c.test')!.index, 0);
  assert.equal(findServerByName(c3, 'c.test'), null);
});

test('$host: request-line/Host host, else server_name', () => {
  assert.equal(hostVariable('Example.COM:8080', 'srv'), 'example.com');
  assert.equal(hostVariable('[::1]:80', 'srv'), '[::1]');
  assert.equal(hostVariable(null, 'srv'), 'srv');
  assert.equal(hostVariable(null, ''), '');
});

test('a request without Host goes to the server named "" (one without server_name has that name), else the default (found by a random differential run against nginx)', () => {
  const named = { serverNames: ['a.test'], defaultServer: false };
  const unnamed = { serverNames: [] as string[], defaultServer: false };
  const explicitEmpty = { serverNames: ['x.test', ''], defaultServer: false };
  const dflt = { serverNames: ['d.test'], defaultServer: true };
  const pick = (list: typeof named[], host: string | null) => {
    const r = selectServer(list, host, host);
    assert.ok(r.ok);
    return r.index;
  };
  assert.equal(pick([named, unnamed], null), 1);
  assert.equal(pick([named, dflt, unnamed], null), 2, 'the empty name wins over default_server');
  assert.equal(pick([named, explicitEmpty], null), 1);
  assert.equal(pick([named, unnamed, { ...unnamed }], null), 1, 'the first server with the name keeps it');
  assert.equal(pick([named, dflt], null), 1, 'no empty name: the default');
  assert.equal(pick([named, unnamed], 'other.test'), 0, 'a Host that matches nothing goes to the first server, not to ""');
  assert.equal(pick([{ serverNames: ['*.a.test'], defaultServer: false }, unnamed], null), 1, 'wildcards do not take the empty name');
});

test('"*.a.test" and ".a.test" match a host with an empty first label (".a.test"), as nginx\'s wildcard hash does', () => {
  const list = [{ serverNames: ['x.test'], defaultServer: false }, { serverNames: ['*.a.test'], defaultServer: false }, { serverNames: ['.b.test'], defaultServer: false }];
  assert.equal(findServerByName(list, '.a.test')?.index, 1);
  assert.equal(findServerByName(list, '.b.test')?.index, 2);
  assert.equal(findServerByName(list, 'a.test'), null);
  assert.equal(findServerByName(list, 'b.test')?.index, 2);
});

test('primaryServerName: $server_name (and $host without Host) is the first name, lowercased, without the dot of ".name"; "" without names', () => {
  assert.equal(primaryServerName([]), '');
  assert.equal(primaryServerName(['Www.Example.COM', 'b']), 'www.example.com');
  assert.equal(primaryServerName(['.Example.org']), 'example.org');
  assert.equal(primaryServerName(['*.example.org']), '*.example.org');
  assert.equal(primaryServerName(['~^(?<x>.+)\\.Test$']), '~^(?<x>.+)\\.Test$');
  // the UTF-8 bytes of the config text, as nginx sends them (only ASCII letters are lowercased)
  assert.equal(primaryServerName(['日本.Test']), '\xe6\x97\xa5\xe6\x9c\xac.test');
  assert.equal(primaryServerName(['.Éa.test']), '\xc3\x89a.test');
});
