// Seeded random parity scenarios, request side: location trees and request URIs (and targets with
// odd bytes, absolute-form targets, X-Accel-Redirect targets), server names and Host headers,
// proxy_set_header lists and variables against request headers, WebSocket handshakes. Raw non-ASCII
// bytes in a request target are left out: node's parser refuses them (400) where nginx takes them
// (see the README's list of differences). The index is random-scenarios.ts.
import type { Scenario, ParityRequest } from './harness.ts';

/** mulberry32: the same sequence everywhere for a seed. */
export function rng(seed: number) {
  return (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}
const PREFIX = ['/', '/a', '/a/', '/a/b', '/a/b/', '/ab', '/b/', '/a.b/', '/~u/', '/a/b/c', '/A/', '/b'];
const REGEX = ['\\.png$', '^/a/.+', '/b/?$', '^/A', '[0-9]+$', '\\.(css|js)$', '^/a/b/c$', '^/(a|b)/x', '/$'];
const URIS = ['', '', '/', '/x/', '/x', '/x/y/'];
export const SEGS = ['a', 'b', 'ab', 'A', 'B', '%61', '%41', '.', '..', '%2e', '%2E%2e', '', '%2F', 'x.png', 'X.PNG', 'y.js', '%20', '~u', 'c', 'x', '123', 'a.b', '%2e%2e', '..%2f', '%252F', '%C3%A9', '+', ';p', 'a%3Fb'];

/** Prefix, exact, ^~ and regex locations, each to its own upstream (with and without a URI part), and URIs from odd segments. */
export function locationScenario(seed: number, nReq: number): Scenario {
  const r = rng(seed);
  const nLoc = 3 + r(6);
  const locs: Array<{ modifier: string; path: string; uri: string }> = [];
  const seen = new Set<string>();
  while (locs.length < nLoc) {
    const k = r(10);
    const modifier = k < 4 ? '' : k < 5 ? '=' : k < 7 ? '^~' : k < 9 ? '~' : '~*';
    const regex = modifier.startsWith('~');
    const path = regex ? REGEX[r(REGEX.length)]! : PREFIX[r(PREFIX.length)]!;
    const key = `${modifier === '=' ? '=' : regex ? modifier : 'p'} ${path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    locs.push({ modifier, path, uri: regex ? '' : URIS[r(URIS.length)]! });
  }
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) {
    const n = 1 + r(4);
    let p = '';
    for (let j = 0; j < n; j++) p += `/${SEGS[r(SEGS.length)]}`;
    if (r(4) === 0) p += '/';
    if (r(5) === 0) p += `?q=${SEGS[r(SEGS.length)]}`;
    if (r(12) === 0) p = p.replace(/^\//, '//');
    requests.push({ path: p });
  }
  return {
    name: `random locations seed ${seed}`,
    upstreams: locs.map((_, i) => `l${i}`),
    model: ({ up, listen }) => ({
      schemaVersion: 1,
      servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: locs.map((l, i) => ({ modifier: l.modifier as never, path: l.path, proxyPass: `http://127.0.0.1:${up[`l${i}`]}${l.uri}` })) }],
    }),
    requests,
    compare: [],
  };
}



const NAMES = ['a.test', 'www.a.test', '*.a.test', 'a.*', '.b.test', '~^(?<sub>.+)\\.c\\.test$', '~^API\\.', '', '_', 'localhost', '127.0.0.1', '*.x.a.test', 'www.*', '~\\d+'];
const HOSTS = ['a.test', 'A.TEST', 'a.test.', 'a.test:8080', 'x.a.test', 'www.a.test', 'b.test', 'z.b.test', 'api.x', 'API.y', 'q.c.test', 'c.test', '127.0.0.1', '127.0.0.1:80', '[::1]', '[::1]:8', 'localhost', 'a..test', 'a.test:abc', '', 'www.q', 'y.x.a.test', 'a.test..', '.a.test', 'a_b.test', 'a.test:', '9.test', 'A.Test:1'];
/** Servers on one listen socket with random server_name lists (and default_server), and Host headers valid and not. */
export function hostScenario(seed: number, nReq: number): Scenario {
  const r = rng(seed);
  const nSrv = 2 + r(4);
  const dflt = r(2) ? r(nSrv) : -1;
  const servers = Array.from({ length: nSrv }, (_, i) => {
    const names = new Set<string>();
    const k = r(3);
    for (let j = 0; j < k; j++) names.add(NAMES[r(NAMES.length)]!);
    return { names: [...names], mode: r(3) };
  });
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) requests.push(r(15) === 0 ? { path: '/', host: null } : { path: '/p', host: HOSTS[r(HOSTS.length)]! });
  return {
    name: `random hosts seed ${seed}`,
    upstreams: servers.map((_, i) => `s${i}`),
    model: ({ up, listen }) => ({
      schemaVersion: 1,
      servers: servers.map((s, i) => ({
        listen: [{ address: `127.0.0.1:${listen}`, defaultServer: i === dflt }],
        serverNames: s.names,
        locations: [{ path: '/', proxyPass: `http://127.0.0.1:${up[`s${i}`]}`, proxySetHeader: s.mode === 0 ? [] : [{ name: 'Host', value: s.mode === 1 ? '$host' : '$http_host' }] }],
      })),
    }),
    requests,
    compare: ['host'],
  };
}



const IN_HEADERS: Array<[string, string]> = [['X-Forwarded-For', '10.0.0.1'], ['X-Forwarded-For', '1.1.1.1, 2.2.2.2'], ['X_Under', 'u'], ['Keep-Alive', '300'], ['TE', 'trailers'], ['Proxy-Connection', 'keep-alive'], ['Upgrade', 'h2c'], ['Connection', 'Upgrade'], ['Connection', 'close, X-Drop'], ['X-Drop', 'd'], ['Accept', '*/*'], ['accept', 'text/html'], ['X-Empty', ''], ['Cookie', 'a=1'], ['Cookie', 'b=2'], ['X-In', 'v1'], ['X-In', 'v2'], ['Expect', '100-continue'], ['Host', 'second.test'], ['X-Real-IP', '9.9.9.9'], ['Via', '1.1 x'], ['Authorization', 'Bearer t'], ['If-Modified-Since', 'Wed, 21 Oct 2015 07:28:00 GMT'], ['Range', 'bytes=0-1'], ['Content-Type', 'text/plain'], ['Date', 'x'], ['Server', 'y'], ['Trailer', 'X-T'], ['X-Forwarded-Host', 'fh'], ['X-Forwarded-Proto', 'https']];
const SET_HEADERS: Array<[string, string]> = [['Host', '$host'], ['Host', '$http_host'], ['Host', '$proxy_host'], ['Host', 'fixed.test'], ['X-Forwarded-For', '$proxy_add_x_forwarded_for'], ['X-Real-IP', '$remote_addr'], ['Connection', ''], ['Connection', 'keep-alive'], ['Upgrade', '$http_upgrade'], ['X-In', ''], ['X-In', '$http_x_in'], ['Accept', ''], ['X-Uri', '$request_uri|$uri|$args|$is_args'], ['X-Srv', '$server_name'], ['X-Cookie', '$cookie_a/$cookie_b'], ['X-Scheme', '$scheme'], ['Keep-Alive', '$http_keep_alive'], ['X-Ver', '$proxy_host:$proxy_port'], ['Cookie', ''], ['X-Args', '$arg_q$arg_Q'], ['TE', '$http_te'], ['X-Empty-Var', '$http_x_nothing']];
/** Locations with random proxy_set_header lists (HTTP/1.0 and 1.1, with the websocket switch or not), and requests with random header lines. */
export function headerScenario(seed: number, nReq: number): Scenario {
  const r = rng(seed);
  const nLoc = 3;
  const locs = Array.from({ length: nLoc }, () => {
    const set = new Map<string, string>();
    const k = r(6);
    for (let j = 0; j < k; j++) { const [n, v] = SET_HEADERS[r(SET_HEADERS.length)]!; set.set(n, v); }
    const ws = r(3) === 0;
    if (ws) { set.delete('Connection'); set.delete('Upgrade'); }
    return { set: [...set], ver: ws || r(2) ? '1.1' : '1.0', ws };
  });
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) {
    const headers: Array<[string, string]> = [];
    const k = r(7);
    for (let j = 0; j < k; j++) headers.push(IN_HEADERS[r(IN_HEADERS.length)]!);
    const method = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'][r(6)]!;
    const body = method === 'POST' || method === 'PUT' ? (r(2) ? 'x'.repeat(r(20)) : undefined) : undefined;
    requests.push({ path: `/l${r(nLoc)}/p${r(3) ? '?q=1&Q=2' : ''}`, method, headers, body, host: r(8) ? 'h.test' : r(2) ? null : 'H.Test:81' });
  }
  return {
    name: `random headers seed ${seed}`,
    upstreams: ['u'],
    model: ({ up, listen }) => ({
      schemaVersion: 1,
      servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], serverNames: ['srv.test'], locations: locs.map((l, i) => ({ path: `/l${i}/`, proxyPass: `http://127.0.0.1:${up.u}`, proxyHttpVersion: l.ver as never, websocket: l.ws, proxySetHeader: l.set.map(([name, value]) => ({ name, value })) })) }],
    }),
    requests,
    compare: ['*'],
  };
}


const WS_HEADERS: Array<[string, string]> = [['Origin', 'http://o.test'], ['Sec-WebSocket-Protocol', 'chat, superchat'], ['Sec-WebSocket-Protocol', 'v1'], ['Cookie', 'a=1'], ['X-Forwarded-For', '10.0.0.1'], ['User-Agent', 'fuzz'], ['X-In', 'v1'], ['Authorization', 'Bearer t'], ['Pragma', 'no-cache'], ['Cache-Control', 'no-cache'], ['Accept-Encoding', 'gzip']];
const WS_SET: Array<[string, string]> = [['Host', '$host'], ['Host', '$http_host'], ['X-Forwarded-For', '$proxy_add_x_forwarded_for'], ['X-Real-IP', '$remote_addr'], ['Origin', ''], ['X-Proto', '$http_sec_websocket_protocol'], ['Cookie', ''], ['X-Uri', '$request_uri'], ['Sec-WebSocket-Protocol', 'forced']];
/** WebSocket handshakes through locations with and without the websocket switch, random handshake headers and proxy_set_header lists. */
export function wsScenario(seed: number, nReq: number): Scenario {
  const r = rng(seed);
  const locs = Array.from({ length: 3 }, () => {
    const set = new Map<string, string>();
    const k = r(4);
    for (let j = 0; j < k; j++) { const [n, v] = WS_SET[r(WS_SET.length)]!; set.set(n, v); }
    const ws = r(4) !== 0;
    return { set: [...set], ws, ver: ws || r(2) ? '1.1' : '1.0', uri: URIS[r(URIS.length)]! };
  });
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) {
    const headers: Record<string, string> = {};
    const k = r(4);
    for (let j = 0; j < k; j++) { const [n, v] = WS_HEADERS[r(WS_HEADERS.length)]!; headers[n] = v; }
    requests.push({ path: `/w${r(3)}/${SEGS[r(SEGS.length)]}${r(3) ? '' : '?q=1'}`, ws: true, headers, host: r(6) ? 'h.test' : 'H.Test:99' });
  }
  return {
    name: `random websocket handshakes seed ${seed}`,
    upstreams: ['u'],
    model: ({ up, listen }) => ({
      schemaVersion: 1,
      servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: locs.map((l, i) => ({ path: `/w${i}/`, proxyPass: `http://127.0.0.1:${up.u}${l.uri}`, websocket: l.ws, proxyHttpVersion: l.ver as never, proxySetHeader: l.set.map(([name, value]) => ({ name, value })) })) }],
    }),
    requests,
    compare: ['*'],
  };
}

export const EXOTIC = ['%00', '%', '%zz', '%2', '%7f', '%0a', '%0D%0A', '%25', '%5C', '\\', '*', '@', ':', "!$&'()*+,;=", '%3B', '<', '>', '"', '{', '}', '|', '^', '`', '[', ']', '%5B', 'a b', '\t', '%09', '%2e.', '.%2e', '...', '.a', 'a.', '%u0041'];
/** Location trees as in locationScenario, against targets with bytes and escapes at the edge of what a request line may hold, and absolute-form targets. */
export function uriScenario(seed: number, nReq: number): Scenario {
  const base = locationScenario(seed, 0);
  const r = rng(seed * 7919);
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) {
    const n = 1 + r(3);
    let p = '';
    for (let j = 0; j < n; j++) p += `/${r(2) ? EXOTIC[r(EXOTIC.length)] : SEGS[r(SEGS.length)]}`;
    if (r(5) === 0) p += `?${EXOTIC[r(EXOTIC.length)]}`;
    if (r(8) === 0) p = `http://${r(2) ? 'h.test' : 'Other.Test:81'}${p}`;
    requests.push({ path: p, host: 'h.test' });
  }
  return {
    ...base,
    name: `random request targets seed ${seed}`,
    requests,
    // with a "location /" (to its own upstream) when the tree has none, so that most targets are proxied
    upstreams: [...base.upstreams, 'root'],
    model: (env) => {
      const m = base.model(env);
      const locations = m.servers![0]!.locations!;
      if (!locations.some((l) => l.path === '/' && ['', '^~'].includes(l.modifier ?? ''))) locations.push({ path: '/', proxyPass: `http://127.0.0.1:${env.up.root}` });
      return m;
    },
  };
}

/** Location trees as in locationScenario, reached by X-Accel-Redirect answers naming odd targets (an upstream behind "^~ /xa/" answers each). */
export function accelScenario(seed: number, nReq: number): Scenario {
  const base = uriScenario(seed, nReq);
  return {
    ...base,
    name: `random X-Accel-Redirect targets seed ${seed}`,
    // (without tabs: node trims them off the ends of a header value, nginx keeps them)
    requests: base.requests.map((q) => ({ path: `/xa/xaccel?to=${encodeURIComponent(q.path.replace(/^http:\/\/[^/]*/, '').replace(/\t|%09/g, ''))}`, method: q.method, host: q.host })),
    upstreams: [...base.upstreams, 'xa'],
    model: (env) => {
      const m = base.model(env);
      m.servers![0]!.locations!.push({ modifier: '^~', path: '/xa/', proxyPass: `http://127.0.0.1:${env.up.xa}` });
      return m;
    },
    compare: ['*', '<', 'body'],
  };
}

/** hostScenario's servers, with absolute-form targets ("GET http://name/p") beside or against the Host header. */
export function absoluteScenario(seed: number, nReq: number): Scenario {
  const base = hostScenario(seed, nReq);
  const r = rng(seed * 17);
  const names = ['a.test', 'www.a.test', 'x.a.test', 'b.test', 'API.x', 'q.c.test', 'localhost', '127.0.0.1', 'A.TEST:81', 'a.test.', 'other.test', '[::1]'];
  return {
    ...base,
    name: `random absolute-form targets seed ${seed}`,
    requests: base.requests.map((q) => ({ ...q, path: `http://${names[r(names.length)]}/p${r(3) ? '' : '?x=1'}` })),
  };
}

const VARS = ['host', 'http_host', 'proxy_host', 'proxy_port', 'server_name', 'server_protocol', 'scheme', 'request_uri', 'uri', 'document_uri', 'args', 'query_string', 'is_args', 'request_method', 'http_upgrade', 'connection_upgrade', 'http_x_in', 'http_cookie', 'cookie_a', 'cookie_B', 'cookie_a_b', 'arg_q', 'arg_Q', 'arg_a_b', 'arg_x', 'http_user_agent', 'server_addr', 'remote_addr', 'proxy_add_x_forwarded_for', 'http_x_forwarded_for'];
export const ARGS = ['q=1', 'Q=2', 'q=', 'q', 'a_b=3', 'x=%41%20', 'x=a+b', 'q=1&q=2', '&&q=3', 'x=é', 'Q=%00'];
export const COOKIES = ['a=1', 'a=1; B=2', 'B=2;a=3', 'a_b=x', ' a = 4 ', 'a=1;a=2', 'c=5', 'a="q"'];
/** proxy_set_header values made of variables (both forms) and literals, against requests with random args, cookies and headers (the values the upstream got). */
export function variableScenario(seed: number, nReq: number): Scenario {
  const r = rng(seed);
  const value = () => Array.from({ length: 1 + r(3) }, () => { const v = VARS[r(VARS.length)]!; return [`$${v}`, `\${${v}}`, `<${v}>`, `$${v}-`][r(4)]!; }).join(r(2) ? '|' : '');
  const locs = Array.from({ length: 2 }, () => ({ ws: r(3) === 0, set: [{ name: 'X-V1', value: value() }, { name: 'X-V2', value: value() }] }));
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) {
    const headers: Array<[string, string]> = [];
    if (r(2)) headers.push(['Cookie', COOKIES[r(COOKIES.length)]!]);
    if (r(4) === 0) headers.push(['Cookie', COOKIES[r(COOKIES.length)]!]);
    if (r(3) === 0) headers.push(['X-In', r(2) ? 'v' : '']);
    if (r(3) === 0) headers.push(['X-Forwarded-For', '10.1.1.1']);
    if (r(4) === 0) headers.push(['User-Agent', 'ua/1']);
    if (r(5) === 0) headers.push(['Upgrade', 'websocket']);
    const args = r(2) ? `?${Array.from({ length: 1 + r(2) }, () => ARGS[r(ARGS.length)]!).join('&')}` : r(6) ? '' : '?';
    requests.push({ path: `/v${r(2)}/${['p', 'a/../p', '%70', 'p//q'][r(4)]}${args}`, headers, host: [`h.test`, 'H.test:8080', null][r(3)]!, method: ['GET', 'POST', 'HEAD'][r(3)] });
  }
  return {
    name: `random variables in proxy_set_header seed ${seed}`,
    upstreams: ['u'],
    model: ({ up, listen }) => ({
      schemaVersion: 1,
      servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], serverNames: ['srv.test', '*.wild'], locations: locs.map((l, i) => ({ path: `/v${i}/`, proxyPass: `http://127.0.0.1:${up.u}`, websocket: l.ws, proxySetHeader: l.set })) }],
    }),
    requests,
    compare: ['x-v1', 'x-v2'],
  };
}

