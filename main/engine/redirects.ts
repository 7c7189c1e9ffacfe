// proxy_redirect default on the engine's responses (app/proxy/redirect.ts has the rules).
import type { Plan } from './plan.ts';
import { defaultRedirect, rewriteLocation, rewriteRefresh } from '../../app/proxy/redirect.ts';

type ProxyPlan = Extract<Plan, { kind: 'proxy' }>;

/** The value of an upstream response header as the client gets it: Location and Refresh rewritten. */
export function redirectRewritten(plan: ProxyPlan, name: string, value: string): string {
  const n = name.length;
  if (n !== 8 && n !== 7) return value;
  const lower = name.toLowerCase();
  if (lower !== 'location' && lower !== 'refresh') return value;
  const { location, target } = plan.loc;
  const rw = defaultRedirect(location.proxyPass, target, location.path);
  if (lower === 'refresh') return rewriteRefresh(value, rw);
  return rewriteLocation(value, rw, { host: plan.host, serverAddr: plan.ctx.serverAddr, port: plan.ctx.serverPort });
}

/** A raw header list ([name, value, ...]) with its redirects rewritten. */
export function rawWithRedirects(plan: ProxyPlan, raw: readonly string[]): string[] {
  return raw.map((v, i) => (i % 2 ? redirectRewritten(plan, raw[i - 1]!, v) : v));
}
