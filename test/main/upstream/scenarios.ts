// The scenarios scripts/derive-balancer-fixtures.ts runs against real nginx. Each names its servers
// ("a", "b", ...) with their `server` parameters and a plan of requests; ports are chosen per run.
import type { BalanceMethod } from '../../../app/config/schema.ts';

export interface ServerDef {
  name: string;
  weight?: number;
  maxFails?: number;
  failTimeoutSec?: number;
  backup?: boolean;
  down?: boolean;
  maxConns?: number;
  /** nothing listens on its port: connection refused */
  refusing?: boolean;
}

export type PlanStep =
  | { op: 'request'; from?: string; key?: string }
  | { op: 'open'; id: string; from?: string; key?: string }
  | { op: 'close'; id: string }
  | { op: 'listen'; name: string }
  | { op: 'sleep'; ms: number }
  | { op: 'align' };

export interface ScenarioDef {
  name: string;
  description: string;
  method: BalanceMethod;
  implicit?: boolean;
  servers: ServerDef[];
  plan: PlanStep[];
}

const req = (n: number, extra: Partial<{ from: string; key: string }> = {}): PlanStep[] => Array.from({ length: n }, () => ({ op: 'request' as const, ...extra }));

/** 127.a.b.c client addresses whose first three octets differ (ip_hash hashes only those). */
export function sources(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `127.${(i * 37 + 1) % 256}.${(i * 101 + 7) % 256}.${(i % 200) + 2}`);
}

/** Hash keys: ASCII, digits, URI-ish, UTF-8, and an empty key (nginx then uses round robin). */
export function keys(n: number): string[] {
  const base = ['', 'user-1', '/index.html', 'é', '日本語', 'a'.repeat(300)];
  return [...base, ...Array.from({ length: Math.max(0, n - base.length) }, (_, i) => `k${i * 7919}`)];
}

const rr: BalanceMethod = { type: 'round_robin' };
const lc: BalanceMethod = { type: 'least_conn' };
const ih: BalanceMethod = { type: 'ip_hash' };
const hp: BalanceMethod = { type: 'hash', key: '$http_x_key', consistent: false };
const hc: BalanceMethod = { type: 'hash', key: '$http_x_key', consistent: true };

export const SCENARIOS: ScenarioDef[] = [
  { name: 'rr-weights-5-1-1', description: 'smooth weighted round robin, weights 5,1,1', method: rr,
    servers: [{ name: 'a', weight: 5 }, { name: 'b' }, { name: 'c' }], plan: req(21) },
  { name: 'rr-weights-3-2-1', description: 'smooth weighted round robin, weights 3,2,1', method: rr,
    servers: [{ name: 'a', weight: 3 }, { name: 'b', weight: 2 }, { name: 'c' }], plan: req(18) },
  { name: 'rr-down', description: 'a down server is skipped and does not count in tries', method: rr,
    servers: [{ name: 'a' }, { name: 'b', weight: 2, down: true }, { name: 'c', weight: 2 }, { name: 'd' }], plan: req(12) },
  { name: 'rr-backup-idle', description: 'backup servers are not used while a primary works (one primary refusing)', method: rr,
    servers: [{ name: 'a', refusing: true }, { name: 'b' }, { name: 'c', backup: true }], plan: req(8) },
  { name: 'rr-backup-failover', description: 'all primaries refuse: first request walks them then a backup; then backups only', method: rr,
    servers: [{ name: 'a', refusing: true }, { name: 'b', refusing: true, weight: 2 }, { name: 'c', backup: true }, { name: 'd', backup: true, weight: 2 }], plan: req(9) },
  { name: 'rr-backup-refusing', description: 'primary and a backup refuse: tries span both lists', method: rr,
    servers: [{ name: 'a', refusing: true }, { name: 'b', refusing: true, backup: true }, { name: 'c', backup: true }], plan: req(5) },
  { name: 'rr-max-fails-3', description: 'refusing peer with max_fails=3: tried on its turns until disabled; effective weight drops', method: rr,
    servers: [{ name: 'a' }, { name: 'b', refusing: true, maxFails: 3, weight: 3 }, { name: 'c' }], plan: req(15) },
  { name: 'rr-effective-weight', description: 'each failure lowers effective weight by weight/max_fails; it climbs back one per round', method: rr,
    servers: [{ name: 'a' }, { name: 'b', refusing: true, weight: 8, maxFails: 4 }, { name: 'c', weight: 2 }], plan: req(16) },
  { name: 'rr-max-fails-0', description: 'max_fails=0 never disables a refusing peer', method: rr,
    servers: [{ name: 'a' }, { name: 'b', refusing: true, maxFails: 0 }], plan: req(8) },
  { name: 'rr-all-refusing', description: 'every peer refuses: the first request tries all, then "no live upstreams"', method: rr,
    servers: [{ name: 'a', refusing: true }, { name: 'b', refusing: true }, { name: 'c', refusing: true, maxFails: 2 }], plan: req(5) },
  { name: 'rr-single-refusing', description: 'a single server is never disabled, whatever max_fails says', method: rr,
    servers: [{ name: 'a', refusing: true, maxFails: 1 }], plan: req(4) },
  { name: 'implicit-refusing', description: 'proxy_pass http://host:port without an upstream block (single peer)', method: rr, implicit: true,
    servers: [{ name: 'a', refusing: true }], plan: req(3) },
  { name: 'rr-fail-timeout', description: 'fail_timeout=1s: a disabled peer is retried (one probe) once the second boundary passes', method: rr,
    servers: [{ name: 'a' }, { name: 'b', refusing: true, failTimeoutSec: 1 }], plan: [{ op: 'align' }, ...req(4), { op: 'sleep', ms: 1000 }, { op: 'align' }, ...req(3), { op: 'sleep', ms: 2000 }, { op: 'align' }, ...req(4)] },
  { name: 'rr-fails-accumulate', description: 'max_fails=2, fail_timeout=1s: failures more than fail_timeout apart still add up', method: rr,
    servers: [{ name: 'a' }, { name: 'b', refusing: true, maxFails: 2, failTimeoutSec: 1 }], plan: [{ op: 'align' }, ...req(2), { op: 'sleep', ms: 2000 }, { op: 'align' }, ...req(6)] },
  { name: 'rr-recovery', description: 'a disabled peer that comes back is probed after fail_timeout and its fails reset', method: rr,
    servers: [{ name: 'a' }, { name: 'b', refusing: true, maxFails: 1, failTimeoutSec: 1 }], plan: [{ op: 'align' }, ...req(4), { op: 'listen', name: 'b' }, { op: 'sleep', ms: 2000 }, { op: 'align' }, ...req(6)] },
  { name: 'rr-max-conns', description: 'max_conns=1: a busy peer is skipped while its long request is open', method: rr,
    servers: [{ name: 'a', maxConns: 1 }, { name: 'b' }, { name: 'c', backup: true }], plan: [
      { op: 'open', id: '1' }, ...req(3), { op: 'open', id: '2' }, ...req(3), { op: 'close', id: '1' }, ...req(3), { op: 'close', id: '2' }, ...req(2)] },
  { name: 'least-conn', description: 'least_conn with long-polling requests; ties resolved by weighted round robin', method: lc,
    servers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], plan: [
      { op: 'open', id: '1' }, { op: 'open', id: '2' }, { op: 'open', id: '3' }, { op: 'open', id: '4' }, ...req(3),
      { op: 'close', id: '2' }, ...req(2), { op: 'open', id: '5' }, { op: 'open', id: '6' }, { op: 'close', id: '1' }, { op: 'close', id: '3' },
      ...req(4), { op: 'close', id: '4' }, { op: 'close', id: '5' }, { op: 'close', id: '6' }, ...req(4)] },
  { name: 'least-conn-weighted', description: 'least_conn compares conns/weight; weights 3,1', method: lc,
    servers: [{ name: 'a', weight: 3 }, { name: 'b' }, { name: 'c', down: true }], plan: [
      ...req(4), { op: 'open', id: '1' }, { op: 'open', id: '2' }, { op: 'open', id: '3' }, { op: 'open', id: '4' }, { op: 'open', id: '5' }, ...req(2),
      { op: 'close', id: '1' }, { op: 'close', id: '2' }, ...req(3), { op: 'close', id: '3' }, { op: 'close', id: '4' }, { op: 'close', id: '5' }, ...req(3)] },
  { name: 'least-conn-backup', description: 'least_conn: refusing primaries fall through to backups', method: lc,
    servers: [{ name: 'a', refusing: true }, { name: 'b', refusing: true }, { name: 'c', backup: true }, { name: 'd', backup: true }], plan: [
      { op: 'open', id: '1' }, ...req(3), { op: 'close', id: '1' }, ...req(2)] },
  { name: 'ip-hash', description: 'ip_hash over many 127.a.b.c clients, equal weights', method: ih,
    servers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }], plan: sources(48).map((from) => ({ op: 'request', from })) },
  { name: 'ip-hash-weighted-down', description: 'ip_hash with weights 1,3,1,2 and a down server (rehash)', method: ih,
    servers: [{ name: 'a' }, { name: 'b', weight: 3 }, { name: 'c', down: true }, { name: 'd', weight: 2 }], plan: sources(48).map((from) => ({ op: 'request', from })) },
  { name: 'ip-hash-refusing', description: 'ip_hash with a refusing peer: rehash after the failure, then skip it', method: ih,
    servers: [{ name: 'a' }, { name: 'b', refusing: true }, { name: 'c' }], plan: sources(24).map((from) => ({ op: 'request', from })) },
  { name: 'hash', description: 'hash $http_x_key with weights 1,2,3 (empty key: round robin)', method: hp,
    servers: [{ name: 'a' }, { name: 'b', weight: 2 }, { name: 'c', weight: 3 }], plan: keys(60).map((key) => ({ op: 'request', key })) },
  { name: 'hash-down-refusing', description: 'hash with a down and a refusing peer: rehash rounds', method: hp,
    servers: [{ name: 'a' }, { name: 'b', down: true }, { name: 'c', refusing: true, maxFails: 2 }, { name: 'd', weight: 2 }], plan: keys(40).map((key) => ({ op: 'request', key })) },
  { name: 'chash', description: 'hash $http_x_key consistent with weights 1,2,1', method: hc,
    servers: [{ name: 'a' }, { name: 'b', weight: 2 }, { name: 'c' }], plan: keys(60).map((key) => ({ op: 'request', key })) },
  { name: 'chash-down-refusing', description: 'consistent hash with a down and a refusing peer: walk to the next point', method: hc,
    servers: [{ name: 'a' }, { name: 'b', down: true }, { name: 'c', refusing: true }, { name: 'd', weight: 2 }], plan: keys(40).map((key) => ({ op: 'request', key })) },
];
