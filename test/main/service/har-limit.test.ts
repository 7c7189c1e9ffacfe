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
  id, url: '/ws', clientAddress: '127.0.0.1:50000', route: { server: 0, location: 0, name: 'ws', where: '/ws', explain: 'prefix /ws' }, upstream: '127.0.0.1:9001', upstreamPath: '/ws', tries: [],
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
  assert.match(har.log.comment, new RegExp(`^Switchyard left out the payloads of ${left} of the 88 messages it kept \\(\\d+\\.\\d MiB\\), the oldest of those larger than their preview, so that this file stays within the HAR export's limit of 64 MiB \\(what its import reads\\)`));
  assert.equal(harOmittedNote(r.text), har.log.comment, 'the page shows the note');
  const omitted = har.log.entries[0]._webSocketMessages[0];
  assert.deepEqual([omitted.data, omitted._switchyard.payload, omitted._switchyard.complete, omitted._switchyard.omitted], ['message 0', 'evicted', false, true], 'the row\'s preview');
  const whole = back.value.sessions[2]!.payloads[23]!;
  assert.deepEqual([whole.encoding, whole.bytes, whole.data === bin.payload(bin.frames[23]!)!.toString('base64')], ['base64', MiB, true]);
});

test('an export within the limit has every payload and no comment; one too large without any payload is refused saying how large, in bytes', () => {
  const small = messages(1, T0, 3, 'text', 5, () => Buffer.from('hello'));
  const r = exportHar([small], [], '0.1.0', 64 * 1024);
  assert.ok(r.ok);
  assert.equal(JSON.parse(r.text).log.comment, undefined);
  assert.equal(r.text.match(/"omitted"/g), null);
  assert.equal(harOmittedNote(r.text), null);
  const many = messages(1, T0, 2000, 'text', 5, () => Buffer.from('hello'));
  const over = exportHar([many], [], '0.1.0', 64 * 1024);
  assert.ok(!over.ok);
  // (its 5-byte payloads are shorter than their previews: leaving them out saves nothing, the file is as small as it gets)
  const whole = exportHar([many], [], '0.1.0', 1 << 30);
  assert.ok(whole.ok);
  const size = Buffer.byteLength(whole.text).toLocaleString('en-US');
  assert.equal(over.message, `the HAR would be 0.6 MiB (${size} bytes) even without the messages' payloads, over the HAR export's limit of 0.1 MiB (65,536 bytes, what its import reads): export one session at a time`);
});

test('a row that leaves the log while the export is written is left out', () => {
  const s = messages(1, T0, 4, 'text', 5, () => Buffer.from('hello'));
  const har = exportHar([{ ...s, kept: (row) => row.seq !== 2 }], []);
  assert.ok(har.ok);
  assert.deepEqual(JSON.parse(har.text).log.entries[0]._webSocketMessages.map((m: { _switchyard: { seq: number } }) => m._switchyard.seq), [0, 1, 3]);
});

test('only payloads larger in the file than the preview and marks that replace them are left out, the oldest of those: a one-byte text or a ping stays', () => {
  const MiB = 1024 * 1024;
  // (12,000 one-byte texts and a 2-byte ping, then newer 600 KB binaries: leaving a short payload out would make its message longer)
  const tiny = messages(1, T0, 12_000, 'text', 1, () => Buffer.from('a'));
  tiny.frames.push({ seq: 12_000, time: T0 + 12_000, from: 'client', opcode: 'ping', fin: true, length: 2, preview: 'hi', closeCode: null, payload: 'kept' });
  const withPing = { ...tiny, payload: (row: FrameView) => (row.seq === 12_000 ? Buffer.from('hi') : tiny.payload(row)) };
  const omitted = (text: string) => JSON.parse(text).log.entries.map((e: { _webSocketMessages: Array<{ _switchyard: { omitted?: true } }> }) => e._webSocketMessages.filter((m) => m._switchyard.omitted).length);
  const one = messages(2, T0 + 100_000, 1, 'binary', 600_000, () => Buffer.alloc(600_000, 7));
  const r = exportHar([withPing, one], [], '0.1.0', 4 * MiB);
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.ok(Buffer.byteLength(r.text) <= 4 * MiB);
  assert.deepEqual(omitted(r.text), [0, 1]);
  assert.match(JSON.parse(r.text).log.comment, /^Switchyard left out the payloads of 1 of the 12,002 messages it kept \(0\.8 MiB\), the oldest of those larger than their preview, so that this file stays within the HAR export's limit of 4 MiB \(what its import reads\)/);
  // two of them and room for one: the older goes, no short payload
  const two = messages(2, T0 + 100_000, 2, 'binary', 600_000, () => Buffer.alloc(600_000, 7));
  const r2 = exportHar([withPing, two], [], '0.1.0', 4 * MiB + 700_000);
  assert.ok(r2.ok, r2.ok ? '' : r2.message);
  assert.deepEqual(omitted(r2.text), [0, 1]);
  assert.equal(JSON.parse(r2.text).log.entries[1]._webSocketMessages[0]._switchyard.omitted, true);
  // too large even so: the refusal gives the smallest the file can be, in bytes (an export at that limit writes it)
  const over = exportHar([withPing, one], [], '0.1.0', 3_900_000);
  assert.ok(!over.ok);
  const m = /^the HAR would be 3\.8 MiB \(([\d,]+) bytes\) even without the messages' payloads, over the HAR export's limit of 3\.7 MiB \(3,900,000 bytes, what its import reads\): export one session at a time$/.exec(over.message);
  assert.ok(m, over.message);
  const least = Number(m[1]!.replace(/,/g, ''));
  const at = exportHar([withPing, one], [], '0.1.0', least);
  assert.ok(at.ok, at.ok ? '' : at.message);
  assert.equal(Buffer.byteLength(at.text), least);
});

test('payloads the cap evicts between the passes make their messages longer: the export leaves out more instead of running over', () => {
  // (8 old binaries of 100 KB, then 10,000 one-byte texts whose payloads the cap evicts as the second pass begins)
  const churned = (old: number, size: number) => {
    const big = messages(1, T0, old, 'binary', 100_000, () => Buffer.alloc(100_000, 7));
    const tiny = messages(2, T0 + 10_000, 10_000, 'text', 1, () => Buffer.from('a'));
    for (const f of tiny.frames) f.preview = 'a';
    let calls = 0;
    const payload = (row: FrameView) => {
      if (row.seq === 0 && ++calls === 2) for (const f of tiny.frames) f.payload = 'evicted';
      return row.payload === 'evicted' ? undefined : tiny.payload(row);
    };
    return exportHar([big, { ...tiny, payload }], [], '0.1.0', size);
  };
  const whole = churned(8, 1 << 30);
  assert.ok(whole.ok);
  const limit = Buffer.byteLength(whole.text) - 250_000;
  const r = churned(8, limit);
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.ok(Buffer.byteLength(r.text) <= limit);
  const [old, tiny] = JSON.parse(r.text).log.entries.map((e: { _webSocketMessages: Array<{ _switchyard: { payload: string; omitted?: true } }> }) => e._webSocketMessages.map((m) => (m._switchyard.omitted ? 'o' : m._switchyard.payload[0])).join(''));
  // (two would have done without the eviction: 40,000 bytes more took a third)
  assert.match(old, /^o{3}k{5}$/);
  assert.match(tiny, /^e{10000}$/);
  // with nothing more to leave out, the refusal says how large, in bytes: past the limit
  const alone = churned(1, 1 << 30);
  assert.ok(alone.ok);
  const small = Buffer.byteLength(alone.text) - 120_000;
  const over = churned(1, small);
  assert.ok(!over.ok);
  const m = /^the HAR would be \d+\.\d MiB \(([\d,]+) bytes\), over the HAR export's limit of \d+\.\d MiB \([\d,]+ bytes, what its import reads\): export one session at a time$/.exec(over.message);
  assert.ok(m, over.message);
  assert.ok(Number(m[1]!.replace(/,/g, '')) > small);
});
