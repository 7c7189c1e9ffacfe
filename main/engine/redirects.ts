// An upstream's header lines as the client gets them: nginx's filter, and proxy_redirect default
// (app/proxy/redirect.ts has its rules).
import type { Plan } from './plan.ts';
import { absoluteLocation, defaultRedirect, rewriteLocation, rewriteRefresh, rewritesLocation, type RedirectRewrite } from '../../app/proxy/redirect.ts';
import { NGINX_HIDDEN_RESPONSE_HEADERS } from '../../app/proxy/headers.ts';

type ProxyPlan = Extract<Plan, { kind: 'proxy' }>;

const rewriteOf = (plan: ProxyPlan): RedirectRewrite | null => defaultRedirect(plan.loc.location.proxyPass, plan.loc.target, plan.loc.location.path);

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
  let rw: RedirectRewrite | null | undefined;
  // where in `out` the last Location proxy_redirect rewrote is: nginx's headers_out.location, the
  // one its header filter makes absolute (earlier ones stay as rewritten)
  let lastLocation = -1;
  const drop = (at: number) => {
    out.splice(at, 2);
    if (lastLocation > at) lastLocation -= 2;
  };
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (NOT_PASSED.has(lower)) continue;
    if (lower === 'content-type') {
      if (contentType >= 0) drop(contentType);
      contentType = out.length;
    }
    let value = raw[i + 1]!;
    if (lower === 'content-length') value = value.replace(LEADING_ZEROS, '');
    else if (lower === 'refresh' || lower === 'location') {
      if (rw === undefined) rw = rewriteOf(plan);
      if (rw === null) {
        // (a proxy_pass with variables: no rewrite)
      } else if (lower === 'refresh') value = rewriteRefresh(value, rw);
      else if (rewritesLocation(value, rw)) {
        value = rewriteLocation(value, rw, null);
        lastLocation = out.length + 1;
      }
    }
    // (nginx writes these two lines itself, in its own case, from what it read: "content-type"
    // from an upstream goes out as "Content-Type"; the others keep the upstream's spelling)
    out.push(OWN_CASE.get(lower) ?? name, value);
  }
  if (contentType >= 0 && out[contentType + 1] === '') drop(contentType);
  if (lastLocation >= 0) out[lastLocation] = absoluteLocation(out[lastLocation]!, { host: plan.host, serverAddr: plan.ctx.serverAddr, port: plan.ctx.serverPort });
  return out;
}

const LEADING_ZEROS = /^0+(?=\d)/;
const OWN_CASE = new Map([['content-type', 'Content-Type'], ['content-length', 'Content-Length']]);
