// nginx's `proxy_redirect default` (on unless a location says otherwise; Switchyard has no other
// setting): a Location or Refresh header of the upstream's response that starts with the
// proxy_pass URL is rewritten to the location's own path, so a redirect the upstream makes with its
// internal address points back through the proxy. With a URI part in proxy_pass
// (`location /one/ { proxy_pass http://b:8080/two/; }`) the pattern is the proxy_pass text as
// written and the replacement the location's path; without one, the pattern is the text plus "/"
// and the replacement "/". The comparison is byte for byte (case-sensitive), as nginx's. The
// last rewritten Location (nginx's r->headers_out.location) is then made absolute when it starts
// with "/", as nginx's header filter does (absolute_redirect on): http://, the request's host (else
// the server's address), the port unless 80; earlier rewritten ones stay as rewritten.
import type { ProxyPassTarget } from '../config/proxy-pass.ts';
import { redirectLocation } from './uri.ts';
import { utf8Bytes } from '../match/bytes.ts';

export interface RedirectRewrite {
  pattern: string;
  replacement: string;
}

/** The default rewrite of a location (its path as written, e.g. "/one/" for `location ^~ /one/`);
 * none for a proxy_pass with variables, which nginx gives no default (Location and Refresh pass as
 * they came, and a relative Location is not made absolute). */
export function defaultRedirect(proxyPass: string, target: ProxyPassTarget, locationPath: string): RedirectRewrite | null {
  if (target.variables) return null;
  // (config text meets the upstream's header bytes: both sides as UTF-8 byte strings)
  return target.uri !== null ? { pattern: utf8Bytes(proxyPass), replacement: utf8Bytes(locationPath) } : { pattern: `${utf8Bytes(proxyPass)}/`, replacement: '/' };
}

/** `value` with the pattern at `from` replaced, or null when it does not start there. */
function rewriteAt(value: string, from: number, rw: RedirectRewrite): string | null {
  if (!value.startsWith(rw.pattern, from)) return null;
  return value.slice(0, from) + rw.replacement + value.slice(from + rw.pattern.length);
}

/** Where the client reached the proxy, for making a rewritten Location absolute. */
export interface SelfAddress {
  /** The request's validated host (nginx's r->headers_in.server), null without one. */
  host: string | null;
  /** The local address of the client connection (used when there is no host). */
  serverAddr: string;
  /** The local port of the client connection. */
  port: number;
}

/** Whether proxy_redirect default rewrites this Location value. */
export function rewritesLocation(value: string, rw: RedirectRewrite): boolean {
  return value.startsWith(rw.pattern);
}

/**
 * A Location header after proxy_redirect default (unchanged when the pattern does not match),
 * made absolute with `self` (the last rewritten one), else as rewritten.
 */
export function rewriteLocation(value: string, rw: RedirectRewrite, self: SelfAddress | null): string {
  const out = rewriteAt(value, 0, rw);
  if (out === null) return value;
  return self ? absoluteLocation(out, self) : out;
}

/** A rewritten Location made absolute when it is a path, in the same form as nginx's own
 * redirects (absolute_redirect, port_in_redirect). */
export function absoluteLocation(rewritten: string, self: SelfAddress): string {
  if (!rewritten.startsWith('/')) return rewritten;
  return redirectLocation({ host: self.host, port: self.port, location: rewritten, args: null, serverAddr: self.serverAddr });
}

/** A Refresh header ("5; url=...") after proxy_redirect default: the part after "url=" (any case). */
export function rewriteRefresh(value: string, rw: RedirectRewrite): string {
  const at = value.toLowerCase().indexOf('url=');
  if (at === -1) return value;
  return rewriteAt(value, at + 4, rw) ?? value;
}
