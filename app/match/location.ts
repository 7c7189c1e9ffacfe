// Location selection as nginx 1.22 does it (ngx_http_core_find_location over the static location
// tree built in ngx_http.c, then the regex list):
//   1. a location named exactly like the URI: '=' wins outright; a prefix of that name is the
//      longest prefix;
//   2. else, a prefix or '=' location named URI + "/" with proxy_pass (auto_redirect) → 301 to it,
//      without looking at regexes;
//   3. else the longest prefix ('' and '^~' share one namespace);
//   4. a '^~' longest prefix stops there; otherwise regexes in declaration order, first match wins;
//   5. else the longest prefix, else nothing (404).
// Step 2 is what the tree walk amounts to: ngx_filename_cmp sorts '/' lowest, so "URI/" is always
// the neighbour of "URI" in the tree and the walk always meets it.
import type { Location } from '../config/schema.ts';
import { compileNginxRegex } from './regex.ts';
import { namedCaptures } from './regex-groups.ts';
import { escapeUri, utf8Bytes } from './bytes.ts';

export type LocationKind = 'exact' | 'prefix' | 'preferential' | 'regex';

export type LocationDecision =
  | { type: 'location'; index: number; kind: LocationKind; captures: string[]; /** A regex's named groups (namedCaptures). */ named?: Record<string, string>; explain: string }
  | { type: 'redirect'; index: number; /** escaped location name as nginx puts it in Location, without args */ location: string; explain: string }
  | { type: 'none'; explain: string };

export interface LocationMatcher {
  match(uri: string): LocationDecision;
}

interface StaticNode {
  exact?: number;
  inclusive?: number;
}

interface PrefixEntry {
  name: string;
  index: number;
}

interface RegexEntry {
  index: number;
  re: RegExp;
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

/** Compile one server's locations (config order) into a matcher. Invalid entries are skipped. */
export function compileLocations(locations: readonly Location[]): LocationMatcher {
  const nodes = new Map<string, StaticNode>();
  const prefixes: PrefixEntry[] = [];
  const regexes: RegexEntry[] = [];
  locations.forEach((loc, index) => {
    if (loc.modifier === '~' || loc.modifier === '~*') {
      const r = compileNginxRegex(loc.path, loc.modifier === '~*');
      if (r.ok) regexes.push({ index, re: r.regex });
      return;
    }
    const name = utf8Bytes(loc.path);
    const node = nodes.get(name) ?? {};
    if (loc.modifier === '=') {
      if (node.exact === undefined) node.exact = index;
    } else if (node.inclusive === undefined) {
      node.inclusive = index;
      prefixes.push({ name, index });
    }
    nodes.set(name, node);
  });
  // longest first; equal names cannot occur (one inclusive per name)
  prefixes.sort((a, b) => b.name.length - a.name.length);

  const label = (i: number) => {
    const l = locations[i]!;
    return l.modifier === '' ? l.path : `${l.modifier} ${l.path}`;
  };
  // Why each location is chosen, made once here, not per request: every request's record (an HTTP
  // log row, a WebSocket session kept for its whole life) shares it. A location is chosen one way
  // only, by its modifier: `=` as the exact match, `^~` and a plain prefix as the longest prefix, a
  // regex as the first that matches.
  const why = regexes.length ? ' (no regex matched)' : '';
  const explains = locations.map((l, i) =>
    l.modifier === '=' ? `exact match ${label(i)}`
      : l.modifier === '^~' ? `longest prefix ${label(i)} (^~ stops regex search)`
        : l.modifier === '~' || l.modifier === '~*' ? `regex ${label(i)} (first matching regex, declared ${ordinal(i + 1)})`
          : `longest prefix ${label(i)}${why}`);

  function longestPrefix(uri: string): number | null {
    const same = nodes.get(uri);
    if (same?.inclusive !== undefined) return same.inclusive;
    for (const p of prefixes) if (uri.startsWith(p.name)) return p.index;
    return null;
  }

  return {
    match(uri: string): LocationDecision {
      const node = nodes.get(uri);
      if (node?.exact !== undefined) {
        return { type: 'location', index: node.exact, kind: 'exact', captures: [], explain: explains[node.exact]! };
      }
      if (node === undefined) {
        const slash = nodes.get(uri + '/');
        if (slash !== undefined) {
          const index = slash.exact ?? slash.inclusive!;
          const location = escapeUri(uri + '/');
          return {
            type: 'redirect', index, location,
            explain: `301 to ${location}: location ${label(index)} ends with "/" and has proxy_pass (nginx auto_redirect)`,
          };
        }
      }
      const prefix = longestPrefix(uri);
      if (prefix !== null && locations[prefix]!.modifier === '^~') {
        return { type: 'location', index: prefix, kind: 'preferential', captures: [], explain: explains[prefix]! };
      }
      for (const r of regexes) {
        const m = r.re.exec(uri);
        if (m) {
          return {
            type: 'location', index: r.index, kind: 'regex', captures: m.slice(1).map((c) => c ?? ''),
            named: namedCaptures(m), explain: explains[r.index]!,
          };
        }
      }
      if (prefix !== null) {
        return { type: 'location', index: prefix, kind: 'prefix', captures: [], explain: explains[prefix]! };
      }
      return { type: 'none', explain: 'no location matches: 404' };
    },
  };
}

/** A location as nginx.conf writes it: "~ ^/ws", "/api/". */
export function locationText(l: { modifier?: string; path?: string }): string {
  return `${l.modifier ? `${l.modifier} ` : ''}${l.path ?? ''}`;
}
