// What an unknown key in a config document may have meant: the field it is a slip of, or where a
// field written in the wrong object belongs (validate.ts adds it to `unknown_field`'s message).
import { Config, Server, Location, Listen, Upstream, UpstreamServer, SetHeader } from './schema.ts';
import { nearestWord } from '../text/edit-distance.ts';

/** Every field name of the document's objects, with the objects it belongs in (for "did you mean"
 * and "it belongs in"). */
const FIELD_HOMES: ReadonlyMap<string, readonly string[]> = (() => {
  const objects = [
    [Config, 'the document\'s top level'], [Server, 'a server'], [Location, 'a location'], [Listen, 'a listen entry'],
    [Upstream, 'an upstream'], [UpstreamServer, 'an upstream\'s server'], [SetHeader, 'a proxySetHeader entry'],
  ] as const;
  const homes = new Map<string, string[]>();
  for (const [o, where] of objects) {
    for (const f of Object.keys((o as unknown as { shape?: Record<string, unknown> }).shape ?? {})) homes.set(f, [...(homes.get(f) ?? []), where]);
  }
  return homes;
})();
const KNOWN_FIELDS: ReadonlySet<string> = new Set(FIELD_HOMES.keys());

/** The object a JSON path's fields are in, in FIELD_HOMES' words (null where unknown). */
function objectKind(parts: readonly (string | number)[]): string | null {
  const names = parts.filter((p): p is string => typeof p === 'string').join('.');
  const kinds: Record<string, string> = {
    '': 'the document\'s top level', servers: 'a server', 'servers.locations': 'a location', 'servers.listen': 'a listen entry',
    upstreams: 'an upstream', 'upstreams.servers': 'an upstream\'s server', 'servers.locations.proxySetHeader': 'a proxySetHeader entry',
  };
  return kinds[names] ?? null;
}

/** `proxy_pass` → `proxyPass`, `Proxy-Read-Timeout` → `proxyReadTimeout`: what an unknown key may have meant. */
function camelCased(key: string): string {
  const words = key.split(/[_\-\s]+/).filter(Boolean);
  return words.map((w, i) => (i === 0 ? w[0]!.toLowerCase() + w.slice(1) : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join('');
}

/** The known field an unknown key most likely meant: its camelCase spelling, the same letters in
 * another case ("proxypass"), or one or two typing slips away ("wieght", "listens"); null if none
 * or more than one fits as well. */
function meantField(key: string): string | null {
  const guess = camelCased(key);
  if (guess !== key && KNOWN_FIELDS.has(guess)) return guess;
  const lower = key.toLowerCase();
  const sameLetters = [...KNOWN_FIELDS].filter((f) => f.toLowerCase() === lower || f.toLowerCase() === guess.toLowerCase());
  if (sameLetters.length === 1 && sameLetters[0] !== key) return sameLetters[0]!;
  return nearestWord(key, KNOWN_FIELDS);
}

/** The words after `unknown field "KEY"` for `key` found in the object at `parts`: where it
 * belongs, when it is a field of another object; else the field it may have meant (and where that
 * one belongs, when not here); else nothing. */
export function unknownFieldHint(key: string, parts: readonly (string | number)[]): string {
  const homes = FIELD_HOMES.get(key);
  if (homes) return ` here (it belongs in ${homes.join(' or ')})`;
  const meant = meantField(key);
  if (meant === null) return '';
  const here = objectKind(parts);
  const meantHomes = FIELD_HOMES.get(meant)!;
  const elsewhere = here !== null && !meantHomes.includes(here) ? `, which belongs in ${meantHomes.join(' or ')}` : '';
  return ` (did you mean "${meant}"${elsewhere}?)`;
}
