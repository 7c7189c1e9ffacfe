// The send timeouts' watch (stall-watch.ts) on a mocked clock: it gives up `ms` after the last
// progress, as nginx's timer does, late by at most two of its checks (a twentieth of `ms` each).
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { StallWatch } from '../../../main/engine/stall-watch.ts';

test('a stalled destination times out within a tenth of the timeout after its last progress', () => {
  mock.timers.enable({ apis: ['setInterval', 'Date'] });
  try {
    const queue = { writableLength: 1000 };
    let firedAt = -1;
    const watch = new StallWatch(queue, 1000, () => (firedAt = Date.now()));
    for (let t = 0; t < 3000 && firedAt < 0; t += 10) {
      if (t === 510) queue.writableLength = 400; // the peer took something, once
      mock.timers.tick(10);
    }
    watch.end();
    assert.ok(firedAt >= 1510, `gave up ${firedAt - 510} ms after the last progress (before the timeout)`);
    assert.ok(firedAt <= 1610, `gave up ${firedAt - 510} ms after the last progress (nginx: 1000)`);
  } finally {
    mock.timers.reset();
  }
});

test('once a short timeout\'s watch ends, the others are checked at their own rate again', () => {
  mock.timers.enable({ apis: ['setInterval', 'Date'] });
  try {
    const long = new StallWatch({ writableLength: 1 }, 20_000, () => {}); // checked every second
    const short = new StallWatch({ writableLength: 1 }, 400, () => {}); // every 20 ms while it lasts
    let checks = 0;
    const count = { get writableLength() { checks++; return 1; } };
    const probe = new StallWatch(count, 20_000, () => {});
    mock.timers.tick(200);
    assert.ok(checks >= 9, `${checks} checks in 200 ms while the short watch lasts`);
    short.end();
    checks = 0;
    mock.timers.tick(2000);
    assert.ok(checks <= 2, `${checks} checks in 2 s after it ended (every second: 2)`);
    long.end();
    probe.end();
  } finally {
    mock.timers.reset();
  }
});
