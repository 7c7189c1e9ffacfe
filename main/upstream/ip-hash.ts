// ip_hash (ngx_http_upstream_ip_hash_module.c): hash = 89, then for each address byte
// hash = (hash * 113 + byte) % 6271 — the first three octets of an IPv4 address, all sixteen bytes
// of an IPv6 one. hash % total_weight walks the weights to a peer (down peers keep their share so the
// mapping stays put); an unusable or tried peer rehashes from the current value; after 20 misses
// the request falls back to round robin.
import { isIP } from 'node:net';
import type { Method, RequestState } from './attempt.ts';
import { isUsable, touchChecked, type PeerState } from './peers.ts';
import { getRoundRobinPeer } from './round-robin.ts';

/** The bytes nginx hashes for a client address. */
export function ipHashBytes(remoteAddr: string): number[] {
  let addr = remoteAddr;
  // a v4 client seen through a dual-stack socket: nginx (ipv6only=on) would see it as IPv4
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) addr = mapped[1]!;
  const kind = isIP(addr);
  if (kind === 4) return addr.split('.').slice(0, 3).map(Number);
  if (kind === 6) return ipv6Bytes(addr);
  return [0, 0, 0]; // nginx's pseudo address for unix sockets
}

function ipv6Bytes(addr: string): number[] {
  let text = addr.split('%')[0]!;
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tail = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out: number[] = [];
  for (const g of groups) {
    const v = parseInt(g, 16);
    out.push(v >> 8, v & 0xff);
  }
  if (tail.length) out.splice(12, 4, ...tail);
  return out;
}

export function ipHash(): Method {
  return (req, ctx) => {
    const addr = ipHashBytes(ctx.remoteAddr);
    const state = { hash: 89, tries: 0 };
    return (now) => getIpHashPeer(req, addr, state, now);
  };
}

function getIpHashPeer(req: RequestState, addr: number[], state: { hash: number; tries: number }, now: number): PeerState | null {
  const list = req.set.primary;
  if (state.tries > 20 || list.single) return getRoundRobinPeer(req, now);
  let hash = state.hash;
  for (;;) {
    for (const b of addr) hash = (hash * 113 + b) % 6271;
    const p = peerByWeight(list.peers, hash % list.totalWeight);
    if (!req.tried.has(p.index) && isUsable(p, now)) {
      touchChecked(p, now);
      state.hash = hash;
      return req.take(p);
    }
    if (++state.tries > 20) return getRoundRobinPeer(req, now);
  }
}

/** Walk the weights: the peer whose slice of [0, total_weight) contains w. */
export function peerByWeight(peers: PeerState[], w: number): PeerState {
  let i = 0;
  while (w >= peers[i]!.weight) {
    w -= peers[i]!.weight;
    i++;
  }
  return peers[i]!;
}
