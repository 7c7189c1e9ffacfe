// nginx.conf → Switchyard model. Everything the model has a field for is imported; every other
// directive becomes a warning with file:line saying what is lost; then the result is validated.
// Accepts a complete nginx.conf (with `http {}`) or an http-level snippet (upstream/server/map).
import type { Directive } from './ast.ts';
import type { Config } from '../config/schema.ts';
import { SCHEMA_VERSION } from '../config/schema.ts';
import type { ConfigIssue } from '../config/issues.ts';
import { validateConfig } from '../config/validate.ts';
import { configWarnings } from '../config/warnings.ts';
import { parseNginx } from './parser.ts';
import { isAddressHost, parseProxyPass } from '../config/proxy-pass.ts';
import { upstreamOf } from '../proxy/routing.ts';
import { loadNginxConf, newImportBudget, type ConfReader, type LoadedConf } from './include.ts';
import { ImportContext, WarningList, countDirectives, type ImportWarning, type UpgradeMap } from './import-context.ts';
import { INHERITED, ownSettings } from './import-settings.ts';
import { SNIPPET_UPGRADE_VARIABLE } from './defaults.ts';
import { importUpstream } from './import-upstream.ts';
import { importServer, locationArgs, settleDualStack } from './import-server.ts';
import { addNames } from '../config/group-names.ts';
import { dropOrphanGroups } from './import-groups.ts';
import { compileNginxRegex, compileServerNameRegex } from '../match/regex.ts';
import { errnoWords } from '../text/errno.ts';

export type { ImportWarning } from './import-context.ts';
export type { ConfReader } from './include.ts';

export interface ImportResult {
  /** The imported model: validated (defaults applied) when `issues` is empty. */
  config: Config;
  /** Everything not carried over, with where it was. */
  warnings: ImportWarning[];
  /** validateConfig's problems with the imported model (empty when it is valid), each with the
   * file:line of the server, location or upstream block it is in, when known. */
  issues: Array<ConfigIssue & { source?: { file: string; line: number } }>;
}

/** Import files (each with everything it includes, read through `reader`). Syntax errors throw NginxSyntaxError.
 * Each file is read for what it is: an nginx.conf with its `http` block, or an http-level snippet
 * (a sites-enabled file), as when it is imported alone. */
export async function importNginx(files: string | string[], reader: ConfReader): Promise<ImportResult> {
  const list = Array.isArray(files) ? files : [files];
  // (null: a file an earlier one includes, imported there: not read again)
  const loads: Array<LoadedConf | null> = [];
  const budget = newImportBudget();
  for (const f of list) {
    if (loads.some((l) => l?.files.slice(1).some((p) => samePath(p, f)))) {
      loads.push(null);
      continue;
    }
    try {
      loads.push(await loadNginxConf(f, reader, undefined, budget));
    } catch (e) {
      // (which of the files could not be read: a reader's error need not name it)
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string') throw new ConfReadError(f, code);
      throw e;
    }
  }
  const includes = (j: number, i: number) => loads[j]?.files.slice(1).some((p) => samePath(p, list[i]!)) ?? false;
  const trees: Directive[][] = [];
  const pre = new WarningList();
  loads.forEach((loaded, i) => {
    // a file another one given includes (sites-enabled/default beside nginx.conf) is imported there,
    // with that file's http-level settings, not a second time on its own
    // (two that include each other: the first given is imported)
    const by = list.findIndex((_, j) => j !== i && includes(j, i) && !(includes(i, j) && i < j));
    if (by !== -1 || loaded === null) {
      pre.add({ file: list[i]!, line: 1, directive: '(file)', message: `${list[by]} includes this file: imported there, not a second time` });
      return;
    }
    trees.push(loaded.directives);
    for (const n of loaded.notes) pre.add({ file: n.file, line: n.line, directive: n.directive ?? 'include', message: n.message });
    for (const p of loaded.problems) pre.add({ file: p.file, line: p.line, directive: 'include', message: `${p.message}: its directives are missing from the import` });
  });
  const r = importTrees(trees);
  return { ...r, warnings: [...pre.all(), ...r.warnings] };
}

/** A file given to importNginx that could not be read (`code`: the reader's, such as ENOENT). */
export class ConfReadError extends Error {
  constructor(readonly file: string, readonly code: string) {
    super(`cannot read ${file}: ${errnoWords(code)}`);
  }
}

/** Two spellings of one path ("./a/b", "a//b", "a/c/../b"), as far as text tells. */
function samePath(a: string, b: string): boolean {
  return normalPath(a) === normalPath(b);
}
function normalPath(p: string): string {
  const out: string[] = [];
  for (const s of p.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else out.push(s);
  }
  return (p.startsWith('/') ? '/' : '') + out.join('/');
}

/** Import one text without following includes (each `include` is a warning). */
/** What an import did not carry over, then its model's problems, a line each ("FILE:LINE: …"), as
 * the desktop menu and the page list them. */
export function importReport(r: ImportResult): string[] {
  return [
    ...r.warnings.map((w) => `${w.file}:${w.line}: ${w.directive}: ${w.message}`),
    ...r.issues.map((i) => `${i.source ? `${i.source.file}:${i.source.line}: ` : ''}${i.path}: ${i.message}`),
  ];
}

export function importNginxText(text: string, file = 'nginx.conf'): ImportResult {
  return importNginxTree(parseNginx(text, file).directives);
}

export function importNginxTree(tree: Directive[]): ImportResult {
  return importTrees([tree]);
}

/** Files' directives into one model: a file with an `http` block is a whole nginx.conf (a second
 * such block in it is nginx's error), one without is http-level. */
function importTrees(trees: Directive[][]): ImportResult {
  const ctx = new ImportContext();
  const config: Config = { schemaVersion: SCHEMA_VERSION, upstreams: [], servers: [] };
  // each file's http-level directives: its http blocks, or the file itself
  const files = trees.map((tree) => {
    const http = tree.filter((d) => d.name === 'http' && d.block).map((d) => d.block!);
    return { tree, levels: http.length ? http : [tree] };
  });
  // maps first, of every file: nginx does not care where a map is written, nor in which file
  for (const f of files) for (const block of f.levels) for (const d of block) if (d.name === 'map') noteMap(d, ctx);
  // and the named groups of every regex, which are variables for the whole config
  for (const f of files) noteGroupNames(f.tree, ctx.groupNames);
  for (const f of files) noteDefinedVariables(f.tree, ctx.definedVariables);
  for (const g of ctx.groupNames) ctx.definedVariables.add(g);
  for (const { tree, levels } of files) {
    if (levels[0] === tree) {
      importHttp(tree, ctx, config);
      continue;
    }
    let https = 0;
    for (const d of tree) {
      if (d.name === 'http' && d.block) {
        if (https++ === 1) ctx.warn(d, 'a second "http" block: nginx refuses the file ("http" directive is duplicate); its contents are imported with the first one\'s');
        importHttp(d.block, ctx, config);
      }
      else if (d.name === 'events' && d.block) for (const e of d.block) ctx.unmodelled(e, 'events');
      else ctx.unmodelled(d, 'the main context');
    }
  }
  settleDualStack(config, ctx);
  resolvePortless(config, ctx);
  dropOrphanGroups(config, ctx);
  const v = validateConfig(config);
  if (v.ok) {
    // (a server name nginx ignores on a socket where an earlier server has it: the file's own dead
    // config; a header that passes a client's line breaks on, in nginx too)
    for (const w of configWarnings(v.config)) ctx.note({ ...withSource(w, config, ctx).source ?? { file: '', line: 0 }, directive: w.path.includes('proxySetHeader') ? 'proxy_set_header' : w.path.endsWith('.proxyPass') ? 'proxy_pass' : 'server_name', message: w.message });
    return { config: v.config, warnings: ctx.warnings, issues: [] };
  }
  return { config, warnings: ctx.warnings, issues: v.issues.map((i) => withSource(i, config, ctx)) };
}

/** The named groups of the server names and location regexes anywhere in `tree`. */
function noteGroupNames(tree: readonly Directive[], out: Set<string>): void {
  for (const d of tree) {
    if (d.name === 'server_name') for (const a of d.args) if (a.startsWith('~')) addNames(out, compileServerNameRegex(a.slice(1)));
    const loc = d.name === 'location' ? locationArgs(d) : null;
    if (loc && (loc.modifier === '~' || loc.modifier === '~*')) addNames(out, compileNginxRegex(loc.path, loc.modifier === '~*'));
    if (d.block) noteGroupNames(d.block, out);
  }
}

/** Where directives that define a variable name it: the argument that is "$name". */
const DEFINES: Readonly<Record<string, (args: readonly string[]) => string | undefined>> = {
  set: (a) => a[0], auth_request_set: (a) => a[0], js_set: (a) => a[0], perl_set: (a) => a[0],
  set_by_lua: (a) => a[0], set_by_lua_block: (a) => a[0], set_by_lua_file: (a) => a[0],
  map: (a) => a[1], split_clients: (a) => a[1], geo: (a) => a.at(-1),
};

/** The variables the directives anywhere in `tree` define (lowercase, without "$"). */
function noteDefinedVariables(tree: readonly Directive[], out: Set<string>): void {
  for (const d of tree) {
    const v = DEFINES[d.name]?.(d.args);
    if (v?.startsWith('$')) out.add(v.slice(1).toLowerCase());
    if (d.block) noteDefinedVariables(d.block, out);
  }
}

/** "proxy_pass http://app" with no upstream "app" (Docker service names): nginx resolves the name and
 * connects to port 80, so "http://app:80" means the same (Host is still "app"); the model wants the port. */
function resolvePortless(config: Config, ctx: ImportContext): void {
  for (const { location, d } of ctx.portless) {
    const t = parseProxyPass(location.proxyPass)!;
    // what validation would call an unknown upstream
    // (with variables nginx looks the name up per request, with no port assumed to help: validation
    // names that, variable_proxy_pass_host)
    if (upstreamOf(config.upstreams, t) || isAddressHost(t.host) || t.variables) continue;
    location.proxyPass = `http://${t.host}:80${t.uri ?? ''}`;
    ctx.warn(d, `no upstream "${t.host}" is defined in the imported files, so nginx resolves "${t.host}" as a host name and connects to port 80: imported as "${location.proxyPass}"`);
  }
}

/** An issue with the line it comes from: its proxy_set_header's, else the block it is in (the
 * location's, else the server's or upstream's). */
function withSource(issue: ConfigIssue, config: Config, ctx: ImportContext): ImportResult['issues'][number] {
  const s = /^servers\[(\d+)\](?:\.locations\[(\d+)\](?:\.proxySetHeader\[(\d+)\])?)?/.exec(issue.path);
  const u = /^upstreams\[(\d+)\]/.exec(issue.path);
  const server = s ? config.servers[Number(s[1])] : undefined;
  const location = s?.[2] !== undefined ? server?.locations[Number(s[2])] : undefined;
  const header = s?.[3] !== undefined ? location?.proxySetHeader[Number(s[3])] : undefined;
  const upstream = u ? config.upstreams[Number(u[1])] : undefined;
  const d = (header && ctx.origin.get(header)) ?? (location && ctx.origin.get(location)) ?? (server && ctx.origin.get(server)) ?? (upstream && ctx.origin.get(upstream));
  return d ? { ...issue, source: { file: d.file, line: d.line } } : issue;
}

function importHttp(block: Directive[], ctx: ImportContext, config: Config): void {
  const settings = ownSettings(block, ctx);
  for (const d of block) {
    if (INHERITED.has(d.name) || d.name === 'map') continue;
    if (d.name === 'upstream' && d.block) {
      const u = importUpstream(d, ctx);
      if (u) {
        ctx.origin.set(u, d);
        config.upstreams.push(u);
      }
    } else if (d.name === 'server' && d.block) {
      const s = importServer(d, settings, ctx);
      if (s) {
        ctx.origin.set(s, d);
        config.servers.push(s);
      }
    } else if (d.name === 'include') {
      ctx.warn(d, `include "${d.args.join(' ')}" was not followed (import the file with a reader to include it)`);
    } else ctx.unmodelled(d, 'http');
  }
  // settings for servers that are not here (a conf.d file of its own, given beside the sites that
  // nginx's http block would include with it): no imported server gets them, which is said
  if (!block.some((d) => d.name === 'server' && d.block)) {
    for (const d of block) {
      if (INHERITED.has(d.name)) ctx.warn(d, `set at http level in a file with no server, so no imported server gets it (nginx gives it to every server of the http block that includes this file): import the nginx.conf that includes them all, or set it in each server`);
    }
  }
}

/** Recognise nginx.org's `map $http_upgrade $connection_upgrade { default upgrade; '' close; }`,
 * also under another variable name. */
function noteMap(d: Directive, ctx: ImportContext): void {
  const entries = new Map((d.block ?? []).map((e) => [e.name, e.args.join(' ')]));
  const standard = d.args.length === 2 && d.args[0] === '$http_upgrade' && (d.block ?? []).length === 2 && entries.get('default') === 'upgrade' && entries.get('') === 'close';
  const isUpgrade = d.args.length === 2 && d.args[1] === '$connection_upgrade';
  if (!isUpgrade && standard && /^\$\w+$/.test(d.args[1]!)) {
    // nginx-proxy and others name it $proxy_connection: the same map, the same values
    ctx.upgradeAliases.add(d.args[1]!.slice(1).toLowerCase());
    if (d.args[1] === SNIPPET_UPGRADE_VARIABLE) return; // a snippet's export of its own: nothing to say
    ctx.warn(d, `map $http_upgrade ${d.args[1]} is nginx.org's standard WebSocket map under another name: read as $connection_upgrade (the WebSocket switch where a location sends it as Connection)`);
    return;
  }
  if (!isUpgrade) {
    const n = countDirectives(d.block ?? []);
    ctx.warn(d, `map ${d.args.join(' ')}: maps are not modelled (with ${n} ${n === 1 ? 'entry' : 'entries'}): dropped; values using its variable are dropped too`);
    return;
  }
  // the same map again (each site file carrying its own copy): nothing changes
  const key = JSON.stringify([d.args[0], [...entries].sort()]);
  const earlier = ctx.upgradeMapAt;
  if (earlier?.key === key) return;
  if (!standard) {
    // what changes for a plain request (no Upgrade header): the map's '' entry (else its default)
    // (said for a map of the standard's two entries only; other values of Upgrade are its own cases)
    const twoEntries = [...entries.keys()].every((k) => k === '' || k === 'default');
    const plain = twoEntries ? entries.get('') ?? entries.get('default') : undefined;
    const upgrade = twoEntries ? entries.get('default') : undefined;
    const effects = [
      plain === undefined || plain === 'close' ? '' : `a request without Upgrade then sends "Connection: close" where this map ${plain === '' ? 'leaves Connection out (which an upstream keepalive pool needs)' : `gives "${plain}"`}`,
      upgrade === undefined || upgrade === 'upgrade' ? '' : `an upgrade request sends "Connection: upgrade" where this map gives "${upgrade}"`,
    ].filter(Boolean);
    const effect = effects.length ? `; ${effects.join('; ')}` : '';
    ctx.warn(d, `this map for $connection_upgrade differs from the standard one (default upgrade; '' close): Switchyard evaluates $connection_upgrade with the standard map${effect}`);
  }
  // nginx sets the variable's handler from each map in turn: the last one decides
  if (earlier) {
    const where = earlier.file === d.file ? `on line ${earlier.line}` : `at ${earlier.file}:${earlier.line}`;
    ctx.warn(d, `a second map for $connection_upgrade: the last one decides, this one${standard ? ' (the standard map)' : ''}, so the one ${where} is not used`);
  }
  ctx.upgradeMapAt = { key, file: d.file, line: d.line };
  ctx.upgradeMap = standard ? 'standard' : 'custom';
}
