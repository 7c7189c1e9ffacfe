// The frame log at the tap's edges, on a fake engine fed raw frame bytes (the service's real tap):
// a message in an unknown extension's encoding, a frame Switchyard sent once the session had
// closed while a compressed message was still inflating, and a peer that sends on after its Close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { SwitchyardService } from '../../../main/service/service.ts';
import type { TrafficWatch } from '../../../main/service/traffic-watch.ts';
import type { ChunkObserver } from '../../../main/engine/events.ts';
import { encodeFrame } from '../inspect/helpers.ts';
import { FakeEngine } from './fake-engine.ts';
import { until } from '../../helpers/wait.ts';
import type { FramePayload, FrameView, ImportedHar, SessionDetail } from '../../../app/api/contract.ts';
import { value } from '../../helpers/service.ts';

/** A service on a fake engine with session 1 open (its handshake negotiated `extensions`), and the
 * relay's observers of each direction, to feed chunks to its tap. */
async function tapped(extensions: string) {
  const engine = new FakeEngine();
  const record = engine.openSession(1); // (before the service: no tap on this one)
  const service = await SwitchyardService.create(engine.asEngine(), { initialDraft: {} });
  record.extensions = extensions;
  const seen: { client: ChunkObserver | null; upstream: ChunkObserver | null } = { client: null, upstream: null };
  engine.emit('session-open', record, { client: {}, upstream: {}, observe: (c: ChunkObserver | null, u: ChunkObserver | null) => Object.assign(seen, { client: c, upstream: u }) });
  assert.ok(seen.client && seen.upstream, 'the tap observes the relay');
  const watch = (service as unknown as { watch: TrafficWatch }).watch;
  return { engine, service, seen, watch, close: () => engine.live.get(1)!.close('test over') };
}

/** A compressed text message the upstream sends, through the tap (node:zlib inflates it on a later
 * turn); its length inflated. */
function relayCompressed(upstream: ChunkObserver): number {
  const big = Buffer.from('a compressed message '.repeat(20_000));
  upstream(encodeFrame({ opcode: 1, rsv1: true, payload: deflateRawSync(big, { finishFlush: 2 }).subarray(0, -4) }));
  return big.length;
}

test('a message in an unknown extension\'s encoding is logged as raw bytes that say so (view, payload, HAR)', async () => {
  const { service, seen, close } = await tapped('x-foo');
  try {
    seen.upstream!(Buffer.concat([encodeFrame({ opcode: 1, rsv1: true, payload: Buffer.from([0x68, 0xff, 0x69]) }), encodeFrame({ opcode: 1, payload: 'plain' })]));
    const detail = value<SessionDetail>(await service.handle('session', { id: 1 }));
    const frames = detail.frames!;
    assert.deepEqual(frames.map((f) => [f.opcode, f.preview, f.encodedBy, f.payload]), [['text', '68 ff 69', 'x-foo', 'kept'], ['text', 'plain', undefined, 'kept']]);
    assert.equal(detail.session.violation, undefined, 'RSV1 of an unknown extension is no violation');
    // its bytes as they are (base64), not as text with U+FFFD in it
    const p = value<FramePayload>(await service.handle('framePayload', { id: 1, seq: frames[0]!.seq }));
    assert.deepEqual([p.encoding, Buffer.from(p.data, 'base64').toString('hex')], ['base64', '68ff69']);
    // not replayed: sent again without the extension's RSV bits it would be another message
    const replay = await service.handle('replayFrame', { id: 1, seq: frames[0]!.seq });
    assert.equal(!replay.ok && replay.error.code, 'encoded_message', JSON.stringify(replay));
    const back = value<ImportedHar>(await service.handle('importHar', { text: value<string>(await service.handle('exportHar', { sessionIds: [1] })) }));
    assert.equal(back.sessions[0]!.frames[0]!.encodedBy, 'x-foo');
  } finally {
    close();
    service.close();
  }
});

test('a frame Switchyard sent after the session closed is logged behind the compressed message still inflating then', async () => {
  const { service, seen, watch, close } = await tapped('permessage-deflate');
  try {
    const inflated = relayCompressed(seen.upstream!);
    close(); // the tap stops; the message is still inflating (node:zlib answers on a later turn)
    const injected = watch.recordInjected(1, { time: Date.now(), from: 'client', opcode: 'close', fin: true, length: 2, preview: '', closeCode: 1000 });
    let timer: NodeJS.Timeout | undefined;
    const row = await Promise.race([injected, new Promise<null>((r) => (timer = setTimeout(() => r(null), 5000)))]);
    clearTimeout(timer);
    assert.ok(row, 'recorded in time');
    await until(() => (service.traffic.framesOf(1)?.length ?? 0) === 2);
    const frames: FrameView[] = service.traffic.framesOf(1)!;
    assert.deepEqual(frames.map((f) => [f.opcode, f.injected === true, f.length]), [['text', false, inflated], ['close', true, 2]]);
  } finally {
    service.close();
  }
});

test('a frame Switchyard sent while a compressed message it relayed still inflates is logged behind it (live session)', async () => {
  const { service, seen, watch, close } = await tapped('permessage-deflate');
  try {
    const inflated = relayCompressed(seen.upstream!);
    // at once, in the same turn: node:zlib has not answered yet, so the message's row still waits
    const injected = watch.recordInjected(1, { time: Date.now(), from: 'upstream', opcode: 'text', fin: true, length: 4, preview: 'mine', closeCode: null });
    assert.equal(service.traffic.framesOf(1)?.length ?? 0, 0, 'nothing logged before the message inflated');
    const row = await injected;
    assert.equal(row.seq, 1, 'the row after the message');
    assert.deepEqual(service.traffic.framesOf(1)!.map((f) => [f.opcode, f.injected === true, f.length]), [['text', false, inflated], ['text', true, 4]]);
  } finally {
    close();
    service.close();
  }
});

test('a peer that sends on after its Close (the relay passes it on, as nginx does): flagged once, and what followed is logged too', async () => {
  const { service, seen, close } = await tapped('');
  try {
    const bye = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')]);
    seen.upstream!(Buffer.concat([encodeFrame({ opcode: 8, payload: bye }), encodeFrame({ opcode: 1, payload: 'after close' }), encodeFrame({ opcode: 9, payload: 'p' }), encodeFrame({ opcode: 8, payload: bye })]));
    const detail = value<SessionDetail>(await service.handle('session', { id: 1 }));
    assert.deepEqual(detail.frames!.map((f) => [f.opcode, f.preview]), [['close', 'bye'], ['violation', 'TAP_ERR_DATA_AFTER_CLOSE: data after a Close frame'], ['text', 'after close'], ['ping', 'p'], ['close', 'bye']]);
    assert.equal(detail.session.violation, 'upstream: TAP_ERR_DATA_AFTER_CLOSE: data after a Close frame');
  } finally {
    close();
    service.close();
  }
});

test('a Close row has its payload\'s length as it went by: with a reason that is not UTF-8, and in an unknown extension\'s encoding', async () => {
  const cases: Array<[string, Buffer]> = [
    ['', encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8, 0x61, 0xff, 0x62]) })],
    ['x-foo', encodeFrame({ opcode: 8, rsv1: true, payload: Buffer.from([0x01, 0x02, 0x03, 0x04, 0x05]) })],
  ];
  for (const [extensions, frame] of cases) {
    const { service, seen, close } = await tapped(extensions);
    try {
      seen.upstream!(frame);
      const rows = value<SessionDetail>(await service.handle('session', { id: 1 })).frames!.filter((f) => f.opcode === 'close');
      // (it was the length of the reason as shown: 7 with U+FFFD for the byte 0xff, 0 with no code)
      assert.deepEqual(rows.map((f) => f.length), [5], extensions);
    } finally {
      close();
      service.close();
    }
  }
});
