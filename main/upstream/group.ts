// The factory the engine calls: one upstream group per `upstream` block (or per implicit
// `proxy_pass http://host:port` target), with nginx's balancing method and passive health checks.
import type { BalanceMethod } from '../../app/config/schema.ts';
import { Attempt, RequestState, type Method } from './attempt.ts';
import { consistentHash } from './consistent-hash.ts';
import { plainHash } from './hash.ts';
import { ipHash } from './ip-hash.ts';
import { leastConn } from './least-conn.ts';
import { buildPeerSet, peerStatus, type Clock, type PeerSet } from './peers.ts';
import { randomMethod } from './random.ts';
import { roundRobin } from './round-robin.ts';
import type { BalanceContext, PeerAttempt, PeerConfig, PeerStatus, UpstreamGroup } from './types.ts';

export interface UpstreamGroupOptions {
  /** Epoch milliseconds; nginx's failure bookkeeping uses whole seconds of it. */
  now?: () => number;
  /** Uniform in [0, 1), for the random methods. */
  random?: () => number;
}

function methodFor(set: PeerSet, method: BalanceMethod, random: () => number): Method {
  switch (method.type) {
    case 'round_robin':
      return roundRobin();
    case 'least_conn':
      return leastConn();
    case 'ip_hash':
      return ipHash();
    case 'hash':
      return method.consistent ? consistentHash(set) : plainHash();
    case 'random':
      return randomMethod(set, method.two, random);
  }
}

/** Default passive-check parameters of an implicit upstream (nginx: max_fails 1, fail_timeout 10s, weight 1). */
export function implicitPeer(server: string, host: string, port: number): PeerConfig {
  return { server, host, port, weight: 1, maxFails: 1, failTimeoutMs: 10_000, backup: false, down: false, maxConns: 0 };
}

export function createUpstreamGroup(
  name: string,
  method: BalanceMethod,
  peers: PeerConfig[],
  opts: UpstreamGroupOptions = {},
): UpstreamGroup {
  const clock: Clock = opts.now ?? Date.now;
  const set = buildPeerSet(name, peers);
  const pick = methodFor(set, method, opts.random ?? Math.random);
  return {
    name,
    attempt(ctx: BalanceContext): PeerAttempt {
      const req = new RequestState(set);
      return new Attempt(req, pick(req, ctx), clock);
    },
    status(): PeerStatus[] {
      const now = clock();
      return set.all.map((p) => peerStatus(set, p, now));
    },
  };
}
