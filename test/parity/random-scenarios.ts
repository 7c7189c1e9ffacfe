// Seeded random parity scenarios: each seed is one model and its requests, sent to real nginx (the
// exported config) and to the engine like any scenario. A fixed set of seeds runs in the suite;
// `node --import tsx test/parity/explore.ts MODE FROM TO N` runs more. The generators are in
// random-requests.ts (request side) and random-upstreams.ts (upstream side).
import type { Scenario } from './harness.ts';
import { absoluteScenario, accelScenario, headerScenario, hostScenario, locationScenario, uriScenario, variableScenario, wsScenario } from './random-requests.ts';
import { proxyVarScenario } from './random-proxy-vars.ts';
import { balancerScenario, bodyScenario, hashScenario, keepaliveScenario, responseScenario, timeoutScenario, wireScenario, wsBalancerScenario } from './random-upstreams.ts';

export const MODES = { pvar: proxyVarScenario, tmo: timeoutScenario, hash: hashScenario, var: variableScenario, abs: absoluteScenario, wire: wireScenario, wsbal: wsBalancerScenario, ka: keepaliveScenario, xa: accelScenario, body: bodyScenario, bal: balancerScenario, uri: uriScenario, loc: locationScenario, host: hostScenario, hdr: headerScenario, ws: wsScenario, resp: responseScenario } as const;

/** The seeds the suite runs (most found differences before the fixes they came with). */
export const randomScenarios: Scenario[] = [
  ...[1, 2, 3].map((seed) => locationScenario(seed, 60)),
  ...[4, 8, 12].map((seed) => hostScenario(seed, 40)),
  ...[1, 2, 4].map((seed) => headerScenario(seed, 40)),
  ...[1, 2].map((seed) => wsScenario(seed, 25)),
  ...[4, 7, 12].map((seed) => responseScenario(seed, 40)),
  ...[1, 2].map((seed) => uriScenario(seed, 50)),
  ...[1, 2, 3, 4].map((seed) => balancerScenario(seed, 30)),
  ...[1, 2].map((seed) => bodyScenario(seed, 20)),
  ...[3, 6].map((seed) => accelScenario(seed, 40)),
  ...[1, 3].map((seed) => keepaliveScenario(seed, 15)),
  ...[2, 5].map((seed) => wsBalancerScenario(seed, 30)),
  ...[1, 2].map((seed) => wireScenario(seed, 30)),
  ...[1, 2].map((seed) => absoluteScenario(seed, 30)),
  ...[1, 2].map((seed) => variableScenario(seed, 30)),
  ...[1, 2, 3].map((seed) => hashScenario(seed, 20)),
  ...[1, 3].map((seed) => timeoutScenario(seed, 10)),
  ...[7, 10].map((seed) => proxyVarScenario(seed, 40)),
];
