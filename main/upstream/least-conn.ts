// least_conn (ngx_http_upstream_least_conn_module.c): the usable peer with the fewest connections
// relative to its weight (conns/weight, compared by cross-multiplying); ties between several such
// peers are settled by smooth weighted round robin among the tied peers only, starting from the
// first of them. Falls back to backup peers like round robin.
import type { Method, RequestState } from './attempt.ts';
import { isUsable, touchChecked, type PeerState } from './peers.ts';
import { getRoundRobinPeer } from './round-robin.ts';

function getLeastConnPeer(req: RequestState, now: number): PeerState | null {
  for (;;) {
    const peers = req.list.peers;
    let best: PeerState | null = null;
    let many = false;
    for (const p of peers) {
      if (req.tried.has(p.index) || !isUsable(p, now)) continue;
      if (best === null || p.conns * best.weight < best.conns * p.weight) {
        best = p;
        many = false;
      } else if (p.conns * best.weight === best.conns * p.weight) {
        many = true;
      }
    }
    if (best) {
      if (many) {
        let total = 0;
        for (let i = best.index; i < peers.length; i++) {
          const p = peers[i]!;
          if (req.tried.has(p.index) || p.down) continue;
          if (p.conns * best.weight !== best.conns * p.weight) continue;
          if (!isUsable(p, now)) continue;
          p.currentWeight += p.effectiveWeight;
          total += p.effectiveWeight;
          if (p.effectiveWeight < p.weight) p.effectiveWeight++;
          if (p.currentWeight > best.currentWeight) best = p;
        }
        best.currentWeight -= total;
      } else {
        // nginx subtracts a zero total here: a lone winner's current weight is left alone
      }
      touchChecked(best, now);
      return req.take(best);
    }
    if (!req.switchToBackup()) return null;
  }
}

export function leastConn(): Method {
  return (req) => (now) => (req.list.single ? getRoundRobinPeer(req, now) : getLeastConnPeer(req, now));
}
