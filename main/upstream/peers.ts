// Peer state shared by every balancing method, and nginx's availability rules
// (ngx_http_upstream_round_robin.c): the same fields nginx keeps per peer, with time in whole
// seconds like ngx_time(), because the second granularity decides when a failed peer comes back.
import type { Peer, PeerConfig, PeerStatus } from './types.ts';

/** Injectable time source in epoch milliseconds. */
export type Clock = () => number;

/** nginx's ngx_time(): whole seconds. */
export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

export interface PeerState {
  /** Stable index in the group: primaries first, then backups (Peer.id). */
  readonly id: number;
  /** Index inside its own list (primary or backup): the bit nginx sets in `tried`. */
  readonly index: number;
  readonly server: string;
  readonly host: string;
  readonly port: number;
  readonly backup: boolean;
  readonly handle: Peer;
  weight: number;
  effectiveWeight: number;
  currentWeight: number;
  conns: number;
  fails: number;
  /** Second of the last failure. */
  accessed: number;
  /** Second the peer was last checked (failure, or picked after fail_timeout passed). */
  checked: number;
  maxFails: number;
  /** fail_timeout in whole seconds (nginx parses it with seconds resolution). */
  failTimeout: number;
  /** 0 = unlimited */
  maxConns: number;
  down: boolean;
}

/** One of nginx's ngx_http_upstream_rr_peers_t: the primary list or the backup list. */
export interface PeerList {
  readonly peers: PeerState[];
  /** Exactly one primary peer and no backups: nginx skips all failure accounting for it. */
  readonly single: boolean;
  /** Sum of weights, `down` peers included (hash methods map onto it). */
  readonly totalWeight: number;
  /** Peers not marked down: this list's share of the request's tries. */
  readonly tries: number;
}

export interface PeerSet {
  readonly name: string;
  readonly primary: PeerList;
  readonly backup: PeerList | null;
  /** primary peers then backup peers, indexed by id */
  readonly all: PeerState[];
}

function makePeer(c: PeerConfig, id: number, index: number): PeerState {
  return {
    id,
    index,
    server: c.server,
    host: c.host,
    port: c.port,
    backup: c.backup,
    handle: Object.freeze({ server: c.server, host: c.host, port: c.port, address: c.host.includes(':') ? `[${c.host}]:${c.port}` : `${c.host}:${c.port}`, id }),
    weight: c.weight,
    effectiveWeight: c.weight,
    currentWeight: 0,
    conns: 0,
    fails: 0,
    accessed: 0,
    checked: 0,
    maxFails: c.maxFails,
    failTimeout: seconds(c.failTimeoutMs),
    maxConns: c.maxConns,
    down: c.down,
  };
}

function makeList(peers: PeerState[], single: boolean): PeerList {
  return {
    peers,
    single,
    totalWeight: peers.reduce((s, p) => s + p.weight, 0),
    tries: peers.filter((p) => !p.down).length,
  };
}

/** Build the primary and backup lists in config order, as ngx_http_upstream_init_round_robin does. */
export function buildPeerSet(name: string, configs: PeerConfig[]): PeerSet {
  for (const c of configs) {
    if (!Number.isInteger(c.weight) || c.weight < 1) throw new Error(`upstream "${name}": invalid weight ${c.weight} for ${c.server}`);
  }
  const primaryCfg = configs.filter((c) => !c.backup);
  const backupCfg = configs.filter((c) => c.backup);
  if (primaryCfg.length === 0) throw new Error(`no servers in upstream "${name}"`);
  const primaryPeers = primaryCfg.map((c, i) => makePeer(c, i, i));
  const backupPeers = backupCfg.map((c, i) => makePeer(c, primaryPeers.length + i, i));
  const primary = makeList(primaryPeers, primaryPeers.length === 1 && backupPeers.length === 0);
  const backup = backupPeers.length ? makeList(backupPeers, false) : null;
  return { name, primary, backup, all: [...primaryPeers, ...backupPeers] };
}

/** max_fails reached and the last check is at most fail_timeout seconds old ("temporarily disabled"). */
export function isDisabled(p: PeerState, now: number): boolean {
  return p.maxFails > 0 && p.fails >= p.maxFails && now - p.checked <= p.failTimeout;
}

export function isFull(p: PeerState): boolean {
  return p.maxConns > 0 && p.conns >= p.maxConns;
}

/** The checks every method applies to a candidate that has not been tried yet. */
export function isUsable(p: PeerState, now: number): boolean {
  return !p.down && !isDisabled(p, now) && !isFull(p);
}

/** A peer picked more than fail_timeout after its last check starts a new check period. */
export function touchChecked(p: PeerState, now: number): void {
  if (now - p.checked > p.failTimeout) p.checked = now;
}

/**
 * End of one try on a peer (ngx_http_upstream_free_round_robin_peer). Returns true when the
 * request may not try again at all (nginx sets tries to 0 for a single peer).
 */
export function freePeer(list: PeerList, p: PeerState, failed: boolean, now: number): { stop: boolean } {
  if (list.single) {
    p.conns--;
    return { stop: true };
  }
  if (failed) {
    p.fails++;
    p.accessed = now;
    p.checked = now;
    if (p.maxFails > 0) p.effectiveWeight -= Math.floor(p.weight / p.maxFails);
    if (p.effectiveWeight < 0) p.effectiveWeight = 0;
  } else if (p.accessed < p.checked) {
    // a success after a new check period began: the peer is live again
    p.fails = 0;
  }
  p.conns--;
  return { stop: false };
}

export function peerStatus(set: PeerSet, p: PeerState, nowMs: number): PeerStatus {
  const list = p.backup ? set.backup! : set.primary;
  const now = seconds(nowMs);
  const disabled = !list.single && isDisabled(p, now);
  return {
    server: p.server,
    host: p.host,
    port: p.port,
    backup: p.backup,
    down: p.down,
    conns: p.conns,
    fails: p.fails,
    // unavailable while now - checked <= fail_timeout, i.e. up to the end of second checked + fail_timeout
    unavailableUntil: disabled ? (p.checked + p.failTimeout + 1) * 1000 : null,
  };
}
