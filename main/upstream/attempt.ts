// One request's walk over the peers (nginx's ngx_http_upstream_rr_peer_data_t plus u->peer.tries),
// and the PeerAttempt the engine drives: next() is peer.get, release() is peer.free.
import { freePeer, seconds, type Clock, type PeerList, type PeerSet, type PeerState } from './peers.ts';
import type { BalanceContext, Peer, PeerAttempt } from './types.ts';

export class RequestState {
  /** The list being walked: the primary list, then the backup list once primaries are exhausted. */
  list: PeerList;
  /** Indexes in `list` already tried by this request. */
  readonly tried = new Set<number>();
  /** nginx u->peer.tries: non-down primaries plus non-down backups. */
  tries: number;

  constructor(readonly set: PeerSet) {
    this.list = set.primary;
    this.tries = set.primary.tries + (set.backup?.tries ?? 0);
  }

  /** Move to the backup list with a fresh `tried` set; false when there is none (or already there). */
  switchToBackup(): boolean {
    if (!this.set.backup || this.list === this.set.backup) return false;
    this.list = this.set.backup;
    this.tried.clear();
    return true;
  }

  /** Record the chosen peer the way every nginx method does once it has picked. */
  take(p: PeerState): PeerState {
    this.tried.add(p.index);
    p.conns++;
    return p;
  }
}

/** Picks the next peer for a request, with the time in whole seconds; null = no live upstreams. */
export type Picker = (now: number) => PeerState | null;

/** A balancing method: per request, the picker that nginx's peer.get would be. */
export type Method = (req: RequestState, ctx: BalanceContext) => Picker;

export class Attempt implements PeerAttempt {
  private readonly out = new Set<number>();

  constructor(
    private readonly req: RequestState,
    private readonly pick: Picker,
    private readonly clock: Clock,
  ) {}

  get triesLeft(): number {
    return this.req.tries;
  }

  next(): Peer | null {
    const p = this.pick(seconds(this.clock()));
    if (!p) return null;
    this.out.add(p.id);
    return p.handle;
  }

  refundTry(): void {
    this.req.tries++;
  }

  release(peer: Peer, failed: boolean): void {
    // exactly once per peer handed out; a second release would corrupt conns
    if (!this.out.delete(peer.id)) return;
    const p = this.req.set.all[peer.id]!;
    const list = p.backup ? this.req.set.backup! : this.req.set.primary;
    const { stop } = freePeer(list, p, failed, seconds(this.clock()));
    if (stop) this.req.tries = 0;
    else if (this.req.tries > 0) this.req.tries--;
  }
}
