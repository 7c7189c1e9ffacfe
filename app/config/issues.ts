// Validation results that a UI can place next to the field: { path, code, message }.

export interface ConfigIssue {
  /** JSON path of the offending value, e.g. `servers[0].locations[1].proxyPass` ('' for the root). */
  path: string;
  /** Stable machine-readable code, asserted in tests. */
  code: string;
  message: string;
}

export type PathPart = string | number;

export function formatPath(parts: readonly PathPart[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** The most issues one validation reports: a document of a million wrong items is refused with the
 * first of them and a count of the rest, not a million lines. */
export const MAX_ISSUES = 1000;

export function capped(issues: ConfigIssue[], hidden = 0): ConfigIssue[] {
  const more = Math.max(0, issues.length - MAX_ISSUES) + hidden;
  if (more === 0) return issues;
  return [...issues.slice(0, MAX_ISSUES), { path: '', code: 'too_many_errors', message: `and ${more} more error(s) not listed (the first ${MAX_ISSUES} are)` }];
}

/** How many errors a capped list stands for: those listed, and those its last line counts. */
export function issueCount(issues: readonly ConfigIssue[]): number {
  const last = issues[issues.length - 1];
  const more = last?.code === 'too_many_errors' ? Number(/\d+/.exec(last.message)?.[0] ?? 0) : 0;
  return more ? issues.length - 1 + more : issues.length;
}

/** `first`, then a capped list (validateConfig's), capped as one: at most MAX_ISSUES listed in all. */
export function issuesBefore(first: ConfigIssue[], list: ConfigIssue[]): ConfigIssue[] {
  const hidden = issueCount(list) - list.length + (list.at(-1)?.code === 'too_many_errors' ? 1 : 0);
  const listed = hidden ? list.slice(0, -1) : list;
  return capped([...first, ...listed], hidden);
}
