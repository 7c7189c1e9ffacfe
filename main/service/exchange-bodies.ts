// The kept starts of HTTP exchanges' bodies (the engine's ExchangeBodies), as rows of one frame log
// of their own (frame-log.ts): two rows per exchange (request, then response), their bytes kept in
// the PayloadStore beside WebSocket payloads, so that bodies count against the same total cap and
// are evicted with them, oldest first (a row then reads 'evicted'). Rows leave with their exchanges.
import { BINARY, EVICTED, KEPT, STATES, SessionFrames, TRUNCATED, rowFlags, type PayloadState } from './frame-log.ts';
import type { PayloadStore } from './payloads.ts';

/** One side's body as kept: `data` undefined once evicted (or when none was kept). */
export interface KeptBody {
  state: PayloadState;
  data: Buffer | undefined;
}

/** One side's kept start as the engine gives it (ExchangeBodies). */
type Body = Buffer | null | 'evicted';

export class ExchangeBodyLog {
  private readonly rows: SessionFrames;
  /** Exchange id → seq of its request row (its response row is the next). */
  private readonly seqOf = new Map<number, number>();

  constructor(private readonly payloads: PayloadStore) {
    this.rows = new SessionFrames(payloads.arena(), payloads.arena(true));
  }

  /** Keep exchange `id`'s bodies: the first bytes of each (null: none; 'evicted': the total cap had
   * no room for its capture) and the whole one's size. */
  add(id: number, time: number, request: Body, requestBytes: number, response: Body, responseBytes: number): void {
    this.seqOf.set(id, this.rows.next);
    this.put(time, 'client', request, requestBytes);
    this.put(time, 'upstream', response, responseBytes);
  }

  private put(time: number, from: 'client' | 'upstream', data: Body, total: number): void {
    const f = this.rows;
    const state = !data || total === 0 ? 0 : data === 'evicted' ? EVICTED : data.length < total ? TRUNCATED : KEPT;
    // (no preview is kept of an evicted body: its note is empty)
    const s = f.append(time, rowFlags(BINARY, from, true, false, state), total, null, '');
    if (state && data !== 'evicted') this.payloads.put(f, s, f.next - 1, data!, 0, data!.length);
  }

  /** Exchange `id`'s body on `side`, or undefined when none was kept (or the exchange is gone). */
  get(id: number, side: 'request' | 'response'): KeptBody | undefined {
    const seq = this.seqOf.get(id);
    if (seq === undefined) return undefined;
    const s = this.rows.slotOf(side === 'request' ? seq : seq + 1);
    const state = s < 0 ? undefined : STATES[this.rows.state(s)];
    if (!state) return undefined;
    return { state, data: state === 'evicted' ? undefined : this.rows.bytes(s) };
  }

  /** The exchanges `ids` left the log (oldest first): their rows go, and their kept bytes. */
  drop(ids: readonly number[]): void {
    let end = -1;
    for (const id of ids) {
      const seq = this.seqOf.get(id);
      if (seq === undefined) continue;
      this.seqOf.delete(id);
      end = seq + 2;
    }
    const f = this.rows;
    if (end <= f.first) return;
    f.dropFront(end - f.first, this.payloads);
    this.payloads.dropped();
  }
}
