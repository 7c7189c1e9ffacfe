// CRC-32 as nginx computes it (ngx_crc32_*): the reflected IEEE polynomial 0xEDB88320, initial value
// 0xFFFFFFFF, final XOR 0xFFFFFFFF. The update step is exposed so that, like nginx's consistent
// hash, a prefix can be hashed once and then continued with different suffixes.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export type Bytes = Uint8Array | string;

function bytesOf(data: Bytes): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Running CRC state before any data (ngx_crc32_init). */
export const CRC32_INIT = 0xffffffff;

/** Continue a running (not finalised) CRC state with more bytes (ngx_crc32_update). */
export function crc32Update(state: number, data: Bytes): number {
  const bytes = bytesOf(data);
  let c = state >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** Finish a running state into the CRC value (ngx_crc32_final). */
export function crc32Final(state: number): number {
  return (state ^ 0xffffffff) >>> 0;
}

/** CRC-32 of a byte string; strings are UTF-8 encoded first. */
export function crc32(data: Bytes): number {
  return crc32Final(crc32Update(CRC32_INIT, data));
}
