// proxy_pass targets: "http://upstream_name[/uri]" or "http://host[:port][/uri]".
// The URI part (if any, even just "/") switches nginx to prefix replacement; see app/proxy/uri.ts.

export interface ProxyPassTarget {
  scheme: 'http';
  /** Host as written (an upstream name, a host name or an IP; IPv6 keeps its brackets). */
  host: string;
  /** Explicit port, or null when none was written. */
  port: number | null;
  /** The URI part including its leading '/', or null when proxy_pass has none. */
  uri: string | null;
  /** nginx's $proxy_host: host, plus ":port" unless the port is the scheme default. */
  proxyHost: string;
}

const RE = /^(http):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::(\d{1,5}))?(\/[^\s]*)?$/;

export function parseProxyPass(text: string): ProxyPassTarget | null {
  const m = RE.exec(text);
  if (!m) return null;
  const host = m[2]!;
  const port = m[3] === undefined ? null : Number(m[3]);
  if (port !== null && (port < 1 || port > 65535)) return null;
  const uri = m[4] ?? null;
  const proxyHost = port === null || port === 80 ? host : `${host}:${port}`;
  return { scheme: 'http', host, port, uri, proxyHost };
}
