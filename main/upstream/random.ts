// random [two] (ngx_http_upstream_random_module.c): a peer drawn with probability weight/total
// (down peers included in the draw and then skipped); tried or unusable draws cost one of 20 misses,
// after which round robin takes over. `two` draws two distinct usable peers and keeps the one with
// fewer connections relative to weight (the second drawn on a tie).
import type { Method, RequestState } from './attempt.ts';
import { isUsable, touchChecked, type PeerSet, type PeerState } from './peers.ts';
import { getRoundRobinPeer } from './round-robin.ts';

/** Index of a weighted random draw over the primary peers. */
function peek(ranges: number[], total: number, random: () => number): number {
  const x = Math.min(total - 1, Math.floor(random() * total));
  let i = 0;
  let j = ranges.length;
  while (j - i > 1) {
    const k = (i + j) >>> 1;
    if (x < ranges[k]!) j = k;
    else i = k;
  }
  return i;
}

export function randomMethod(set: PeerSet, two: boolean, random: () => number): Method {
  const ranges: number[] = [];
  let total = 0;
  for (const p of set.primary.peers) {
    ranges.push(total);
    total += p.weight;
  }
  const draw = (): PeerState => set.primary.peers[peek(ranges, total, random)]!;
  return (req) => {
    const state = { tries: 0 };
    return (now) => {
      if (state.tries > 20 || req.list.single) return getRoundRobinPeer(req, now);
      return two ? getRandom2(req, draw, state, now) : getRandom(req, draw, state, now);
    };
  };
}

function getRandom(req: RequestState, draw: () => PeerState, st: { tries: number }, now: number): PeerState | null {
  for (;;) {
    const p = draw();
    if (!req.tried.has(p.index) && isUsable(p, now)) {
      touchChecked(p, now);
      return req.take(p);
    }
    if (++st.tries > 20) return getRoundRobinPeer(req, now);
  }
}

function getRandom2(req: RequestState, draw: () => PeerState, st: { tries: number }, now: number): PeerState | null {
  let prev: PeerState | null = null;
  for (;;) {
    const p = draw();
    if (p !== prev && !req.tried.has(p.index) && isUsable(p, now)) {
      if (prev) {
        const pick = p.conns * prev.weight > prev.conns * p.weight ? prev : p;
        touchChecked(pick, now);
        return req.take(pick);
      }
      prev = p;
    }
    // nginx counts the first successful draw as a miss too
    if (++st.tries > 20) return getRoundRobinPeer(req, now);
  }
}
