// nginx size syntax for client_max_body_size ("1m", "512k", "10M", "0"), as ngx_parse_offset()
// reads it: a whole number of bytes with an optional k/K, m/M or g/G; nothing else.

const SCALE: Record<string, number> = { '': 1, k: 1024, m: 1024 * 1024, g: 1024 * 1024 * 1024 };

/** Bytes for an nginx size, or null when nginx would reject it (or it passes 2^53, more than any body). */
export function parseNginxSize(text: string): number | null {
  const m = /^(\d{1,16})([kKmMgG]?)$/.exec(text);
  if (!m) return null;
  const bytes = Number(m[1]) * SCALE[m[2]!.toLowerCase()]!;
  return Number.isSafeInteger(bytes) ? bytes : null;
}
