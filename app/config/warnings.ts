// What nginx -t warns of in a config it still takes, so that `check` (and an import) can say it too.
// A server name with a '/': no Host can have one (a request whose Host has one is refused, 400).
// A server name that an earlier server on the same listen socket has already (or that its own
// server wrote before, where nginx hashes the socket's names): nginx keeps the first server for it
// (the engine does the same, app/match/server.ts) and the later one never gets a request by that
// name: dead configuration, said nowhere else.
// And one nginx does not warn of: a proxy_set_header value with a variable that holds the decoded
// request path ($uri, $document_uri, a regex location's $1…$9): a client's %0d%0a is a line break
// there, which starts a header line of the client's own in the upstream's request. nginx sends it so
// too, and the engine does as nginx does; the warning says so, and names $request_uri (not decoded).
import type { Config } from './schema.ts';
import type { ConfigIssue } from './issues.ts';
import { listenSockets, LOCALHOST_V4 } from './validate.ts';
import { asciiLower } from '../match/bytes.ts';
import { compileNginxRegex, compileServerNameRegex } from '../match/regex.ts';
import { addNames } from './group-names.ts';
import { findVariables } from '../proxy/variable-names.ts';
import { parseProxyPass } from './proxy-pass.ts';

/** A regex server name with capture groups ($1, named ones). */
function capturing(name: string): boolean {
  if (!name.startsWith('~')) return false;
  const r = compileServerNameRegex(name.slice(1));
  return r.ok && new RegExp(`${r.regex.source}|`).exec('')!.length > 1;
}

/** Warnings for a valid config (path, code, message as validation's issues); empty when none.
 * `localhost`: the addresses `listen localhost:PORT` binds, where the caller looked them up. */
export function configWarnings(config: Config, localhost: readonly string[] = LOCALHOST_V4): ConfigIssue[] {
  const bySocket = new Map<string, number[]>();
  /** Each socket's default server: the one marked so there, else the first listening there. */
  const defaults = new Map<string, number>();
  config.servers.forEach((s, si) => {
    for (const l of s.listen) {
      for (const key of listenSockets(l.address, localhost)) {
        const list = bySocket.get(key) ?? [];
        if (!list.includes(si)) list.push(si);
        bySocket.set(key, list);
        if (l.defaultServer && !defaults.has(key)) defaults.set(key, si);
      }
    }
  });
  const out: ConfigIssue[] = [];
  // (nginx -t: "server name ... has suspicious symbols", of a regex name too, which may still match)
  config.servers.forEach((s, si) => s.serverNames.forEach((n, ni) => {
    if (!n.includes('/')) return;
    const why = n.startsWith('~')
      ? 'nginx -t warns of it in any name; a regex may still match Hosts without one (a Host with a "/" is refused, 400)'
      : 'a request whose Host has one is refused (400), so none gets this server by that name (nginx -t warns the same)';
    out.push({ path: `servers[${si}].serverNames[${ni}]`, code: 'suspicious_server_name', message: `server name "${n}" has suspicious symbols ("/"): ${why}` });
  }));
  const said = new Set<string>();
  for (const [socket, servers] of bySocket) {
    // (exact names, and the wildcard forms: ".x" is both "x" and "*.x" to nginx; regexes never conflict)
    const first = new Map<string, number>();
    // nginx hashes a socket's names only when two or more servers share it, or when its default
    // server has a regex name with captures; only then does it see (and warn of) a name one server
    // repeats (nginx sets a server's "captures" from each regex name in turn: the last one decides)
    const lastRegex = config.servers[defaults.get(socket) ?? servers[0]!]!.serverNames.filter((x) => x.startsWith('~')).at(-1);
    const hashed = servers.length > 1 || (lastRegex !== undefined && capturing(lastRegex));
    for (const si of servers) {
      const names = config.servers[si]!.serverNames;
      const here = hashed ? new Set<string>() : null;
      (names.length ? names : ['']).forEach((text, ni) => {
        // (nginx lower-cases ASCII only: "É.test" and "é.test" are two names)
        if (text.startsWith('~')) return;
        const n = asciiLower(text);
        const keys = n.length > 1 && n.startsWith('.') ? [n.slice(1), `*${n}`] : [n];
        const earlier = keys.map((k) => first.get(k)).find((x) => x !== undefined && x !== si);
        const repeated = here !== null && keys.some((k) => here.has(k));
        for (const k of keys) {
          if (!first.has(k)) first.set(k, si);
          here?.add(k);
        }
        if (earlier === undefined && !repeated) return;
        const path = names.length ? `servers[${si}].serverNames[${ni}]` : `servers[${si}].serverNames`;
        if (said.has(`${path} ${socket}`)) return;
        said.add(`${path} ${socket}`);
        const who = earlier !== undefined ? `servers[${earlier}] has it already` : 'this server has it already';
        out.push({ path, code: 'conflicting_server_name', message: `conflicting server name "${n}" on ${socket}: ${who}, so nginx ignores it here, and so does Switchyard (nginx -t warns the same)` });
      });
    }
  }
  out.push(...decodedUriHeaders(config));
  return out;
}

/** The variables in a header value whose text is the decoded request path (lower case, as written
 * once each): $uri, $document_uri, and in a regex location $1…$9 and the regex's named groups, what
 * it captured from that path (elsewhere they are a server name regex's, from the Host, which has no
 * line break). `groups`: the location regex's group names, lowercase; null for another location. */
export function decodedUriVariables(value: string, groups: ReadonlySet<string> | null): string[] {
  const names = findVariables(value)
    .map((v) => (v.capture ? (groups ? v.name : '') : v.name.toLowerCase()))
    .filter((n) => n === 'uri' || n === 'document_uri' || /^[1-9]$/.test(n) || groups?.has(n));
  return [...new Set(names)].map((n) => `$${n}`);
}

function decodedUriHeaders(config: Config): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  config.servers.forEach((s, si) => s.locations.forEach((l, li) => {
    // a proxy_pass with variables makes the request line of them: a line break there splits it the same way
    const target = parseProxyPass(l.proxyPass);
    const passVariables = target?.variables ? target.uri! : null;
    let groups: Set<string> | null = null;
    if ((l.modifier === '~' || l.modifier === '~*') && (l.proxySetHeader.length || passVariables !== null)) addNames(groups = new Set(), compileNginxRegex(l.path, l.modifier === '~*'));
    const at = `servers[${si}].locations[${li}]`;
    if (passVariables !== null) decodedWarning(passVariables, { what: 'the proxy_pass URI', code: 'proxy_pass' }, groups, `${at}.proxyPass`, out);
    l.proxySetHeader.forEach((h, hi) => decodedWarning(h.value, { what: `header "${h.name}"`, code: 'header' }, groups, `${at}.proxySetHeader[${hi}].value`, out));
  }));
  return out;
}

/** The decoded_uri_in_* and decoded_user_in_* warnings of one value (a header's, or a proxy_pass URI with variables), if it has them. */
function decodedWarning(value: string, where: { what: string; code: 'header' | 'proxy_pass' }, groups: ReadonlySet<string> | null, path: string, out: ConfigIssue[]): void {
  if (findVariables(value).some((v) => !v.capture && v.name.toLowerCase() === 'remote_user')) {
    out.push({
      path,
      code: `decoded_user_in_${where.code}`,
      message: `$remote_user in ${where.what} holds the user name of an Authorization: Basic header as decoded from its base64: a client can put line breaks in it, and the upstream reads what follows as header lines of the client's; nginx passes them on too`,
    });
  }
  const vars = decodedUriVariables(value, groups);
  if (vars.length === 0) return;
  const what = vars.some((v) => v !== '$uri' && v !== '$document_uri') ? 'the request path as decoded (this location\'s regex captures from it)' : 'the request path as decoded';
  out.push({
    path,
    code: `decoded_uri_in_${where.code}`,
    message: `${vars.join(', ')} in ${where.what} ${vars.length > 1 ? 'hold' : 'holds'} ${what}: a client can put line breaks in it (%0d%0a), and the upstream reads what follows as header lines of the client's; nginx passes them on too. $request_uri is the path as the client sent it, not decoded: use it instead where the upstream can take that`,
  });
}
