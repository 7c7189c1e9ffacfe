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
