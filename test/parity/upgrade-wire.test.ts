// Upgrade handshakes byte by byte against real nginx (the exported config): the cases of
// upgrade-cases.ts that upgrade-explore.ts found to differ, their neighbours, and refused handshakes
// whose connection goes on to a next request, each through nginx
// and the engine with its own scripted upstream; what the upstream got on each connection (and
// whether the proxy closed it) and what the client got (and how its connection ended) must match,
// the README's documented differences taken out (upgrade-explore.ts `lenient`).
// Needs Debian's nginx; fails without it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { findNginx } from '../../main/nginx/binary.ts';
import { allCases, handshake, FRAME, type UpgradeCase } from './upgrade-cases.ts';
import { lenient, runAll, type Outcome } from './upgrade-explore.ts';

const plainGet = (route: string) => `GET /${route}/SEG HTTP/1.1\r\nHost: up.test\r\n\r\n`;

const cases: UpgradeCase[] = [
  // a client that half-closes before the upstream answers is gone, to nginx: both connections
  // close at once and the client gets nothing, on a route without the websocket switch too
  ...(['plain', 'v11', 'ws'] as const).flatMap((route) => [
    { name: `${route}: handshake, client FIN while waiting -> 426`, route, answer: 'slow426', bytes: handshake(route), halfClose: true, quietMs: 100 },
    { name: `${route}: handshake + frame, client FIN while waiting -> 101`, route, answer: 'slow101', bytes: handshake(route) + FRAME, halfClose: true, quietMs: 100 },
    { name: `${route}: handshake with a body, client FIN while waiting -> 426`, route, answer: 'slow426', bytes: handshake(route, { extra: ['Content-Length: 4'], body: 'abcd' }), halfClose: true, quietMs: 100 },
    { name: `${route}: plain GET, client FIN while waiting -> 426`, route, answer: 'slow426', bytes: plainGet(route), halfClose: true, quietMs: 100 },
  ] satisfies UpgradeCase[]),
  // and one that stays gets its answer
  { name: 'plain: handshake -> 426', route: 'plain', answer: 's426', bytes: handshake('plain') },
  { name: 'plain: handshake with a chunked body -> 426', route: 'plain', answer: 's426', bytes: handshake('plain', { extra: ['Transfer-Encoding: chunked'], body: '4\r\nabcd\r\n0\r\n\r\n' }) },
  // a refused handshake's connection goes on as after any answer: the answer framed for the
  // client, then the next request (a frame is a bad one, 400), or the close
  ...allCases(/^(ws std, then a GET -> (s426|s426chunk)|ws std \+ pipelined -> s200|ws (early|v10|head|bodyCl) -> s426|(ws|plain) std -> (s426eof|s426ka)|kaws std, then a pooled GET -> s426eof|h10u std -> s426)$/),
] as UpgradeCase[];

let nginx: Outcome[];
let engine: Outcome[];

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  ({ nginx, engine } = await runAll(cases));
});

cases.forEach((c, i) => {
  test(`upgrade wire: ${c.name}`, () => {
    const isHead = c.bytes.startsWith('HEAD ');
    assert.deepEqual(lenient(engine[i]!, isHead), lenient(nginx[i]!, isHead));
  });
});

test('upgrade wire: on a route without the switch, a client that half-closes while the upstream thinks gets nothing, and both connections close', () => {
  for (const [i, c] of cases.entries()) {
    if (!c.halfClose) continue;
    for (const [who, o] of [['nginx', nginx[i]!], ['engine', engine[i]!]] as const) {
      assert.equal(o.client, '', `${who}, ${c.name}: nothing reaches the client`);
      assert.equal(o.end, 'fin', `${who}, ${c.name}: the proxy closes the client connection`);
      assert.equal(o.upstream.length, 1, `${who}, ${c.name}: one upstream connection`);
      assert.match(o.upstream[0]!, /^#0 fin /, `${who}, ${c.name}: the proxy closes the upstream connection`);
    }
  }
});
