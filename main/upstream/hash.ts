// hash KEY (ngx_http_upstream_hash_module.c, plain): Cache::Memcached-compatible.
// Each round adds ((crc32([REHASH] KEY) >> 16) & 0x7fff) to a running 32-bit sum, where REHASH is
// the decimal round number, omitted in round 0; sum % total_weight walks the weights to a peer.
// Tried or unusable peers cost a round; after 20 misses (or with an empty key, or a single
// server) the request uses round robin. The running sum and round survive across a request's tries.
import type { Method, RequestState } from './attempt.ts';
import { CRC32_INIT, crc32Final, crc32Update } from './crc32.ts';
import { peerByWeight } from './ip-hash.ts';
import { isUsable, touchChecked, type PeerState } from './peers.ts';
import { getRoundRobinPeer } from './round-robin.ts';

interface HashState {
  key: Buffer;
  hash: number;
  rehash: number;
  tries: number;
}

/** The 15-bit value one round adds to the running sum. */
export function hashRound(key: Uint8Array, rehash: number): number {
  let c = CRC32_INIT;
  if (rehash > 0) c = crc32Update(c, String(rehash));
  c = crc32Final(crc32Update(c, key));
  return (c >>> 16) & 0x7fff;
}

export function plainHash(): Method {
  return (req, ctx) => {
    // the key is a byte string (one char a byte): nginx hashes those bytes, not a UTF-8 re-encoding
    const state: HashState = { key: Buffer.from(ctx.hashKey ?? '', 'latin1'), hash: 0, rehash: 0, tries: 0 };
    return (now) => getHashPeer(req, state, now);
  };
}

function getHashPeer(req: RequestState, st: HashState, now: number): PeerState | null {
  const list = req.set.primary;
  if (st.tries > 20 || list.single || st.key.length === 0) return getRoundRobinPeer(req, now);
  for (;;) {
    st.hash = (st.hash + hashRound(st.key, st.rehash)) >>> 0;
    st.rehash++;
    const p = peerByWeight(list.peers, st.hash % list.totalWeight);
    if (!req.tried.has(p.index) && isUsable(p, now)) {
      touchChecked(p, now);
      return req.take(p);
    }
    if (++st.tries > 20) return getRoundRobinPeer(req, now);
  }
}
