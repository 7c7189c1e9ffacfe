// Migrations (app/config/migrate.ts) against a fixture per schema version (test/fixtures/config/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { migrateConfig, MIGRATIONS } from '../../../app/config/migrate.ts';
import { SCHEMA_VERSION } from '../../../app/config/schema.ts';
import { validateConfig } from '../../../app/config/validate.ts';
import { loadDocument } from '../../../main/persist/document.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/config/', import.meta.url));
const read = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

test('there is a fixture for every schema version, and a migration from every older one', () => {
  for (let v = 0; v <= SCHEMA_VERSION; v++) {
    assert.ok(readdirSync(FIXTURES).includes(`v${v}.json`), `test/fixtures/config/v${v}.json is missing`);
    if (v < SCHEMA_VERSION) assert.equal(typeof MIGRATIONS[v], 'function', `no migration from v${v}`);
  }
});

for (let v = 0; v <= SCHEMA_VERSION; v++) {
  test(`fixture v${v} migrates to a valid v${SCHEMA_VERSION} document`, () => {
    const r = migrateConfig(read(`v${v}.json`));
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.from, v);
    assert.equal(r.steps.length, SCHEMA_VERSION - v);
    const valid = validateConfig(r.doc);
    assert.ok(valid.ok, JSON.stringify(!valid.ok && valid.issues));
    if (readdirSync(FIXTURES).includes(`v${v}.expected.json`)) assert.deepEqual(r.doc, read(`v${v}.expected.json`));
    if (v === SCHEMA_VERSION) assert.deepEqual(r.doc, read(`v${v}.json`), 'the current version passes through unchanged');
  });
}

test('migration errors have stable codes', () => {
  const code = (doc: unknown) => { const r = migrateConfig(doc); return r.ok ? 'ok' : r.code; };
  assert.equal(code([]), 'not_an_object');
  assert.equal(code(null), 'not_an_object');
  assert.equal(code({ schemaVersion: SCHEMA_VERSION + 1 }), 'newer_version');
  assert.equal(code({ schemaVersion: -1 }), 'unknown_version');
  assert.equal(code({ version: 0, routes: [{ target: 'wss://example.com' }] }), 'migration_failed');
  assert.equal(code({ version: 0, routes: 'no' }), 'migration_failed');
  // schemaVersion counts from 1: 0 on a v1 document is not the legacy v0 (which would empty it)
  const zero = migrateConfig({ schemaVersion: 0, servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [] }] });
  assert.ok(!zero.ok && zero.code === 'unknown_version' && /counts from 1/.test(zero.message), JSON.stringify(zero));
  // a v0 field of the wrong type, or one v0 never had, stops the migration by name (it was replaced by a default, or dropped)
  const failed = (doc: unknown) => { const r = migrateConfig(doc); return r.ok ? 'ok' : r.message; };
  assert.match(failed({ version: 0, routes: [{ listen: 8080, target: 'ws://127.0.0.1:9000' }] }), /routes\[0\]\.listen is 8080, not a string/);
  assert.match(failed({ version: 0, routes: [{ path: 5, target: 'ws://127.0.0.1:9000' }] }), /routes\[0\]\.path is 5, not a string/);
  assert.match(failed({ version: 0, routes: [{ target: 'ws://127.0.0.1:9000', websocket: 'yes' }] }), /routes\[0\]\.websocket is "yes", not a boolean/);
  assert.match(failed({ version: 0, routes: [{ target: 'ws://127.0.0.1:9000', junk: 1 }] }), /routes\[0\]\.junk is not a field of a version 0 route/);
  assert.match(failed({ version: 0, routes: [], upstreams: [] }), /"upstreams" is not a field of a version 0 file/);
  // no marker at all: passed through, validation names the missing schemaVersion
  assert.equal(code({ servers: [] }), 'ok');
});

test('loading a v0 file migrates it and says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-migrate-'));
  try {
    const file = join(dir, 'old.json');
    writeFileSync(file, readFileSync(join(FIXTURES, 'v0.json')));
    const loaded = await loadDocument(file);
    assert.deepEqual(loaded.doc, read('v0.expected.json'));
    assert.equal(loaded.notices[0]?.code, 'migrated');
    assert.match(loaded.notices[0]!.message, /v0 → v1: 3 routes became 2 servers/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
