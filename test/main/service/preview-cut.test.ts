// A row's preview is cut at 512 UTF-16 units: never inside a surrogate pair. Text of emoji (two
// units each) after one ASCII letter puts a pair across the cut; the preview must end with the
// last whole emoji, live (a real ws client and server through the engine, compressed and not) and
// in a HAR file read back, where the preview is made from the message's `data`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { SwitchyardService } from '../../../main/service/service.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { poll } from '../../helpers/wait.ts';
import { value } from '../../helpers/service.ts';
import type { FrameView, ImportedHar, SessionDetail } from '../../../app/api/contract.ts';
import type { SessionView } from '../../../app/api/views.ts';

const scope = testScope();
const TEXT = `a${'😀'.repeat(1000)}`;
/** The 512-unit preview that keeps whole characters: 'a' and 255 emoji, then '…'. */
const PREVIEW = `a${'😀'.repeat(255)}…`;
/** A lone high or low surrogate: half a character. */
const HALF = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

test('a text preview ends at the last whole character, not inside a surrogate pair (live, compressed or not, and from a HAR file)', async () => {
  const u = await scope.ws('echo', { perMessageDeflate: true });
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${u.port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {} });
  scope.defer(async () => service.close());
  for (const perMessageDeflate of [false, true]) {
    const client = new WebSocket(`ws://127.0.0.1:${e.port}/ws`, { perMessageDeflate });
    await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
    const echoed = new Promise((r) => client.once('message', r));
    client.send(TEXT);
    await echoed;
    client.close();
  }
  const sessions = await poll(async () => value<SessionView[]>(await service.handle('sessions', {})), (l) => l.length === 2 && l.every((s) => s.state === 'closed'));
  const rows: FrameView[] = [];
  for (const s of sessions) rows.push(...value<SessionDetail>(await service.handle('session', { id: s.id })).frames!.filter((f) => f.opcode === 'text'));
  assert.equal(rows.length, 4, 'each echo: the client\'s message and the server\'s');
  assert.deepEqual(rows.map((f) => [f.from, f.preview]), [['client', PREVIEW], ['upstream', PREVIEW], ['client', PREVIEW], ['upstream', PREVIEW]]);
  assert.ok(rows.some((f) => f.wireLength !== undefined), 'a compressed message among them');
  const har = value<string>(await service.handle('exportHar', {}));
  const imported = value<ImportedHar>(await service.handle('importHar', { text: har }));
  const back = imported.sessions.flatMap((s) => s.frames.filter((f) => f.opcode === 'text'));
  assert.equal(back.length, 4);
  for (const f of back) {
    assert.ok(!HALF.test(f.preview), 'no half character');
    assert.equal(f.preview, PREVIEW);
  }
});
