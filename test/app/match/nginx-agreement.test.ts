// The routing functions in app/match and app/proxy against real nginx 1.22, request by request:
// location choice, $uri/$args/$request_uri, 301 auto-redirects, 400s, the URI and headers an
// upstream receives, and server selection with $host. Fails (does not skip) without nginx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startNginx, privateNginxConf, type RunningNginx } from '../../../main/nginx/binary.ts';
import { freePorts } from '../../helpers/ports.ts';
import { Location as LocationSchema, type Location } from '../../../app/config/schema.ts';
import { parseProxyPass } from '../../../app/config/proxy-pass.ts';
import { normalizeRequestTarget } from '../../../app/match/normalize.ts';
import { compileLocations } from '../../../app/match/location.ts';
import { selectServer, hostVariable } from '../../../app/match/server.ts';
import { upstreamUri, redirectLocation } from '../../../app/proxy/uri.ts';
import { upstreamHeaders } from '../../../app/proxy/headers.ts';
import type { RequestContext } from '../../../app/proxy/context.ts';

const SEP = '|~|';

interface Reply { status: number; headers: Map<string, string>; body: string }

/** One raw HTTP exchange: the request bytes exactly as given (latin1), the reply read to close. */
function exchange(port: number, request: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`timeout: ${JSON.stringify(request)}`)); }, 5000);
    s.on('data', (d) => chunks.push(d));
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    s.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      const lines = head.split('\r\n');
      const status = Number(lines[0]!.split(' ')[1]);
      const headers = new Map<string, string>();
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        headers.set(l.slice(0, i).toLowerCase(), l.slice(i + 1).trim());
      }
      resolve({ status, headers, body: text.slice(head.length + 4) });
    });
    s.write(Buffer.from(request, 'latin1'));
  });
}

function get(port: number, target: string, headers: Array<[string, string]> = [['Host', 'localhost']], version = '1.1'): Promise<Reply> {
  const lines = [`GET ${target} HTTP/${version}`, ...headers.map(([n, v]) => `${n}: ${v}`), 'Connection: close', '', ''];
  return exchange(port, lines.join('\r\n'));
}

/** nginx config token: single-quoted, with \ and ' escaped as nginx's parser reads them. */
const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function locationConf(loc: Location, extra: string): string {
  const args = loc.modifier === '' ? q(loc.path) : `${loc.modifier} ${q(loc.path)}`;
  const sets = [
    ...(loc.websocket ? ['proxy_set_header Upgrade $http_upgrade;', 'proxy_set_header Connection $connection_upgrade;'] : []),
    ...loc.proxySetHeader.map((h) => `proxy_set_header ${h.name} ${q(h.value)};`),
  ];
  const version = loc.websocket || loc.proxyHttpVersion === '1.1' ? 'proxy_http_version 1.1;' : '';
  return `location ${args} { proxy_pass ${loc.proxyPass}; ${version} ${sets.join(' ')} ${extra} }`;
}

let upstreamPort = 0;
const loc = (l: Record<string, unknown>) => LocationSchema.parse({ proxyPass: `http://127.0.0.1:${upstreamPort}`, ...l });

// Server A: each location answers with a marker (return runs before proxy_pass; proxy_pass still
// arms auto_redirect). No "/" location, so 404s show.
function locationsA(): Location[] {
  return [
    loc({ modifier: '=', path: '/exact' }),
    loc({ path: '/exact' }),
    loc({ path: '/api/' }),
    loc({ modifier: '^~', path: '/static/' }),
    loc({ modifier: '~', path: '\\.php$' }),
    loc({ modifier: '~*', path: '^/CaSe/(\\d+)/(?P<name>[a-z]+)' }),
    loc({ path: '/api/php/' }),
    loc({ modifier: '=', path: '/only/' }),
    loc({ path: '/x-y' }),
    loc({ path: '/x/' }),
    loc({ path: '/x.z/' }),
    loc({ path: '/caf\u00e9/' }),
    loc({ modifier: '~', path: '^/order/' }),
    loc({ modifier: '~', path: '^/order/b' }),
    loc({ path: '/order/' }),
    loc({ modifier: '~', path: '^/redir' }),
    loc({ path: '/redir/' }),
    loc({ modifier: '~', path: '^/dot.x' }),
    loc({ modifier: '~', path: '^/nl\\d$' }),
    loc({ modifier: '~', path: '^/sp\\s' }),
    loc({ modifier: '~*', path: '^/lat\u00e9' }),
    loc({ path: '/Upper/' }),
  ];
}

// Server B: proxies to the echo upstream; proxy_pass with and without URI parts.
function locationsB(): Location[] {
  const up = `http://127.0.0.1:${upstreamPort}`;
  return [
    loc({ path: '/', proxyPass: up }),
    loc({ path: '/api/', proxyPass: `${up}/v1/` }),
    loc({ path: '/root/', proxyPass: `${up}/` }),
    loc({ path: '/two', proxyPass: `${up}/2` }),
    loc({ modifier: '=', path: '/eq', proxyPass: `${up}/equal` }),
    loc({ modifier: '~', path: '^/re/', proxyPass: up }),
    loc({ path: '/hdr/', proxyPass: up, proxySetHeader: [{ name: 'X-Real-IP', value: '$remote_addr' }, { name: 'X-Fwd', value: '$proxy_add_x_forwarded_for' }, { name: 'Host', value: '$host' }, { name: 'X-Empty', value: '$http_x_absent' }, { name: 'X-Args', value: '$arg_a|$is_args|$args|$cookie_sid' }] }),
    loc({ path: '/ws/', proxyPass: up, websocket: true }),
    loc({ path: '/keep/', proxyPass: up, proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] }),
  ];
}

const MARK = `"L$idx${SEP}$uri${SEP}$args${SEP}$is_args${SEP}$request_uri${SEP}$host"`;

// Server names on port C, in this order.
const SERVERS: Array<{ names: string[]; def: boolean }> = [
  { names: ['first.test'], def: false },
  { names: ['example.com', 'www.example.com'], def: false },
  { names: ['*.example.com'], def: false },
  { names: ['.example.org'], def: false },
  { names: ['www.example.*'], def: false },
  { names: ['~^(?<sub>[a-z]+)\\.regex\\.test$'], def: false },
  { names: ['*.deep.example.com'], def: true },
  { names: ['_'], def: false },
];

let nginx: RunningNginx;
let echo: net.Server;
let portA = 0;
let portB = 0;
let portC = 0;
const seen: Array<{ line: string; headers: Array<[string, string]> }> = [];

before(async () => {
  const ports = await freePorts(4);
  [portA, portB, portC, upstreamPort] = [ports[0]!, ports[1]!, ports[2]!, ports[3]!];
  echo = net.createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const text = buf.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [line, ...hs] = text.slice(0, end).split('\r\n');
      const headers = hs.map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1).trim()] as [string, string]);
      seen.push({ line: line!, headers });
      const body = Buffer.from(JSON.stringify({ line, headers }), 'latin1');
      s.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`, 'latin1'), body]));
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => echo.listen(upstreamPort, '127.0.0.1', r));
  const a = locationsA().map((l, i) => locationConf(l, `return 200 ${MARK.replace('$idx', String(i))};`)).join('\n');
  const b = locationsB().map((l) => locationConf(l, '')).join('\n');
  const c = SERVERS.map((s, i) => `server { listen 127.0.0.1:${portC}${s.def ? ' default_server' : ''}; server_name ${s.names.map(q).join(' ')}; location / { return 200 "S${i}${SEP}$host"; } }`).join('\n');
  const conf = privateNginxConf([
    'map $http_upgrade $connection_upgrade { default upgrade; \'\' close; }',
    `server { listen 127.0.0.1:${portA}; server_name localhost; root /nonexistent-switchyard-root; ${a} }`,
    `server { listen 127.0.0.1:${portB}; server_name localhost; ${b} }`,
    c,
  ].join('\n'));
  nginx = await startNginx(conf, [portA, portB, portC]);
});

after(async () => {
  await nginx?.stop();
  await new Promise((r) => echo?.close(r));
});

// Targets for server A: every one is compared on status, marker, variables and Location.
const TARGETS_A = [
  '/exact', '/exact/', '/exactly', '/exact?x=1',
  '/api', '/api?x=1&y=2', '/api/', '/api/users', '/api/x.php', '/api/php/', '/api/php/a.php', '/api/php/x',
  '/static/a.php', '/static', '/static/../api/x', '/STATIC/a',
  '/case/12/abc', '/CASE/12/abc', '/CaSe/x/abc', '/case/12/ABC',
  '/only', '/only/', '/only?z', '/only/x',
  '/x', '/x-y', '/x-yz', '/x/', '/x.z', '/x.z/',
  '/caf%C3%A9', '/caf%c3%a9/', '/caf%C3%A9/menu', '/caf\u00c3\u00a9/menu',
  '/order/a', '/order/b', '/order/', '/order',
  '/redir', '/redir?q=1', '/redirx', '/redir/',
  '/dot.x', '/dotxx', '/dot%0Dx', '/dot%0Ax',
  '/nl1', '/nl1%0A', '/nl1%0D', '/nl1%0A%0A',
  '/sp%20', '/sp%0B', '/sp%A0', '/sp%85',
  '/lat%C3%A9', '/LAT%C3%A9', '/lat%C3%89', '/lat%E3%A9',
  '/Upper/', '/upper/', '/Upper',
  '//api//users', '/api/./users', '/api/a/../users', '/a/../api/x', '/%2e%2e/api', '/api/%2e%2e/api/', '/api%2Fusers', '/api%2fusers',
  '/..', '/../api', '/api/../..', '/%00', '/api/%00', '/%zz', '/api/%4', '/api/%',
  '/api/a%3Fb?c=d', '/api/a%23b', '/api/x#frag', '/api/x?y#frag', '/api/x#frag?y', '/api/x?', '/api/x?a%20b', '/api/%25',
  '/api/a+b', '/api/a%2Bb', '/api/%E2%82%AC', '/api/\u00e9', '/api/.', '/api/..', '/api/.hidden', '/api/...',
  'http://localhost/api/x?q', 'http://LOCALHOST:99/api', 'http://h.test', 'http://h.test?x=1', 'HTTP://h.test/exact',
];

function expectedA(target: string): { status: number; body?: string; location?: string } {
  const t = normalizeRequestTarget(target);
  if (!t.ok) return { status: 400 };
  const host = t.absoluteHost ?? 'localhost';
  const d = compileLocations(locationsA()).match(t.uri);
  if (d.type === 'none') return { status: 404 };
  if (d.type === 'redirect') {
    return { status: 301, location: redirectLocation({ host, port: portA, location: d.location, args: t.args }) };
  }
  const body = [`L${d.index}`, t.uri, t.args, t.args.length ? '?' : '', t.requestUri, host].join(SEP);
  return { status: 200, body };
}

test('server A: location choice, variables, redirects and 400s agree with nginx', async () => {
  const problems: string[] = [];
  for (const target of TARGETS_A) {
    const r = await get(portA, target);
    const want = expectedA(target);
    const got = { status: r.status, ...(want.body !== undefined ? { body: r.body } : {}), ...(want.location !== undefined ? { location: r.headers.get('location') } : {}) };
    try {
      assert.deepEqual(got, want);
    } catch {
      problems.push(`${JSON.stringify(target)}: nginx ${JSON.stringify(got)} ours ${JSON.stringify(want)}`);
    }
  }
  assert.deepEqual(problems, []);
});

const TARGETS_B = [
  '/', '/plain?x=1', '/a%20b', '/a%2Fb', '//a//b', '/a/./b/../c?x',
  '/api/', '/api/users?x=1', '/api/a%20b', '/api/a b'.replace(' ', '%20') + '?q=%20', '/api//x', '/api/%2e%2e/api/y', '/api/caf\u00e9', '/api/caf%C3%A9', '/api/%7E%41',
  '/api/a%3Fb', '/api/a%23b', '/api/a%25b', '/api/x?', '/api/x#f', '/api/x?y#f',
  '/root/', '/root/deep/er', '/root/%22q%22', '/two', '/two/x', '/twox?y',
  '/eq', '/eq?a=b', '/eq%3F', '/re/x%20y?z', '/re/a//b',
  'http://localhost/api/abs?q=1', 'http://localhost?only=args', 'http://localhost',
];

function ctxFor(target: string, l: Location, headers: Array<[string, string]>): RequestContext {
  const t = normalizeRequestTarget(target);
  if (!t.ok) throw new Error('bad target');
  const p = parseProxyPass(l.proxyPass)!;
  return {
    method: 'GET', requestUri: target, uri: t.uri, args: t.args, hasArgs: t.hasArgs, headers,
    httpVersion: '1.1', remoteAddr: '127.0.0.1', remotePort: 0, serverAddr: '127.0.0.1', serverPort: portB,
    serverName: 'localhost', scheme: 'http', proxyHost: p.proxyHost, proxyPort: p.proxyPort, captures: [],
  };
}

test('server B: the URI nginx sends upstream agrees with upstreamUri()', async () => {
  const problems: string[] = [];
  const locs = locationsB();
  const matcher = compileLocations(locs);
  for (const target of TARGETS_B) {
    seen.length = 0;
    const r = await get(portB, target);
    const t = normalizeRequestTarget(target);
    assert.ok(t.ok, target);
    const d = matcher.match(t.uri);
    if (d.type !== 'location') {
      if (r.status !== (d.type === 'redirect' ? 301 : 404)) problems.push(`${target}: nginx ${r.status}, ours ${d.type}`);
      continue;
    }
    const l = locs[d.index]!;
    const want = upstreamUri({ location: l, proxyPassUri: parseProxyPass(l.proxyPass)!.uri, uri: t.uri, args: t.args, hasArgs: t.hasArgs, requestUri: target, quoted: t.quoted });
    const got = seen[0]?.line.replace(/^GET /, '').replace(/ HTTP\/1\.[01]$/, '');
    if (r.status !== 200 || got !== want) problems.push(`${JSON.stringify(target)}: nginx ${r.status} ${JSON.stringify(got)}, ours ${JSON.stringify(want)}`);
  }
  assert.deepEqual(problems, []);
});

const HEADER_CASES: Array<{ target: string; headers: Array<[string, string]> }> = [
  { target: '/hdr/x?a=1&b=2', headers: [['Host', 'Example.COM:8080'], ['X-Forwarded-For', '10.0.0.1'], ['X-Forwarded-For', '10.0.0.2'], ['Cookie', 'a=1; sid=abc'], ['User-Agent', 'ua'], ['X_Under', 'dropped'], ['Keep-Alive', '5'], ['TE', 'trailers'], ['Expect', '100-continue-no'], ['Upgrade', 'foo'], ['Connection', 'keep-alive'], ['Accept', '*/*'], ['Accept', 'text/html']] },
  { target: '/ws/chat', headers: [['Host', 'localhost'], ['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Version', '13'], ['X-Forwarded-For', '1.2.3.4']] },
  { target: '/ws/plain', headers: [['Host', 'localhost'], ['x-custom', 'v']] },
  { target: '/keep/x', headers: [['Host', 'localhost'], ['Connection', 'keep-alive'], ['Content-Length', '0']] },
  { target: '/hdr/c?A=1', headers: [['Host', 'localhost'], ['Cookie', 'sid;sid=1']] },
  { target: '/hdr/c?b=2&a=3', headers: [['Host', 'localhost'], ['Cookie', 'sid;x=0;SID=2']] },
  { target: '/plain', headers: [['host', 'localhost'], ['cookie', 'x=1'], ['Cookie', 'y=2']] },
];

test('server B: the headers nginx sends upstream agree with upstreamHeaders()', async () => {
  const locs = locationsB();
  const matcher = compileLocations(locs);
  for (const c of HEADER_CASES) {
    seen.length = 0;
    const r = await get(portB, c.target, c.headers);
    assert.equal(r.status, 200, c.target);
    const t = normalizeRequestTarget(c.target);
    assert.ok(t.ok);
    const d = matcher.match(t.uri);
    assert.equal(d.type, 'location');
    if (d.type !== 'location') continue;
    const l = locs[d.index]!;
    // the raw exchange adds "Connection: close" as the client's last header
    const sent: Array<[string, string]> = [...c.headers, ['Connection', 'close']];
    const want = [...upstreamHeaders(l, ctxFor(c.target, l, sent))];
    const got = seen[0]!.headers.filter(([n]) => !/^(content-length|transfer-encoding)$/i.test(n));
    assert.deepEqual(got, want, c.target);
  }
});

const HOST_CASES: Array<{ target?: string; host?: string | null; version?: string }> = [
  { host: 'first.test' }, { host: 'FIRST.test' }, { host: 'first.test.' }, { host: 'first.test:8080' }, { host: 'first.test.:80' },
  { host: 'example.com' }, { host: 'www.example.com' }, { host: 'a.example.com' }, { host: 'a.b.example.com' }, { host: 'x.deep.example.com' }, { host: 'deep.example.com' },
  { host: 'example.org' }, { host: 'www.example.org' }, { host: 'a.b.example.org' },
  { host: 'www.example.net' }, { host: 'www.example.co.uk' }, { host: 'www.example' },
  { host: 'abc.regex.test' }, { host: 'ABC.Regex.Test' }, { host: 'a1.regex.test' },
  { host: 'unknown.test' }, { host: '_' }, { host: '[::1]' }, { host: '[::1]:8080' }, { host: '127.0.0.1:80' },
  { host: 'a..b' }, { host: '.' }, { host: '' }, { host: ':80' }, { host: 'a/b' }, { host: 'caf\u00c3\u00a9.test' },
  { host: null, version: '1.0' }, { host: null },
  { target: 'http://Example.COM/x', host: 'first.test' }, { target: 'http://abc.regex.test:81/', host: null, version: '1.0' },
  { target: 'http://first.test/', host: 'a..b' }, { target: 'http://[::1]/' }, { target: 'http://[::1]:80/', version: '1.0', host: null },
  { target: 'http://www.example.net/', host: 'first.test' }, { target: 'http://a..b/', host: 'first.test' },
];

test('server selection and $host agree with nginx', async () => {
  const problems: string[] = [];
  const cands = SERVERS.map((s) => ({ serverNames: s.names, defaultServer: s.def }));
  for (const c of HOST_CASES) {
    const target = c.target ?? '/';
    const headers: Array<[string, string]> = c.host === null || c.host === undefined ? [] : [['Host', c.host]];
    const r = await get(portC, target, headers, c.version ?? '1.1');
    const t = normalizeRequestTarget(target);
    let want: string;
    if (!t.ok) want = '400';
    // nginx wants a Host header in HTTP/1.1 even when the request line has a host
    else if ((c.version ?? '1.1') === '1.1' && headers.length === 0) want = '400';
    else {
      const s = selectServer(cands, t.absoluteHost ?? c.host ?? null, c.host ?? null);
      want = s.ok ? `200 S${s.index}${SEP}${hostVariable(s.host, SERVERS[s.index]!.names[0]!)}` : '400';
    }
    const got = r.status === 200 ? `200 ${r.body}` : String(r.status);
    if (got !== want) problems.push(`${JSON.stringify(c)}: nginx ${got}, ours ${want}`);
  }
  assert.deepEqual(problems, []);
});
