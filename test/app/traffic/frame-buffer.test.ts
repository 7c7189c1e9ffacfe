// The open session's frame log buffer and the filtered index that follows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FrameView } from '../../../app/api/contract.ts';
import { FrameBuffer } from '../../../app/traffic/frame-buffer.ts';
import { FilteredFrames, compileFrameFilter, NO_FILTER, type FrameFilterSpec } from '../../../app/traffic/frame-filter.ts';

const OPS = ['text', 'binary', 'ping', 'pong', 'close', 'violation'];
function frame(seq: number, over: Partial<FrameView> = {}): FrameView {
  return { seq, time: 1000 + seq, from: seq % 2 ? 'upstream' : 'client', opcode: OPS[seq % 3]!, fin: true, length: 5, preview: `message ${seq}`, closeCode: null, ...over };
}
const frames = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => frame(from + i));

test('append keeps newer rows only, trims the oldest past max, and counts missed seqs', () => {
  const b = new FrameBuffer(5);
  assert.deepEqual(b.append(frames(0, 3)), { added: 3, dropped: 0, missed: 0 });
  assert.deepEqual(b.append([frame(1), frame(2), frame(3)]), { added: 1, dropped: 0, missed: 0 }, 'repeated seqs are ignored');
  assert.deepEqual(b.append([frame(6), frame(7)]), { added: 2, dropped: 1, missed: 2 });
  assert.equal(b.length, 5);
  assert.equal(b.base, 1);
  assert.equal(b.end, 6);
  assert.equal(b.at(0), undefined, 'dropped');
  assert.equal(b.at(1)!.seq, 1);
  assert.equal(b.at(5)!.seq, 7);
  assert.equal(b.positionOf(6), 4);
  assert.equal(b.positionOf(4), -1, 'never held');
  assert.equal(b.positionOf(0), -1, 'dropped');
  const epoch = b.epoch;
  b.reset(frames(10, 20));
  assert.equal(b.epoch, epoch + 1);
  assert.deepEqual([b.base, b.length, b.at(0)!.seq], [0, 5, 15], 'reset keeps the newest max rows');
  assert.throws(() => new FrameBuffer(0), /max/);
});

test('no filter: the index is the buffer itself; countFrom counts rows past a position', () => {
  const b = new FrameBuffer(100);
  const v = new FilteredFrames(b);
  b.append(frames(0, 10));
  v.sync();
  assert.equal(v.active, false);
  assert.equal(v.count, 10);
  assert.equal(v.rowAt(3)!.seq, 3);
  assert.equal(v.indexOfSeq(7), 7);
  assert.equal(v.countFrom(6), 4);
});

test('a filter matches direction, opcode and text/regex on the preview and close code; bad regex is an error on the text field', () => {
  const c = (spec: Partial<FrameFilterSpec>) => compileFrameFilter({ ...NO_FILTER, ...spec });
  assert.deepEqual(c({}), { ok: true, test: null });
  assert.deepEqual(c({ opcodes: OPS }), { ok: true, test: null }, 'every opcode = no opcode filter');
  const t = (spec: Partial<FrameFilterSpec>, f: FrameView) => {
    const r = c(spec);
    assert.ok(r.ok && r.test);
    return r.test(f);
  };
  assert.equal(t({ direction: 'client' }, frame(2)), true);
  assert.equal(t({ direction: 'client' }, frame(3)), false);
  assert.equal(t({ opcodes: ['binary'] }, frame(1)), true);
  assert.equal(t({ opcodes: ['binary', 'ping'] }, frame(0)), false);
  assert.equal(t({ text: 'MESSAGE 1' }, frame(12)), true, 'case-insensitive substring');
  assert.equal(t({ text: 'message 1' }, frame(2)), false);
  assert.equal(t({ text: '^message \\d{2}$', regex: true }, frame(42)), true);
  assert.equal(t({ text: '^message \\d{2}$', regex: true }, frame(4)), false);
  assert.equal(t({ text: '4001' }, frame(5, { opcode: 'close', preview: 'bye', closeCode: 4001 })), true, 'close code');
  const bad = c({ text: 'a(b', regex: true });
  assert.ok(!bad.ok);
  assert.equal(bad.field, 'text');
  assert.match(bad.message, /^invalid regular expression: /);
  assert.deepEqual(c({ text: 'a(b' }).ok, true, 'the same text is fine as a substring');
  assert.ok(!c({ text: 'x'.repeat(501) }).ok);
});

test('the filtered index follows appends and trims incrementally and equals a full recompute', () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }),
    fc.constantFrom<Partial<FrameFilterSpec>>({ direction: 'upstream' }, { opcodes: ['text'] }, { text: '7' }, { text: '[05]$', regex: true }, {}),
    (batches, spec) => {
      const b = new FrameBuffer(64);
      const v = new FilteredFrames(b);
      const compiled = compileFrameFilter({ ...NO_FILTER, ...spec });
      assert.ok(compiled.ok);
      v.setFilter(compiled.test);
      let seq = 0;
      let prevFirst: number | undefined;
      for (const n of batches) {
        b.append(frames(seq, seq + n));
        seq += n;
        const trimmed = v.sync();
        const want: number[] = [];
        for (let p = b.base; p < b.end; p++) if (!compiled.test || compiled.test(b.at(p)!)) want.push(b.at(p)!.seq);
        const got = Array.from({ length: v.count }, (_, i) => v.rowAt(i)!.seq);
        assert.deepEqual(got, want);
        for (const s of want) assert.equal(v.rowAt(v.indexOfSeq(s))!.seq, s);
        if (prevFirst !== undefined && want.length) assert.ok(trimmed >= 0);
        prevFirst = want[0];
      }
    },
  ));
});

test('trims report how many shown rows left the front; a reset or new filter starts over', () => {
  const b = new FrameBuffer(10);
  const v = new FilteredFrames(b);
  const even = compileFrameFilter({ ...NO_FILTER, direction: 'client' });
  assert.ok(even.ok);
  v.setFilter(even.test);
  b.append(frames(0, 10));
  assert.equal(v.sync(), 0);
  assert.equal(v.count, 5);
  b.append(frames(10, 14)); // drops seqs 0-3: two of them (0, 2) were shown
  assert.equal(v.sync(), 2);
  assert.deepEqual(Array.from({ length: v.count }, (_, i) => v.rowAt(i)!.seq), [4, 6, 8, 10, 12]);
  assert.equal(v.countFrom(b.positionOf(10)), 2);
  v.setFilter(null);
  assert.equal(v.sync(), 0);
  assert.equal(v.count, 10);
  b.append(frames(14, 17));
  assert.equal(v.sync(), 3, 'unfiltered: every dropped row was shown');
  b.reset(frames(0, 3));
  assert.equal(v.sync(), 0);
  assert.equal(v.count, 3);
});

test('100,000 rows: a full filter pass and an incremental append stay cheap (sanity, not a timing test)', () => {
  const b = new FrameBuffer(100_000);
  b.reset(frames(0, 100_000));
  const v = new FilteredFrames(b);
  const r = compileFrameFilter({ ...NO_FILTER, text: 'message 9999', regex: false });
  assert.ok(r.ok);
  v.setFilter(r.test);
  v.sync();
  assert.deepEqual(Array.from({ length: v.count }, (_, i) => v.rowAt(i)!.seq), [9999, 99990, 99991, 99992, 99993, 99994, 99995, 99996, 99997, 99998, 99999]);
  b.append(frames(100_000, 110_000));
  assert.equal(v.sync(), 1, 'seq 9999 was trimmed');
  assert.equal(b.length, 100_000);
  assert.equal(v.rowAt(0)!.seq, 99990);
  assert.equal(v.count, 10);
});

test('an empty buffer holds the log from seq 0: rows that begin later count the ones before as missed; trimmed counts rows dropped past max', () => {
  const b = new FrameBuffer(5);
  assert.deepEqual(b.append(frames(30, 33)), { added: 3, dropped: 0, missed: 30 }, 'a burst the feed sent only the newest of');
  b.reset();
  assert.equal(b.append([frame(0)]).missed, 0);
  b.reset(frames(10, 20));
  assert.equal(b.trimmed, 5, 'the reset was given 5 past max');
  b.append(frames(20, 22));
  assert.equal(b.trimmed, 7);
  b.reset(frames(0, 2));
  assert.equal(b.trimmed, 0);
});
