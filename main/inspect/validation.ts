// RFC 6455 value checks the tap shares: close status codes (§7.4) and UTF-8 (RFC 3629), the
// latter as a streaming validator that accepts payload slices at any boundary without buffering.
import { isUtf8 } from 'node:buffer';

/** Close codes an endpoint may send (§7.4.1/§7.4.2 and the IANA registry, as ws accepts them):
 * 1000-1003, 1007-1014, 3000-4999. 1004-1006 and 1015 must never appear on the wire. */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/**
 * Incremental UTF-8 validator. `push` returns -1 while valid, or the index in the given buffer of
 * the byte that made the input invalid; `errorOffset` is then the message-relative offset where
 * the invalid sequence starts. `end()` reports a sequence left incomplete at the end of the message.
 * Long runs go through node's native isUtf8; the (≤ 3-byte) sequence split across pushes is
 * checked byte by byte. Memory: a few numbers.
 */
export class Utf8Validator {
  /** Bytes pushed so far (message-relative position of the next byte). */
  pos = 0;
  errorOffset = -1;
  private need = 0;
  private lo = 0x80;
  private hi = 0xbf;
  private seqStart = 0;

  reset(): void {
    this.pos = 0;
    this.errorOffset = -1;
    this.need = 0;
    this.lo = 0x80;
    this.hi = 0xbf;
  }

  /** True while a multi-byte sequence is open (the message would end invalid here). */
  get incomplete(): boolean {
    return this.need !== 0;
  }

  push(buf: Uint8Array, start: number, end: number): number {
    if (this.errorOffset !== -1) return start < end ? start : -1;
    const base = this.pos - start; // message position of buf[i] is base + i
    let i = start;
    // Finish a sequence carried over from the previous push.
    while (this.need !== 0 && i < end) {
      if (!this.step(buf[i]!, base + i)) return this.fail(i, base);
      i++;
    }
    if (end - i >= 32) {
      const cut = safeCut(buf, i, end);
      if (cut > i) {
        if (!isUtf8(buf.subarray(i, cut))) return this.scan(buf, i, cut, base, end);
        i = cut;
      }
    }
    return this.scan(buf, i, end, base, end);
  }

  end(): boolean {
    if (this.errorOffset !== -1) return false;
    if (this.need !== 0) {
      this.errorOffset = this.seqStart;
      return false;
    }
    return true;
  }

  private scan(buf: Uint8Array, from: number, to: number, base: number, end: number): number {
    for (let i = from; i < to; i++) {
      if (!this.step(buf[i]!, base + i)) return this.fail(i, base);
    }
    if (to < end) return this.scan(buf, to, end, base, end);
    this.pos = base + end;
    return -1;
  }

  private fail(i: number, base: number): number {
    // A bad continuation byte invalidates the sequence it continues: report where that started.
    this.errorOffset = this.need !== 0 ? this.seqStart : base + i;
    this.pos = base + i;
    return i;
  }

  /** One byte (at message position p) through the state machine; false when it cannot continue valid UTF-8. */
  private step(b: number, p: number): boolean {
    if (this.need === 0) {
      if (b < 0x80) return true;
      this.seqStart = p;
      if (b >= 0xc2 && b <= 0xdf) this.open(1, 0x80, 0xbf);
      else if (b === 0xe0) this.open(2, 0xa0, 0xbf);
      else if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) this.open(2, 0x80, 0xbf);
      else if (b === 0xed) this.open(2, 0x80, 0x9f); // no UTF-16 surrogates
      else if (b === 0xf0) this.open(3, 0x90, 0xbf); // no overlong 4-byte forms
      else if (b >= 0xf1 && b <= 0xf3) this.open(3, 0x80, 0xbf);
      else if (b === 0xf4) this.open(3, 0x80, 0x8f); // nothing above U+10FFFF
      else return false;
      return true;
    }
    if (b < this.lo || b > this.hi) return false;
    this.need--;
    this.lo = 0x80;
    this.hi = 0xbf;
    return true;
  }

  private open(need: number, lo: number, hi: number): void {
    this.need = need;
    this.lo = lo;
    this.hi = hi;
  }
}

/** The end of the longest prefix of buf[from, end) that does not stop inside a multi-byte sequence. */
function safeCut(buf: Uint8Array, from: number, end: number): number {
  for (let k = end - 1; k >= from && k >= end - 3; k--) {
    const b = buf[k]!;
    if (b < 0x80) return end;
    if (b >= 0xc0) {
      const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return k + len > end ? k : end;
    }
  }
  return end;
}

/** Offset of the first invalid UTF-8 sequence in buf, or -1. With `allowIncompleteTail`, a
 * sequence cut off by the end of buf (a truncated preview) is not an error. */
export function findUtf8Error(buf: Uint8Array, allowIncompleteTail = false): number {
  if (isUtf8(buf)) return -1;
  const v = new Utf8Validator();
  v.push(buf, 0, buf.length);
  if (v.errorOffset !== -1) return v.errorOffset;
  if (!allowIncompleteTail) v.end();
  return v.errorOffset;
}
