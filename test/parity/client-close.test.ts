// How a client connection ends, against real nginx (lingering_close on, lingering_timeout 5s): every
// case of close-cases.ts at once through both, and the same story for each: the answers, the FIN
// or reset and when (at once, ~5 s after the client stopped sending), and whether the client's
// later writes were read (or read as a next request, as after a refused WebSocket handshake).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE_CASES } from './close-cases.ts';
import { explore } from './close-explore.ts';
import { sameStory, tell } from './close-wire.ts';

test('a client connection ends as through nginx: discarded bodies, lingering close, plain close, each with its timing', { timeout: 40_000 }, async () => {
  const { nginx, engine, stopError } = await explore(CLOSE_CASES);
  assert.equal(stopError, undefined, 'the engine stops once its clients left (it held none of their connections)');
  const differ: string[] = [];
  CLOSE_CASES.forEach((c, i) => {
    const n = nginx[i]!;
    const e = engine[i]!;
    if (!sameStory(n, e)) differ.push(`${c.name}\n  nginx  ${tell(n)}\n  engine ${tell(e)}`);
  });
  assert.deepEqual(differ, []);
});
