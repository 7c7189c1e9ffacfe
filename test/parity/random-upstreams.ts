// Seeded random parity scenarios, upstream side: answers of every kind (and as raw bytes), balancing
// over live and failing peers (also with WebSocket handshakes), hash keys, timeouts, request bodies,
// pipelined keep-alive connections. The index is random-scenarios.ts.
import type { Scenario, ParityRequest } from './harness.ts';
import { rng } from './random-requests.ts';

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

