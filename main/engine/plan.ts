// From an accepted request to what to do with it, as nginx decides: server block by listen socket
// and Host, location, then the exact upstream request (URI and header list). The decisions are
// app/proxy/plan.ts (pure, shared with the UI's route tester); IncomingMessage has the shape they read.
// Once the body is in, what nginx reads only then is made again (afterBody).
import type { IncomingMessage } from 'node:http';
import { planRoute, type RoutePlan } from '../../app/proxy/plan.ts';
import { upstreamHeaders } from '../../app/proxy/headers.ts';
import { evaluateParts } from '../../app/proxy/variables.ts';
import type { PeerAttempt } from '../upstream/types.ts';
import type { CompiledServer, Runtime } from './runtime.ts';
import { requestEnv } from './request-env.ts';

export type Plan = RoutePlan<CompiledServer>;
type ProxyPlan = Extract<Plan, { kind: 'proxy' }>;

export function planRequest(rt: Runtime, req: IncomingMessage): Plan {
  return planRoute(rt, req, requestEnv(req.socket));
}

/**
 * nginx makes the upstream request once it has read the body, and picks its peer then: header
 * values and a hash key that read the time or $content_length (a chunked body's length,
 * `bodyBytes`) are made again then, and the peer is picked again by a hash key made again (HTTP and
 * WebSocket handshakes alike). The plan and attempt as they were when nothing reads those.
 */
export function afterBody(plan: ProxyPlan, attempt: PeerAttempt, req: IncomingMessage, bodyBytes: number): { plan: ProxyPlan; attempt: PeerAttempt } {
  const { headers, pool } = plan.loc;
  if (!headers.afterBody && !pool.hashAfterBody) return { plan, attempt };
  if (plan.ctx.env) plan.ctx.env.now = Date.now();
  const ctx = req.headers['transfer-encoding'] === undefined ? plan.ctx : { ...plan.ctx, bodyLength: bodyBytes };
  const hashKey = pool.hashAfterBody ? evaluateParts(pool.hashKey!, ctx) : plan.hashKey;
  return {
    plan: { ...plan, ctx, headers: headers.afterBody ? upstreamHeaders(headers, ctx) : plan.headers, hashKey },
    attempt: pool.hashAfterBody ? pool.group.attempt({ remoteAddr: ctx.remoteAddr, hashKey }) : attempt,
  };
}
