// nginx time syntax ("60s", "1h 30m", "500ms", "86400s"), parsed as ngx_parse_time() does for
// msec-valued directives (proxy_*_timeout): units must appear in decreasing order, each once;
// a bare number means seconds; 'y' and 'M' are accepted for seconds-valued ones only (fail_timeout),
// 'ms' for millisecond-valued ones only.

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600 * 1000],
  ['M', 30 * 24 * 3600 * 1000],
  ['w', 7 * 24 * 3600 * 1000],
  ['d', 24 * 3600 * 1000],
  ['h', 3600 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
  ['ms', 1],
];

/** nginx's NGX_MAX_INT_T_VALUE on 64 bits (exact: the limits are checked in integers, as nginx does). */
const MAX_INT_T = 2n ** 63n - 1n;

/** The longest time accepted: the engine's timers (and 32-bit nginx's ngx_msec_t) hold ~24.8 days. */
export const MAX_TIME_MS = 2 ** 31 - 1;

/**
 * Milliseconds for an nginx time string, or null when nginx would reject it. `seconds` reads it as
 * a seconds-valued directive does (fail_timeout): "ms" is refused there. Past MAX_TIME_MS it is null
 * too, unless `unbounded` (64-bit nginx takes such times: the importer caps them, saying so).
 */
export function parseNginxTime(text: string, opts: { seconds?: boolean; unbounded?: boolean } = {}): number | null {
  const ms = scanNginxTime(text, opts);
  return ms === 'too_large' ? null : ms;
}

/** Whether `text` is an nginx time in its syntax but past nginx's own limit (2^63 - 1 in the
 * directive's unit, each part and the sum): nginx refuses it, and the words say it is too large. */
export function pastNginxTimeLimit(text: string, opts: { seconds?: boolean } = {}): boolean {
  return scanNginxTime(text, { ...opts, unbounded: true }) === 'too_large';
}

function scanNginxTime(text: string, opts: { seconds?: boolean; unbounded?: boolean }): number | null | 'too_large' {
  if (text.length === 0 || text.length > 1024) return null;
  let tooLarge = false;
  let i = 0;
  let lastRank = -1;
  // in the directive's own unit (seconds, or milliseconds), as ngx_parse_time counts
  let total = 0n;
  let sawNumber = false;
  while (i < text.length) {
    const start = i;
    while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    if (i === start) return null;
    const value = BigInt(text.slice(start, i));
    sawNumber = true;
    let unit = '';
    if (text.startsWith('ms', i)) {
      if (opts.seconds) return null;
      unit = 'ms';
    }
    else if (i < text.length && /[yMwdhms]/.test(text[i]!)) {
      unit = text[i]!;
      if ((unit === 'y' || unit === 'M') && !opts.seconds) return null;
    }
    i += unit.length;
    const rank = unit === '' ? UNITS.length - 2 : UNITS.findIndex(([u]) => u === unit);
    if (rank <= lastRank) return null;
    lastRank = rank;
    // nginx: each part at most what fits once scaled (for a millisecond directive, a second-based
    // unit's limit divided by 1000 too), and the sum at most NGX_MAX_INT_T_VALUE
    const ms = BigInt(UNITS[rank]![1]);
    const scale = opts.seconds ? ms / 1000n : ms;
    const max = unit === 'ms' ? MAX_INT_T : opts.seconds ? MAX_INT_T / scale : MAX_INT_T / (ms / 1000n) / 1000n;
    if (value > max) tooLarge = true;
    total += value * scale;
    if (total > MAX_INT_T) tooLarge = true;
    if (unit === '') {
      // a bare number must be the last part
      if (i !== text.length) return null;
    }
    while (i < text.length && text[i] === ' ') i++;
  }
  if (!sawNumber) return null;
  if (tooLarge) return 'too_large';
  const result = Number(total) * (opts.seconds ? 1000 : 1);
  if ( (result > MAX_TIME_MS && !opts.unbounded)) return null;
  return result;
}

/** fail_timeout's milliseconds, or null: a seconds-valued time (no "ms", but "y" and "M"), within
 * nginx's own limit only (no timer holds it). The one reading of it for check, import and engine. */
export function parseFailTimeout(text: string): number | null {
  return parseNginxTime(text, { seconds: true, unbounded: true });
}
