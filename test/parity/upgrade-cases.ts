// The upgrade handshakes upgrade-explore.ts sends through nginx and the engine: client requests
// (versions, Upgrade and Connection spellings, keys, bodies, early frames, pipelining, odd targets
// and methods) against scripted upstream answers (101s of every shape, refusals, interim answers,
// closes), on routes with and without the websocket switch and its hand-written variants.
import type { ConfigInput } from '../../app/config/schema.ts';
import type { UpstreamScript } from './upgrade-wire.ts';

const ROUTES = ['ws', 'plain', 'v11', 'lit', 'kaws', 'h10u'] as const;
type Route = (typeof ROUTES)[number];

export function model(up: number, listen: number): ConfigInput {
  const at = `http://127.0.0.1:${up}`;
  return {
    schemaVersion: 1,
    upstreams: [{ name: 'grp', keepalive: 4, servers: [{ address: `127.0.0.1:${up}` }] }],
    servers: [{
      listen: [{ address: `127.0.0.1:${listen}` }],
      serverNames: ['up.test'],
      locations: [
        { path: '/ws/', proxyPass: at, websocket: true },
        { path: '/plain/', proxyPass: at },
        { path: '/v11/', proxyPass: at, proxyHttpVersion: '1.1' },
        { path: '/lit/', proxyPass: at, proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Upgrade', value: '$http_upgrade' }, { name: 'Connection', value: 'upgrade' }] },
        { path: '/kaws/', proxyPass: 'http://grp', websocket: true },
        { path: '/kaplain/', proxyPass: 'http://grp', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] },
        { path: '/h10u/', proxyPass: at, proxySetHeader: [{ name: 'Upgrade', value: '$http_upgrade' }, { name: 'Connection', value: '$connection_upgrade' }] },
      ],
    }],
  };
}

export const KEY = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==';
/** A masked text frame "hi" (mask 0) and its echo, as bytes. */
export const FRAME = '\x81\x82\x00\x00\x00\x00hi';
/** A 101's status line, Upgrade: websocket and Connection: Upgrade (the head not yet ended). */
const UP101 = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n';

export const ANSWERS: Record<string, UpstreamScript> = {
  ok101: { answer: `${UP101}Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n`, then: 'echo' },
  noUpg101: { answer: 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n', then: 'echo' },
  noConn101: { answer: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n', then: 'echo' },
  bare101: { answer: 'HTTP/1.1 101 Switching Protocols\r\n\r\n', then: 'echo' },
  frames101: { answer: `${UP101}\r\n\x81\x05hello`, then: 'echo' },
  later101: { answer: `${UP101}\r\n`, later: '\x81\x05later', then: 'echo' },
  h10101: { answer: 'HTTP/1.0 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', then: 'echo' },
  cl101: { answer: `${UP101}Content-Length: 5\r\n\r\nabcde`, then: 'echo' },
  te101: { answer: `${UP101}Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n`, then: 'echo' },
  h2c101: { answer: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n', then: 'echo' },
  close101: { answer: `${UP101}\r\n`, then: 'close' },
  half101: { answer: `${UP101}\r\n`, then: 'halfclose' },
  cont101: { answer: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', then: 'echo' },
  hint101: { answer: 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', then: 'echo' },
  s200: { answer: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n', then: 'http' },
  s200close: { answer: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n', then: 'close' },
  s200eof: { answer: 'HTTP/1.1 200 OK\r\n\r\nto the end', then: 'close' },
  s200chunk: { answer: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', then: 'http' },
  s200nobody: { answer: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', then: 'http' },
  s400: { answer: 'HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad', then: 'http' },
  s400close: { answer: 'HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad', then: 'close' },
  s426: { answer: 'HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 4\r\n\r\nupg\n', then: 'http' },
  s426nobody: { answer: 'HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n', then: 'http' },
  s426chunk: { answer: 'HTTP/1.1 426 Upgrade Required\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nupg\n\r\n0\r\n\r\n', then: 'http' },
  s426eof: { answer: 'HTTP/1.1 426 Upgrade Required\r\nConnection: close\r\n\r\nupgrade needed', then: 'close' },
  s10_200: { answer: 'HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n', then: 'close' },
  headOnlyClose: { answer: `${UP101}`, then: 'close' },
  silentClose: { answer: '', then: 'close' },
  slow101: { answer: `${UP101}\r\n`, then: 'echo', delayMs: 1500 },
  slow426: { answer: 'HTTP/1.1 426 Upgrade Required\r\nContent-Length: 4\r\n\r\nupg\n', then: 'http', delayMs: 1500 },
  framesClose101: { answer: `${UP101}\r\n\x81\x05hello\x88\x02\x03\xe8`, then: 'close' },
  kaConn101: { answer: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\r\n', then: 'echo' },
  closeConn101: { answer: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n\r\n', then: 'echo' },
  s426ka: { answer: 'HTTP/1.1 426 Upgrade Required\r\nConnection: keep-alive\r\nContent-Length: 4\r\n\r\nupg\n', then: 'http' },
  s401www: { answer: 'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\nContent-Length: 0\r\n\r\n', then: 'http' },
  s302: { answer: 'HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:UP/ws/elsewhere\r\nContent-Length: 0\r\n\r\n', then: 'http' },
  s101to200: { answer: `${UP101}\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`, then: 'echo' },
  reset101: { answer: `${UP101}\r\n\x81\x02ab`, then: 'reset' },
  reset426: { answer: 'HTTP/1.1 426 Upgrade Required\r\nContent-Length: 100\r\n\r\npartial', then: 'reset' },
  slow101close: { answer: `${UP101}\r\n`, then: 'close', delayMs: 1500 },
  nospace101: { answer: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade:websocket\r\nConnection:upgrade\r\n\r\n', then: 'echo' },
  upperConn101: { answer: 'HTTP/1.1 101 Switching Protocols\r\nUPGRADE: WebSocket\r\nCONNECTION: UPGRADE\r\n\r\n', then: 'echo' },
  h2settings101: { answer: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade, HTTP2-Settings\r\nX-A: 1\r\nX-A: 2\r\n\r\n', then: 'echo' },
  twoUpg101: { answer: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nUpgrade: h2c\r\nConnection: upgrade\r\nConnection: keep-alive\r\n\r\n', then: 'echo' },
  emptyUpg101: { answer: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade:\r\nConnection: upgrade\r\n\r\n', then: 'echo' },
  otherUpg101: { answer: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo/2\r\nConnection: upgrade\r\n\r\n', then: 'echo' },
  split101: { answer: `${UP101}\r\n\x81\x05hello`, cuts: [3, 9, 10, 11, 12, 32, 33, 52, 53, 70, 71, 72, 73, 75], then: 'echo' },
  split426: { answer: 'HTTP/1.1 426 Upgrade Required\r\nContent-Length: 4\r\n\r\nupg\n', cuts: [9, 10, 11, 12, 13, 30, 31, 50, 51, 52, 53, 55], then: 'close' },
  split100: { answer: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 426 Nope\r\nContent-Length: 2\r\n\r\nno', cuts: [10, 13, 24, 25, 26, 35, 36, 40], then: 'close' },
  bigFrames101: { answer: `${UP101}\r\n${'\x82\x7e\x10\x00' + 'z'.repeat(4096)}${'\x81\x03end'}`, then: 'echo' },
  slowBody426: { answer: 'HTTP/1.1 426 Upgrade Required\r\nContent-Length: 8\r\nX-Accel-Buffering: no\r\n\r\nupg\n', later: 'more', laterMs: 1500, then: 'hold' },
  slowChunk426: { answer: 'HTTP/1.1 426 Upgrade Required\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nupg\n\r\n', later: '4\r\nmore\r\n0\r\n\r\n', laterMs: 1500, then: 'hold' },
  slowEof200: { answer: 'HTTP/1.1 200 OK\r\nX-Accel-Buffering: no\r\n\r\nstart', later: 'more', laterMs: 1500, then: 'hold' },
  s304: { answer: 'HTTP/1.1 304 Not Modified\r\n\r\n', then: 'http' },
  s204: { answer: 'HTTP/1.1 204 No Content\r\n\r\n', then: 'http' },
};

export interface UpgradeCase {
  name: string;
  route: Route;
  /** The upstream's script for this case's segment. */
  answer: keyof typeof ANSWERS;
  /** The client's request bytes (the segment is SEG in them). */
  bytes: string;
  /** Written once the proxy is quiet after the request: frames for the tunnel. */
  after?: string;
  halfClose?: boolean;
  /** The client resets the connection 50 ms after its bytes. */
  reset?: boolean;
  /** A request sent first on a connection of its own (fills the keepalive pool). */
  pre?: string;
  /** How long the client waits for quiet before its next step (300 ms by default). */
  quietMs?: number;
  /** How long it waits for quiet after `after` (by default `quietMs`). */
  settleMs?: number;
  /** A request sent last on a connection of its own (takes what the pool has). */
  post?: string;
}

interface Req {
  method?: string;
  version?: '1.0' | '1.1';
  target?: string;
  upgrade?: string[];
  connection?: string[];
  key?: string | null;
  wsVersion?: string | null;
  extra?: string[];
  body?: string;
  host?: string | null;
}

/** A handshake: `GET /ROUTE/SEG HTTP/1.1` with Host, Upgrade, Connection, the key and version. */
export function handshake(route: string, r: Req = {}): string {
  const lines = [`${r.method ?? 'GET'} ${r.target ?? `/${route}/SEG`} HTTP/${r.version ?? '1.1'}`];
  if (r.host !== null) lines.push(`Host: ${r.host ?? 'up.test'}`);
  for (const u of r.upgrade ?? ['websocket']) lines.push(`Upgrade: ${u}`.trimEnd());
  for (const c of r.connection ?? ['Upgrade']) lines.push(`Connection: ${c}`.trimEnd());
  if (r.key !== null) lines.push(r.key ?? KEY);
  if (r.wsVersion !== null) lines.push(`Sec-WebSocket-Version: ${r.wsVersion ?? '13'}`);
  lines.push(...(r.extra ?? []));
  return `${lines.join('\r\n')}\r\n\r\n${r.body ?? ''}`;
}

const REQUESTS: Record<string, (route: string) => { bytes: string; after?: string; halfClose?: boolean }> = {
  std: (r) => ({ bytes: handshake(r), after: FRAME }),
  v10: (r) => ({ bytes: handshake(r, { version: '1.0' }), after: FRAME }),
  upgCase: (r) => ({ bytes: handshake(r, { upgrade: ['WebSocket'] }), after: FRAME }),
  upgList: (r) => ({ bytes: handshake(r, { upgrade: ['websocket, h2c'] }), after: FRAME }),
  upgH2c: (r) => ({ bytes: handshake(r, { upgrade: ['h2c'] }), after: FRAME }),
  upgEmpty: (r) => ({ bytes: handshake(r, { upgrade: [''] }), after: FRAME }),
  upgTwice: (r) => ({ bytes: handshake(r, { upgrade: ['websocket', 'h2c'] }), after: FRAME }),
  upgTwiceEmptyFirst: (r) => ({ bytes: handshake(r, { upgrade: ['', 'websocket'] }), after: FRAME }),
  noUpg: (r) => ({ bytes: handshake(r, { upgrade: [] }), after: FRAME }),
  connKa: (r) => ({ bytes: handshake(r, { connection: ['keep-alive, Upgrade'] }), after: FRAME }),
  connLower: (r) => ({ bytes: handshake(r, { connection: ['upgrade'] }), after: FRAME }),
  connNone: (r) => ({ bytes: handshake(r, { connection: [] }), after: FRAME }),
  connTwice: (r) => ({ bytes: handshake(r, { connection: ['keep-alive', 'Upgrade'] }), after: FRAME }),
  connClose: (r) => ({ bytes: handshake(r, { connection: ['Upgrade, close'] }), after: FRAME }),
  noKey: (r) => ({ bytes: handshake(r, { key: null }), after: FRAME }),
  oddKey: (r) => ({ bytes: handshake(r, { key: 'Sec-WebSocket-Key: !!', wsVersion: '8' }), after: FRAME }),
  noVersion: (r) => ({ bytes: handshake(r, { wsVersion: null }), after: FRAME }),
  bodyCl: (r) => ({ bytes: handshake(r, { extra: ['Content-Length: 4'], body: 'abcd' }), after: FRAME }),
  bodyChunk: (r) => ({ bytes: handshake(r, { extra: ['Transfer-Encoding: chunked'], body: '4\r\nabcd\r\n0\r\n\r\n' }), after: FRAME }),
  early: (r) => ({ bytes: handshake(r) + FRAME, after: FRAME }),
  pipelined: (r) => ({ bytes: handshake(r) + `GET /${r}/p2 HTTP/1.1\r\nHost: up.test\r\n\r\n`, after: FRAME }),
  absolute: (r) => ({ bytes: handshake(r, { target: `http://up.test/${r}/SEG` }), after: FRAME }),
  head: (r) => ({ bytes: handshake(r, { method: 'HEAD' }), after: FRAME }),
  post: (r) => ({ bytes: handshake(r, { method: 'POST', extra: ['Content-Length: 2'], body: 'xy' }), after: FRAME }),
  postNoBody: (r) => ({ bytes: handshake(r, { method: 'POST' }), after: FRAME }),
  halfClose: (r) => ({ bytes: handshake(r), after: FRAME, halfClose: true }),
  v10noHost: (r) => ({ bytes: handshake(r, { version: '1.0', host: null }), after: FRAME }),
  expect: (r) => ({ bytes: handshake(r, { extra: ['Expect: 100-continue'] }), after: FRAME }),
};

/** Every request variant on every route with a plain 101, then every answer on every route. */
export function allCases(filter?: RegExp): UpgradeCase[] {
  const out: UpgradeCase[] = [];
  for (const route of ROUTES) {
    for (const [rq, make] of Object.entries(REQUESTS)) out.push({ name: `${route} ${rq} -> ok101`, route, answer: 'ok101', ...make(route) });
    for (const a of Object.keys(ANSWERS)) {
      if (a === 'ok101') continue;
      out.push({ name: `${route} std -> ${a}`, route, answer: a, ...REQUESTS.std!(route) });
    }
  }
  // a request behind an idle keepalive connection in the pool
  for (const a of ['ok101', 's426', 's200', 'close101', 's400close']) {
    out.push({ name: `kaws std (pool filled) -> ${a}`, route: 'kaws', answer: a, pre: 'GET /kaplain/fill HTTP/1.1\r\nHost: up.test\r\nConnection: close\r\n\r\n', ...REQUESTS.std!('kaws') });
  }
  // refusals followed by the client's next request on the same connection
  for (const a of ['s426', 's400', 's200', 's426chunk', 's204', 's304']) {
    out.push({ name: `ws std + pipelined -> ${a}`, route: 'ws', answer: a, ...REQUESTS.pipelined!('ws') });
    out.push({ name: `ws std, then a GET -> ${a}`, route: 'ws', answer: a, bytes: handshake('ws'), after: 'GET /ws/p3 HTTP/1.1\r\nHost: up.test\r\n\r\n' });
  }
  for (const a of ['s426', 'ok101', 'frames101', 'cont101']) {
    out.push({ name: `ws early -> ${a}`, route: 'ws', answer: a, ...REQUESTS.early!('ws') });
    out.push({ name: `ws bodyCl -> ${a}`, route: 'ws', answer: a, ...REQUESTS.bodyCl!('ws') });
    out.push({ name: `ws v10 -> ${a}`, route: 'ws', answer: a, ...REQUESTS.v10!('ws') });
    out.push({ name: `ws head -> ${a}`, route: 'ws', answer: a, ...REQUESTS.head!('ws') });
  }
  // the client sends frames while the upstream has not answered yet, or leaves
  for (const a of ['slow101', 'slow426']) {
    for (const route of ['ws', 'kaws', 'plain'] as const) {
      out.push({ name: `${route} std, frame while waiting -> ${a}`, route, answer: a, ...REQUESTS.std!(route), quietMs: 100, settleMs: 2000 });
      out.push({ name: `${route} early, FIN while waiting -> ${a}`, route, answer: a, bytes: handshake(route) + FRAME, halfClose: true, quietMs: 100 });
      out.push({ name: `${route} bodyCl, frame while waiting -> ${a}`, route, answer: a, ...REQUESTS.bodyCl!(route), quietMs: 100, settleMs: 2000 });
    }
  }
  // many early bytes (more than nginx's header buffers and the engine's early limit)
  const big = FRAME.repeat(12000);
  for (const a of ['ok101', 's426']) out.push({ name: `ws early 96 KB -> ${a}`, route: 'ws', answer: a, bytes: handshake('ws') + big, after: FRAME });
  // ... and a client that leaves behind them before the upstream answers
  for (const route of ['ws', 'kaws', 'plain'] as const) {
    for (const a of ['slow101', 'slow426']) {
      out.push({ name: `${route} early 96 KB, client FIN while waiting -> ${a}`, route, answer: a, bytes: handshake(route) + big, halfClose: true, quietMs: 100 });
      out.push({ name: `${route} early 96 KB, client resets while waiting -> ${a}`, route, answer: a, bytes: handshake(route) + big, reset: true, quietMs: 100 });
    }
  }
  // what the keepalive pool keeps after each kind of handshake
  const plainGet = 'GET /kaplain/after HTTP/1.1\r\nHost: up.test\r\nConnection: close\r\n\r\n';
  for (const a of ['ok101', 's426', 's426ka', 's426chunk', 's426eof', 's200', 's401www', 's302', 'frames101', 'close101', 'framesClose101', 'slow426', 's304', 's204']) {
    out.push({ name: `kaws std, then a pooled GET -> ${a}`, route: 'kaws', answer: a, ...REQUESTS.std!('kaws'), post: plainGet });
    out.push({ name: `kaws (pool filled) std, then a pooled GET -> ${a}`, route: 'kaws', answer: a, ...REQUESTS.std!('kaws'), pre: 'GET /kaplain/fill HTTP/1.1\r\nHost: up.test\r\n\r\n', post: plainGet });
  }
  for (const a of ['s426', 's200', 's302']) {
    out.push({ name: `kaws head, then a pooled GET -> ${a}`, route: 'kaws', answer: a, ...REQUESTS.head!('kaws'), post: plainGet });
    out.push({ name: `kaws post, then a pooled GET -> ${a}`, route: 'kaws', answer: a, ...REQUESTS.post!('kaws'), post: plainGet });
  }
  for (const a of ['framesClose101', 'kaConn101', 'closeConn101', 's101to200', 's401www', 's302']) {
    for (const route of ['ws', 'lit'] as const) out.push({ name: `${route} std -> ${a}`, route, answer: a, ...REQUESTS.std!(route) });
  }
  out.push({ name: 'ws expect+body -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('ws', { extra: ['Expect: 100-continue', 'Content-Length: 3'] }), after: 'abc' });
  out.push({ name: 'ws expect+body -> s426', route: 'ws', answer: 's426', bytes: handshake('ws', { extra: ['Expect: 100-continue', 'Content-Length: 3'] }), after: 'abc' });
  out.push({ name: 'ws bodyChunk+early -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('ws', { extra: ['Transfer-Encoding: chunked'], body: `4\r\nabcd\r\n0\r\n\r\n${FRAME}` }), after: FRAME });
  for (const route of ['ws', 'kaws', 'plain'] as const) {
    for (const a of ['reset101', 'reset426']) out.push({ name: `${route} std -> ${a}`, route, answer: a, ...REQUESTS.std!(route) });
    for (const a of ['slow101', 'slow426', 'slow101close']) {
      out.push({ name: `${route} std, client resets while waiting -> ${a}`, route, answer: a, bytes: handshake(route), reset: true, quietMs: 100 });
      out.push({ name: `${route} std, client FIN while waiting -> ${a}`, route, answer: a, bytes: handshake(route), halfClose: true, quietMs: 100 });
    }
    out.push({ name: `${route} std, client resets in the session -> ok101`, route, answer: 'ok101', bytes: handshake(route) + FRAME, reset: true });
  }
  // a plain request (no Upgrade) whose client leaves while the upstream has not answered
  for (const route of ['ws', 'plain', 'v11'] as const) {
    for (const a of ['slow426', 'slow101close']) {
      out.push({ name: `${route} httpGet, client FIN while waiting -> ${a}`, route, answer: a, bytes: `GET /${route}/SEG HTTP/1.1\r\nHost: up.test\r\n\r\n`, halfClose: true, quietMs: 100 });
    }
  }
  // a plain request first on the same connection, then the upgrade
  for (const a of ['ok101', 's426']) {
    out.push({ name: `ws GET then upgrade, pipelined -> ${a}`, route: 'ws', answer: a, bytes: 'GET /ws/p2 HTTP/1.1\r\nHost: up.test\r\n\r\n' + handshake('ws'), after: FRAME });
    out.push({ name: `kaws GET then upgrade, pipelined -> ${a}`, route: 'kaws', answer: a, bytes: 'GET /kaws/p2 HTTP/1.1\r\nHost: up.test\r\n\r\n' + handshake('kaws'), after: FRAME });
    out.push({ name: `ws POST then upgrade, pipelined -> ${a}`, route: 'ws', answer: a, bytes: 'POST /ws/p2 HTTP/1.1\r\nHost: up.test\r\nContent-Length: 2\r\n\r\nab' + handshake('ws'), after: FRAME });
  }
  // a client that half-closes while a refusal's body is on its way (then the pool's next request)
  for (const route of ['ws', 'kaws', 'plain', 'v11'] as const) {
    for (const a of ['slowBody426', 'slowChunk426', 'slowEof200']) {
      out.push({ name: `${route} std, client FIN in the answer -> ${a}`, route, answer: a, bytes: handshake(route), halfClose: true, quietMs: 200, post: plainGet });
      out.push({ name: `${route} std, client stays in the answer -> ${a}`, route, answer: a, bytes: handshake(route), quietMs: 2000 });
    }
  }
  // spellings of the client's Upgrade and Connection headers, and of the upstream's
  const spellings: Array<[string, { upgrade?: string[]; connection?: string[]; extra?: string[]; key?: string | null }]> = [
    ['conn no space', { connection: ['Upgrade,keep-alive'] }],
    ['conn leading comma', { connection: [',Upgrade'] }],
    ['conn two spaces', { connection: ['keep-alive,  upgrade'] }],
    ['conn upper', { connection: ['UPGRADE'] }],
    ['conn http2-settings', { connection: ['Upgrade, HTTP2-Settings'] }],
    ['upg padded', { upgrade: ['  websocket  '] }],
    ['upg odd token', { upgrade: ['foo/2'] }],
    ['upg lower name', { upgrade: [], extra: ['upgrade: websocket'] }],
    ['two keys', { extra: ['Sec-WebSocket-Key: second=='] }],
    ['protocol and extensions', { extra: ['Sec-WebSocket-Protocol: chat, superchat', 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits', 'Origin: http://o.test'] }],
    ['keep-alive header', { extra: ['Keep-Alive: 300', 'Proxy-Connection: keep-alive', 'TE: trailers'] }],
  ];
  for (const route of ['ws', 'lit', 'kaws'] as const) {
    for (const [n, r] of spellings) out.push({ name: `${route} ${n} -> ok101`, route, answer: 'ok101', bytes: handshake(route, r), after: FRAME });
    for (const a of ['nospace101', 'upperConn101', 'h2settings101', 'twoUpg101', 'emptyUpg101', 'otherUpg101']) out.push({ name: `${route} std -> ${a}`, route, answer: a, ...REQUESTS.std!(route) });
  }
  // heads at nginx's header buffer limits
  const fill = (n: number) => 'c'.repeat(n);
  out.push({ name: 'ws big cookie 8000 -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('ws', { extra: [`Cookie: ${fill(8000)}`] }), after: FRAME });
  out.push({ name: 'ws big cookie 8200 -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('ws', { extra: [`Cookie: ${fill(8200)}`] }), after: FRAME });
  out.push({ name: 'ws five 7k headers -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('ws', { extra: [1, 2, 3, 4, 5].map((i) => `X-${i}: ${fill(7000)}`) }), after: FRAME });
  out.push({ name: 'ws long target -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('ws', { target: `/ws/${fill(8300)}/SEG` }), after: FRAME });
  out.push({ name: 'ws 1001 header lines -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('ws', { extra: Array.from({ length: 1001 }, (_, i) => `X-${i}: 1`) }), after: FRAME });
  out.push({ name: 'ws big cookie 8000 + early -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('ws', { extra: [`Cookie: ${fill(8000)}`] }) + FRAME, after: FRAME });
  // the engine's own answers to a handshake
  out.push({ name: 'nowhere std -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('nowhere'), after: FRAME });
  out.push({ name: 'bare prefix std -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('ws').replace('/ws/SEG', '/ws'), after: FRAME });
  out.push({ name: 'ws too big body -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('ws', { extra: ['Content-Length: 2000000'] }), after: FRAME });
  out.push({ name: 'ws v10 chunked -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('ws', { version: '1.0', extra: ['Transfer-Encoding: chunked'], body: '0\r\n\r\n' }), after: FRAME });
  out.push({ name: 'ws TRACE -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('ws', { method: 'TRACE' }), after: FRAME });
  out.push({ name: 'ws query+encoded -> ok101', route: 'ws', answer: 'ok101', bytes: handshake('ws', { target: '/ws/a%20b/../SEG?x=%41&y' }), after: FRAME });
  return filter ? out.filter((c) => filter.test(c.name)) : out;
}
