// The named groups of a config's regexes (location paths and server names): nginx makes each one a
// variable, $name, for the whole config, so a header value or hash key may use it anywhere.
import { compileNginxRegex, compileServerNameRegex } from '../match/regex.ts';

interface Regexes {
  servers?: ReadonlyArray<{ serverNames?: readonly unknown[]; locations?: ReadonlyArray<{ modifier?: unknown; path?: unknown }> } | undefined>;
}

/** The names (lowercase, as nginx reads variable names) of the groups of the regexes nginx
 * compiles: `(?<name>…)`, `(?P<name>…)`, `(?'name'…)`. A regex it refuses adds none. */
export function regexGroupNames(config: Regexes): Set<string> {
  const out = new Set<string>();
  for (const s of config.servers ?? []) {
    for (const n of s?.serverNames ?? []) if (typeof n === 'string' && n.startsWith('~')) addNames(out, compileServerNameRegex(n.slice(1)));
    for (const l of s?.locations ?? []) {
      if ((l?.modifier === '~' || l?.modifier === '~*') && typeof l.path === 'string') addNames(out, compileNginxRegex(l.path, l.modifier === '~*'));
    }
  }
  return out;
}

/** Add a compiled regex's group names to `out`. */
export function addNames(out: Set<string>, r: ReturnType<typeof compileNginxRegex>): void {
  if (r.ok) for (const n of r.names) out.add(n.toLowerCase());
}
