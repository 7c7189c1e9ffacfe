// Which of two views of a session is the later (app/traffic/session-progress.ts): by its state, then
// by its counts, which only grow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEarlierView } from '../../../app/traffic/session-progress.ts';
import type { SessionView } from '../../../app/api/views.ts';

const view = (state: SessionView['state'], framesFromClient = 0, framesInjected?: number) =>
  ({ state, bytesFromClient: 10 * framesFromClient, bytesFromUpstream: 0, framesFromClient, framesFromUpstream: 0, framesInjected }) as SessionView;

test('an earlier state is earlier, whatever the counts', () => {
  assert.equal(isEarlierView(view('connecting'), view('open')), true);
  assert.equal(isEarlierView(view('open', 9), view('closed', 1)), true);
  assert.equal(isEarlierView(view('connecting'), view('rejected')), true);
  assert.equal(isEarlierView(view('closed'), view('open', 9)), false);
});

test('in one state, fewer bytes or frames (its own sent ones too) is earlier; the same view is not', () => {
  assert.equal(isEarlierView(view('open', 1), view('open', 2)), true);
  assert.equal(isEarlierView(view('open', 1), view('open', 1, 1)), true);
  assert.equal(isEarlierView(view('open', 2), view('open', 1)), false);
  assert.equal(isEarlierView(view('closed', 1), view('closed', 1)), false);
});
