// Seeded random parity scenarios for a proxy_pass with variables in its URI part (mode `pvar`):
// templates of literals and the variables the engine takes there ($request_uri, $uri, $args,
// $arg_NAME, $http_NAME, $cookie_NAME, $host, $1..$9, named captures of regex locations and of a
// regex server_name, in both $x and ${x} forms), in prefix, exact and regex locations, to an upstream
// group, an IPv4 address and [::1] (where nothing listens: 502, or 500 for a URI starting with "?"),
// against the explorers' odd paths, query strings, cookies, Host variants, absolute-form targets and
// WebSocket handshakes. The index is random-scenarios.ts.
import type { Scenario, ParityRequest } from './harness.ts';
import { rng, SEGS, EXOTIC, ARGS, COOKIES } from './random-requests.ts';

/** Variables any location may use; captures are added per location. */
const VARS = ['request_uri', 'uri', 'document_uri', 'args', 'is_args', 'arg_q', 'arg_x', 'arg_a_b', 'http_x_in', 'cookie_a', 'cookie_B', 'host', 'query_string', 'sub', '1', 'http_host', 'request_method', 'server_name', 'scheme', 'HOST', 'Arg_Q'];
/** Variables nginx keeps the host as written after (validate.ts: the only ones that may start the URI). */
// (raw non-ASCII bytes in a target are left out: node's parser refuses them, see random-requests.ts)
const QUERY = ARGS.filter((a) => /^[\x20-\x7e]*$/.test(a));
const FIRST = ['request_uri', 'uri', 'document_uri', 'is_args', 'URI', 'Is_Args'];
const LITS = ['/', '/', '/v2/', 'x', '?', '&', '=', 'k=', '%20', '.', '/../', ';p', '-', '//', '?a=1', '#f', ':', '7', '@'];
/** Regex locations (with their numbered and named groups) and the request paths that reach them. */
const REGEXES: Array<{ modifier: '~' | '~*'; path: string; groups: string[]; reach: string }> = [
  { modifier: '~', path: '^/r{i}/(.*)$', groups: ['1'], reach: '/r{i}/' },
  { modifier: '~*', path: '^/R{i}/(?<name>[^/]*)/?(.*)', groups: ['1', '2', 'name'], reach: '/r{i}/' },
  { modifier: '~', path: '/r{i}/(?<tail>.+)\\.(png|js)$', groups: ['1', '2', 'tail'], reach: '/r{i}/a/' },
  { modifier: '~', path: '^/r{i}/', groups: [], reach: '/r{i}/' },
];

function template(r: (n: number) => number, vars: string[]): string {
  const parts: string[] = [];
  const n = 1 + r(4);
  const start = r(3);
  // starts with "/" or with one of the variables that keep the host as written
  parts.push(start === 0 ? `$${FIRST[r(FIRST.length)]}` : start === 1 ? `\${${FIRST[r(FIRST.length)]}}` : '/');
  for (let i = 0; i < n; i++) {
    if (r(2)) parts.push(LITS[r(LITS.length)]!);
    else {
      const v = vars[r(vars.length)]!;
      // braces when a name character follows (else it would run into the name), and at random
      // (nginx reads "${2}" as a variable named "2", unknown: a capture is only ever "$2")
      parts.push(r(3) === 0 && !/^\d/.test(v) ? `\${${v}}` : `$${v}`);
    }
  }
  // at least one variable (without, a regex location may have no URI part)
  if (!parts.some((p) => p.startsWith('$'))) parts.push(`$${vars[r(vars.length)]}`);
  // a bare $name before a literal that starts with a name character is braced
  return parts.map((p, i) => (/^\$[A-Za-z_]\w*$/.test(p) && /^\w/.test(parts[i + 1] ?? '') ? `\${${p.slice(1)}}` : p)).join('');
}

/** Locations of every kind with a proxy_pass with variables, to a group, an address or [::1]. */
export function proxyVarScenario(seed: number, nReq: number): Scenario {
  const r = rng(seed * 31 + 5);
  const nLoc = 3 + r(4);
  type Loc = { modifier: string; path: string; reach: string; target: number; uri: string; ws: boolean };
  const locs: Loc[] = [];
  for (let i = 0; i < nLoc; i++) {
    const k = r(5);
    let loc: Omit<Loc, 'target' | 'uri' | 'ws'>;
    let groups: string[] = [];
    if (k === 0) loc = { modifier: '=', path: `/e${i}`, reach: `/e${i}` };
    else if (k <= 2) loc = { modifier: r(3) ? '' : '^~', path: `/p${i}/`, reach: `/p${i}/` };
    else {
      const x = REGEXES[r(REGEXES.length)]!;
      loc = { modifier: x.modifier, path: x.path.replace('{i}', String(i)), reach: x.reach.replace('{i}', String(i)) };
      groups = x.groups;
    }
    const vars = [...VARS, ...groups, ...groups];
    locs.push({ ...loc, target: r(6), uri: template(r, vars), ws: r(4) === 0 });
  }
  // the catch-all too, with a template the client's target alone decides ("GET http://h?x" has no path)
  const rootUri = ['', '$request_uri', '${is_args}$args', '$uri$is_args$args', '/$host$request_uri'][r(5)]!;
  const rootTarget = r(4);
  // the group's balancing, some keyed on what the templates read
  const method = [{ type: 'round_robin' }, { type: 'round_robin' }, { type: 'hash', key: '$request_uri' }, { type: 'hash', key: '$arg_q$host', consistent: true }, { type: 'least_conn' }][r(5)]!;
  const requests: ParityRequest[] = [];
  const hosts = ['h.test', 'abc.def.rx', 'ABC.def.rx:81', 'q.rx', null, 'H.Test:8080'];
  for (let i = 0; i < nReq; i++) {
    const l = locs[r(locs.length)]!;
    let p = l.reach;
    if (l.modifier !== '=') {
      const n = r(4);
      const segs: string[] = [];
      for (let j = 0; j < n; j++) segs.push(r(5) === 0 ? EXOTIC[r(EXOTIC.length)]! : SEGS[r(SEGS.length)]!);
      p += segs.join('/');
      if (r(4) === 0) p += ['.png', '.js', '/'][r(3)];
    }
    if (r(6) === 0) p = p.toUpperCase();
    if (r(10) === 0) p = p.replace(/^\//, '//');
    if (r(2)) p += `?${Array.from({ length: 1 + r(2) }, () => QUERY[r(QUERY.length)]!).join('&')}`;
    else if (r(8) === 0) p += '?';
    const ws = l.ws && r(2) === 0 && !/[\s<>"{}|\\^`%]|%00/.test(p);
    const host = hosts[r(hosts.length)]!;
    if (!ws && r(8) === 0) p = `http://${['h.test', 'xyz.w.rx', 'Other.Test:81'][r(3)]}${r(4) ? p : ['', '?x=1', '?'][r(3)]}`;
    // or reached through an X-Accel-Redirect answer
    else if (!ws && r(10) === 0) p = `/xa/xaccel?to=${encodeURIComponent(p.replace(/\t|%09/g, ''))}`;
    const headers: Array<[string, string]> = [];
    if (r(2)) headers.push(['Cookie', COOKIES[r(COOKIES.length)]!]);
    if (r(3) === 0) headers.push(['X-In', ['v', '', 'a/b', 'x%20y'][r(4)]!]);
    requests.push(ws ? { path: p, ws: true, host: host ?? 'h.test', headers: Object.fromEntries(headers) } : { path: p, host: host === null && p.startsWith('http://') ? 'h.test' : host, headers, method: r(6) ? 'GET' : 'HEAD' });
  }
  return {
    name: `random proxy_pass with variables seed ${seed}`,
    upstreams: ['u', 'g1', 'g2'],
    model: ({ up, listen }) => ({
      schemaVersion: 1,
      upstreams: [{ name: 'pool', method: method as never, servers: [{ address: `127.0.0.1:${up.g1}` }, { address: `127.0.0.1:${up.g2}` }] }],
      servers: [{
        listen: [{ address: `127.0.0.1:${listen}` }],
        serverNames: ['h.test', '~^(?<sub>[a-z]+)\\.(\\w+)\\.rx$'],
        locations: [
          ...locs.map((l) => ({
            modifier: l.modifier as never, path: l.path, websocket: l.ws,
            proxyPass: `${[`http://127.0.0.1:${up.u}`, 'http://pool', 'http://POOL', `http://127.0.0.1:${up.u}`, 'http://pool', `http://[::1]:${up.u}`][l.target]}${l.uri}`,
          })),
          { path: '/', proxyPass: `${[`http://127.0.0.1:${up.u}`, 'http://pool', `http://[::1]:${up.u}`, `http://127.0.0.1:${up.u}`][rootTarget]}${rootUri}` },
          { modifier: '^~' as never, path: '/xa/', proxyPass: `http://127.0.0.1:${up.u}` },
        ],
      }],
    }),
    requests,
    compare: ['host'],
  };
}
