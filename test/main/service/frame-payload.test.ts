// `framePayload` (one frame's kept payload) through the service and the web host, on a real engine
// with real `ws` peers; and the per-direction frame counts on session views.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import WebSocket, { WebSocketServer } from 'ws';
import { SwitchyardService } from '../../../main/service/service.ts';
import { startWebHost } from '../../../main/web/host.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { sleep, until } from '../../helpers/wait.ts';
import { send } from '../../helpers/client.ts';
import type { FramePayload, FrameView, ImportedHar, SessionDetail, SessionView } from '../../../app/api/contract.ts';
import { value } from '../../helpers/service.ts';

const scope = testScope();
async function setup(limits: { payloadPerMessage?: number; payloadTotal?: number } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary })));
  scope.defer(async () => { for (const c of wss.clients) c.terminate(); await new Promise((r) => wss.close(r)); });
  const port = (wss.address() as { port: number }).port;
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {}, limits });
  scope.defer(async () => service.close());
  const client = new WebSocket(`ws://127.0.0.1:${e.port}/ws`);
  await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
  const received: Buffer[] = [];
  client.on('message', (d) => received.push(d as Buffer));
  const id = e.engine.liveSessions()[0]!.id;
  const frames = async (n: number) => {
    await until(() => (service.traffic.framesOf(id)?.length ?? 0) >= n);
    return value<SessionDetail>(await service.handle('session', { id })).frames!;
  };
  return { service, client, id, received, frames, upstream: () => [...wss.clients][0]! };
}

test('framePayload: text as text, binary as base64, control frames refused, unknown frames not found', async () => {
  const { service, client, id, received, frames } = await setup();
  const json = JSON.stringify({ op: 'hello', list: [1, 2, 3], text: 'é'.repeat(700) });
  client.send(json);
  client.send(Buffer.from([0, 1, 2, 0xff]), { binary: true });
  client.ping(Buffer.from('are you there'));
  await until(() => received.length === 2);
  const rows = await frames(5);
  const text = rows.find((f) => f.opcode === 'text' && f.from === 'client')!;
  assert.ok(text.preview.length < json.length, 'the row holds only a preview');
  const p = value<FramePayload>(await service.handle('framePayload', { id, seq: text.seq }));
  assert.deepEqual(p, { encoding: 'text', data: json, bytes: Buffer.byteLength(json), truncated: false, evicted: false });
  const bin = rows.find((f) => f.opcode === 'binary' && f.from === 'upstream')!;
  assert.deepEqual(value<FramePayload>(await service.handle('framePayload', { id, seq: bin.seq })), { encoding: 'base64', data: Buffer.from([0, 1, 2, 0xff]).toString('base64'), bytes: 4, truncated: false, evicted: false });
  const ping = rows.find((f) => f.opcode === 'ping')!;
  const r = await service.handle('framePayload', { id, seq: ping.seq });
  assert.ok(!r.ok && r.error.code === 'no_payload' && /ping frame/.test(r.error.message), JSON.stringify(r));
  const missing = await service.handle('framePayload', { id, seq: 9999 });
  assert.ok(!missing.ok && missing.error.code === 'not_found');
  const bad = await service.handle('framePayload', { id, seq: -1 });
  assert.ok(!bad.ok && bad.error.code === 'bad_params' && /seq/.test(bad.error.message));
  client.close();
});

test('framePayload: truncated keeps the first bytes; evicted comes back empty and says so', async () => {
  // (26: a message's capture in progress, 8 bytes, counts next to the 8 bytes kept of each one before)
  const { service, client, id, received, frames } = await setup({ payloadPerMessage: 8, payloadTotal: 26 });
  client.send('0123456789abcdef');
  await until(() => received.length === 1);
  const [sent] = await frames(2);
  assert.deepEqual(value<FramePayload>(await service.handle('framePayload', { id, seq: sent!.seq })), { encoding: 'text', data: '01234567', bytes: 8, truncated: true, evicted: false });
  // the cap cuts the € (e2 82 ac) after its second byte: the text ends before it, no U+FFFD
  client.send('012345€ and more');
  await until(() => received.length === 2);
  const cut = (await frames(4)).filter((f) => f.from === 'client').at(-1)!;
  assert.deepEqual(value<FramePayload>(await service.handle('framePayload', { id, seq: cut.seq })), { encoding: 'text', data: '012345', bytes: 8, truncated: true, evicted: false });
  client.send('xxxxxxxx');
  client.send('yyyyyyyy');
  await until(() => received.length === 4);
  const rows = await frames(8);
  const first = value<FramePayload>(await service.handle('framePayload', { id, seq: rows[0]!.seq }));
  assert.equal(rows[0]!.payload, 'evicted');
  assert.deepEqual(first, { encoding: 'text', data: '', bytes: 0, truncated: false, evicted: true });
  const last = rows.at(-1)!;
  assert.deepEqual(value<FramePayload>(await service.handle('framePayload', { id, seq: last.seq })), { encoding: 'text', data: 'yyyyyyyy', bytes: 8, truncated: false, evicted: false });
  client.close();
});

test('framePayload over the web host; session views count frames each way, injected ones included', async () => {
  const { service, client, id, received, frames } = await setup();
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-renderer-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  const host = await startWebHost({ service, rendererDir: dir });
  scope.defer(async () => { await host.close(); rmSync(dir, { recursive: true, force: true }); });
  client.send('one');
  client.send('two');
  await until(() => received.length === 2);
  const rows: FrameView[] = await frames(4);
  const res = await send(`http://127.0.0.1:${host.port}/api/framePayload`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-switchyard-token': host.token }, body: JSON.stringify({ id, seq: rows[1]!.seq }),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { ok: true, value: { encoding: 'text', data: rows[1]!.preview, bytes: 3, truncated: false, evicted: false } });

  value(await service.handle('injectMessage', { id, direction: 'client', opcode: 'text', data: 'from switchyard' }));
  await until(() => received.length === 3);
  const view = value<SessionView[]>(await service.handle('sessions', {})).find((s) => s.id === id)!;
  assert.deepEqual([view.framesFromClient, view.framesFromUpstream, view.framesInjected], [2, 2, 1], 'two sent by the client, two echoes, and one Switchyard sent toward the client');
  const closed = value<SessionView>(await service.handle('closeSession', { id, code: 4000, reason: 'done' }));
  assert.equal(closed.state, 'closed');
  await sleep(100); // the peers' Close replies reach the log
  const after = value<SessionDetail>(await service.handle('session', { id }));
  const by = (from: string) => after.frames!.filter((f) => f.from === from && !f.injected).length;
  assert.ok(after.frames!.filter((f) => f.opcode === 'close').length >= 2, 'our Close frames to both peers are logged');
  assert.deepEqual([after.session.framesFromClient, after.session.framesFromUpstream, after.session.framesInjected], [by('client'), by('upstream'), after.frames!.filter((f) => f.injected).length], 'the counts match the log, Close frames included');
});

test('actions on a live session: text UTF-8 cannot hold is refused, sending nothing; a frame behind a peer\'s Close fails with peer_closed', async () => {
  const { service, client, id, received, upstream } = await setup();
  const lone = await service.handle('injectMessage', { id, direction: 'client', opcode: 'text', data: 'a\ud800b' });
  assert.ok(!lone.ok && lone.error.code === 'invalid_text' && /^data: character 2 is a lone UTF-16 surrogate/.test(lone.error.message), JSON.stringify(lone));
  const reason = await service.handle('closeSession', { id, code: 4000, reason: '\udc00' });
  assert.ok(!reason.ok && reason.error.code === 'invalid_text' && /^close reason: character 1/.test(reason.error.message), JSON.stringify(reason));
  client.send('still open');
  await until(() => received.length === 1);
  assert.equal(received[0]!.toString(), 'still open', 'nothing was sent before it, and the session is open');
  // the upstream does not read (so it does not answer) the client's Close: the session stays open with the Close gone by
  upstream().pause();
  client.close(1000, 'bye');
  await until(() => (service.traffic.framesOf(id) ?? []).some((f) => f.opcode === 'close' && f.from === 'client'));
  const behind = await service.handle('injectMessage', { id, direction: 'upstream', opcode: 'text', data: 'late' });
  assert.ok(!behind.ok && behind.error.code === 'peer_closed' && /client has sent its Close frame/.test(behind.error.message), JSON.stringify(behind));
  upstream().resume();
});

test('exportHar: a session named more than once is exported once', async () => {
  const { service, client, id } = await setup();
  const har = JSON.parse(value<string>(await service.handle('exportHar', { sessionIds: [id, id, id] })));
  assert.deepEqual(har.log.entries.map((e: { _switchyard: { sessionId: number } }) => e._switchyard.sessionId), [id]);
  client.close();
});

test('a text the per-message cap cut inside a character exports as far as its last whole one and imports as framePayload gives it', async () => {
  const { service, client, id, received, frames } = await setup();
  client.send('€'.repeat(90_000)); // 270,000 bytes: the 64 KiB cap falls inside the 21,846th €
  await until(() => received.length === 1);
  const [sent] = await frames(2);
  const live = value<FramePayload>(await service.handle('framePayload', { id, seq: sent!.seq }));
  assert.deepEqual(live, { encoding: 'text', data: '€'.repeat(21_845), bytes: 65_536, truncated: true, evicted: false });
  const har = value<string>(await service.handle('exportHar', { sessionIds: [id] }));
  const m = JSON.parse(har).log.entries[0]._webSocketMessages.find((x: { _switchyard: { seq: number } }) => x._switchyard.seq === sent!.seq);
  assert.deepEqual([m.data === live.data, m._switchyard.bytesBase64, m._switchyard.utf8ErrorOffset], [true, undefined, undefined], 'no U+FFFD the sender never sent, no exact bytes apart');
  assert.deepEqual(value<ImportedHar>(await service.handle('importHar', { text: har })).sessions[0]!.payloads[sent!.seq], live);
  client.close();
});

test('framePayload: a text message that is not UTF-8 comes as base64 of its exact bytes', async () => {
  const { service, client, id, upstream } = await setup();
  // (the ws upstream closes with 1007 on it; the row and its payload stay)
  upstream().on('error', () => {});
  client.on('error', () => {});
  client.send(Buffer.from([0x61, 0xff, 0x62]), { binary: false });
  await until(() => (service.traffic.framesOf(id) ?? []).some((f) => f.opcode === 'text'));
  const row = service.traffic.framesOf(id)!.find((f) => f.opcode === 'text')!;
  assert.deepEqual(value<FramePayload>(await service.handle('framePayload', { id, seq: row.seq })), { encoding: 'base64', data: Buffer.from([0x61, 0xff, 0x62]).toString('base64'), bytes: 3, truncated: false, evicted: false });
  // the row says where the text stops being UTF-8, in the view and the HAR
  const shown = value<SessionDetail>(await service.handle('session', { id })).frames!.find((f) => f.seq === row.seq)!;
  assert.equal(shown.utf8ErrorOffset, 1);
  const har = JSON.parse(value<string>(await service.handle('exportHar', { sessionIds: [id] })));
  const sent = har.log.entries[0]._webSocketMessages.find((m: { opcode: number }) => m.opcode === 1);
  assert.deepEqual([sent._switchyard.utf8ErrorOffset, sent._switchyard.bytesBase64], [1, Buffer.from([0x61, 0xff, 0x62]).toString('base64')]);
});
