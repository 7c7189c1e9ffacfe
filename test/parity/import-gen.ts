// Seeded random nginx.conf texts within what `import-nginx` models, for the import parity explorer
// (import-explore.ts, import-random.test.ts): upstream blocks (weights, backup, down, methods,
// keepalive), the standard upgrade map (under its own name or another), several servers on one
// listen socket (server_name lists, default_server), locations of every modifier (named groups,
// nested prefixes), proxy_pass with and without a URI part, and the inherited proxy_* settings at
// http, server and location level, some of them in a second file that is included. The requests
// aim at what the file sets: its locations, its server names, body sizes around its limits.
import type { Env, ParityRequest } from './harness.ts';
import { rng } from './random-requests.ts';

export interface ImportCase {
  name: string;
  /** The echo upstreams the files name (by port). */
  upstreams: string[];
  /** The main file's text and the included one's (written to `dir`, which the main file names). */
  files(env: Env, dir: string): { main: string; extra: string | null };
  requests: ParityRequest[];
  compare: string[];
}

type R = (n: number) => number;
const pick = <T>(r: R, list: readonly T[]): T => list[r(list.length)]!;

const ECHOES = ['u0', 'u1', 'u2'];
const PREFIXES = ['/', '/a', '/a/', '/a/b/', '/ab', '/b/', '/a.b/', '/c/', '/A/', '/n/', '/w/', '"/s p/"', '/%41/', '/é/', '"/a;b/"', "'/q/'"];
const REGEXES = ['\\.png$', '^/a/.+', '/b/?$', '^/(a|b)/x', '[0-9]+$', '^/n/(?<seg>[a-z]+)/(\\d+)', '^/c/(?P<rest>.*)$', '\\.(css|js)$', '^/A', '^/a{1,2}/', '/é', '^/s p', '%41'];
const URIS = ['/', '/x/', '/x', '/p/q/'];
const NAMES = ['a.test', 'www.a.test', '*.a.test', 'a.*', '.b.test', '~^(?<sub>[a-z]+)\\.c\\.test$', '~^(\\w+)\\.d\\.test$', '_', 'localhost', '""', 'Mixed.Test', '*.Mixed.Test', '~^(?i)CASE\\.test$', '~^www\\d+\\.', 'www.*', 'b.test', '127.0.0.1'];
const HOSTS = ['case.test', 'www12.x', 'x.mixed.test', 'www.z', 'a.test', 'A.TEST', 'a.test.', 'x.a.test', 'www.a.test', 'b.test', 'z.b.test', 'q.c.test', 'Q.C.TEST', 'w.d.test', 'a.org', 'mixed.test', 'other.test', 'localhost', '127.0.0.1', 'a.test:81', ''];
/** proxy_set_header lines (name, value as written); the upgrade pair is added apart. */
const SET: Array<[string, string]> = [
  ['Host', '$host'], ['Host', '$http_host'], ['Host', '$proxy_host'], ['Host', 'fixed.test'], ['Host', '$host:$proxy_port'], ['Host', '""'],
  ['X-Forwarded-For', '$proxy_add_x_forwarded_for'], ['X-Real-IP', '$remote_addr'], ['X-Lvl', 'LEVEL'], ['X-Uri', '$request_uri'],
  ['X-Args', '"$args|$arg_q"'], ['X-Cap', '"[$1][$2]"'], ['X-Seg', '$seg$rest'], ['X-Sub', '$sub'], ['Connection', '""'], ['Connection', 'keep-alive'],
  ['X-In', '""'], ['X-In', '$http_x_in'], ['Accept', '""'], ['X-Scheme', '$scheme'], ['X-Name', '$server_name'], ['X-Cookie', '$cookie_a'],
  ['X-Q', '"a\\"b"'], ['X-Q', "'s q'"], ['X-Q', '"t\\tu"'], ['X-Q', '"b\\\\s"'], ['X-Q', '"x\\y"'], ['HOST', '$HOST'], ['x-forwarded-for', '"$proxy_add_x_forwarded_for"'],
  ['X-Q', '${host}x'], ['X-Q', '"$host$request_uri"'], ['X-Q', '"é"'],
];
const IN_HEADERS: Array<[string, string]> = [
  ['X-Forwarded-For', '10.0.0.1'], ['X-In', 'v1'], ['X-In', 'v2'], ['Accept', '*/*'], ['Cookie', 'a=1'], ['Upgrade', 'websocket'], ['Connection', 'Upgrade'],
  ['X-Key', 'k1'], ['X-Key', 'k2'], ['X_Under', 'u'], ['Keep-Alive', '300'], ['X-Real-IP', '9.9.9.9'], ['Via', '1.1 x'],
];
const SEGS = ['x', 'y.png', 'Y.PNG', 'a.js', '123', '.', '..', '%2e', '%2E%2e', '', '%2F', '%61', '%41', 'b', 'x', 'q%20r', 'abc', 'a.b', '%7E', 'c', '%C3%A9', 's%20p', 'aa', 'a;b', '%3B', 'slow'];

interface Settings { lines: string[] }

/** A random handful of inherited settings for one level (`level` names it in X-Lvl). */
function settings(r: R, level: string, depth: number): Settings {
  const lines: string[] = [];
  const chance = depth === 0 ? 3 : 2;
  if (r(chance) === 0) {
    const names = new Set<string>();
    for (let k = 1 + r(3); k > 0; k--) {
      const [n, v] = pick(r, SET);
      if (names.has(n.toLowerCase()) && r(2)) continue;
      names.add(n.toLowerCase());
      lines.push(`proxy_set_header ${n} ${v.replace('LEVEL', level)};`);
    }
    if (r(4) === 0) lines.push('proxy_set_header Upgrade $http_upgrade;', `proxy_set_header Connection ${r(3) ? '$connection_upgrade' : '$proxy_connection'};`);
  }
  if (r(4) === 0) lines.push(`proxy_http_version ${r(3) ? '1.1' : '1.0'};`);
  if (r(6) === 0) lines.push(`proxy_next_upstream ${pick(r, ['off', 'error', 'error timeout', 'error http_502', 'http_503 error'])};`);
  if (r(8) === 0) lines.push(`proxy_next_upstream_tries ${r(3)};`);
  if (r(6) === 0) lines.push(`client_max_body_size ${pick(r, ['1k', '2k', '0', '3K', '10m'])};`);
  if (r(8) === 0) lines.push(`proxy_buffering ${r(2) ? 'off' : 'on'};`);
  if (r(10) === 0) lines.push(`proxy_${pick(r, ['connect', 'send', 'read'])}_timeout ${pick(r, ['1s', '5s', '2m'])};`);
  return { lines };
}

interface Group { name: string; lines: (env: Env) => string[] }

function group(r: R, name: string): Group {
  const method = pick(r, ['', '', 'least_conn', 'ip_hash', 'hash $request_uri', 'hash $http_x_key consistent', 'hash "$host$uri"']);
  const backupOk = method === '' || method === 'least_conn';
  const n = 1 + r(3);
  const servers = Array.from({ length: n }, (_, i) => ({
    to: r(6) === 0 ? 'dead' : pick(r, ECHOES),
    weight: r(3) === 0 ? 1 + r(3) : 0,
    flag: i > 0 && r(4) === 0 ? (backupOk && r(2) ? 'backup' : 'down') : '',
    fails: r(5) === 0 ? r(3) : -1,
    local: r(6) === 0,
  }));
  const keepalive = r(3) === 0 ? 1 + r(8) : 0;
  return {
    name,
    lines: (env) => [
      `upstream ${name} {`,
      ...(method ? [`  ${method};`] : []),
      ...servers.map((s) => `  server ${s.local ? 'localhost' : '127.0.0.1'}:${s.to === 'dead' ? env.dead : env.up[s.to]}${s.weight ? ` weight=${s.weight}` : ''}${s.fails >= 0 ? ` max_fails=${s.fails}` : ''}${s.flag ? ` ${s.flag}` : ''};`),
      ...(keepalive ? [`  keepalive ${keepalive};`] : []),
      '}',
    ],
  };
}

interface Loc { modifier: string; path: string; pass: (env: Env) => string; settings: Settings; nested: Loc[] }

function proxyPass(r: R, groups: Group[], regex: boolean): (env: Env) => string {
  const uri = regex || r(2) ? '' : pick(r, URIS);
  if (groups.length && r(2)) {
    const g = pick(r, groups).name;
    const name = r(5) === 0 ? g.toUpperCase() : g;
    return () => `http://${name}${uri}`;
  }
  const to = pick(r, ECHOES);
  const host = r(6) ? '127.0.0.1' : pick(r, ['localhost', 'LocalHost']);
  return (env) => `http://${host}:${env.up[to]}${uri}`;
}

function locations(r: R, groups: Group[], where: string): Loc[] {
  const out: Loc[] = [];
  const seen = new Set<string>();
  const n = 2 + r(5);
  for (let i = 0; i < n; i++) {
    const k = r(10);
    const modifier = k < 4 ? '' : k < 5 ? '=' : k < 7 ? '^~' : k < 9 ? '~' : '~*';
    const regex = modifier.startsWith('~');
    const path = regex ? pick(r, REGEXES) : pick(r, PREFIXES);
    const key = `${regex ? modifier : modifier === '=' ? '=' : 'p'} ${path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ modifier, path, pass: proxyPass(r, groups, regex), settings: settings(r, `${where}L${i}`, 2), nested: [] });
  }
  // (mostly with a location for every URI: without one, nginx answers from its root folder, which the import says)
  if (r(8) && !out.some((l) => l.path === '/' && !l.modifier.startsWith('~') && l.modifier !== '=')) {
    out.push({ modifier: r(3) ? '' : '^~', path: '/', pass: proxyPass(r, groups, false), settings: settings(r, `${where}R`, 2), nested: [] });
  }
  // a prefix nested in a prefix (in a server without regexes: nginx then matches it as a sibling)
  if (!out.some((l) => l.modifier.startsWith('~')) && r(2) === 0) {
    const outer = out.find((l) => l.modifier === '' || l.modifier === '^~');
    if (outer) outer.nested.push({ modifier: '', path: `${outer.path.replace(/^(["'])(.*)\1$/, '$2')}${/\/["']?$/.test(outer.path) ? '' : '/'}in/`.replace(/^.*[ ;].*$/, (q) => `"${q}"`), pass: proxyPass(r, groups, false), settings: settings(r, `${where}N`, 3), nested: [] });
  }
  return out;
}

const quoteRegex = (p: string) => (/[{}; ]/.test(p) ? `"${p.replace(/\\/g, '\\\\')}"` : p);
/** A location's path as a request names it: unquoted, and percent-encoded where a request line must be. */
const asRequest = (p: string) => encodeURI(p.replace(/^(["'])(.*)\1$/, '$2'));

function locationLines(l: Loc, env: Env, indent: string, fix: (lines: string[]) => string[]): string[] {
  const args = l.modifier ? `${l.modifier} ${l.modifier.startsWith('~') ? quoteRegex(l.path) : l.path}` : l.path;
  return [
    `${indent}location ${args} {`,
    `${indent}  proxy_pass ${l.pass(env)};`,
    ...fix(l.settings.lines).map((s) => `${indent}  ${s}`),
    ...l.nested.flatMap((n) => locationLines(n, env, `${indent}  `, fix)),
    `${indent}}`,
  ];
}

/** One random nginx.conf (and the file it includes) with requests aimed at it. */
export function importCase(seed: number, nReq: number): ImportCase {
  const r = rng(seed);
  const groups = Array.from({ length: r(3) }, (_, i) => group(r, `g${i}`));
  const http = settings(r, 'H', 0);
  const nSrv = 1 + r(3);
  const servers = Array.from({ length: nSrv }, (_, i) => {
    const names = new Set<string>();
    for (let k = r(3); k > 0; k--) names.add(pick(r, NAMES));
    // (the first one on 127.0.0.1, which the sides wait for; some on 127.0.0.2 too, or only)
    const addresses = r(3) === 0 ? ['127.0.0.1', '127.0.0.2'] : [i === 0 || r(3) ? '127.0.0.1' : '127.0.0.2'];
    return { names: [...names], settings: settings(r, `S${i}`, 1), locations: locations(r, groups, `S${i}`), addresses, dflt: new Set<string>() };
  });
  // one default server (or none) per address
  for (const a of ['127.0.0.1', '127.0.0.2']) {
    const on = servers.filter((s) => s.addresses.includes(a));
    if (on.length && r(2)) pick(r, on).dflt.add(a);
  }
  const second = servers.some((s) => s.addresses.includes('127.0.0.2'));
  // what goes to the included file: the upstream blocks, a server, or a server's settings
  const inc = r(3) === 0 ? pick(r, ['groups', 'server', 'settings', 'location'] as const) : null;
  const alias = r(4) === 0;
  const usesUpgrade = (s: Settings) => s.lines.some((l) => /connection_upgrade|proxy_connection/.test(l));
  const allSettings = [http, ...servers.flatMap((s) => [s.settings, ...s.locations.flatMap((l) => [l.settings, ...l.nested.map((n) => n.settings)])])];
  const needsMap = allSettings.some(usesUpgrade);
  const regexes = [...servers.flatMap((s) => s.names), ...servers.flatMap((s) => s.locations.map((l) => l.path))].join(' ');
  const groupNames = new Set(['seg', 'rest', 'sub'].filter((g) => regexes.includes(`<${g}>`)));

  const files = (env: Env, dir: string) => {
    // (the map under the name a file uses: both names where both are used)
    const fix = (line: string) => (alias ? line : line.replace('$proxy_connection', '$connection_upgrade'));
    // (a named group is a variable only where some regex of the file has it: nginx -t refuses others)
    const known = (line: string) => [...line.matchAll(/\$(seg|rest|sub)\b/g)].every((m) => groupNames.has(m[1]!));
    const maps = needsMap ? [`map $http_upgrade ${alias ? '$proxy_connection' : '$connection_upgrade'} {`, '  default upgrade;', "  '' close;", '}'] : [];
    if (alias && allSettings.some((s) => s.lines.some((l) => l.includes('$connection_upgrade')))) maps.push('map $http_upgrade $connection_upgrade {', '  default upgrade;', "  '' close;", '}');
    const extra: string[] = [];
    const serverText = (s: (typeof servers)[number], i: number): string[] => {
      const own = s.settings.lines.filter(known).map((l) => `  ${fix(l)}`);
      const inSettings = inc === 'settings' && i === 0 && own.length > 0;
      if (inSettings) extra.push(...own.map((l) => l.trim()));
      return [
        'server {',
        ...s.addresses.map((a) => `  listen ${a}:${env.listen}${s.dflt.has(a) ? ' default_server' : ''};`),
        ...(s.names.length ? [`  server_name ${s.names.join(' ')};`] : []),
        ...(inSettings ? [`  include ${dir}/extra.conf;`] : own),
        ...s.locations.flatMap((l, j) => locationLines(l, env, '  ', (lines) => {
          const kept = lines.filter(known).map(fix);
          // (a location's settings from the included file: the first location of the first server's)
          if (inc !== 'location' || i !== 0 || j !== 0 || !kept.length || lines !== l.settings.lines) return kept;
          extra.push(...kept);
          return [`include ${dir}/extra.conf;`];
        })),
        '}',
      ];
    };
    const body: string[] = [...maps, ...http.lines.filter(known).map(fix)];
    const groupLines = groups.flatMap((g) => g.lines(env));
    if (inc === 'groups' && groups.length) {
      extra.push(...groupLines);
      body.push(`include ${dir}/extra.conf;`);
    } else body.push(...groupLines);
    servers.forEach((s, i) => {
      const text = serverText(s, i);
      if (inc === 'server' && i === servers.length - 1) {
        extra.push(...text);
        body.push(`include ${dir}/extra*.conf;`);
      } else body.push(...text);
    });
    const main = ['events {', '}', 'http {', ...body.map((l) => `  ${l}`), '}', ''].join('\n');
    return { main, extra: extra.length ? `${extra.join('\n')}\n` : null };
  };

  const paths = servers.flatMap((s) => s.locations.flatMap((l) => [l, ...l.nested]));
  const hosts = [...HOSTS, ...servers.flatMap((s) => s.names.filter((n) => !n.startsWith('~') && n !== '""').map((n) => n.replace(/^\*\.|^\./, 'v.').replace(/\.\*$/, '.net')))];
  const limits = allSettings.some((s) => s.lines.some((l) => l.startsWith('client_max_body_size')));
  const requests: ParityRequest[] = [];
  for (let i = 0; i < nReq; i++) {
    const l = paths.length && r(4) ? pick(r, paths) : null;
    let path = l && !l.modifier.startsWith('~') ? asRequest(l.path) : '';
    if (l?.modifier.startsWith('~')) path = pick(r, ['/a/x.png', '/b/', '/a/x', '/n/abc/12', '/c/r/s', '/x/y.css', '/A/b', '/b/x', '/q/7', '/aa/x', '/%C3%A9/x', '/s%20p', '/%2541']);
    if (l?.modifier !== '=' || r(3) === 0) for (let k = r(3); k > 0; k--) path += `${path.endsWith('/') ? '' : '/'}${pick(r, SEGS)}`;
    if (path === '') path = '/';
    if (r(10) === 0) path = path.replace(/\/([^/]*)$/, '//$1');
    if (r(6) === 0) path += pick(r, ['?q=1', '?q=%41&a=b', '?', '?x=%2F']);
    const headers: Array<[string, string]> = [];
    for (let k = r(4); k > 0; k--) headers.push(pick(r, IN_HEADERS));
    const post = limits ? r(3) === 0 : r(10) === 0;
    const host = r(12) === 0 ? null : pick(r, hosts);
    const from = r(3) === 0 ? pick(r, ['127.0.0.2', '127.0.0.3']) : undefined;
    const to = second && r(3) === 0 ? '127.0.0.2' : undefined;
    if (r(15) === 0) requests.push({ path, host: host || 'a.test', from, to, ws: true });
    else requests.push({ path, host, headers, from, to, method: post ? 'POST' : r(10) === 0 ? 'HEAD' : 'GET', body: post ? 'x'.repeat(pick(r, [0, 10, 1000, 1500, 2047, 2048, 2049, 3100, r(20) ? 5 : 1_048_577])) : undefined });
  }
  return { name: `random nginx.conf import seed ${seed}`, upstreams: ECHOES, files, requests, compare: ['*', 'version', 'body'] };
}
