// `upstream NAME { ... }` → the model's Upstream (import side).
import type { Directive } from './ast.ts';
import type { BalanceMethod, Upstream, UpstreamServer } from '../config/schema.ts';
import { parseFailTimeout } from '../config/time.ts';
import { findVariables, isKnownReference } from '../proxy/variable-names.ts';
import { DEFAULTS } from './defaults.ts';
import type { ImportContext } from './import-context.ts';

export function importUpstream(d: Directive, ctx: ImportContext): Upstream | null {
  if (d.args.length !== 1) {
    ctx.warn(d, `upstream takes one name, got ${d.args.length} argument(s): the block is dropped`);
    return null;
  }
  const up: Upstream = { name: d.args[0]!, method: { type: 'round_robin' }, servers: [], keepalive: DEFAULTS.keepalive };
  let keepalive: Directive | null = null;
  /** The server lines kept (by up.servers' index), and how many came before the method. */
  const serverLines: Directive[] = [];
  let beforeMethod = 0;
  for (const c of d.block ?? []) {
    switch (c.name) {
      case 'server': {
        const s = upstreamServer(c, ctx);
        if (s) {
          up.servers.push(s);
          serverLines.push(c);
        }
        break;
      }
      case 'least_conn':
      case 'ip_hash':
      case 'hash':
      case 'random': {
        if (keepalive && up.keepalive > 0) {
          // nginx's method takes the group's peer init from keepalive's cache ("load balancing
          // method redefined"), so no connection is kept: keepalive belongs after the method
          ctx.warn(keepalive, `keepalive before "${c.name}" (line ${c.line}): nginx's method replaces keepalive's connection cache ("load balancing method redefined"), so no connection is kept: keepalive dropped (write it after the method)`);
          up.keepalive = DEFAULTS.keepalive;
          keepalive = null;
        }
        const m = method(c, ctx);
        if (m) {
          if (up.method.type !== 'round_robin') ctx.warn(c, `load balancing method redefined: "${c.name}" replaces "${up.method.type}"`);
          up.method = m;
          beforeMethod = up.servers.length;
        }
        break;
      }
      case 'keepalive':
        // (a number nginx takes past Switchyard's bound is kept: validation names it, too_big, at this upstream)
        if (c.args.length === 1 && /^\d{1,15}$/.test(c.args[0]!) && Number(c.args[0]) > 0) {
          up.keepalive = Number(c.args[0]);
          keepalive = c;
        }
        else ctx.warn(c, `keepalive "${c.args.join(' ')}" is not a whole number of connections from 1 (nginx refuses this line): dropped`);
        break;
      default:
        ctx.unmodelled(c, `upstream "${up.name}"`);
    }
  }
  const type = up.method.type;
  if (type === 'ip_hash' || type === 'hash' || type === 'random') {
    // nginx checks a server's backup flag against the method as it reads the server line: after
    // the method, nginx -t refuses it (validation says so); before it, nginx takes it
    const kept = up.servers.filter((s, i) => {
      if (i >= beforeMethod || !s.backup) return true;
      ctx.warn(serverLines[i]!, `backup server before "${type}": nginx accepts this order (it checks backup against the method only once the method is read), but Switchyard models no backup server with "${type}": server dropped`);
      return false;
    });
    up.servers = kept;
  }
  if (up.servers.length === 0) ctx.warn(d, `upstream "${up.name}" has no server Switchyard can model`);
  return up;
}

function method(d: Directive, ctx: ImportContext): BalanceMethod | null {
  const a = d.args;
  if ((d.name === 'least_conn' || d.name === 'ip_hash') && a.length === 0) return { type: d.name };
  if (d.name === 'hash' && (a.length === 1 || (a.length === 2 && a[1] === 'consistent'))) {
    const key = ctx.standardUpgrade(a[0]!);
    const bad = findVariables(key).filter((v) => !isKnownReference(v, ctx.groupNames));
    if (bad.length) {
      ctx.warn(d, `hash key "${a[0]}": ${ctx.unevaluable(bad)}: round robin is used instead`);
      return null;
    }
    return { type: 'hash', key, consistent: a.length === 2 };
  }
  if (d.name === 'random') {
    if (a.length === 0) return { type: 'random', two: false };
    // "random two" picks the less loaded of two by least_conn, nginx's only method in 1.22.
    if (a[0] === 'two' && (a.length === 1 || (a.length === 2 && a[1] === 'least_conn'))) return { type: 'random', two: true };
  }
  ctx.warn(d, `"${[d.name, ...a].join(' ')}" is not a balancing method Switchyard models: round robin is used instead`);
  return null;
}

/** The server parameters nginx knows and the model has: a value nginx refuses is named as such. */
const KNOWN_PARAMS = new Set(['weight', 'max_fails', 'max_conns', 'fail_timeout', 'backup', 'down']);

function upstreamServer(d: Directive, ctx: ImportContext): UpstreamServer | null {
  const [address, ...params] = d.args;
  if (address === undefined) {
    ctx.warn(d, 'server without an address: dropped');
    return null;
  }
  if (address.startsWith('unix:')) {
    ctx.warn(d, `unix socket "${address}" is not modelled (TCP addresses only): server dropped`);
    return null;
  }
  const s: UpstreamServer = {
    address, weight: DEFAULTS.weight, maxFails: DEFAULTS.maxFails, failTimeout: DEFAULTS.failTimeout, backup: false, down: false, maxConns: DEFAULTS.maxConns,
  };
  for (const p of params) {
    const eq = p.indexOf('=');
    const key = eq < 0 ? p : p.slice(0, eq);
    const value = eq < 0 ? '' : p.slice(eq + 1);
    const int = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
    if (p === 'backup') s.backup = true;
    else if (p === 'down') s.down = true;
    else if (key === 'weight' && int >= 1) s.weight = int;
    else if (key === 'max_fails' && int >= 0) s.maxFails = int;
    else if (key === 'max_conns' && int >= 0) s.maxConns = int;
    else if (key === 'fail_timeout' && parseFailTimeout(value) !== null) s.failTimeout = value;
    else if (key === 'fail_timeout') ctx.warn(d, `server ${address}: "${p}" is not a time Switchyard reads for fail_timeout (nginx's seconds-valued times: "30s", "1h 30m", "1y"): dropped, the default 10s applies`);
    else if (KNOWN_PARAMS.has(key)) ctx.warn(d, `server ${address}: "${p}" is not a value nginx takes for ${key} (nginx -t refuses it): dropped`);
    else ctx.warn(d, `server ${address}: parameter "${p}" is not modelled: dropped`);
  }
  return s;
}
