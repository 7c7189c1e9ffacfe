// The HAR export stays within what the import reads: past it the oldest payloads are left out, and
// said so, instead of writing a file the import refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportHar } from '../../../main/service/har.ts';
import { importHar } from '../../../main/service/har-import.ts';
import { checkParams } from '../../../app/api/params.ts';
import { harOmittedNote } from '../../../app/traffic/har-note.ts';
import { API_LIMITS, maxRequestBytes } from '../../../app/api/contract.ts';
import type { FrameView, SessionView } from '../../../app/api/contract.ts';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const session = (id: number, openedAt: number): SessionView => ({
  id, url: '/ws', clientAddress: '127.0.0.1:50000', route: { server: 0, location: 0, name: 'ws', where: '/ws', explain: 'prefix /ws' }, upstream: '127.0.0.1:9001', upstreamPath: '/ws',
  requestHeaders: ['Host', 'proxy.test'], responseHeaders: ['Upgrade', 'websocket'], subprotocol: null, extensions: null, state: 'closed', status: 101, openedAt, closedAt: openedAt + 60_000,
  closedBy: 'client', closeReason: null, closeFrame: null, bytesFromClient: 0, bytesFromUpstream: 0, framesFromClient: 0, framesFromUpstream: 0, framesAvailable: true,
});
/** A session of `n` messages of `size` bytes each made by `fill`, 1 ms apart from `start`. */
function messages(id: number, start: number, n: number, opcode: 'text' | 'binary', size: number, fill: (i: number) => Buffer) {
  const frames: FrameView[] = [];
  const payloads = new Map<number, Buffer>();
  for (let i = 0; i < n; i++) {
    frames.push({ seq: i, time: start + i, from: i % 2 ? 'upstream' : 'client', opcode, fin: true, length: size, preview: opcode === 'text' ? `message ${i}` : '01 02 …', closeCode: null, payload: 'kept' });
    payloads.set(i, fill(i));
  }
  return { session: session(id, start), frames, payload: (row: FrameView) => payloads.get(row.seq) };
}

test('an export at the limit imports back, over IPC and the web host: past it the oldest payloads are left out, marked, and the file says so', { timeout: 120_000 }, () => {
  const HAR_MAX_BYTES = API_LIMITS.maxImportHarBytes;
  const MiB = 1024 * 1024;
  // (each control character is 6 in the file, each € 3 bytes of UTF-8 for 1 character: bytes, not characters, are what the file's size is)
  const ctrl = messages(1, T0, 24, 'text', MiB, () => Buffer.alloc(MiB, 1));
  const euro = messages(2, T0 + 1000, 40, 'text', 3 * 349_525, () => Buffer.from('€'.repeat(349_525)));
  const bin = messages(3, T0 + 2000, 24, 'binary', MiB, (i) => Buffer.alloc(MiB, i));
  const r = exportHar([bin, ctrl, euro], []);
  assert.ok(r.ok, r.ok ? '' : r.message);
  const size = Buffer.byteLength(r.text);
  assert.ok(size <= HAR_MAX_BYTES && size > HAR_MAX_BYTES - 4 * MiB, `${size} bytes: at the limit`);
  // what each way in takes: the service's check (characters), the web host's body (the file JSON-quoted)
  assert.ok(checkParams('importHar', { text: r.text }).ok);
  assert.ok(Buffer.byteLength(JSON.stringify({ text: r.text })) <= maxRequestBytes('importHar'));
  const back = importHar(r.text);
  assert.ok(back.ok, back.ok ? '' : back.message);
  const har = JSON.parse(r.text);
  // the oldest left out (all of the control characters' session, then the €'s first), the newest kept
  const kept = back.value.sessions.map((s) => s.frames.map((f) => (s.payloads[f.seq]!.omitted ? 'o' : s.payloads[f.seq]!.evicted ? 'e' : 'k')).join(''));
  assert.match(kept[0]!, /^o{24}$/);
  assert.match(kept[1]!, /^o+k+$/);
  assert.match(kept[2]!, /^k{24}$/);
  const left = kept.join('').split('o').length - 1;
  assert.match(har.log.comment, new RegExp(`^Switchyard left out the payloads of the ${left} oldest of the 88 messages it kept \\(\\d+\\.\\d MiB\\), so that this file stays within the HAR export's limit of 64 MiB \\(what its import reads\\)`));
  assert.equal(harOmittedNote(r.text), har.log.comment, 'the page shows the note');
  const omitted = har.log.entries[0]._webSocketMessages[0];
  assert.deepEqual([omitted.data, omitted._switchyard.payload, omitted._switchyard.complete, omitted._switchyard.omitted], ['message 0', 'evicted', false, true], 'the row\'s preview');
  const whole = back.value.sessions[2]!.payloads[23]!;
  assert.deepEqual([whole.encoding, whole.bytes, whole.data === bin.payload(bin.frames[23]!)!.toString('base64')], ['base64', MiB, true]);
});

test('an export within the limit has every payload and no comment; one too large without any payload is refused saying why', () => {
  const small = messages(1, T0, 3, 'text', 5, () => Buffer.from('hello'));
  const r = exportHar([small], [], '0.1.0', 64 * 1024);
  assert.ok(r.ok);
  assert.equal(JSON.parse(r.text).log.comment, undefined);
  assert.equal(r.text.match(/"omitted"/g), null);
  assert.equal(harOmittedNote(r.text), null);
  const many = messages(1, T0, 2000, 'text', 5, () => Buffer.from('hello'));
  const over = exportHar([many], [], '0.1.0', 64 * 1024);
  assert.ok(!over.ok);
  assert.match(over.message, /^the HAR would be \d+\.\d MiB even without the messages' payloads, over the HAR export's limit of 0\.1 MiB \(what its import reads\): export one session at a time$/);
});

test('a row that leaves the log while the export is written is left out', () => {
  const s = messages(1, T0, 4, 'text', 5, () => Buffer.from('hello'));
  const har = exportHar([{ ...s, kept: (row) => row.seq !== 2 }], []);
  assert.ok(har.ok);
  assert.deepEqual(JSON.parse(har.text).log.entries[0]._webSocketMessages.map((m: { _switchyard: { seq: number } }) => m._switchyard.seq), [0, 1, 3]);
});
