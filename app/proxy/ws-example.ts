// The WebSocket URL the empty Sessions screen suggests trying: one that reaches a location of the
// running config with the WebSocket switch on, checked with the route tester's own decisions (the
// server the address selects, the location the path selects, the upgrade forwarded), so that the
// first thing a new user tries is not a 404 (the first-run example's `/echo`, say).
import { validateConfig } from '../config/validate.ts';
import { validRouteTester } from './route-test.ts';

/**
 * The "host:port" a client on this machine connects to for a listener on `host`:`port`: a wildcard
 * socket (0.0.0.0, [::]) is reached on loopback, as connecting to the wildcard itself does not work
 * everywhere (Windows refuses it).
 */
export function reachableAddress(host: string, port: number): string {
  const to = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `${to.includes(':') ? `[${to}]` : to}:${port}`;
}

/** A location path that is a URL path as written (no regex, nothing to escape). */
const LITERAL_PATH = /^\/[A-Za-z0-9._~/-]*$/;
/** Paths tried per address: the suggestion is a hint, not a search. */
const MAX_TRIED = 20;

/**
 * `ws://ADDRESS/PATH` for the first of `addresses` ("127.0.0.1:8080", "[::1]:8080") and WebSocket
 * location path (config order) where a handshake to that URL is proxied with its upgrade; null when
 * none is (an invalid config, no WebSocket location, or one only a regex or a Host header reaches).
 */
export function webSocketExampleUrl(config: unknown, addresses: readonly string[]): string | null {
  const v = validateConfig(config);
  if (!v.ok) return null;
  const paths = new Set<string>();
  for (const server of v.config.servers) {
    for (const l of server.locations) {
      if (l.websocket && l.modifier !== '~' && l.modifier !== '~*' && LITERAL_PATH.test(l.path)) paths.add(l.path);
    }
  }
  // (checked and compiled once: per try, a config of thousands of locations took a tenth of a
  // second, and the screen waited for every try)
  const test = validRouteTester(v.config);
  for (const address of addresses) {
    for (const path of [...paths].slice(0, MAX_TRIED)) {
      const url = `ws://${address}${path}`;
      const r = test({ url });
      if (r.ok && r.outcome.kind === 'proxy' && r.outcome.upgrade?.forwarded) return url;
    }
  }
  return null;
}
