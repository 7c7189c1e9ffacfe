// The draft's locations that pass to an upstream group by its name (`http://NAME[/uri]`, matched as
// nginx matches it: no port, the name in any case): what deleting the group would break, and what a
// rename leaves passing to the old name, which the upstream editor offers to point at the new one.
import type { ConfigInput } from '../config/schema.ts';
import type { LocationInput } from './draft.ts';
import { parseProxyPass } from '../config/proxy-pass.ts';
import { upstreamOf } from '../proxy/routing.ts';

/** The locations of `draft` (of any shape: a draft may be invalid anywhere) that pass to upstream `name`. */
export function locationsPassingTo(draft: unknown, name: unknown): LocationInput[] {
  const servers = (draft as ConfigInput | null)?.servers;
  if (typeof name !== 'string' || !name || !Array.isArray(servers)) return [];
  const out: LocationInput[] = [];
  for (const srv of servers) {
    if (!Array.isArray(srv?.locations)) continue;
    for (const loc of srv.locations) {
      const target = typeof loc?.proxyPass === 'string' ? parseProxyPass(loc.proxyPass) : null;
      if (target && upstreamOf([{ name }], target)) out.push(loc);
    }
  }
  return out;
}

/** Points the locations that pass to upstream `from` at upstream `to`, each keeping its URI part; how many. */
export function repointLocations(draft: unknown, from: string, to: string): number {
  const locations = locationsPassingTo(draft, from);
  for (const loc of locations) loc.proxyPass = `http://${to}${parseProxyPass(loc.proxyPass)!.uri ?? ''}`;
  return locations.length;
}
