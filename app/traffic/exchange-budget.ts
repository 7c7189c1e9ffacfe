// How many HTTP exchanges the service's log and the UI's list keep: the newest 2,000, within 8 Mi
// characters of their text (URLs, headers, causes and notes), so that large headers cannot fill
// memory or every feed subscriber's first snapshot (2,000 requests with 20 KB of headers each held
// 41 MB). One rule for both, so the UI shows what an export of the log has.
import type { ExchangeView } from '../api/views.ts';

export const EXCHANGES_KEPT = 2000;
export const EXCHANGE_CHARS_KEPT = 8 * 1024 * 1024;

/** The text an exchange holds (what its size in memory and in a snapshot grows with). */
export function exchangeChars(v: ExchangeView): number {
  let n = v.url.length + (v.upstreamPath?.length ?? 0) + (v.cause?.length ?? 0) + (v.note?.length ?? 0);
  for (const h of v.requestHeaders) n += h.length;
  for (const h of v.responseHeaders) n += h.length;
  for (const t of v.tries) n += t.upstream.length + t.outcome.length;
  return n;
}

/** How many of `list`'s newest entries to keep (all but its oldest ones past either cap; always the
 * newest one). */
export function exchangesToKeep(list: readonly ExchangeView[], most = EXCHANGES_KEPT, chars = EXCHANGE_CHARS_KEPT): number {
  let kept = 0;
  let total = 0;
  for (let i = list.length - 1; i >= 0 && kept < most; i--) {
    total += exchangeChars(list[i]!);
    if (total > chars && kept > 0) break;
    kept++;
  }
  return kept;
}
