// Which server block answers a request, as nginx 1.22 chooses among the servers of one listen
// socket: ngx_http_validate_host, then exact name, longest leading wildcard, longest trailing
// wildcard, regex names in order; else the default_server, else the first server of the socket.
import { compileServerNameRegex } from './regex.ts';
import { namedCaptures } from './regex-groups.ts';
import { asciiLower, utf8Bytes } from './bytes.ts';

export interface ServerCandidate {
  serverNames: readonly string[];
  /** The listen entry of this server for the accepting socket has default_server. */
  defaultServer: boolean;
}

export type ServerSelection =
  | {
    ok: true; index: number; /** nginx r->headers_in.server: the validated host, null when none was sent. */ host: string | null; explain: string;
    /** A regex server_name's captures of the host ($1…): nginx keeps them for a location that runs no regex of its own. */
    captures?: string[];
    /** Its named groups (namedCaptures). */
    named?: Record<string, string>;
  }
  | { ok: false; status: 400; reason: string };

/**
 * ngx_http_validate_host: strip ":port" (after "[...]" for IPv6) and one trailing dot, lowercase
 * ASCII; null when nginx answers 400 ("..", '/', controls, space, empty).
 */
export function validateHost(raw: string): string | null {
  let dotPos = -2;
  let hostLen = raw.length;
  let state: 'usual' | 'literal' | 'rest' = 'usual';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x2e) {
      if (dotPos === i - 1) return null;
      dotPos = i;
    } else if (c === 0x3a) {
      if (state === 'usual') { hostLen = i; state = 'rest'; }
    } else if (c === 0x5b) {
      if (i === 0) state = 'literal';
    } else if (c === 0x5d) {
      if (state === 'literal') { hostLen = i + 1; state = 'rest'; }
    } else if (c === 0x2f || c <= 0x20 || c === 0x7f) {
      return null;
    }
  }
  if (dotPos === hostLen - 1) hostLen--;
  if (hostLen <= 0) return null;
  return asciiLower(raw.slice(0, hostLen));
}

type Name =
  | { kind: 'exact'; name: string; server: number; text: string }
  | { kind: 'head'; suffix: string; withBase: boolean; server: number; text: string }
  | { kind: 'tail'; prefix: string; server: number; text: string }
  | { kind: 'regex'; re: RegExp; server: number; text: string };

/**
 * A server's names as nginx holds them: a server without server_name has the empty name "", which
 * is what a request without Host looks up.
 */
function namesOfServer(c: ServerCandidate): readonly string[] {
  return c.serverNames.length ? c.serverNames : [''];
}

/**
 * nginx's primary server name (cscf->server_name, what $host is without a Host): the first name,
 * lowercased, without the leading dot of ".name"; regex names keep their "~"; "" without names.
 * A byte string: nginx has the name as the UTF-8 bytes of the config text ("日本.test" too).
 */
export function primaryServerName(serverNames: readonly string[]): string {
  const first = utf8Bytes(serverNames[0] ?? '');
  if (first.startsWith('~')) return first;
  const n = asciiLower(first);
  return n.startsWith('.') ? n.slice(1) : n;
}

/** The names of all candidates, as nginx's hashes hold them (later conflicting names are ignored). */
function collectNames(candidates: readonly ServerCandidate[]): Name[] {
  const out: Name[] = [];
  const exactKeys = new Set<string>(); // exact names and the base of ".name" share one conflict set
  const headKeys = new Set<string>();
  const tailKeys = new Set<string>();
  candidates.forEach((c, server) => {
    for (const text of namesOfServer(c)) {
      if (text.startsWith('~')) {
        const r = compileServerNameRegex(text.slice(1));
        if (r.ok) out.push({ kind: 'regex', re: r.regex, server, text });
        continue;
      }
      const n = asciiLower(utf8Bytes(text));
      if (n.length > 1 && n.startsWith('.')) {
        const base = n.slice(1);
        // nginx checks (and records) the base name among exact names first, then the wildcard
        if (exactKeys.has(base)) continue; // "conflicting server name", ignored
        exactKeys.add(base);
        if (headKeys.has(base)) continue;
        headKeys.add(base);
        out.push({ kind: 'head', suffix: n, withBase: true, server, text });
      } else if (n.length > 2 && n.startsWith('*.')) {
        const base = n.slice(2);
        if (headKeys.has(base)) continue;
        headKeys.add(base);
        out.push({ kind: 'head', suffix: n.slice(1), withBase: false, server, text });
      } else if (n.length > 2 && n.endsWith('.*')) {
        const base = n.slice(0, -2);
        if (tailKeys.has(base)) continue;
        tailKeys.add(base);
        out.push({ kind: 'tail', prefix: n.slice(0, -1), server, text });
      } else {
        if (exactKeys.has(n)) continue;
        exactKeys.add(n);
        out.push({ kind: 'exact', name: n, server, text });
      }
    }
  });
  return out;
}

/**
 * The names of a candidate list, collected once per list object (a listen socket's list lives as
 * long as its connection and config; regex names are compiled here). Callers must not change a
 * list they have passed.
 */
const namesOf = new WeakMap<readonly ServerCandidate[], Name[]>();

function namesFor(candidates: readonly ServerCandidate[]): Name[] {
  let n = namesOf.get(candidates);
  if (n === undefined) {
    n = collectNames(candidates);
    namesOf.set(candidates, n);
  }
  return n;
}

/** The server for `host` among one socket's candidates (config order). */
export function findServerByName(candidates: readonly ServerCandidate[], host: string): { index: number; explain: string; captures?: string[]; named?: Record<string, string> | undefined } | null {
  const names = namesFor(candidates);
  for (const n of names) if (n.kind === 'exact' && n.name === host) return { index: n.server, explain: `server_name ${n.text} (exact)` };
  let best: Extract<Name, { kind: 'head' }> | null = null;
  for (const n of names) {
    if (n.kind !== 'head') continue;
    // ".a.test" is a subdomain of "*.a.test" to nginx too (an empty first label)
    const hit = host.endsWith(n.suffix) || (n.withBase && host === n.suffix.slice(1));
    if (hit && (best === null || n.suffix.length > best.suffix.length)) best = n;
  }
  if (best) return { index: best.server, explain: `server_name ${best.text} (longest leading wildcard)` };
  let bestTail: Extract<Name, { kind: 'tail' }> | null = null;
  for (const n of names) {
    if (n.kind !== 'tail') continue;
    const hit = host.length > n.prefix.length && host.startsWith(n.prefix);
    if (hit && (bestTail === null || n.prefix.length > bestTail.prefix.length)) bestTail = n;
  }
  if (bestTail) return { index: bestTail.server, explain: `server_name ${bestTail.text} (longest trailing wildcard)` };
  for (const n of names) {
    if (n.kind !== 'regex') continue;
    const m = n.re.exec(host);
    if (m) return { index: n.server, explain: `server_name ${n.text} (first matching regex)`, captures: m.slice(1).map((c) => c ?? ''), named: namedCaptures(m) };
  }
  return null;
}

function defaultIndex(candidates: readonly ServerCandidate[]): { index: number; why: string } {
  const d = candidates.findIndex((c) => c.defaultServer);
  return d >= 0 ? { index: d, why: 'the default_server' } : { index: 0, why: 'the first server for this address' };
}

/**
 * Select the server block. `host` is the absolute-form host of the request line, else the Host
 * header, null when neither was sent. Pass `hostHeader` too when the request line had a host:
 * nginx still rejects an invalid Host header then.
 */
export function selectServer(candidates: readonly ServerCandidate[], host: string | null, hostHeader?: string | null): ServerSelection {
  const headerSent = hostHeader !== undefined && hostHeader !== null;
  const validHeader = headerSent ? validateHost(hostHeader) : null;
  if (headerSent && validHeader === null) return { ok: false, status: 400, reason: 'client sent invalid host header' };
  if (candidates.length === 0) return { ok: false, status: 400, reason: 'no server for this address' };
  if (host === null) {
    // nginx looks the empty name up among the exact names (no wildcard or regex takes it)
    const empty = namesFor(candidates).find((n) => n.kind === 'exact' && n.name === '');
    if (empty) return { ok: true, index: empty.server, host: null, explain: `no Host: the server named "" (${candidates[empty.server]!.serverNames.length ? 'server_name ""' : 'no server_name'})` };
    const d = defaultIndex(candidates);
    return { ok: true, index: d.index, host: null, explain: `no Host: ${d.why}` };
  }
  const h = host === hostHeader ? validHeader : validateHost(host);
  if (h === null) return { ok: false, status: 400, reason: 'client sent invalid host header' };
  const found = findServerByName(candidates, h);
  if (found) return { ok: true, index: found.index, host: h, explain: found.explain, ...(found.captures ? { captures: found.captures } : {}), ...(found.named ? { named: found.named } : {}) };
  const d = defaultIndex(candidates);
  return { ok: true, index: d.index, host: h, explain: `no server_name matches "${h}": ${d.why}` };
}

/**
 * nginx $host: the host of the request line, else the Host header (lowercase, no port, no trailing
 * dot), else the server's first server_name. `host` is a raw value; invalid ones never get this far.
 */
export function hostVariable(host: string | null, serverName: string): string {
  if (host !== null) {
    const h = validateHost(host);
    if (h !== null) return h;
  }
  return serverName;
}
