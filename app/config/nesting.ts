// How deep a config document may nest. The deepest value of a valid config is six levels down
// (servers[0].locations[0].proxySetHeader[0].name); a document nested far deeper is not a config,
// and walking it field by field (each with its path) or copying it would cost minutes or the stack.
import type { PathPart } from './issues.ts';

const MAX_NESTING = 32;

export const TOO_DEEP_MESSAGE = `nested more than ${MAX_NESTING} levels deep`;

interface Visit {
  value: unknown;
  depth: number;
  key: PathPart | null;
  parent: Visit | null;
}

/** The path of the first value nested deeper than MAX_NESTING levels in `input`, or null. */
export function tooDeepAt(input: unknown): PathPart[] | null {
  const todo: Visit[] = [{ value: input, depth: 0, key: null, parent: null }];
  while (todo.length) {
    const at = todo.pop()!;
    const v = at.value;
    if (v === null || typeof v !== 'object') continue;
    if (at.depth === MAX_NESTING) return pathOf(at);
    // (Array.from, not map: a list with holes, which IPC carries, has an entry for each of them)
    const entries: Array<[PathPart, unknown]> = Array.isArray(v) ? Array.from(v, (x, i) => [i, x]) : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) todo.push({ value: entries[i]![1], depth: at.depth + 1, key: entries[i]![0], parent: at });
  }
  return null;
}

function pathOf(at: Visit): PathPart[] {
  const path: PathPart[] = [];
  for (let v: Visit | null = at; v && v.key !== null; v = v.parent) path.unshift(v.key);
  return path;
}
