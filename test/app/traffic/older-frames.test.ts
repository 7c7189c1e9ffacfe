// The note over the frame log on the older frames it does not have: which cause it names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { olderFramesNote } from '../../../app/traffic/older-frames.ts';

const base = { notKept: 0, logged: 0, cap: 5000, trimmed: 0, windowMax: 100_000 };

test('nothing missing: no note', () => {
  assert.equal(olderFramesNote({ ...base, logged: 40_000, cap: 100_000 }), '');
});

test('the per-session cap is named only when the session logged more than it keeps', () => {
  assert.equal(olderFramesNote({ ...base, notKept: 200, logged: 300, cap: 100 }), '200 older frames are not kept: past the frames kept per session (Capture settings), the oldest go first.');
  assert.equal(olderFramesNote({ ...base, notKept: 1, logged: 101, cap: 100 }), '1 older frame is not kept: past the frames kept per session (Capture settings), the oldest go first.');
  assert.equal(
    olderFramesNote({ ...base, notKept: 20_000, logged: 40_000, cap: 100_000 }),
    '20,000 older frames are not kept: past the frames kept over all sessions (the largest logs give up their oldest), the oldest go first.',
  );
  assert.equal(
    olderFramesNote({ ...base, notKept: 3000, logged: 7000, cap: 5000 }),
    '3,000 older frames are not kept: past the frames kept per session (Capture settings); 1,000 past the frames kept over all sessions (the largest logs give up their oldest), the oldest go first.',
  );
});

test('rows the window dropped, and a cap not known', () => {
  assert.equal(olderFramesNote({ ...base, trimmed: 5, logged: 100_005, cap: 1_000_000 }), '5 older frames are not kept: past the 100,000 rows this window holds, the oldest go first.');
  assert.equal(olderFramesNote({ ...base, notKept: 10, logged: 20, cap: null }), '10 older frames are not kept: past the frames the traffic log keeps (Capture settings), the oldest go first.');
});

test('an imported file\'s log: what it lacks is the file\'s, not this app\'s settings', () => {
  assert.equal(olderFramesNote({ ...base, notKept: 10, logged: 20, cap: null, imported: true }), '10 older frames are not kept: the file does not have them (the log that exported it no longer kept them), the oldest go first.');
});
