// The sockets the engine binds for a config: a wildcard covers the addresses of its own family on
// its port, as nginx binds them (its IPv6 sockets are ipv6only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRuntime, socketsToBind } from '../../../main/engine/runtime.ts';
import { validateConfig } from '../../../app/config/validate.ts';

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
