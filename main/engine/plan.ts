// From an accepted request to what to do with it, as nginx decides: server block by listen socket
// and Host, location, then the exact upstream request (URI and header list). The decisions are
// app/proxy/plan.ts (pure, shared with the UI's route tester); IncomingMessage has the shape they read.
import type { IncomingMessage } from 'node:http';
import { planRoute, type RoutePlan } from '../../app/proxy/plan.ts';
import type { CompiledServer, Runtime } from './runtime.ts';
import { requestEnv } from './request-env.ts';

export type Plan = RoutePlan<CompiledServer>;

export function planRequest(rt: Runtime, req: IncomingMessage): Plan {
  return planRoute(rt, req, requestEnv(req.socket));
}
