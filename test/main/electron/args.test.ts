// The desktop app's --workspace argument, as a first and as a second launch give it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workspaceArg } from '../../../main/electron/args.ts';

test('--workspace FILE and --workspace=FILE, resolved against the launch\'s own folder; absent or empty: none', () => {
  assert.equal(workspaceArg(['electron', '.', '--workspace', 'w/a.json'], '/home/u'), '/home/u/w/a.json');
  assert.equal(workspaceArg(['switchyard', '--workspace=/abs/b.json'], '/home/u'), '/abs/b.json');
  assert.equal(workspaceArg(['switchyard', '--workspace', '../c.json'], '/home/u/x'), '/home/u/c.json');
  assert.equal(workspaceArg(['switchyard', '--workspace'], '/home/u'), undefined);
  assert.equal(workspaceArg(['switchyard', '--workspace='], '/home/u'), undefined);
  assert.equal(workspaceArg(['switchyard', 'other'], '/home/u'), undefined);
});
