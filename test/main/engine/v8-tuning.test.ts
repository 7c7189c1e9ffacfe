// The engine sets its V8 flags (main/engine/v8-tuning.ts) in whatever process creates it: the CLI,
// the web host and the Electron main process get them without any launcher flag. (What they do is
// measured by the benchmark, not here.)
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import v8 from 'node:v8';
import { ENGINE_V8_FLAGS } from '../../../main/engine/v8-tuning.ts';

test('creating an engine sets the V8 flags in its process, once', async () => {
  const set = mock.method(v8, 'setFlagsFromString', () => {});
  const { Engine } = await import('../../../main/engine/engine.ts');
  assert.equal(set.mock.callCount(), 0, 'importing the engine sets nothing');
  new Engine();
  new Engine();
  assert.deepEqual(set.mock.calls.map((c) => c.arguments[0]), [...ENGINE_V8_FLAGS]);
});

test('this V8 knows each flag (setFlagsFromString ignores unknown ones; node refuses them on its command line)', () => {
  for (const flag of ENGINE_V8_FLAGS) {
    const r = spawnSync(process.execPath, [flag, '-e', '0'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${flag}: ${r.stderr}`);
  }
});
