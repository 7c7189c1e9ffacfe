// Import parity: one nginx.conf (and the file it includes) through three proxies — real nginx
// running the original text, the engine running what `import-nginx` made of it, and real nginx
// running the re-export of that model — the same requests to each, what the upstreams saw and what
// the client got compared. A file that imports with a warning said what it loses: out of scope.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importNginx, type ImportResult } from '../../app/nginx/import.ts';
import { exportNginx } from '../../app/nginx/export.ts';
import { fsReader } from '../../main/nginx/conf-reader.ts';
import { privateNginxConf } from '../../main/nginx/binary.ts';
import { runSides, withEngine, withNginxConf, type Env, type Observation } from './harness.ts';
import type { ImportCase } from './import-gen.ts';

/** Warnings that drop nothing: the file means the same to the engine. */
const HARMLESS = [
  // a header that passes a decoded path on (nginx sends it so too, and so does the engine)
  /holds? the request path as decoded/,
  // a prefix nested in a prefix, in a server without regexes, matches as a sibling would
  /is nested in "location [^~=]/,
  // said for what it is, and read as what it is
  /is nginx\.org's standard WebSocket map under another name/,
  // a name nginx ignores on that socket (nginx -t warns the same), as the engine does
  /^conflicting server name .* so nginx ignores it here, and so does Switchyard/,
  // a proxy_pass of variables the server sets once to fixed text, read with their values
  /^proxy_pass ".*": .* set once in this server to fixed text \(.*\), read in: /,
];

export type ImportOutcome =
  | { kind: 'compared'; sides: Record<string, Observation[]>; notes: string[] }
  | { kind: 'warned'; warnings: string[] }
  | { kind: 'refused'; issues: string[] };

const report = (r: ImportResult) => [...r.warnings.map((w) => `${w.file.replace(/.*\//, '')}:${w.line}: ${w.message}`), ...r.issues.map((i) => `${i.path}: ${i.message} [${i.code}]`)];

async function importIn(c: ImportCase, env: Env, dir: string): Promise<{ result: ImportResult; main: string }> {
  const { main, extra } = c.files(env, dir);
  await writeFile(join(dir, 'nginx.conf'), main);
  await rm(join(dir, 'extra.conf'), { force: true });
  if (extra !== null) await writeFile(join(dir, 'extra.conf'), extra);
  return { result: await importNginx(join(dir, 'nginx.conf'), fsReader), main };
}

/** Run one case: its import first (skipped when it warns of a loss), then the three sides. */
export async function runImportCase(c: ImportCase): Promise<ImportOutcome> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-import-parity-'));
  try {
    // (ports of as many digits as the sides' own)
    const probe = await importIn(c, { up: { u0: 10001, u1: 10002, u2: 10003 }, dead: 10004, hole: 10005, closes: 10006, badHeader: 10007, raw: 10008, listen: 10009 }, dir);
    const lost = probe.result.warnings.filter((w) => !HARMLESS.some((h) => h.test(w.message)));
    if (probe.result.issues.length) return { kind: 'refused', issues: report(probe.result) };
    if (lost.length) return { kind: 'warned', warnings: report(probe.result) };
    const nginxOn = (text: string, env: Env, go: () => Promise<Observation[]>) => withNginxConf(privateNginxConf(text, true), env.listen, go);
    const sides = await runSides(c, {
      original: async (env, go) => nginxOn((await importIn(c, env, dir)).main, env, go),
      engine: async (env, go) => withEngine((await importIn(c, env, dir)).result.config, go),
      reexport: async (env, go) => nginxOn(exportNginx((await importIn(c, env, dir)).result.config, { shape: 'full' }), env, go),
    });
    return { kind: 'compared', sides, notes: report(probe.result) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An observation with the upstream's header lines in a stable order by name (lines of one name
 * keep theirs): the README says the WebSocket switch's pair goes first where a file put it later. */
function byName(o: Observation): string {
  const lines = o.headers['*']?.split('\n');
  if (!lines) return JSON.stringify(o);
  const name = (l: string) => l.slice(0, l.indexOf(':')).toLowerCase();
  return JSON.stringify({ ...o, headers: { ...o.headers, '*': lines.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0)).join('\n') } });
}

/** The requests whose observations differ between the sides, described; `order`: those that differ
 * in the order of header lines of different names only. */
export function differences(c: ImportCase, sides: Record<string, Observation[]>, order = false): string[] {
  const out: string[] = [];
  const [first, ...rest] = Object.keys(sides);
  c.requests.forEach((q, i) => {
    const key = order ? (o: Observation) => JSON.stringify(o) : byName;
    const base = key(sides[first!]![i]!);
    const odd = rest.filter((s) => key(sides[s]![i]!) !== base);
    if (!odd.length) return;
    out.push([`${q.method ?? 'GET'} ${q.path} host=${q.host} body=${q.body?.length} ${JSON.stringify(q.headers)}`, ...[first!, ...odd].map((s) => `  ${s.padEnd(8)} ${JSON.stringify(sides[s]![i])}`)].join('\n'));
  });
  return out;
}
