// Smooth weighted round robin (ngx_http_upstream_get_round_robin_peer / ngx_http_upstream_get_peer):
// every usable peer gains its effective weight, the highest current weight wins and pays back the
// total; a failed peer's effective weight drops and climbs back by one per selection round.
// When no primary peer is usable the request moves on to the backup list, for good.
import type { Method, RequestState } from './attempt.ts';
import { isFull, isUsable, touchChecked, type PeerState } from './peers.ts';

/** The smooth weighted pick over the request's current list; null when nothing is usable. */
function smoothWeighted(req: RequestState, now: number): PeerState | null {
  let best: PeerState | null = null;
  let total = 0;
  for (const p of req.list.peers) {
    if (req.tried.has(p.index) || !isUsable(p, now)) continue;
    p.currentWeight += p.effectiveWeight;
    total += p.effectiveWeight;
    if (p.effectiveWeight < p.weight) p.effectiveWeight++;
    if (best === null || p.currentWeight > best.currentWeight) best = p;
  }
  if (!best) return null;
  best.currentWeight -= total;
  touchChecked(best, now);
  return best;
}

/** One round-robin get, including the fall-through to backup peers. Shared by the other methods. */
export function getRoundRobinPeer(req: RequestState, now: number): PeerState | null {
  for (;;) {
    const list = req.list;
    if (list.single) {
      // one server and no backups: no tried bit, no failure accounting, only down/max_conns
      const p = list.peers[0]!;
      if (!p.down && !isFull(p)) {
        p.conns++;
        return p;
      }
    } else {
      const p = smoothWeighted(req, now);
      if (p) return req.take(p);
    }
    if (!req.switchToBackup()) return null;
  }
}

export function roundRobin(): Method {
  return (req) => (now) => getRoundRobinPeer(req, now);
}
