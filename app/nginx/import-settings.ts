// The proxy_* directives nginx inherits from http to server to location (import side).
// Scalars inherit one by one; proxy_set_header inherits as a whole list: a level with any
// proxy_set_header of its own inherits none from above (ngx_http_proxy_merge_loc_conf).
import type { Directive } from './ast.ts';
import type { SetHeader } from '../config/schema.ts';
import { NextUpstreamCondition } from '../config/schema.ts';
import { MAX_TIME_MS, parseNginxTime } from '../config/time.ts';
import { parseNginxSize } from '../config/size.ts';
import { BINARY_VARIABLES, findVariables, isKnownReference } from '../proxy/variable-names.ts';
import type { ImportContext } from './import-context.ts';

type Condition = (typeof NextUpstreamCondition.options)[number];

export interface ProxySettings {
  headers?: SetHeader[];
  httpVersion?: '1.0' | '1.1';
  connectTimeout?: string;
  sendTimeout?: string;
  readTimeout?: string;
  nextUpstream?: Condition[];
  nextUpstreamTries?: number;
  buffering?: boolean;
  maxBodySize?: string;
}

export const INHERITED = new Set([
  'proxy_set_header', 'proxy_http_version', 'proxy_connect_timeout', 'proxy_send_timeout', 'proxy_read_timeout',
  'proxy_next_upstream', 'proxy_next_upstream_tries', 'proxy_buffering', 'client_max_body_size',
]);

const TIMEOUTS = { proxy_connect_timeout: 'connectTimeout', proxy_send_timeout: 'sendTimeout', proxy_read_timeout: 'readTimeout' } as const;

/** The inherited settings a block sets itself (directives not in INHERITED are ignored here). */
export function ownSettings(block: Directive[], ctx: ImportContext): ProxySettings {
  const own: ProxySettings = {};
  const seen = new Set<string>();
  for (const d of block) {
    if (!INHERITED.has(d.name)) continue;
    if (d.name !== 'proxy_set_header') {
      if (seen.has(d.name)) ctx.warn(d, `"${d.name}" is duplicate (nginx -t refuses this): the last one is kept`);
      seen.add(d.name);
    }
    switch (d.name) {
      case 'proxy_set_header': {
        own.headers ??= [];
        if (d.args.length !== 2) { ctx.warn(d, `proxy_set_header takes a name and a value, got ${d.args.length} argument(s): dropped`); break; }
        const [name, written] = d.args as [string, string];
        const value = ctx.standardUpgrade(written);
        const unknown = findVariables(value).filter((v) => !isKnownReference(v, ctx.groupNames));
        if (unknown.length) {
          ctx.warn(d, `proxy_set_header ${name}: ${ctx.unevaluable(unknown)}: header dropped`);
          break;
        }
        const binary = findVariables(value).find((v) => BINARY_VARIABLES.has(v.name.toLowerCase()));
        if (binary) {
          ctx.warn(d, `proxy_set_header ${name}: $${binary.name} is raw bytes (NUL among them), which Switchyard takes in a hash key only: header dropped`);
          break;
        }
        if (value === written && findVariables(value).some((v) => v.name.toLowerCase() === 'connection_upgrade')) {
          if (ctx.upgradeMap === 'custom') ctx.warn(d, 'this file\'s own map for $connection_upgrade is not modelled: Switchyard evaluates it with the standard map (default upgrade; \'\' close)');
          else if (ctx.upgradeMap === 'absent') ctx.noteAbsentMap(d);
        }
        const header = { name, value };
        ctx.origin.set(header, d); // (a problem validation finds in it names this line)
        own.headers.push(header);
        break;
      }
      case 'proxy_http_version':
        if (d.args.length === 1 && (d.args[0] === '1.0' || d.args[0] === '1.1')) own.httpVersion = d.args[0];
        else ctx.warn(d, `proxy_http_version must be 1.0 or 1.1: dropped`);
        break;
      case 'proxy_connect_timeout':
      case 'proxy_send_timeout':
      case 'proxy_read_timeout':
      {
        const ms = d.args.length === 1 ? parseNginxTime(d.args[0]!, { unbounded: true }) : null;
        if (ms !== null && ms <= MAX_TIME_MS) own[TIMEOUTS[d.name]] = d.args[0]!;
        else if (ms !== null) {
          // 64-bit nginx takes it; the engine's timers stop at ~24.8 days
          const longest = `${Math.floor(MAX_TIME_MS / 1000)}s`;
          own[TIMEOUTS[d.name]] = longest;
          ctx.warn(d, `${d.name} ${d.args[0]} is longer than Switchyard's longest timeout (${longest}, about 24.8 days): imported as ${longest}`);
        } else if (d.args.length > 1) {
          ctx.warn(d, `${d.name} takes one value, got ${d.args.length} (nginx refuses this line; quote a time with spaces, "1h 30m"): dropped (60s applies)`);
        } else ctx.warn(d, `"${d.args.join(' ')}" is not an nginx time: dropped (60s applies)`);
        break;
      }
      case 'proxy_next_upstream': {
        const ok: Condition[] = [];
        for (const a of d.args) {
          const c = NextUpstreamCondition.safeParse(a);
          if (c.success) ok.push(c.data);
          else ctx.warn(d, `proxy_next_upstream condition "${a}" is not modelled: dropped`);
        }
        if (ok.length) own.nextUpstream = ok;
        break;
      }
      case 'proxy_next_upstream_tries':
        // (a number nginx takes past Switchyard's bound is kept: validation names it, too_big, at each location it reaches)
        if (d.args.length === 1 && /^\d{1,15}$/.test(d.args[0]!)) own.nextUpstreamTries = Number(d.args[0]);
        else ctx.warn(d, `proxy_next_upstream_tries "${d.args.join(' ')}" is not a whole number (nginx refuses this line): dropped`);
        break;
      case 'proxy_buffering':
        // a flag: nginx compares case-insensitively
        if (d.args.length === 1 && /^(on|off)$/i.test(d.args[0]!)) own.buffering = d.args[0]!.toLowerCase() === 'on';
        else ctx.warn(d, `proxy_buffering takes "on" or "off", got "${d.args.join(' ')}": dropped (nginx's on applies)`);
        break;
      case 'client_max_body_size':
        if (d.args.length === 1 && parseNginxSize(d.args[0]!) !== null) own.maxBodySize = d.args[0]!;
        else ctx.warn(d, `client_max_body_size takes one size such as "10m", got "${d.args.join(' ')}": dropped (nginx's 1m applies)`);
        break;
    }
  }
  return own;
}

/** A child level's effective settings: its own, else its parent's. */
export function inherit(parent: ProxySettings, own: ProxySettings): ProxySettings {
  const out: ProxySettings = { ...parent };
  for (const [k, v] of Object.entries(own)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
