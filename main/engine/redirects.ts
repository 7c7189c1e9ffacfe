// An upstream's header lines as the client gets them: nginx's filter, and proxy_redirect default
// (app/proxy/redirect.ts has its rules).
import type { Plan } from './plan.ts';
import { defaultRedirect, rewriteLocation, rewriteRefresh, rewritesLocation, type RedirectRewrite } from '../../app/proxy/redirect.ts';
import { NGINX_HIDDEN_RESPONSE_HEADERS } from '../../app/proxy/headers.ts';

type ProxyPlan = Extract<Plan, { kind: 'proxy' }>;

const isLocation = (name: string): boolean => name.length === 8 && name.toLowerCase() === 'location';
const rewriteOf = (plan: ProxyPlan): RedirectRewrite => defaultRedirect(plan.loc.location.proxyPass, plan.loc.target, plan.loc.location.path);

/**
 * The value of an upstream response header as the client gets it: Location and Refresh rewritten
 * by `rw`, the Location made absolute when `last` (the last one rewritten: nginx's headers_out.location).
 */
function redirectRewritten(plan: ProxyPlan, rw: RedirectRewrite, lower: string, value: string, last: boolean): string {
  if (lower === 'refresh') return rewriteRefresh(value, rw);
  return rewriteLocation(value, rw, last ? { host: plan.host, serverAddr: plan.ctx.serverAddr, port: plan.ctx.serverPort } : null);
}

/** The index in `raw` of the last Location line the rewrite rewrites, -1 when none does. */
function lastRewrittenLocation(rewrite: () => RedirectRewrite, raw: readonly string[]): number {
  let last = -1;
  for (let i = 0; i + 1 < raw.length; i += 2) if (isLocation(raw[i]!) && rewritesLocation(raw[i + 1]!, rewrite())) last = i;
  return last;
}

/** Upstream header lines nginx never passes to the client: hop-by-hop ones (it writes its own
 * Connection) and those proxy_hide_header hides by default. */
const NOT_PASSED: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'transfer-encoding', ...NGINX_HIDDEN_RESPONSE_HEADERS]);

/**
 * An upstream's header list ([name, value, ...]) as nginx passes it to the client, for every answer
 * it relays (a response, a 101, a refused upgrade): the lines it never passes dropped, Location and
 * Refresh rewritten, one Content-Type (each line replaces the last; none when its value is empty),
 * and Content-Length as the number nginx read (`02` as `2`).
 */
export function passedHeaders(plan: ProxyPlan, raw: readonly string[]): string[] {
  const out: string[] = [];
  let contentType = -1;
  // (the location's rewrite, made once and only for an answer with a Location or Refresh)
  let rw: RedirectRewrite | null = null;
  const rewrite = () => (rw ??= rewriteOf(plan));
  const lastLocation = lastRewrittenLocation(rewrite, raw);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (NOT_PASSED.has(lower)) continue;
    if (lower === 'content-type') {
      if (contentType >= 0) out.splice(contentType, 2);
      contentType = out.length;
    }
    const value = raw[i + 1]!;
    // (nginx writes these three lines itself, in its own case, from what it read: "content-type"
    // from an upstream goes out as "Content-Type"; the others keep the upstream's spelling)
    out.push(OWN_CASE.get(lower) ?? name, lower === 'content-length' ? value.replace(LEADING_ZEROS, '') : lower === 'location' || lower === 'refresh' ? redirectRewritten(plan, rewrite(), lower, value, i === lastLocation) : value);
  }
  if (contentType >= 0 && out[contentType + 1] === '') out.splice(contentType, 2);
  return out;
}

const LEADING_ZEROS = /^0+(?=\d)/;
const OWN_CASE = new Map([['content-type', 'Content-Type'], ['content-length', 'Content-Length'], ['transfer-encoding', 'Transfer-Encoding']]);
