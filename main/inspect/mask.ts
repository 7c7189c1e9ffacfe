// RFC 6455 §5.3 masking: payload byte i is XORed with key byte (i mod 4). The key is passed as
// one 32-bit number, its first byte in the high bits ((k0 << 24) | (k1 << 16) | (k2 << 8) | k3).
const KEY = new Uint8Array(4);
const KEY32 = new Int32Array(KEY.buffer);

/** The key of a 4-byte mask field (`at` in `bytes`) as one number. */
export function maskKeyOf(bytes: Uint8Array, at = 0): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) | 0;
}

/**
 * out[at + j] = src[s + j] ^ keyByte((phase + j) mod 4) for j in [0, e - s): a masked copy, or an
 * unmasked one (the same operation). `phase` is the payload position of src[s]. `out` may be `src`
 * with at === s (in place).
 */
export function xorMask(src: Uint8Array, s: number, e: number, out: Uint8Array, at: number, key: number, phase: number): void {
  for (let i = 0; i < 4; i++) KEY[i] = (key >>> (24 - 8 * ((phase + i) & 3))) & 0xff;
  const n = e - s;
  const base = out.byteOffset + at;
  if (n >= 64 && (base & 3) === 0) {
    // Word at a time: copy natively, then XOR 32-bit words with the rotated key read in host order.
    if (out !== src || at !== s) out.set(src.subarray(s, e), at);
    const words = new Int32Array(out.buffer, base, n >>> 2);
    const k = KEY32[0]!;
    const m = words.length;
    const m4 = m & ~3;
    let w = 0;
    for (; w < m4; w += 4) {
      words[w] = words[w]! ^ k;
      words[w + 1] = words[w + 1]! ^ k;
      words[w + 2] = words[w + 2]! ^ k;
      words[w + 3] = words[w + 3]! ^ k;
    }
    for (; w < m; w++) words[w] = words[w]! ^ k;
    for (let j = m << 2; j < n; j++) out[at + j] = out[at + j]! ^ KEY[j & 3]!;
    return;
  }
  for (let j = 0; j < n; j++) out[at + j] = src[s + j]! ^ KEY[j & 3]!;
}
