// The contract between the engine and the balancers. Definitions of methods are data in app/
// (config/schema.ts BalanceMethod); the code that runs them lives here in main/upstream/.
import type { PeerStatus } from '../../app/engine/records.ts';

export type { PeerStatus };

/** One resolved address of an upstream `server` line (a host name may resolve to several). */
export interface PeerConfig {
  /** The server as written in the config ("127.0.0.1:9001", "localhost:9001"): hash consistent hashes this. */
  server: string;
  /** Resolved IP to connect to (IPv6 without brackets). */
  host: string;
  port: number;
  weight: number;
  maxFails: number;
  failTimeoutMs: number;
  backup: boolean;
  down: boolean;
  /** 0 = unlimited */
  maxConns: number;
}



/** A chosen peer for one try. */
export interface Peer {
  readonly server: string;
  readonly host: string;
  readonly port: number;
  /** host:port as logs name the peer (nginx's $upstream_addr; an IPv6 host in brackets), made once. */
  readonly address: string;
  /** Stable index of this peer in its group (primary peers first, then backups). */
  readonly id: number;
}

/** Everything a balancer may use from the request. */
export interface BalanceContext {
  remoteAddr: string;
  /** The evaluated `hash` key (nginx variables already substituted) for hash methods: a byte string (app/match/bytes.ts). */
  hashKey?: string;
}

/**
 * One request's walk over the peers, as nginx's peer.get / peer.free:
 * next() picks a peer not yet tried (null: none left, "no live upstreams");
 * release(peer, failed) must be called exactly once per peer returned, when the try ends
 * (failed = connect error/timeout or error before the response header), or when the request ends.
 */
export interface PeerAttempt {
  next(): Peer | null;
  release(peer: Peer, failed: boolean): void;
  /** Tries left (nginx u->peer.tries); the engine stops retrying at 0. */
  readonly triesLeft: number;
  /** Give back the try just released (nginx u->peer.tries++ after an error on a cached keepalive connection). */
  refundTry(): void;
}

export interface UpstreamGroup {
  readonly name: string;
  attempt(ctx: BalanceContext): PeerAttempt;
  status(): PeerStatus[];
}
