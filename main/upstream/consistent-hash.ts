// hash KEY consistent (ngx_http_upstream_hash_module.c, ketama): Cache::Memcached::Fast-compatible.
// Every primary server line contributes 160 * weight points: crc32(HOST "\0" PORT PREV_HASH), with
// PREV_HASH the previous point of that server as 4 little-endian bytes (0 to start), HOST and PORT
// split from the server *as written*. Points are sorted and duplicates dropped (first kept). A
// request starts at the first point >= crc32(KEY) and walks forward one point per miss; the
// point names a server, and among that server's usable addresses smooth weighted round robin
// decides. After 20 misses, with an empty key or a single server, round robin takes over.
import type { Method, RequestState } from './attempt.ts';
import { CRC32_INIT, crc32, crc32Final, crc32Update } from './crc32.ts';
import { isUsable, touchChecked, type PeerSet, type PeerState } from './peers.ts';
import { getRoundRobinPeer } from './round-robin.ts';

export interface ChashPoint {
  hash: number;
  server: string;
}

/** HOST and PORT as nginx splits a server name: "unix:" paths, trailing ":digits", else no port. */
export function splitServer(server: string): { host: string; port: string } {
  if (server.length >= 5 && server.slice(0, 5).toLowerCase() === 'unix:') return { host: server.slice(5), port: '' };
  for (let j = server.length - 1; j >= 0; j--) {
    const c = server[j]!;
    if (c === ':') return { host: server.slice(0, j), port: server.slice(j + 1) };
    if (c < '0' || c > '9') break;
  }
  return { host: server, port: '' };
}

export function buildPoints(set: PeerSet): ChashPoint[] {
  const points: ChashPoint[] = [];
  for (const p of set.primary.peers) {
    const { host, port } = splitServer(p.server);
    let base = crc32Update(CRC32_INIT, host);
    base = crc32Update(base, new Uint8Array([0]));
    base = crc32Update(base, port);
    const prev = Buffer.alloc(4);
    for (let j = 0; j < p.weight * 160; j++) {
      const hash = crc32Final(crc32Update(base, prev));
      points.push({ hash, server: p.server });
      prev.writeUInt32LE(hash, 0);
    }
  }
  points.sort((a, b) => a.hash - b.hash); // stable, like glibc's merge-sort qsort
  const out: ChashPoint[] = [];
  for (const pt of points) if (out.length === 0 || out[out.length - 1]!.hash !== pt.hash) out.push(pt);
  return out;
}

/** Index of the first point with hash >= h (points.length when there is none). */
export function findPoint(points: ChashPoint[], h: number): number {
  let i = 0;
  let j = points.length;
  while (i < j) {
    const k = (i + j) >>> 1;
    const v = points[k]!.hash;
    if (h > v) i = k + 1;
    else if (h < v) j = k;
    else return k;
  }
  return i;
}

export function consistentHash(set: PeerSet): Method {
  const points = buildPoints(set);
  return (req, ctx) => {
    const key = Buffer.from(ctx.hashKey ?? '', 'latin1'); // a byte string, as in plainHash
    const state = { key, point: findPoint(points, crc32(key)), tries: 0 };
    return (now) => getChashPeer(req, points, state, now);
  };
}

function getChashPeer(req: RequestState, points: ChashPoint[], st: { key: Buffer; point: number; tries: number }, now: number): PeerState | null {
  const list = req.set.primary;
  if (st.tries > 20 || list.single || st.key.length === 0) return getRoundRobinPeer(req, now);
  for (;;) {
    const server = points[st.point % points.length]!.server;
    let best: PeerState | null = null;
    let total = 0;
    for (const p of list.peers) {
      if (req.tried.has(p.index) || !isUsable(p, now) || p.server !== server) continue;
      p.currentWeight += p.effectiveWeight;
      total += p.effectiveWeight;
      if (p.effectiveWeight < p.weight) p.effectiveWeight++;
      if (best === null || p.currentWeight > best.currentWeight) best = p;
    }
    if (best) {
      best.currentWeight -= total;
      touchChecked(best, now);
      return req.take(best);
    }
    st.point++;
    if (++st.tries > 20) return getRoundRobinPeer(req, now);
  }
}
