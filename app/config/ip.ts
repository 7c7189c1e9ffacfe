// IP address literals as nginx reads them (ngx_inet_addr, ngx_inet6_addr), with one text per
// address: nginx compares listen addresses as sockaddr bytes, so "[::1]" and "[0:0::1]" are one
// socket to it, and it reads a dotted quad's parts as decimal, so "127.0.0.010" is 127.0.0.10
// (inet_aton, and so node's dns.lookup, would read "010" as octal 8).

/** "127.000.0.010" → [127, 0, 0, 10]: four decimal parts of 1-3 digits, each at most 255; else null. */
export function ipv4Parts(text: string): number[] | null {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return null;
  const parts = text.split('.').map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

/**
 * The eight 16-bit groups of an IPv6 address written without brackets ("::1", "2001:db8::a",
 * "::ffff:127.0.0.1"), or null. A "::" stands for at least one zero group; an IPv4 tail can only
 * come last.
 */
export function ipv6Groups(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const out: number[][] = [];
  for (const [h, half] of halves.entries()) {
    const pieces = half === '' ? [] : half.split(':');
    const groups: number[] = [];
    for (const [i, p] of pieces.entries()) {
      const last = h === halves.length - 1 && i === pieces.length - 1;
      const v4 = last && p.includes('.') ? ipv4Parts(p) : null;
      if (v4) groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) groups.push(parseInt(p, 16));
      else return null;
    }
    out.push(groups);
  }
  const [head, tail] = [out[0]!, out[1]];
  if (tail === undefined) return head.length === 8 ? head : null;
  const zeros = 8 - head.length - tail.length;
  return zeros >= 1 ? [...head, ...new Array<number>(zeros).fill(0), ...tail] : null;
}

/**
 * The one text of an IP address (written without brackets): IPv4 in plain dotted decimal, IPv6 in
 * RFC 5952 form (lowercase, no leading zeros, the first longest run of two or more zero groups as
 * "::", IPv4-mapped and IPv4-compatible addresses with an IPv4 tail), as node reports socket
 * addresses. Null for anything else (a host name).
 */
export function canonicalIp(text: string): string | null {
  const v4 = ipv4Parts(text);
  if (v4) return v4.join('.');
  const g = ipv6Groups(text);
  if (!g) return null;
  // IPv4-mapped (::ffff:a.b.c.d) and the old IPv4-compatible form (::a.b.c.d) keep an IPv4 tail
  const tail = `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${tail}`;
  if (g.slice(0, 6).every((x) => x === 0) && g[6] !== 0) return `::${tail}`;
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = (list: number[]) => list.map((x) => x.toString(16)).join(':');
  return best.at < 0 ? hex(g) : `${hex(g.slice(0, best.at))}::${hex(g.slice(best.at + best.len))}`;
}

/** A host as nginx keys it: an IP literal in its one text (IPv6 keeps its brackets), a name as written. */
export function canonicalHost(host: string): string {
  if (host.startsWith('[') && host.endsWith(']')) {
    const ip = canonicalIp(host.slice(1, -1));
    return ip !== null && ip.includes(':') ? `[${ip}]` : host;
  }
  return (host.includes(':') ? null : canonicalIp(host)) ?? host;
}
