// An imported entry's request target as the log shows it. A HAR's URL is absolute: Switchyard's
// export (har.ts) writes a target the client sent as a path after its scheme and Host (localhost
// without one), and a target sent whole (a proxy request's absolute form) as it came. The import
// takes the path back as written, not through a URL parser, which would resolve dot segments
// ("/static/../admin" is the request a user looks for) and percent-encode what it takes as unsafe.

const ABSOLUTE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is;

/** `url`'s target: its path, query and fragment as written ("/" when it has none). For a file of
 * Switchyard's own (`ownScheme` the scheme its export writes, `host` the request's Host header), a
 * URL it did not make from a path is kept whole, as the client sent it. */
export function targetOf(url: string, own?: { scheme: 'http' | 'ws'; host: string | undefined }): string {
  const m = ABSOLUTE.exec(url);
  if (!m) return url;
  const rest = m[3]!;
  if (own && (m[1]!.toLowerCase() !== own.scheme || m[2] !== (own.host ?? 'localhost') || !rest.startsWith('/'))) return url;
  return rest.startsWith('/') ? rest : `/${rest}`;
}
