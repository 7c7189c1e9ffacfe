// Shared state of one import: warnings with file:line, and what the http level defines
// ($connection_upgrade's map) that locations depend on.
import type { Directive } from './ast.ts';
import type { Listen, Location } from '../config/schema.ts';
import { isLuaBlock } from './lua-block.ts';
import { meantDirective } from './directive-shape.ts';
import { meantVariable, renameVariables, type VariableRef } from '../proxy/variable-names.ts';

/** Directives that keep requests out (authentication, address rules, limits). */
const ACCESS_CONTROL: ReadonlySet<string> = new Set(['auth_basic', 'auth_basic_user_file', 'auth_request', 'auth_jwt', 'deny', 'limit_except']);

export interface ImportWarning {
  file: string;
  line: number;
  /** The directive concerned (its name as written). */
  directive: string;
  /** What is lost or assumed. */
  message: string;
}

export type UpgradeMap = 'standard' | 'custom' | 'absent';

/** Warnings of one directive name in one file listed in full; the rest are counted in one more
 * (a 130,000-line deny list is one thing to say, not 130,000). */
export const WARNINGS_PER_DIRECTIVE = 20;

/** Warnings in the order they were found, WARNINGS_PER_DIRECTIVE of each directive name in each
 * file; the rest counted in one more, right after the last one listed. */
export class WarningList {
  private readonly listed: ImportWarning[] = [];
  /** Per file and directive name: warnings so far, the first one not listed, and where the last
   * one listed is in `listed`. */
  private readonly perName = new Map<string, { count: number; lastListed: number; firstUnlisted?: ImportWarning }>();

  add(w: ImportWarning): void {
    const key = `${w.file}\0${w.directive}`;
    const seen = this.perName.get(key) ?? { count: 0, lastListed: -1 };
    this.perName.set(key, seen);
    if (seen.count++ < WARNINGS_PER_DIRECTIVE) {
      seen.lastListed = this.listed.length;
      this.listed.push(w);
    } else seen.firstUnlisted ??= w;
  }

  all(): ImportWarning[] {
    const more = new Map<number, ImportWarning>();
    for (const { count, lastListed, firstUnlisted: w } of this.perName.values()) {
      if (w) more.set(lastListed, { ...w, message: `and ${count - WARNINGS_PER_DIRECTIVE} more warning(s) for "${w.directive}" in this file from this line on, not listed one by one (the first ${WARNINGS_PER_DIRECTIVE} are)` });
    }
    if (!more.size) return [...this.listed];
    const out: ImportWarning[] = [];
    this.listed.forEach((w, i) => {
      out.push(w);
      const m = more.get(i);
      if (m) out.push(m);
    });
    return out;
  }
}

export class ImportContext {
  private readonly list = new WarningList();
  upgradeMap: UpgradeMap = 'absent';
  /** The server being read: its variables set once, at its own level, to fixed text that a proxy_pass
   * of it reads (lowercase name → value and the `set`), as Nginx Proxy Manager writes its hosts. */
  serverConstants = new Map<string, { value: string; d: Directive }>();
  /** The last map for $connection_upgrade read (its entries as a key), which decides in nginx. */
  upgradeMapAt?: { key: string; file: string; line: number };
  /** Variables (lower case, no "$") that a map defines exactly as the standard upgrade map does. */
  readonly upgradeAliases = new Set<string>();
  /** Locations whose proxy_pass names a host without a port (an upstream, or a host on port 80), with that directive. */
  readonly portless: Array<{ location: Location; d: Directive }> = [];
  /** The IPv4 listen added for each `listen [::]:P ipv6only=off` (settled once every server is read). */
  readonly dualStack: Array<{ added: Listen; d: Directive; raw: string; port: string }> = [];
  /** The directive each imported server, location and upstream came from (for issues' file:line). */
  readonly origin = new WeakMap<object, Directive>();
  private warnedAbsentMap = false;
  /** The named groups of every regex in the files read (lowercase): nginx's variables too (noteGroupNames). */
  readonly groupNames = new Set<string>();
  /** The variables the files' own directives define (map, set, geo...; lowercase, no "$"), and the named groups. */
  readonly definedVariables = new Set<string>();

  /** `value` with the standard upgrade map's other names ($proxy_connection, a snippet's own
   * $switchyard_connection_upgrade) written as $connection_upgrade: the same values. */
  standardUpgrade(value: string): string {
    return renameVariables(value, (n) => (this.upgradeAliases.has(n) ? 'connection_upgrade' : undefined));
  }

  warn(d: Directive, message: string): void {
    this.list.add({ file: d.file, line: d.line, directive: d.name, message });
  }

  /** A warning not about one directive of the tree (what validation of the result finds). */
  note(w: ImportWarning): void {
    this.list.add(w);
  }

  /** The warnings, in order (WarningList). */
  get warnings(): ImportWarning[] {
    return this.list.all();
  }

  /** The standard warning for a directive Switchyard has no field for. */
  /** `unrouted`: `d` is in a location with no proxy_pass, which is dropped with it. */
  unmodelled(d: Directive, where: string, unrouted = false): void {
    const nested = d.block ? ` (a block with ${countDirectives(d.block)} directive(s) inside)` : '';
    // what kept requests out of a location that goes: they go to another location now
    if (unrouted && (ACCESS_CONTROL.has(d.name) || d.name === 'allow' || d.name === 'internal') && d.args[0] !== 'off') {
      this.warn(d, `"${[d.name, ...d.args].join(' ')}" in ${where} is not modelled by Switchyard: dropped with its location, which has no proxy_pass: the requests it kept out go to whichever other location matches them, or get 404 (WebSocket upgrades too)${nested}`);
      return;
    }
    if (d.name.startsWith('//')) {
      const swallowed = d.args.length ? `; it swallowed everything up to the next ";": ${JSON.stringify(d.args.join(' '))}` : '';
      this.warn(d, `"//" does not start a comment in nginx ("#" does): "${d.name}" is read as an unknown directive (nginx -t fails)${swallowed}; dropped${nested}`);
      return;
    }
    if (isLuaBlock(d.name)) {
      const lost = d.name === 'balancer_by_lua_block' ? 'the peers it picks are lost: requests go to the servers listed in this upstream' : 'what it does is lost';
      this.warn(d, `"${d.name}" in ${where} is Lua code (OpenResty), which Switchyard does not run: dropped; ${lost}`);
      return;
    }
    // the engine rewrites upstream redirects as nginx does by default
    if (d.name === 'proxy_redirect' && d.args.length === 1 && d.args[0] === 'default') return;
    // they size nginx's hashes for long names (the export writes them when needed) and change no meaning
    if (d.name === 'server_names_hash_bucket_size' || d.name === 'proxy_headers_hash_bucket_size') return;
    if (d.name === 'proxy_redirect') {
      this.warn(d, `"proxy_redirect ${d.args.join(' ')}" in ${where} is not modelled: Switchyard rewrites upstream redirects as nginx's "proxy_redirect default" does; dropped`);
      return;
    }
    if (d.name === 'proxy_buffer_size' || d.name === 'proxy_buffers') {
      this.warn(d, `"${d.name} ${d.args.join(' ')}" in ${where} is not modelled: with proxy_buffering on, Switchyard holds response bodies in nginx's default 4k buffers; dropped`);
      return;
    }
    if (d.name === 'if' && d.block) {
      const held = [...new Set(d.block.map((b) => b.name))];
      // (a quoted operand is its own token: "(", ")" apart)
      const condition = d.args.join(' ').replace(/^\( /, '(').replace(/ \)$/, ')');
      this.warn(d, `"if ${condition}" in ${where} is not modelled by Switchyard: dropped, so the requests it matches are handled as if it were not there${held.length ? ` (it holds ${held.join(', ')})` : ''}`);
      return;
    }
    if (d.name === 'return') {
      this.warn(d, `"${d.name} ${d.args.join(' ')}" in ${where} is not modelled by Switchyard: dropped; its requests are proxied (or get 404) instead${nested}`);
      return;
    }
    if (d.name === 'rewrite') {
      this.warn(d, `"rewrite ${d.args.join(' ')}" in ${where} is not modelled by Switchyard: dropped; the URI goes upstream as proxy_pass makes it, not rewritten (and a redirecting rewrite does not redirect)${nested}`);
      return;
    }
    // access control: what it kept out now gets through, which must be said plainly
    if (d.name === 'internal') {
      this.warn(d, `"internal" in ${where} is not modelled by Switchyard: dropped, so clients reach this route directly (nginx answers them 404: only its own X-Accel-Redirect, error_page and subrequests reach an internal location)${nested}`);
      return;
    }
    if (d.name === 'allow') {
      this.warn(d, `"allow ${d.args.join(' ')}" in ${where} is not modelled by Switchyard: dropped (allow and deny rules are not modelled: every address reaches ${where === 'http' ? 'every route' : where === 'server' ? 'this server\'s routes' : 'this route'})${nested}`);
      return;
    }
    if (ACCESS_CONTROL.has(d.name) && d.args[0] !== 'off') {
      this.warn(d, `"${d.name} ${d.args.join(' ')}" in ${where} is not modelled by Switchyard: dropped, so ${where === 'http' ? 'every route is' : where === 'server' ? 'this server\'s routes are' : 'this route is'} reachable without it (WebSocket upgrades too)${nested}`);
      return;
    }
    const meant = meantDirective(d.name);
    const hint = meant ? ` (did you mean "${meant}"? nginx -t refuses a directive it does not know)` : '';
    this.warn(d, `"${d.name}" in ${where} is not modelled by Switchyard: dropped${nested}${hint}`);
  }

  /** References Switchyard cannot evaluate, written as in the file (`a bare "$"` for a lone `$`), with
   * the variable each likely meant where nginx knows none of that name (nginx -t refuses the file). */
  unevaluable(refs: readonly VariableRef[]): string {
    const names = refs.map((v) => (v.name === '' ? 'a bare "$"' : v.braced ? `\${${v.name}}` : `$${v.name}`));
    const meant = refs.flatMap((v, i) => {
      const m = v.name === '' ? null : meantVariable(v.name, this.definedVariables);
      return m ? [refs.length === 1 ? `"$${m}"` : `"$${m}" for ${names[i]}`] : [];
    });
    const hint = meant.length ? ` (did you mean ${meant.join(', ')}? nginx -t refuses a variable it does not know)` : '';
    return `${names.join(', ')} cannot be evaluated by Switchyard${hint}`;
  }

  /** Once per import: a location relies on $connection_upgrade but no map defines it. */
  noteAbsentMap(d: Directive): void {
    if (this.warnedAbsentMap) return;
    this.warnedAbsentMap = true;
    this.warn(d, 'no "map $http_upgrade $connection_upgrade" is defined (nginx -t fails on this file): Switchyard assumes nginx.org\'s standard map (default upgrade; \'\' close)');
  }
}

export function countDirectives(list: Directive[]): number {
  return list.reduce((n, d) => n + 1 + (d.block ? countDirectives(d.block) : 0), 0);
}
