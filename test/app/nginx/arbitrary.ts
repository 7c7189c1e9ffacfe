// fast-check arbitraries for VALID models (127.0.0.1 addresses only), used by the round-trip and
// nginx -t property tests. Strings are salted with the characters that could break nginx syntax.
import fc from 'fast-check';
import type { ConfigInput } from '../../../app/config/schema.ts';

const NASTY = [' ', ';', '{', '}', '#', '"', "'", '\\', '(', ')', 'é', '字', 'n', 't', 'a', 'Z', '0', '/', '-', '.'];
export const nastyString = (max: number) => fc.array(fc.constantFrom(...NASTY), { maxLength: max }).map((a) => a.join(''));
const VARS = ['${host}', '${remote_addr}', '$proxy_add_x_forwarded_for,', '$request_uri ', '${http_x_user}', '${scheme}', '$cookie_sid;', '${arg_q}', '$uri/'];
/** Header values and hash keys: text with known variables (a "$" is never literal). */
const valueString = fc.array(fc.oneof(nastyString(4), fc.constantFrom(...VARS)), { maxLength: 4 }).map((a) => a.join(''));

/** proxy_*_timeout: never 0, which nginx reads as "time out at once" (validation refuses it). */
const duration = fc.oneof(
  fc.constantFrom('60s', '1m', '5s', '500ms', '1h 30m', '86400s', '1', '10', '1d 2h', '2w'),
  fc.integer({ min: 1, max: 100_000 }).map((n) => `${n}ms`),
);
/** fail_timeout is read in seconds by nginx: no "ms". */
const seconds = fc.constantFrom('10s', '1m', '30', '0', '1h 30m', '2d');
const port = fc.integer({ min: 1, max: 65535 });
const addr = port.map((p) => `127.0.0.1:${p}`);
const CONDITIONS = ['error', 'timeout', 'invalid_header', 'http_500', 'http_502', 'http_503', 'http_504', 'http_403', 'http_404', 'http_429', 'non_idempotent'] as const;

const method = fc.oneof(
  fc.constant({ type: 'round_robin' as const }),
  fc.constant({ type: 'least_conn' as const }),
  fc.constant({ type: 'ip_hash' as const }),
  fc.record({ type: fc.constant('hash' as const), key: valueString.filter((k) => k.length > 0), consistent: fc.boolean() }),
  fc.record({ type: fc.constant('random' as const), two: fc.boolean() }),
);

const upstream = (name: string) =>
  fc.record({ method, keepalive: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10_000 })) }).chain(({ method, keepalive }) => {
    const backupOk = method.type === 'round_robin' || method.type === 'least_conn';
    const server = fc.record({
      address: addr, weight: fc.integer({ min: 1, max: 1000 }), maxFails: fc.integer({ min: 0, max: 1000 }), failTimeout: seconds,
      backup: backupOk ? fc.boolean() : fc.constant(false), down: fc.boolean(), maxConns: fc.integer({ min: 0, max: 1_000_000 }),
    });
    return fc.array(server, { minLength: 1, maxLength: 3 }).map((servers) => {
      if (servers.every((s) => s.backup)) servers[0]!.backup = false;
      return { name, method, keepalive, servers };
    });
  });

const REGEXES = ['^/api/v[0-9]+/', '\\.(png|jpe?g)$', '^/ws$', '/a b', '^/x;y\\{1\\}', '#frag', '"q"', "it's", '^/(?<id>[0-9]+)$'];
const escapeRegex = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
const headerName = fc.constantFrom('Host', 'X-Forwarded-For', 'X-Real-IP', 'X-A', "x-'q'", 'X#1', 'A|b^', '~', 'x-$y');

function location(upstreams: string[]) {
  return fc
    .record({
      name: nastyString(12),
      modifier: fc.constantFrom('' as const, '=' as const, '^~' as const, '~' as const, '~*' as const),
      prefix: nastyString(10),
      regex: fc.oneof(fc.constantFrom(...REGEXES), nastyString(8).filter((s) => s.length > 0).map(escapeRegex)),
      host: upstreams.length ? fc.oneof(addr, fc.constantFrom(...upstreams)) : addr,
      uri: fc.option(fc.constantFrom('/', '/v1/', '/a-b/c.d?x=1&y=%20', '/~u'), { nil: undefined }),
      websocket: fc.boolean(),
      proxyHttpVersion: fc.constantFrom('1.0' as const, '1.1' as const),
      headers: fc.array(fc.record({ name: headerName, value: valueString }), { maxLength: 3 }),
      proxyConnectTimeout: duration, proxySendTimeout: duration, proxyReadTimeout: duration,
      proxyNextUpstream: fc.oneof(fc.constant(['off']), fc.constant(['error', 'timeout']), fc.uniqueArray(fc.constantFrom(...CONDITIONS), { minLength: 1, maxLength: 4 })),
      proxyNextUpstreamTries: fc.integer({ min: 0, max: 100 }),
    })
    .map((l) => {
      const regex = l.modifier === '~' || l.modifier === '~*';
      return {
        name: l.name,
        modifier: l.modifier,
        path: regex ? l.regex : `/${l.prefix}`,
        proxyPass: `http://${l.host}${regex || !l.uri ? '' : l.uri}`,
        websocket: l.websocket,
        // websocket forces 1.1: the importer gives the field its default (see roundtrip.test.ts)
        proxyHttpVersion: l.websocket ? ('1.0' as const) : l.proxyHttpVersion,
        proxySetHeader: l.headers,
        proxyConnectTimeout: l.proxyConnectTimeout, proxySendTimeout: l.proxySendTimeout, proxyReadTimeout: l.proxyReadTimeout,
        proxyNextUpstream: l.proxyNextUpstream as Array<(typeof CONDITIONS)[number] | 'off'>,
        proxyNextUpstreamTries: l.proxyNextUpstreamTries,
      };
    });
}

const SERVER_NAMES = ['', 'localhost', 'example.com', '*.example.org', 'www.example.*', '.example.net', '~^(www|api)[0-9]*\\.example\\.com$'.replace(/\\/g, ''), 'a-b.c_d'];

/** A valid model: unique upstream names, per-server unique listen ports, unique locations. */
export const validModel: fc.Arbitrary<ConfigInput> = fc.integer({ min: 0, max: 3 }).chain((nUp) => {
  const names = Array.from({ length: nUp }, (_, i) => `up${i}`);
  return fc
    .record({
      upstreams: fc.tuple(...names.map(upstream)),
      servers: fc.array(
        fc.record({
          listenPorts: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { minLength: 1, maxLength: 2 }),
          listenStyle: fc.constantFrom('ip', 'bare', 'star', 'v6'),
          defaultServer: fc.boolean(),
          serverNames: fc.uniqueArray(fc.constantFrom(...SERVER_NAMES), { maxLength: 3 }),
          locations: fc.array(location(names), { maxLength: 4 }),
        }),
        { maxLength: 3 },
      ),
    })
    .map(({ upstreams, servers }) => {
      const usedDefaults = new Set<number>();
      return {
        schemaVersion: 1 as const,
        upstreams: [...upstreams],
        servers: servers.map((s) => {
          const seen = new Set<string>();
          return {
            listen: s.listenPorts.map((p) => {
              const address = s.listenStyle === 'ip' ? `127.0.0.1:${p}` : s.listenStyle === 'bare' ? String(p) : s.listenStyle === 'star' ? `*:${p}` : `[::1]:${p}`;
              const d = s.defaultServer && !usedDefaults.has(p);
              if (d) usedDefaults.add(p);
              return { address, defaultServer: d };
            }),
            serverNames: s.serverNames,
            locations: s.locations.filter((l, i) => {
              const key = l.modifier === '~' || l.modifier === '~*' ? `regex ${i}` : `${l.modifier === '=' ? '=' : 'p'} ${l.path}`;
              if (seen.has(key)) return false;
              seen.add(key);
              return true;
            }),
          };
        }),
      };
    });
});
