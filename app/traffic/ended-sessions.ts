// The sessions a list keeps as the feed updates it: every live one, and of the closed (and refused)
// ones the last `max` to end, as the service's traffic log keeps them (main/service/traffic-log.ts
// drops the first to end, not the oldest to open: a session open for an hour that ends now is kept
// over the hundreds of short ones that ended during that hour). `pinned` (the session open in the
// UI) stays past `max` while it is pinned.
import type { SessionView } from '../api/views.ts';
import { isLiveSession } from './list-filters.ts';

const byId = (a: SessionView, b: SessionView) => a.id - b.id;

export class EndedSessions {
  /** Ids of the ended sessions held, in the order they ended. */
  private order: number[] = [];

  constructor(private readonly max: number) {}

  /** A whole list (a snapshot): its ended sessions in the order of their closing times. */
  reset(list: readonly SessionView[]): void {
    this.order = list.filter((s) => !isLiveSession(s)).sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0) || a.id - b.id).map((s) => s.id);
  }

  /** `held` with `changed` merged in (by id); sessions that ended now go last in the closing order,
   * and the first to end go past `max`. Sorted by id. */
  merge(held: readonly SessionView[], changed: readonly SessionView[], pinned: number | null): SessionView[] {
    const all = new Map(held.map((s) => [s.id, s]));
    for (const s of changed) {
      const was = all.get(s.id);
      if (!isLiveSession(s) && (!was || isLiveSession(was))) this.order.push(s.id);
      all.set(s.id, s);
    }
    const counted = this.order.length - (pinned !== null && this.order.includes(pinned) ? 1 : 0);
    if (counted > this.max) {
      let excess = counted - this.max;
      this.order = this.order.filter((id) => {
        if (excess === 0 || id === pinned) return true;
        excess--;
        all.delete(id);
        return false;
      });
    }
    return [...all.values()].sort(byId);
  }
}
