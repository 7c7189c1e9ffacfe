// How far apart two words are, for "did you mean" hints (a config field, an nginx directive).

/** Edits (insert, delete, replace, swap of neighbours) from a to b, or `cap` + 1 once past `cap`. */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
    }
    [prev2, prev] = [prev, row];
  }
  return Math.min(prev[b.length]!, cap + 1);
}

/** The one of `words` nearest to `word` in any case, one or two slips from it (one edit for a word of
 * 4 to 7 characters, two for a longer one); null when none is that close, or two are as near. */
export function nearestWord(word: string, words: Iterable<string>): string | null {
  if (word.length < 4) return null;
  const cap = word.length < 8 ? 1 : 2;
  const lower = word.toLowerCase();
  let best: string | null = null;
  let bestD = cap + 1;
  let ties = 0;
  for (const w of words) {
    const d = editDistance(lower, w.toLowerCase(), cap);
    if (d < bestD) [best, bestD, ties] = [w, d, 1];
    else if (d === bestD) ties++;
  }
  return bestD <= cap && ties === 1 ? best : null;
}
