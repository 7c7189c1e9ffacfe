// The sockets the engine binds for a config: a wildcard covers the addresses of its own family on
// its port, as nginx binds them (its IPv6 sockets are ipv6only); a name binds each of its addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRuntime, socketsToBind } from '../../../main/engine/runtime.ts';
import { validateConfig } from '../../../app/config/validate.ts';
import { listenBindKeys } from '../../../app/proxy/routing.ts';
import { lookup } from 'node:dns/promises';
import { ADDRCONFIG } from 'node:dns';

async function sockets(...listens: string[]): Promise<string[]> {
  const v = validateConfig({ schemaVersion: 1, servers: listens.map((address) => ({ listen: [{ address }], locations: [] })) });
  assert.ok(v.ok, JSON.stringify(!v.ok && v.issues));
  return socketsToBind(await compileRuntime(v.config)).map((s) => `${s.host} ${s.port}`);
}

test('a wildcard covers only its own family', async () => {
  assert.deepEqual(await sockets('[::1]:8080', '8080'), ['::1 8080', '0.0.0.0 8080']);
  assert.deepEqual(await sockets('127.0.0.1:8080', '[::1]:8080', '[::]:8080'), ['127.0.0.1 8080', ':: 8080']);
  assert.deepEqual(await sockets('127.0.0.1:8080', '[::1]:8080', '8080', '[::]:8080'), ['0.0.0.0 8080', ':: 8080']);
  assert.deepEqual(await sockets('[::1]:8080', '[::]:8081'), ['::1 8080', ':: 8081'], 'other ports are their own');
});

test('one socket per address, however it is written; a dotted quad is decimal', async () => {
  assert.deepEqual(await sockets('[::1]:8080', '[0:0::1]:8080', '127.0.0.010:8081', '127.0.0.10:8081'), ['::1 8080', '127.0.0.10 8081']);
});

test('localhost binds every address the name resolves to, as nginx does', async () => {
  // (nginx 1.22 with "::1 localhost" in /etc/hosts listens on 127.0.0.1:P and [::1]:P)
  const found = await lookup('localhost', { all: true, hints: ADDRCONFIG });
  const expected = [...new Set(found.map((a) => `${a.address} 8080`))];
  assert.deepEqual((await sockets('localhost:8080')).sort(), (expected.length ? expected : ['127.0.0.1 8080']).sort());
  // next to a wildcard of its family, the wildcard takes it
  assert.ok((await sockets('localhost:8080', '8080', '[::]:8080')).every((s) => s === '0.0.0.0 8080' || s === ':: 8080'));
});

test('listenBindKeys: a name stands for each address given for it; addresses for themselves', () => {
  assert.deepEqual(listenBindKeys('localhost:8080', ['::1', '127.0.0.1']), ['::1:8080', '127.0.0.1:8080']);
  assert.deepEqual(listenBindKeys('localhost:8080'), ['127.0.0.1:8080']);
  assert.deepEqual(listenBindKeys('[::1]:80', ['::1', '127.0.0.1']), ['::1:80']);
  assert.deepEqual(listenBindKeys('8080'), ['0.0.0.0:8080']);
});
