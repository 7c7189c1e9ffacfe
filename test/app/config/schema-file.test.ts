// The committed JSON Schema must be the one the model emits (run `npm run schema` after changes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configJsonSchema } from '../../../app/config/json-schema.ts';

test('schema/switchyard.config.schema.json is up to date with app/config/schema.ts', () => {
  const committed = JSON.parse(readFileSync(new URL('../../../schema/switchyard.config.schema.json', import.meta.url), 'utf8'));
  assert.deepEqual(committed, JSON.parse(JSON.stringify(configJsonSchema())));
});
