// Seeded random parity scenarios: location trees and request URIs (and targets with odd bytes),
// server names and Host headers, proxy_set_header lists and request headers, WebSocket handshakes,
// upstream responses, balancing over live and failing peers. Each seed is one model and its requests,
// sent to real nginx (the exported config) and to the engine like any scenario. A fixed set of
// seeds runs in the suite; `node --import tsx test/parity/explore.ts MODE FROM TO N` runs more.
// Raw non-ASCII bytes in a request target are left out: node's parser refuses them (400) where
// nginx takes them (see the README's list of differences).
import type { Scenario, ParityRequest } from './harness.ts';

/** mulberry32: the same sequence everywhere for a seed. */
function rng(seed: number) {
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
const SEGS = ['a', 'b', 'ab', 'A', 'B', '%61', '%41', '.', '..', '%2e', '%2E%2e', '', '%2F', 'x.png', 'X.PNG', 'y.js', '%20', '~u', 'c', 'x', '123', 'a.b', '%2e%2e', '..%2f', '%252F', '%C3%A9', '+', ';p', 'a%3Fb'];

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

/** Two locations to upstream "u": PREFIX0/ with proxy_http_version 1.0, PREFIX1/ with 1.1. */
function twoVersions(prefix: string): Scenario['model'] {
  return ({ up, listen }) => ({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [0, 1].map((i) => ({ path: `${prefix}${i}/`, proxyPass: `http://127.0.0.1:${up.u}`, proxyHttpVersion: i ? '1.1' as const : '1.0' as const })) }],
  });
}

/** Upstream responses of every kind (status, header lines, body framing) through locations with proxy_http_version 1.0 and 1.1, for HEAD and GET clients on HTTP/1.0 and 1.1. */
export function responseScenario(seed: number, nReq: number): Scenario {
  const r = rng(seed);
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) {
    requests.push({ path: `/r${r(2)}/resp/${seed * 1000 + i}`, method: r(5) ? 'GET' : 'HEAD', host: r(4) ? 'h.test' : null });
  }
  return {
    name: `random upstream responses seed ${seed}`,
    upstreams: ['u'],
    model: twoVersions('/r'),
    requests,
    compare: ['<'],
  };
}

const EXOTIC = ['%00', '%', '%zz', '%2', '%7f', '%0a', '%0D%0A', '%25', '%5C', '\\', '*', '@', ':', "!$&'()*+,;=", '%3B', '<', '>', '"', '{', '}', '|', '^', '`', '[', ']', '%5B', 'a b', '\t', '%09', '%2e.', '.%2e', '...', '.a', 'a.', '%u0041'];
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

const NEXT_UPSTREAM: string[][] = [['error', 'timeout'], ['error', 'timeout'], ['error', 'timeout', 'invalid_header'], ['off'], ['error', 'timeout', 'http_500', 'http_502', 'http_503'], ['error', 'http_503', 'non_idempotent']];
/** An upstream group of live, refusing, closing and garbling peers with random weights, flags and failure settings, under each balancing method but random; sequential requests from several client addresses. */
export function balancerScenario(seed: number, nReq: number): Scenario {
  const r = rng(seed);
  const methods = [{ type: 'round_robin' }, { type: 'least_conn' }, { type: 'ip_hash' }, { type: 'hash', key: '$arg_k' }, { type: 'hash', key: '$arg_k', consistent: true }] as const;
  const method = methods[r(methods.length)]!;
  const backupOk = method.type === 'round_robin' || method.type === 'least_conn';
  const kinds = Array.from({ length: 2 + r(4) }, () => ['live', 'live', 'live', 'dead', 'closes', 'bad'][r(6)]!);
  const servers = kinds.map((kind, i) => ({ kind, i, weight: 1 + r(4), maxFails: r(4), backup: backupOk && i > 0 && r(4) === 0, down: r(8) === 0 }));
  if (servers.every((x) => x.backup || x.down)) servers[0]!.down = false;
  const nextUpstream = NEXT_UPSTREAM[r(NEXT_UPSTREAM.length)]!;
  const tries = [0, 0, 1, 2][r(4)]!;
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) {
    const path = `/${r(5) ? 'p' : 'status/503'}?k=${r(20)}`;
    requests.push({ path, method: r(6) ? 'GET' : 'POST', body: undefined, from: `127.0.0.${1 + r(5)}` });
  }
  return {
    name: `random balancing seed ${seed} (${method.type}${'consistent' in method ? ' consistent' : ''})`,
    upstreams: servers.map((x) => `s${x.i}`),
    model: ({ up, dead, closes, badHeader, listen }) => ({
      schemaVersion: 1,
      upstreams: [{
        name: 'pool',
        method: method as never,
        servers: servers.map((x) => ({
          address: `127.0.0.1:${x.kind === 'live' ? up[`s${x.i}`] : x.kind === 'dead' ? dead : x.kind === 'closes' ? closes : badHeader}`,
          weight: x.weight, maxFails: x.maxFails, backup: x.backup, down: x.down,
        })),
      }],
      servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [{ path: '/', proxyPass: 'http://pool', proxyNextUpstream: nextUpstream as never, proxyNextUpstreamTries: tries }] }],
    }),
    requests,
    compare: [],
  };
}

/** Request bodies: chunked (random chunk sizes, extensions, trailers) and with Content-Length, for methods with and without bodies, around client_max_body_size. */
export function bodyScenario(seed: number, nReq: number): Scenario {
  const r = rng(seed);
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) {
    const big = r(10) === 0;
    const len = big ? 1024 * 1024 - 2 + r(5) : r(300);
    const body = 'x'.repeat(len);
    const method = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE', 'OPTIONS'][r(6)]!;
    const chunks = r(2) ? { sizes: Array.from({ length: r(4) }, () => 1 + r(60)), ext: r(4) ? undefined : ';name=v', trailer: r(3) ? undefined : ['X-Trailer: t'] } : undefined;
    requests.push({ path: `/b${r(2)}/p`, method, body, chunks, host: chunks || r(5) ? 'h.test' : null });
  }
  return {
    name: `random request bodies seed ${seed}`,
    upstreams: ['u'],
    model: twoVersions('/b'),
    requests,
    compare: ['*', 'body'],
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

/** Requests on one client connection, pipelined: good ones, 404s, bodies, HEAD, Expect, bad heads that end the connection, Connection: close, HTTP/1.0 with and without keep-alive. */
export function keepaliveScenario(seed: number, nReq: number): Scenario {
  const r = rng(seed);
  const one = (): { raw: string; method: string } => {
    const k = r(14);
    const host = 'Host: h.test\r\n';
    switch (k) {
      case 0: return { raw: `GET /nowhere HTTP/1.1\r\n${host}\r\n`, method: 'GET' };
      case 1: return { raw: `POST /k/post HTTP/1.1\r\n${host}Content-Length: 5\r\n\r\nhello`, method: 'POST' };
      case 2: return { raw: `HEAD /k/head HTTP/1.1\r\n${host}\r\n`, method: 'HEAD' };
      case 3: return { raw: `GET /k/dup HTTP/1.1\r\n${host}${host}\r\n`, method: 'GET' };
      case 4: return { raw: `GET /k/close HTTP/1.1\r\n${host}Connection: close\r\n\r\n`, method: 'GET' };
      case 5: return { raw: 'GET /k/ten HTTP/1.0\r\n\r\n', method: 'GET' };
      case 6: return { raw: 'GET /k/tenka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', method: 'GET' };
      case 7: return { raw: `POST /k/chunked HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, method: 'POST' };
      case 8: return { raw: `GET /k/expect HTTP/1.1\r\n${host}Expect: 100-continue\r\n\r\n`, method: 'GET' };
      case 9: return { raw: `TRACE /k/trace HTTP/1.1\r\n${host}\r\n`, method: 'TRACE' };
      case 10: return { raw: `GET /k/redir/self HTTP/1.1\r\n${host}\r\n`, method: 'GET' };
      case 11: return { raw: `GET /k HTTP/1.1\r\n${host}\r\n`, method: 'GET' };
      case 12: return { raw: `GET /k/status/503 HTTP/1.1\r\n${host}\r\n`, method: 'GET' };
      default: return { raw: `GET /k/ok${r(100)} HTTP/1.1\r\n${host}\r\n`, method: 'GET' };
    }
  };
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) {
    const parts = Array.from({ length: 2 + r(4) }, one);
    requests.push({ path: '(pipeline)', pipeline: { raw: parts.map((x) => x.raw).join(''), methods: parts.map((x) => x.method) } });
  }
  return {
    name: `random pipelined keep-alive connections seed ${seed}`,
    upstreams: ['u'],
    model: ({ up, listen }) => ({
      schemaVersion: 1,
      servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [{ path: '/k/', proxyPass: `http://127.0.0.1:${up.u}` }] }],
    }),
    requests,
    compare: [],
  };
}

/** balancerScenario's groups with the websocket switch on, and WebSocket handshakes among the requests (retries of an upgrade). */
export function wsBalancerScenario(seed: number, nReq: number): Scenario {
  const base = balancerScenario(seed, nReq);
  const r = rng(seed * 31);
  return {
    ...base,
    name: `${base.name} with WebSocket handshakes`,
    requests: base.requests.map((q) => (q.method === 'GET' && r(2) ? { path: q.path, ws: true, from: q.from } : q)),
    model: (env) => {
      const m = base.model(env);
      for (const l of m.servers![0]!.locations!) l.websocket = true;
      return m;
    },
  };
}

/** One upstream answer built from pieces, as bytes: status line, header lines, body framing right or wrong, or cut short. */
function rawAnswer(r: (n: number) => number): string {
  const status = ['HTTP/1.1 200 OK', 'HTTP/1.0 200 OK', 'HTTP/1.1 404 Not Found', 'HTTP/1.1 204 No Content', 'HTTP/1.1 304 Not Modified', 'HTTP/1.1 200', 'HTTP/1.1 299 Odd', 'HTTP/1.1 503 Busy', 'HTTP/1.1 302 Found'][r(9)]!; // (not a 1xx first: nginx 1.22 takes it for the answer, see the README)
  const lines: string[] = [];
  for (let i = r(4); i > 0; i--) lines.push(['X-A: 1', 'Content-Type: text/plain', 'Connection: close', 'Connection: keep-alive', 'Set-Cookie: s=1', 'X-Empty:', 'X-Spaces:   padded   ', 'Cache-Control: no-store'][r(8)]!);
  const body = 'b'.repeat(r(30));
  const framing = r(6);
  let tail = '';
  if (framing === 0) lines.push(`Content-Length: ${body.length}`), (tail = body);
  else if (framing === 1) lines.push(`Content-Length: ${body.length + 5}`), (tail = body); // cut short
  else if (framing === 2) lines.push(`Content-Length: ${body.length}`), (tail = `${body}extra`); // more than said
  else if (framing === 3) lines.push('Transfer-Encoding: chunked'), (tail = body ? `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n` : '0\r\n\r\n');
  else if (framing === 4) lines.push('Transfer-Encoding: chunked'), (tail = `${(body.length + 3).toString(16)}\r\n${body}`); // chunk cut short
  else tail = body; // ends with the connection
  return `${status}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n${tail}`;
}

/** Upstream answers as raw bytes (framing right, cut short, too long; 1xx first; no reason phrase), through HTTP/1.0 and 1.1 locations, GET and HEAD. */
export function wireScenario(seed: number, nReq: number): Scenario {
  const r = rng(seed);
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) requests.push({ path: `/w${r(2)}/raw/${Buffer.from(rawAnswer(r), 'latin1').toString('hex')}`, method: r(5) ? 'GET' : 'HEAD' });
  return {
    name: `random raw upstream answers seed ${seed}`,
    upstreams: [],
    model: ({ raw, listen }) => ({
      schemaVersion: 1,
      servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [0, 1].map((i) => ({ path: `/w${i}/`, proxyPass: `http://127.0.0.1:${raw}`, proxyHttpVersion: i ? '1.1' as const : '1.0' as const })) }],
    }),
    requests,
    compare: ['<'],
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
const ARGS = ['q=1', 'Q=2', 'q=', 'q', 'a_b=3', 'x=%41%20', 'x=a+b', 'q=1&q=2', '&&q=3', 'x=é', 'Q=%00'];
const COOKIES = ['a=1', 'a=1; B=2', 'B=2;a=3', 'a_b=x', ' a = 4 ', 'a=1;a=2', 'c=5', 'a="q"'];
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

const HASH_KEYS = ['$remote_addr', '$request_uri', '$uri', '$http_x_user', '$cookie_sid', '$arg_k$arg_j', '${host}-$uri', 'static', '$request_method$args', '$http_host', '$scheme://$host$request_uri'];
/** hash and hash consistent with random keys over live and refusing peers with random weights, against requests that vary what the keys read. */
export function hashScenario(seed: number, nReq: number): Scenario {
  const r = rng(seed);
  const key = HASH_KEYS[r(HASH_KEYS.length)]!;
  const consistent = r(2) === 1;
  const servers = Array.from({ length: 2 + r(4) }, (_, i) => ({ i, live: r(5) !== 0 || i === 0, weight: 1 + r(5) }));
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) {
    const headers: Array<[string, string]> = [];
    if (r(2)) headers.push(['X-User', `u${r(6)}`]);
    if (r(2)) headers.push(['Cookie', `sid=${r(6)}`]);
    requests.push({ path: `/${['a', 'b/c', 'd%20e', 'f'][r(4)]}${r(2) ? `?k=${r(5)}&j=${r(3)}` : ''}`, headers, from: `127.0.0.${1 + r(6)}`, host: ['h.test', 'H.test:80', 'x.test'][r(3)], method: r(4) ? 'GET' : 'HEAD' });
  }
  return {
    name: `random hash keys seed ${seed} (hash ${key}${consistent ? ' consistent' : ''})`,
    upstreams: servers.map((x) => `s${x.i}`),
    model: ({ up, dead, listen }) => ({
      schemaVersion: 1,
      upstreams: [{ name: 'pool', method: { type: 'hash', key, consistent }, servers: servers.map((x) => ({ address: `127.0.0.1:${x.live ? up[`s${x.i}`] : dead}`, weight: x.weight, maxFails: 0 })) }],
      servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [{ path: '/', proxyPass: 'http://pool' }] }],
    }),
    requests,
    compare: [],
  };
}

/** Groups of fast, slow (the /slow/ path waits 1.5 s), black-holed and refusing peers, with short connect and read timeouts, timeout in proxy_next_upstream or not; GET and POST. */
export function timeoutScenario(seed: number, nReq: number): Scenario {
  const r = rng(seed);
  const kinds = Array.from({ length: 2 + r(3) }, () => ['live', 'live', 'hole', 'dead'][r(4)]!);
  const maxFails = kinds.map(() => r(3));
  const next = [['error', 'timeout'], ['error'], ['error', 'timeout', 'non_idempotent'], ['timeout']][r(4)]!;
  const connect = ['100ms', '200ms'][r(2)]!;
  const read = ['300ms', '600ms'][r(2)]!;
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) requests.push({ path: r(3) ? `/p${i}` : `/slow/p${i}`, method: r(4) ? 'GET' : 'POST', body: undefined });
  return {
    name: `random timeouts seed ${seed} (${kinds.join(',')}; ${next.join(' ')}; connect ${connect}, read ${read})`,
    upstreams: kinds.map((_, i) => `t${i}`),
    model: ({ up, hole, dead, listen }) => ({
      schemaVersion: 1,
      upstreams: [{ name: 'pool', servers: kinds.map((k, i) => ({ address: `127.0.0.1:${k === 'live' ? up[`t${i}`] : k === 'hole' ? hole : dead}`, maxFails: maxFails[i] })) }],
      servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [{ path: '/', proxyPass: 'http://pool', proxyConnectTimeout: connect, proxyReadTimeout: read, proxyNextUpstream: next as never }] }],
    }),
    requests,
    compare: [],
  };
}

export const MODES = { tmo: timeoutScenario, hash: hashScenario, var: variableScenario, abs: absoluteScenario, wire: wireScenario, wsbal: wsBalancerScenario, ka: keepaliveScenario, xa: accelScenario, body: bodyScenario, bal: balancerScenario, uri: uriScenario, loc: locationScenario, host: hostScenario, hdr: headerScenario, ws: wsScenario, resp: responseScenario } as const;

/** The seeds the suite runs (most found differences before the fixes they came with). */
export const randomScenarios: Scenario[] = [
  ...[1, 2, 3].map((seed) => locationScenario(seed, 60)),
  ...[4, 8, 12].map((seed) => hostScenario(seed, 40)),
  ...[1, 2, 4].map((seed) => headerScenario(seed, 40)),
  ...[1, 2].map((seed) => wsScenario(seed, 25)),
  ...[4, 7, 12].map((seed) => responseScenario(seed, 40)),
  ...[1, 2].map((seed) => uriScenario(seed, 50)),
  ...[1, 2, 3, 4].map((seed) => balancerScenario(seed, 30)),
  ...[1, 2].map((seed) => bodyScenario(seed, 20)),
  ...[3, 6].map((seed) => accelScenario(seed, 40)),
  ...[1, 3].map((seed) => keepaliveScenario(seed, 15)),
  ...[2, 5].map((seed) => wsBalancerScenario(seed, 30)),
  ...[1, 2].map((seed) => wireScenario(seed, 30)),
  ...[1, 2].map((seed) => absoluteScenario(seed, 30)),
  ...[1, 2].map((seed) => variableScenario(seed, 30)),
  ...[1, 2, 3].map((seed) => hashScenario(seed, 20)),
  ...[1, 3].map((seed) => timeoutScenario(seed, 10)),
];
