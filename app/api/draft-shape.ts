// The shape the route and upstream editors need of a draft: every list a list and every entry of
// one an object. A hand-written file that is JSON but not that ("servers": [null], "listen": "80")
// is still opened as a draft (its issues shown); the editors show a repair panel for such entries
// instead of reading fields of a null. Values inside an entry (a number where text goes) are the
// validator's business and the editors show them as they are.

export interface ShapeBreak {
  /** Where, as validation paths go: ['servers', 0, 'listen']. */
  path: Array<string | number>;
  /** What is there, in words: "null", "a string", "an array". */
  found: string;
  /** What the editor needs there: "an object" or "a list". */
  expected: 'an object' | 'a list';
}

type Node = Record<string, unknown>;
const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  const t = typeof v;
  return t === 'object' ? 'an object' : t === 'undefined' ? 'nothing' : `a ${t}`;
}

/** A list field of `owner` (missing is fine: the schema's default applies) and, with `each`, its entries. */
function list(out: ShapeBreak[], owner: Node, key: string, at: Array<string | number>, each?: (entry: Node, at: Array<string | number>) => void): void {
  const v = owner[key];
  if (v === undefined) return;
  if (!Array.isArray(v)) {
    out.push({ path: [...at, key], found: describe(v), expected: 'a list' });
    return;
  }
  if (!each) return;
  v.forEach((entry, i) => {
    if (isObject(entry)) each(entry, [...at, key, i]);
    else out.push({ path: [...at, key, i], found: describe(entry), expected: 'an object' });
  });
}

/** Every place where `doc` has not the shape the editors need; [] for any draft they can show. */
export function shapeBreaks(doc: unknown): ShapeBreak[] {
  const out: ShapeBreak[] = [];
  if (!isObject(doc)) return [{ path: [], found: describe(doc), expected: 'an object' }];
  list(out, doc, 'servers', [], (server, at) => {
    list(out, server, 'listen', at, () => {});
    list(out, server, 'serverNames', at);
    list(out, server, 'locations', at, (loc, lat) => list(out, loc, 'proxySetHeader', lat, () => {}));
  });
  list(out, doc, 'upstreams', [], (up, at) => {
    if (up['method'] !== undefined && !isObject(up['method'])) out.push({ path: [...at, 'method'], found: describe(up['method']), expected: 'an object' });
    list(out, up, 'servers', at, () => {});
  });
  return out;
}

/**
 * The draft without what `shapeBreaks` finds: an entry that is not an object is taken out of its
 * list, a list that is not one is taken out of its owner (the schema's default applies again), a
 * `method` that is not an object likewise. Everything else is kept as it is. Indexes of the
 * entries that stay shift down past the removed ones. A draft that is no object becomes an empty one.
 */
export function withoutShapeBreaks<T>(doc: T): T {
  // (a draft that is no object at all: nothing of it can be kept, a config with nothing in it instead)
  if (!isObject(doc)) return { schemaVersion: 1 } as T;
  const copy = JSON.parse(JSON.stringify(doc)) as Node;
  // deepest first, and within one list from the end, so that earlier indexes stay right
  const breaks = shapeBreaks(copy).sort((a, b) => compareDeepLast(b.path, a.path));
  for (const b of breaks) {
    const parent = b.path.slice(0, -1).reduce<unknown>((node, key) => (node as Node)[key as string], copy);
    const key = b.path.at(-1)!;
    if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
    else if (isObject(parent)) delete parent[key as string];
  }
  return copy as T;
}

/** Paths in document order, a list's later entries after its earlier ones. */
function compareDeepLast(a: Array<string | number>, b: Array<string | number>): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    if (typeof a[i] === 'number' && typeof b[i] === 'number') return (a[i] as number) - (b[i] as number);
    return String(a[i]) < String(b[i]) ? -1 : 1;
  }
  return a.length - b.length;
}
