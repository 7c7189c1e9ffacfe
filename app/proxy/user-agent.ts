// What nginx reads from a client's User-Agent (ngx_http_process_user_agent), and the two things its
// defaults do with it: `msie_padding on` pads its own 4xx and 5xx pages to MSIE and Chrome (which
// would otherwise show a "friendly" page of their own for a short one), and `keepalive_disable
// msie6` ends the connection after a POST from an old MSIE. Text is matched as nginx matches it:
// byte for byte (a header value here has one character per byte), case-sensitively, anywhere in the
// value; of several User-Agent lines the first counts (node keeps only that one, as nginx does).

export interface UserAgentKind {
  msie: boolean;
  /** MSIE 4 or 5, or 6 without "SV1" after its version (XP SP2's). */
  msie6: boolean;
  chrome: boolean;
}

export function userAgentKind(ua: string | null | undefined): UserAgentKind {
  const kind: UserAgentKind = { msie: false, msie6: false, chrome: false };
  if (!ua) return kind;
  const at = ua.indexOf('MSIE ');
  // (at least three bytes after "MSIE ", such as "9.0")
  if (at !== -1 && at + 7 < ua.length) {
    kind.msie = true;
    if (ua[at + 6] === '.') {
      const major = ua[at + 5];
      kind.msie6 = major === '4' || major === '5' || (major === '6' && !ua.includes('SV1', at + 8));
    }
  }
  // Opera said "MSIE" too, and is not it; Firefox and other Gecko browsers say "Gecko/", Chrome "like Gecko)"
  const opera = ua.includes('Opera');
  if (opera) kind.msie = kind.msie6 = false;
  else if (!kind.msie && !ua.includes('Gecko/')) kind.chrome = ua.includes('Chrome/');
  return kind;
}

/** The User-Agent nginx had read of a head ([name, value, …]) when it refused it after `headersRead`
 * header lines (none said: all of them): the first such line among those, as nginx keeps the first. */
export function userAgentRead(rawHeaders: readonly string[], headersRead = Infinity): string | null {
  for (let i = 0; i + 1 < rawHeaders.length && i < 2 * headersRead; i += 2) {
    if (rawHeaders[i]!.length === 10 && rawHeaders[i]!.toLowerCase() === 'user-agent') return rawHeaders[i + 1]!;
  }
  return null;
}

/** Whether nginx pads its own page for `status` to this client (msie_padding: 4xx and 5xx, not a 301). */
export function padsErrorPage(status: number, ua: string | null | undefined): boolean {
  if (status < 400) return false;
  const kind = userAgentKind(ua);
  return kind.msie || kind.chrome;
}

/** Whether nginx ends the connection after this request whatever its Connection header says (keepalive_disable msie6). */
export function keepaliveDisabled(method: string | undefined, ua: string | null | undefined): boolean {
  return method === 'POST' && userAgentKind(ua).msie6;
}
