// A line diff (Myers' O((N+M)D) algorithm, shortest edit script) and its display form with long
// unchanged runs collapsed. Used to show what changed in nginx.conf since the last export.

export interface DiffLine {
  kind: 'same' | 'add' | 'del';
  text: string;
  /** 1-based line number in the old text (null for added lines). */
  oldLine: number | null;
  /** 1-based line number in the new text (null for removed lines). */
  newLine: number | null;
}

export type DiffBlock =
  | { kind: 'lines'; lines: DiffLine[] }
  /** Unchanged lines left out of the display; `lines` keeps them for "show all". */
  | { kind: 'collapsed'; lines: DiffLine[] };

/** Lines of a text; a final newline does not start an empty last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The edit script from `oldText` to `newText`, line by line, in order. */
export function diffLines(oldText: string, newText: string): DiffLine[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  // common head and tail need no search
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;

  const ops: Op[] = [...new Array<Op>(head).fill('same'), ...myers(a.slice(head, a.length - tail), b.slice(head, b.length - tail)), ...new Array<Op>(tail).fill('same')];
  slideDown(ops, a, b);
  const out: DiffLine[] = [];
  let x = 0;
  let y = 0;
  for (const op of ops) {
    if (op === 'same') out.push({ kind: 'same', text: a[x]!, oldLine: ++x, newLine: ++y });
    else if (op === 'del') out.push({ kind: 'del', text: a[x]!, oldLine: ++x, newLine: null });
    else out.push({ kind: 'add', text: b[y]!, oldLine: null, newLine: ++y });
  }
  return out;
}

type Op = 'same' | 'add' | 'del';

/**
 * Among equally short scripts, move each run of added (or removed) lines down while the line after
 * it repeats the run's first line, as diff tools do: an added block then reads "", "location {",
 * "…", "}" instead of starting at the previous block's "}".
 */
function slideDown(ops: Op[], a: readonly string[], b: readonly string[]): void {
  let x = 0;
  let y = 0;
  for (let i = 0; i < ops.length; ) {
    const op = ops[i]!;
    if (op === 'same') {
      x++;
      y++;
      i++;
      continue;
    }
    let j = i;
    while (j < ops.length && ops[j] === op) j++;
    const lines = op === 'add' ? b : a;
    let start = op === 'add' ? y : x;
    let end = start + (j - i);
    // ops[j] is 'same': lines[end] is that same line on this side
    while (j < ops.length && ops[j] === 'same' && lines[start] === lines[end]) {
      ops[i] = 'same';
      ops[j] = op;
      i++;
      j++;
      start++;
      end++;
      x++;
      y++;
    }
    if (op === 'add') y = end;
    else x = end;
    i = j;
  }
}

/** Myers' greedy forward search with a trace of each step's frontier, then the path walked back. */
function myers(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map(() => 'add');
  if (m === 0) return a.map(() => 'del');
  const max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d]: the frontier before step d, for diagonals -d..d (stored from index off-d)
  const trace: Int32Array[] = [];
  let done = false;
  for (let d = 0; d <= max && !done; d++) {
    trace.push(v.slice(off - d, off + d + 1));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        done = true;
        break;
      }
    }
  }
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const t = trace[d]!;
    const at = (k: number) => t[k + d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push('same');
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) {
        ops.push('add');
        y--;
      } else {
        ops.push('del');
        x--;
      }
    }
  }
  return ops.reverse();
}

/** Counts of added and removed lines. */
export function diffStats(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.kind === 'add') added++;
    else if (l.kind === 'del') removed++;
  }
  return { added, removed };
}

/**
 * Blocks for display: changed lines with `context` unchanged lines around them; longer unchanged
 * runs become one collapsed block (runs shorter than the "… N lines" row they would need stay).
 */
export function collapseUnchanged(lines: readonly DiffLine[], context = 3): DiffBlock[] {
  const blocks: DiffBlock[] = [];
  let shown: DiffLine[] = [];
  const flush = () => {
    if (shown.length) blocks.push({ kind: 'lines', lines: shown });
    shown = [];
  };
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.kind !== 'same') {
      shown.push(lines[i++]!);
      continue;
    }
    let j = i;
    while (j < lines.length && lines[j]!.kind === 'same') j++;
    const run = lines.slice(i, j);
    const keepBefore = i === 0 ? 0 : context;
    const keepAfter = j === lines.length ? 0 : context;
    if (run.length > keepBefore + keepAfter + 1) {
      shown.push(...run.slice(0, keepBefore));
      flush();
      blocks.push({ kind: 'collapsed', lines: run.slice(keepBefore, run.length - keepAfter) });
      shown.push(...run.slice(run.length - keepAfter));
    } else {
      shown.push(...run);
    }
    i = j;
  }
  flush();
  return blocks;
}
