// Balancer fixtures: a scenario's upstream config and the peers real nginx tried per request
// (written by scripts/derive-balancer-fixtures.ts), and the replay of the same steps through our
// balancers, driving PeerAttempt the way the engine does.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BalanceMethod } from '../../../app/config/schema.ts';
import { createUpstreamGroup } from '../../../main/upstream/group.ts';
import type { Peer, PeerAttempt, PeerConfig } from '../../../main/upstream/types.ts';

export interface FixtureServer extends PeerConfig {
  /** Short name used in the sequences ("a", "b", ...). */
  name: string;
  /** Nothing listens on the port (connection refused) until a `listen` step. */
  refusing: boolean;
}

/** What one request did: the peers tried in order ("NOLIVE" = nginx's "no live upstreams"), final status. */
export interface Outcome {
  tried: string[];
  status: number;
}

export type Step =
  | ({ op: 'request'; atMs: number; remoteAddr: string; key?: string } & Outcome)
  /** a long-polling request that stays on its peer until the matching close */
  | ({ op: 'open'; id: string; atMs: number; remoteAddr: string; key?: string } & Outcome)
  | { op: 'close'; id: string; atMs: number }
  /** a refusing server starts accepting connections */
  | { op: 'listen'; name: string; atMs: number };

export interface Fixture {
  name: string;
  description: string;
  method: BalanceMethod;
  /** true: `proxy_pass http://host:port` without an upstream block */
  implicit: boolean;
  servers: FixtureServer[];
  /** the nginx config the sequences came from, for people */
  nginxUpstream: string;
  steps: Step[];
}

export const FIXTURE_DIR = new URL('../../fixtures/balancer/', import.meta.url).pathname;

export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(FIXTURE_DIR, f), 'utf8')) as Fixture);
}

function toPeerConfig(s: FixtureServer): PeerConfig {
  const { name: _n, refusing: _r, ...cfg } = s;
  return cfg;
}

/** Replay a fixture's steps through createUpstreamGroup; returns the outcome of every request/open step. */
export function replay(fx: Fixture): Outcome[] {
  let nowMs = 0;
  const group = createUpstreamGroup('u', fx.method, fx.servers.map(toPeerConfig), { now: () => nowMs });
  const nameOf = new Map(fx.servers.map((s) => [s.server, s.name]));
  const refusing = new Set(fx.servers.filter((s) => s.refusing).map((s) => s.name));
  const open = new Map<string, { attempt: PeerAttempt; peer: Peer }>();
  const out: Outcome[] = [];
  for (const step of fx.steps) {
    nowMs = step.atMs;
    if (step.op === 'listen') {
      refusing.delete(step.name);
      continue;
    }
    if (step.op === 'close') {
      const o = open.get(step.id);
      if (o) o.attempt.release(o.peer, false);
      open.delete(step.id);
      continue;
    }
    // a fixture's key is text that went to nginx as UTF-8 (X-Key); the balancer gets those bytes, as from the engine
    const hashKey = step.key === undefined ? undefined : Buffer.from(step.key, 'utf8').toString('latin1');
    const attempt = group.attempt({ remoteAddr: step.remoteAddr, hashKey });
    const tried: string[] = [];
    let status = 502;
    for (let guard = 0; guard < 1000; guard++) {
      const peer = attempt.next();
      if (!peer) {
        tried.push('NOLIVE');
        break;
      }
      const name = nameOf.get(peer.server) ?? peer.server;
      tried.push(name);
      if (refusing.has(name)) {
        attempt.release(peer, true);
        if (attempt.triesLeft === 0) break;
        continue;
      }
      status = 200;
      if (step.op === 'open') open.set(step.id, { attempt, peer });
      else attempt.release(peer, false);
      break;
    }
    out.push({ tried, status });
  }
  return out;
}

/** The recorded outcomes of a fixture, in the shape replay() returns. */
export function expected(fx: Fixture): Outcome[] {
  return fx.steps.flatMap((s) => (s.op === 'request' || s.op === 'open' ? [{ tried: s.tried, status: s.status }] : []));
}
