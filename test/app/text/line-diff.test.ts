// The line diff: both texts rebuild from the script, the script is a shortest one (checked against
// an LCS table on random inputs), and display blocks collapse long unchanged runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { collapseUnchanged, diffLines, diffStats, splitLines, type DiffLine } from '../../../app/text/line-diff.ts';

const render = (lines: DiffLine[]) => lines.map((l) => `${l.kind === 'same' ? ' ' : l.kind === 'add' ? '+' : '-'}${l.text}`);

function lcsLength(a: string[], b: string[]): number {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) t[i]![j] = a[i] === b[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
  return t[0]![0]!;
}

test('a small edit: changed lines between unchanged ones, with both line numbers', () => {
  const d = diffLines('a\nb\nc\nd\n', 'a\nB\nc\nd\ne\n');
  assert.deepEqual(render(d), [' a', '-b', '+B', ' c', ' d', '+e']);
  assert.deepEqual(d.map((l) => [l.oldLine, l.newLine]), [[1, 1], [2, null], [null, 2], [3, 3], [4, 4], [null, 5]]);
  assert.deepEqual(diffStats(d), { added: 2, removed: 1 });
});

test('edge cases: empty texts, identical texts, a final newline, CRLF', () => {
  assert.deepEqual(diffLines('', ''), []);
  assert.deepEqual(render(diffLines('', 'x\n')), ['+x']);
  assert.deepEqual(render(diffLines('x\ny', '')), ['-x', '-y']);
  assert.deepEqual(render(diffLines('x\ny\n', 'x\ny')), [' x', ' y'], 'a missing final newline is not a change');
  assert.deepEqual(render(diffLines('x\r\ny\r\n', 'x\ny\n')), [' x', ' y']);
  assert.deepEqual(splitLines('a\n\nb\n'), ['a', '', 'b']);
});

test('random texts: both sides rebuild, and the script is a shortest edit script', () => {
  const text = fc.array(fc.constantFrom('server {', '}', 'listen 80;', 'location / {', 'proxy_pass http://a;', ''), { maxLength: 30 });
  fc.assert(fc.property(text, text, (a, b) => {
    const d = diffLines(a.join('\n'), b.join('\n'));
    const trim = (x: string[]) => splitLines(x.join('\n'));
    assert.deepEqual(d.filter((l) => l.kind !== 'add').map((l) => l.text), trim(a));
    assert.deepEqual(d.filter((l) => l.kind !== 'del').map((l) => l.text), trim(b));
    const same = d.filter((l) => l.kind === 'same').length;
    assert.equal(same, lcsLength(trim(a), trim(b)), 'as many unchanged lines as the longest common subsequence');
  }), { numRuns: 300 });
});

test('an added block reads as a block: runs slide down past a repeated first line', () => {
  const before = ['server {', '    location /a/ {', '        proxy_pass http://a;', '    }', '}'];
  const after = ['server {', '    location /a/ {', '        proxy_pass http://a;', '    }', '', '    location /b/ {', '        proxy_pass http://b;', '    }', '}'];
  assert.deepEqual(render(diffLines(before.join('\n'), after.join('\n'))).filter((l) => l[0] !== ' '), ['+', '+    location /b/ {', '+        proxy_pass http://b;', '+    }']);
  assert.deepEqual(render(diffLines(after.join('\n'), before.join('\n'))).filter((l) => l[0] !== ' '), ['-', '-    location /b/ {', '-        proxy_pass http://b;', '-    }']);
});

test('collapseUnchanged keeps 3 lines of context and folds the rest', () => {
  const old = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
  const neu = [...old];
  neu[9] = 'changed';
  const blocks = collapseUnchanged(diffLines(old.join('\n'), neu.join('\n')));
  assert.deepEqual(blocks.map((b) => [b.kind, b.lines.length]), [['collapsed', 6], ['lines', 8], ['collapsed', 7]]);
  assert.deepEqual(render((blocks[1] as { lines: DiffLine[] }).lines), [' line 7', ' line 8', ' line 9', '-line 10', '+changed', ' line 11', ' line 12', ' line 13']);
  // a gap too short to be worth a "… N lines" row stays visible
  const near = [...old];
  near[3] = 'x';
  near[10] = 'y';
  assert.deepEqual(collapseUnchanged(diffLines(old.join('\n'), near.join('\n'))).map((b) => b.kind), ['lines', 'collapsed']);
  assert.deepEqual(collapseUnchanged(diffLines('a\nb', 'a\nb')).map((b) => b.kind), ['collapsed']);
});
