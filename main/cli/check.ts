// `switchyard check --config FILE`: validate; print every problem with its JSON path; exit 1 if any.
import type { Writable } from 'node:stream';
import { loadConfigFile, formatIssue, migrationNote } from '../config/load.ts';
import { issueCount } from '../../app/config/issues.ts';
import { configWarnings } from '../../app/config/warnings.ts';
import { unresolvedNames } from '../engine/runtime.ts';

export async function checkCommand(o: { config: string; stdout: Writable; stderr: Writable }): Promise<number> {
  const r = await loadConfigFile(o.config);
  o.stderr.write(migrationNote(o.config, r));
  // (a name the proxy cannot look up: nginx -t and `serve` refuse the config for it)
  const issues = r.ok ? await unresolvedNames(r.config) : r.issues;
  if (r.ok && !issues.length) {
    const c = r.config;
    const locs = c.servers.reduce((n, s) => n + s.locations.length, 0);
    o.stdout.write(`${o.config}: ok (${c.servers.length} server(s), ${locs} location(s), ${c.upstreams.length} upstream(s))\n`);
    // (what nginx -t warns of and still takes: said, and no error)
    for (const w of configWarnings(c, r.localhost)) o.stderr.write(`warning: ${formatIssue(w)}\n`);
    return 0;
  }
  for (const i of issues) o.stderr.write(`${formatIssue(i)}\n`);
  o.stderr.write(`${o.config}: ${issueCount(issues)} error(s)\n`);
  return 1;
}
