// Small statistics shared by the bench scripts.

/** The median of `xs` (the mean of the middle two for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Animation frame times (requestAnimationFrame deltas, ms): p50, p95, max, how many took over 50 ms. */
export interface FrameStats { frames: number; p50: number; p95: number; max: number; over50: number; meanFps: number }
export function frameStats(deltas: readonly number[]): FrameStats {
  const d = [...deltas].sort((a, b) => a - b);
  const pct = (p: number) => d[Math.min(d.length - 1, Math.floor((p / 100) * d.length))] ?? NaN;
  const sum = d.reduce((s, x) => s + x, 0);
  return { frames: d.length, p50: pct(50), p95: pct(95), max: d.at(-1) ?? NaN, over50: d.filter((x) => x > 50).length, meanFps: d.length ? 1000 / (sum / d.length) : NaN };
}
