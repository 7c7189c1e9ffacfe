// The closed sessions a list keeps (app/traffic/ended-sessions.ts): the last to end, as the
// service's traffic log keeps them, whatever order they opened in; the pinned one past the limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndedSessions } from '../../../app/traffic/ended-sessions.ts';
import type { SessionView } from '../../../app/api/views.ts';

const session = (id: number, state: SessionView['state'], closedAt: number | null = null) => ({ id, state, closedAt }) as SessionView;
const ids = (list: readonly SessionView[]) => list.map((s) => s.id);

test('a long-lived session that ends after many short ones is kept, and the first to end go', () => {
  const kept = new EndedSessions(3);
  let list: SessionView[] = [];
  kept.reset(list);
  list = kept.merge(list, [session(1, 'open')], null);
  for (let id = 2; id <= 5; id++) list = kept.merge(list, [session(id, 'open')], null);
  for (let id = 2; id <= 5; id++) list = kept.merge(list, [session(id, 'closed', id)], null);
  assert.deepEqual(ids(list), [1, 3, 4, 5], 'the first of the short ones to end went');
  list = kept.merge(list, [session(1, 'closed', 10)], null);
  assert.deepEqual(ids(list), [1, 4, 5], 'session 1 ended last: kept, where the list used to drop the lowest ids');
  // an update to a session already ended does not count it again
  list = kept.merge(list, [session(4, 'closed', 4)], null);
  assert.deepEqual(ids(list), [1, 4, 5]);
});

test('a snapshot gives the closing order by closing time; the pinned session stays past the limit while pinned', () => {
  const kept = new EndedSessions(2);
  let list = [session(1, 'closed', 30), session(2, 'closed', 10), session(3, 'rejected', 20), session(4, 'open')];
  kept.reset(list);
  list = kept.merge(list, [session(5, 'closed', 40)], 2);
  assert.deepEqual(ids(list), [1, 2, 4, 5], 'session 3 ended first of the unpinned ones; 2 is pinned');
  list = kept.merge(list, [session(6, 'closed', 50)], null);
  assert.deepEqual(ids(list), [4, 5, 6], 'unpinned, 2 goes first, then 1');
});
