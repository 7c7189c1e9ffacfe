// From an accepted request to what to do with it, as nginx decides: server block by listen socket
// and Host, location, then the exact upstream request (URI and header list). The decisions are
// app/proxy/plan.ts (pure, shared with the UI's route tester); IncomingMessage has the shape they read.
// Once the body is in, what nginx reads only then is made again (afterBody).
import type { IncomingMessage } from 'node:http';
import { planRoute, type RoutePlan } from '../../app/proxy/plan.ts';
import { upstreamHeaders } from '../../app/proxy/headers.ts';
import { evaluate } from '../../app/proxy/variables.ts';
import type { CompiledServer, Runtime } from './runtime.ts';
import { requestEnv } from './request-env.ts';

export type Plan = RoutePlan<CompiledServer>;
type ProxyPlan = Extract<Plan, { kind: 'proxy' }>;

export function planRequest(rt: Runtime, req: IncomingMessage): Plan {
  return planRoute(rt, req, requestEnv(req.socket));
}

/** Whether the plan is made again once the request body is in (afterBody). */
export const readsAfterBody = (plan: ProxyPlan): boolean => plan.loc.headers.afterBody || plan.loc.pool.hashAfterBody;

/** nginx makes the upstream request once it has read the body, and picks its peer then: header
 * values and a hash key that read the time or $content_length (a chunked body's length,
 * `bodyLength`) are made again then (HTTP and WebSocket handshakes alike). */
export function afterBody(plan: ProxyPlan, bodyLength: number | undefined): ProxyPlan {
  if (plan.ctx.env) plan.ctx.env.now = Date.now();
  const ctx = bodyLength === undefined ? plan.ctx : { ...plan.ctx, bodyLength };
  const { headers, pool } = plan.loc;
  return {
    ...plan, ctx,
    headers: headers.afterBody ? upstreamHeaders(headers, ctx) : plan.headers,
    hashKey: pool.hashAfterBody && pool.hashKey !== null ? evaluate(pool.hashKey, ctx) : plan.hashKey,
  };
}
