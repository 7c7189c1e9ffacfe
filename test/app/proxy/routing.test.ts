// Which servers answer on which listen socket: addresses keyed in their one text, and a wildcard
// that covers only its own family (nginx's IPv6 sockets are ipv6only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addServerBinds, candidatesFor, directTargetKey, type Binds } from '../../../app/proxy/routing.ts';
import { parseProxyPass } from '../../../app/config/proxy-pass.ts';
import { validateConfig } from '../../../app/config/validate.ts';
import type { ConfigInput } from '../../../app/config/schema.ts';

/** Bind table of a draft, each server named by its index. */
function binds(listens: string[][]): Binds<number> {
  const doc: ConfigInput = { schemaVersion: 1, servers: listens.map((l) => ({ listen: l.map((address) => ({ address })), locations: [] })) };
  const v = validateConfig(doc);
  assert.ok(v.ok, JSON.stringify(!v.ok && v.issues));
  const out: Binds<number> = new Map();
  v.config.servers.forEach((s, i) => addServerBinds(out, s, i));
  return out;
}
const answering = (b: Binds<number>, addr: string, port: number) => candidatesFor(b, addr, port).map((c) => c.server);

test('a connection on an IPv6 address falls back to the [::] wildcard, never to 0.0.0.0', () => {
  const six = binds([['[::]:8080']]);
  assert.deepEqual([...six.keys()], [':::8080']);
  assert.deepEqual(answering(six, '::1', 8080), [0]);
  assert.deepEqual(answering(six, '127.0.0.1', 8080), [], 'an IPv4 connection is not the [::] socket\'s');
  const mixed = binds([['[::1]:8080'], ['8080'], ['[::]:8080']]);
  assert.deepEqual(answering(mixed, '::1', 8080), [0]);
  assert.deepEqual(answering(mixed, '::2', 8080), [2]);
  assert.deepEqual(answering(mixed, '127.0.0.1', 8080), [1]);
  assert.deepEqual(answering(binds([['8080']]), '::1', 8080), [], '0.0.0.0 does not cover IPv6');
});

test('two spellings of one address are one socket', () => {
  const b = binds([['[::1]:8080'], ['[0:0::1]:8080'], ['127.0.0.010:8081'], ['127.0.0.10:8081']]);
  assert.deepEqual([...b.keys()], ['::1:8080', '127.0.0.10:8081']);
  assert.deepEqual(answering(b, '::1', 8080), [0, 1]);
  assert.deepEqual(answering(b, '0:0:0:0:0:0:0:1', 8080), [0, 1]);
  assert.deepEqual(answering(b, '127.0.0.10', 8081), [2, 3]);
});

test('proxy_pass to one host in any case is one implicit group (nginx compares upstream hosts without case)', () => {
  const key = (url: string) => directTargetKey(parseProxyPass(url)!);
  assert.equal(key('http://API.internal:8080/x'), key('http://api.INTERNAL:8080'));
  assert.equal(key('http://api'), 'api:80');
  assert.notEqual(key('http://api:8080'), key('http://api:8081'));
});
