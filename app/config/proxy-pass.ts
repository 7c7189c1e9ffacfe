// proxy_pass targets: "http://upstream_name[/uri]" or "http://host[:port][/uri]".
// The URI part (if any, even just "/") switches nginx to prefix replacement; see app/proxy/uri.ts.

export interface ProxyPassTarget {
  scheme: 'http';
  /** Host as written (an upstream name, a host name or an IP; IPv6 keeps its brackets). */
  host: string;
  /** Explicit port, or null when none was written. */
  port: number | null;
  /** The URI part including its leading '/' (or '$' when a variable follows the host), or null when proxy_pass has none. */
  uri: string | null;
  /** Whether the URI part has variables (any '$', as nginx counts them): nginx then sends it as
   * they make it, see app/proxy/uri.ts's variableUri. */
  variables: boolean;
  /** nginx's $proxy_host: host, plus ":port" unless the port is the scheme default. */
  proxyHost: string;
  /** nginx's $proxy_port: the port as written ("09101" stays so), "80" when absent or the default. */
  proxyPort: string;
}

// (the URI part may also start with a variable: "http://pool$request_uri")
const RE = /^(http):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::(\d{1,5}))?([/$][^\s]*)?$/;

export function parseProxyPass(text: string): ProxyPassTarget | null {
  const m = RE.exec(text);
  if (!m) return null;
  const host = m[2]!;
  const port = m[3] === undefined ? null : Number(m[3]);
  if (port !== null && (port < 1 || port > 65535)) return null;
  const uri = m[4] ?? null;
  // nginx keeps the port's text (ngx_http_proxy_set_vars: u->port_text), "http://h:09101" sends
  // Host: h:09101, but compares the number with the default port
  const isDefault = port === null || port === 80;
  const proxyHost = isDefault ? host : `${host}:${m[3]}`;
  return { scheme: 'http', host, port, uri, variables: uri !== null && uri.includes('$'), proxyHost, proxyPort: isDefault ? '80' : m[3]! };
}

/** Why `text` is no proxy_pass target: a port outside 1-65535 in an otherwise good one, or its form. */
export function proxyPassError(text: string): 'invalid_port' | 'invalid_proxy_pass' {
  const port = RE.exec(text)?.[3];
  return port !== undefined && (Number(port) < 1 || Number(port) > 65535) ? 'invalid_port' : 'invalid_proxy_pass';
}

/**
 * Whether a proxy_pass host written without a port is an address nginx connects to on port 80 (an
 * IPv4 or bracketed IPv6 literal, or localhost in any case, as getaddrinfo finds it in /etc/hosts for
 * nginx 1.22: "LOCALHOST" too, but not "localhost.", a name nginx -t finds no host for); the model
 * takes any other such name for an upstream.
 */
export function isAddressHost(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[') || host.toLowerCase() === 'localhost';
}
