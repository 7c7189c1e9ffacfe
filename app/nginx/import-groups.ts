// Named regex groups after an import: nginx makes each one a variable for the whole config, and
// the importer took every regex's groups as known (ImportContext.groupNames) while it read the
// headers and hash keys. A regex it then dropped (in a location without a proxy_pass, a server
// without a listen it models) leaves them naming a variable the model has not: each header or hash
// key that names one is dropped with a warning, as one naming any variable Switchyard cannot
// evaluate is, so that the result stays valid.
import type { Config } from '../config/schema.ts';
import { regexGroupNames } from '../config/group-names.ts';
import { findVariables } from '../proxy/variable-names.ts';
import type { ImportContext } from './import-context.ts';

export function dropOrphanGroups(config: Config, ctx: ImportContext): void {
  if (ctx.groupNames.size === 0) return;
  const kept = regexGroupNames(config);
  const orphans = (value: string): string => findVariables(value)
    .filter((v) => !v.capture && ctx.groupNames.has(v.name.toLowerCase()) && !kept.has(v.name.toLowerCase()))
    .map((v) => `$${v.name}`)
    .join(', ');
  const why = (names: string) => `${names} ${names.includes(',') ? 'are named groups' : 'is a named group'} of a regex the import dropped (above)`;
  const warned = new Set<object>();
  for (const s of config.servers) {
    for (const l of s.locations) {
      l.proxySetHeader = l.proxySetHeader.filter((h) => {
        const names = orphans(h.value);
        if (names === '') return true;
        const d = ctx.origin.get(h) ?? ctx.origin.get(l);
        // (one header written at the server level is every location's)
        if (d && !warned.has(h)) ctx.note({ file: d.file, line: d.line, directive: 'proxy_set_header', message: `proxy_set_header ${h.name}: ${why(names)}: header dropped` });
        warned.add(h);
        return false;
      });
    }
  }
  for (const u of config.upstreams) {
    if (u.method.type !== 'hash') continue;
    const names = orphans(u.method.key);
    if (names === '') continue;
    const d = ctx.origin.get(u);
    if (d) ctx.note({ file: d.file, line: hashLine(d), directive: 'hash', message: `hash key "${u.method.key}": ${why(names)}: round robin is used instead` });
    u.method = { type: 'round_robin' };
  }
}

/** The line of the `hash` directive in an upstream block (the block's own line without one). */
function hashLine(upstream: { line: number; block?: ReadonlyArray<{ name: string; line: number }> | null }): number {
  return upstream.block?.find((c) => c.name === 'hash')?.line ?? upstream.line;
}
