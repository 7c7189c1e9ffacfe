// Validation of a config document: shape (zod, schema.ts) and then nginx's own configuration
// rules, so that anything valid here is accepted by `nginx -t` and means the same to the engine.
import { cutText, unencodable } from '../text/utf16.ts';
import { hiddenControl } from '../text/printable.ts';
import { Config, NON_EMPTY_CODES, PATTERN_CODES, SCHEMA_VERSION } from './schema.ts';
import { unknownFieldHint } from './field-hints.ts';
import type { Config as ConfigT } from './schema.ts';
import { capped, formatPath, type ConfigIssue, type PathPart } from './issues.ts';
import { looseConfig, type LooseConfig, type LooseServer, type LooseUpstream } from './loose.ts';
import { isAddressHost, parseProxyPass, proxyPassError } from './proxy-pass.ts';
import { BINARY_VARIABLES, findVariables, isKnownReference } from '../proxy/variable-names.ts';
import { regexGroupNames } from './group-names.ts';
import { compileNginxRegex, compileServerNameRegex } from '../match/regex.ts';
import { locationText } from '../match/location.ts';
import { canonicalHost, ipv4Parts, ipv6Groups } from './ip.ts';
import { quoteArg } from '../nginx/printer.ts';
import { ROUTE_COMMENT_PREFIX } from '../nginx/defaults.ts';
import { utf8Bytes } from '../match/bytes.ts';
import { TOO_DEEP_MESSAGE, tooDeepAt } from './nesting.ts';

export type ValidationResult = { ok: true; config: ConfigT } | { ok: false; issues: ConfigIssue[] };

interface ZodLikeIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  params?: { code?: string };
  pattern?: string;
  keys?: string[];
  origin?: string;
  maximum?: number | bigint;
}

/** The value `input` has at `path` (undefined where there is none). */
function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let at: unknown = input;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}

/** Whether `path`'s last key is absent from an object that `input` has at the path before it. */
function isMissing(input: unknown, path: readonly (string | number)[]): boolean {
  const at = valueAt(input, path.slice(0, -1));
  return path.length > 0 && at !== null && typeof at === 'object' && !Array.isArray(at) && !Object.prototype.hasOwnProperty.call(at, path[path.length - 1]!);
}

function fromZod(issue: ZodLikeIssue, input: unknown): ConfigIssue[] {
  const parts = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const path = formatPath(parts);
  if (issue.code === 'unrecognized_keys') {
    // one issue per key, at the key itself, with the field it may have meant
    return (issue.keys ?? []).map((k) => {
      const hint = unknownFieldHint(k, parts);
      // (the key as JSON: a newline in it must not start another line of `check`'s output)
      return { path: formatPath([...parts, k]), code: 'unknown_field', message: `unknown field ${JSON.stringify(k)}${hint}` };
    });
  }
  // a whole number past 2^53 (1e30): zod's safe-integer bound, under the field's own "whole number"
  // message; the field's range (which every whole-number field has) says what is wrong, once
  if ((issue.code === 'too_big' || issue.code === 'too_small') && issue.origin === 'int') return [];
  const last = parts[parts.length - 1];
  if (typeof last === 'string' && isMissing(input, parts)) return [{ path, code: 'required', message: `"${last}" is required` }];
  // a version written as text or null is a version this one does not read, said as such (a number
  // other than 1 is the loaders' migrateConfig's to name: older, newer or unknown)
  if (path === 'schemaVersion' && typeof valueAt(input, parts) !== 'number') return [{ path, code: 'unknown_version', message: versionNotANumber(valueAt(input, parts)) }];
  // an empty text where one is needed: said in words, not as zod's length bound
  if (issue.code === 'too_small' && !NON_EMPTY_CODES.has(issue.message) && valueAt(input, parts) === '') {
    return [{ path, code: 'required', message: `${typeof last === 'string' ? `"${last}"` : 'this value'} must not be empty` }];
  }
  // a text or list past its bound: `too_long`, in words, as the 4 KB argument bound says it
  if (issue.code === 'too_big' && (issue.origin === 'string' || issue.origin === 'array') && issue.maximum !== undefined) {
    const v = valueAt(input, parts);
    const has = typeof v === 'string' || Array.isArray(v) ? ` (this has ${v.length.toLocaleString('en-US')})` : '';
    const what = issue.origin === 'string' ? 'characters' : 'entries';
    return [{ path, code: 'too_long', message: `at most ${issue.maximum.toLocaleString('en-US')} ${what}${has}` }];
  }
  let code = issue.code;
  if (issue.code === 'custom' && issue.params?.code) code = issue.params.code;
  else if (issue.code === 'invalid_format' && issue.pattern) code = PATTERN_CODES.get(issue.pattern) ?? code;
  else if (issue.code === 'too_small') code = NON_EMPTY_CODES.get(issue.message) ?? code;
  // a time is one of several fields side by side (the UI's timeout row): say which directive
  if ((code === 'invalid_duration' || code === 'zero_timeout' || code === 'duration_too_long') && typeof last === 'string') {
    return [{ path, code, message: `${last.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}: ${issue.message}` }];
  }
  return [{ path, code, message: issue.message }];
}

/** What a `schemaVersion` that is not a number is: the text "1", null, true, a list, an object. */
function versionNotANumber(v: unknown): string {
  const what = typeof v === 'string' ? `the text ${JSON.stringify(cutText(v, 40))}`
    : v === null || typeof v === 'boolean' ? String(v) : Array.isArray(v) ? 'a list' : 'an object';
  return `schemaVersion is a number, ${SCHEMA_VERSION} for this version (without quotes), not ${what}`;
}

/** Text (values and keys) with a lone UTF-16 surrogate: JSON can write one ("\ud800"), UTF-8 (so nginx.conf) cannot hold it;
 * or with a character that makes nginx.conf read other than it is (a bidirectional control, U+2028…). */
function unencodableText(input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const check = (text: string, path: PathPart[]) => {
    const problem = unencodable(text);
    if (problem !== null) out.push({ path: formatPath(path), code: 'invalid_text', message: problem });
    const hidden = problem === null ? hiddenControl(text) : null;
    if (hidden !== null) out.push({ path: formatPath(path), code: 'hidden_control', message: hidden });
  };
  const todo: Array<[unknown, PathPart[]]> = [[input, []]];
  while (todo.length) {
    const [v, path] = todo.pop()!;
    if (typeof v === 'string') check(v, path);
    else if (Array.isArray(v)) v.forEach((x, i) => todo.push([x, [...path, i]]));
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        check(k, [...path, k]);
        todo.push([x, [...path, k]]);
      }
    }
  }
  return out;
}

/** `localhost`: the addresses `listen localhost:PORT` binds, where the caller looked them up (the
 * engine, `check`); 127.0.0.1 alone otherwise. */
export function validateConfig(input: unknown, localhost: readonly string[] = LOCALHOST_V4): ValidationResult {
  const deep = tooDeepAt(input);
  if (deep) return { ok: false, issues: [{ path: formatPath(deep), code: 'too_deep', message: TOO_DEEP_MESSAGE }] };
  const parsed = Config.safeParse(input);
  // text UTF-8 cannot hold; then the schema's issues, plus nginx's rules on every part of the draft
  // that is well-formed enough to check, so that one bad field does not hide the rest
  const issues = [
    ...unencodableText(input),
    ...(parsed.success
      ? semanticIssues(parsed.data, localhost)
      : [...parsed.error.issues.flatMap((i) => fromZod(i as unknown as ZodLikeIssue, input)), ...semanticIssues(looseConfig(input), localhost)]),
  ];
  return issues.length || !parsed.success ? { ok: false, issues: capped(issues) } : { ok: true, config: parsed.data };
}

/**
 * nginx's configuration rules, checked on a config that passed the schema, or on the best-effort
 * view of one that did not (loose.ts): a rule runs only where the fields it reads are present.
 */
export function semanticIssues(config: ConfigT | LooseConfig, localhost: readonly string[] = LOCALHOST_V4): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: PathPart[], code: string, message: string) => issues.push({ path: formatPath(path), code, message });

  // nginx compares upstream names case-insensitively
  const names: Names = 'namesComplete' in config
    ? { defined: config.upstreamNames, complete: config.namesComplete }
    : { defined: new Set(config.upstreams.map((u) => u.name.toLowerCase())), complete: true };
  const groups = regexGroupNames(config);
  const upstreamNames = new Map<string, number>();
  config.upstreams.forEach((u, i) => {
    if (u.name !== undefined) {
      const key = u.name.toLowerCase();
      if (upstreamNames.has(key)) add(['upstreams', i, 'name'], 'duplicate_upstream', `duplicate upstream "${u.name}"`);
      else upstreamNames.set(key, i);
    }
    checkUpstream(u, ['upstreams', i], groups, add);
  });

  const defaults = new Map<string, PathPart[]>();
  config.servers.forEach((s, si) => checkServer(s, si, names, groups, defaults, localhost, add));
  return issues;
}

/** The upstream names a proxy_pass can refer to; `complete` is false when some entry's name is unreadable. */
interface Names {
  defined: ReadonlySet<string>;
  complete: boolean;
}

type Add = (path: PathPart[], code: string, message: string) => void;

/** `groups`: the config's named regex groups (variables too); `where`: a header value cannot take raw bytes. */
function checkVariables(value: string, path: PathPart[], groups: ReadonlySet<string>, where: 'header' | 'key', add: Add) {
  for (const v of findVariables(value)) {
    if (v.name === '') add(path, 'invalid_variable', `"$" must start a variable name at character ${v.start + 1}; nginx has no escape for a literal "$"`);
    else if (!isKnownReference(v, groups)) add(path, 'unknown_variable', `unknown variable "$${v.braced ? `{${v.name}}` : v.name}"`);
    else if (where === 'header' && BINARY_VARIABLES.has(v.name.toLowerCase())) add(path, 'binary_variable', `$${v.name} is the client address as 4 or 16 raw bytes (NUL among them), for a hash key: a header value cannot carry it; use $remote_addr`);
  }
}

/**
 * The longest argument nginx reads, as written. Its config buffer is 4096 bytes, and it must hold
 * the argument (from the opening quote, if any) and the one or two bytes after it that end it
 * (a space after a location's path, then the "{" it reads before reading on).
 */
const MAX_ARGUMENT_BYTES = 4094;

/** Text that becomes one nginx.conf argument: longer than nginx reads, nginx -t fails ("too long parameter"). */
function checkArgumentLength(text: string | undefined, path: PathPart[], add: Add) {
  if (text === undefined) return;
  const bytes = utf8Bytes(quoteArg(text)).length;
  if (bytes > MAX_ARGUMENT_BYTES) {
    add(path, 'too_long', `${bytes} bytes as written in nginx.conf (UTF-8, with quotes and escapes): nginx reads at most ${MAX_ARGUMENT_BYTES} ("too long parameter"); shorten it`);
  }
}

/** A route's name, exported as the comment `# route: NAME` above its location: nginx reads a
 * comment through the same 4096-byte buffer as an argument ("too long parameter"). */
function checkRouteComment(name: string | undefined, path: PathPart[], add: Add) {
  if (name === undefined) return;
  const bytes = utf8Bytes(`#${ROUTE_COMMENT_PREFIX}${name}`).length;
  if (bytes > MAX_ARGUMENT_BYTES) {
    add(path, 'too_long', `${bytes} bytes as the comment "# route: …" in nginx.conf (UTF-8): nginx reads at most ${MAX_ARGUMENT_BYTES} ("too long parameter"); shorten it`);
  }
}

function checkUpstream(u: LooseUpstream, base: PathPart[], groups: ReadonlySet<string>, add: Add) {
  const m = u.method?.type;
  if (u.method?.type === 'hash') {
    checkVariables(u.method.key, [...base, 'method', 'key'], groups, 'key', add);
    checkArgumentLength(u.method.key, [...base, 'method', 'key'], add);
  }
  const servers = u.servers ?? [];
  servers.forEach((s, i) => {
    if (s.backup && (m === 'ip_hash' || m === 'hash' || m === 'random')) {
      add([...base, 'servers', i, 'backup'], 'backup_not_supported', `balancing method "${m}" does not support backup servers (nginx refuses it)`);
    }
    if (s.address === undefined) return;
    const port = /:(\d+)$/.exec(s.address);
    if (port && (Number(port[1]) < 1 || Number(port[1]) > 65535)) add([...base, 'servers', i, 'address'], 'invalid_port', 'port must be 1-65535');
    const host = port ? s.address.slice(0, port.index) : s.address;
    if (!isValidHost(host)) add([...base, 'servers', i, 'address'], 'invalid_address', `"${host}" is not a valid IP address or host name`);
  });
  // (an empty list is the schema's no_servers; a server whose backup flag is unreadable might be the primary)
  if (servers.length && servers.every((s) => s.backup === true)) add([...base, 'servers'], 'no_primary_server', 'an upstream needs at least one non-backup server');
}

function checkServer(s: LooseServer, si: number, upstreams: Names, groups: ReadonlySet<string>, defaults: Map<string, PathPart[]>, localhost: readonly string[], add: Add) {
  const base: PathPart[] = ['servers', si];
  const listens = new Set<string>();
  s.listen?.forEach((l, li) => {
    if (l.address === undefined) return;
    const sockets = listenSockets(l.address, localhost);
    const again = sockets.find((k) => listens.has(k));
    if (again !== undefined) add([...base, 'listen', li, 'address'], 'duplicate_listen', `a duplicate listen ${again} in this server${again !== normalizeListen(l.address) ? ` (${l.address} is ${sockets.join(' and ')} here)` : ''}`);
    for (const k of sockets) listens.add(k);
    const key = normalizeListen(l.address);
    const host = key.slice(0, key.lastIndexOf(':'));
    if (!isValidHost(host)) add([...base, 'listen', li, 'address'], 'invalid_listen', `"${host}" is not a valid IP address`);
    else if (host.startsWith('[') && host.includes('.')) {
      // nginx binds IPv6 listeners with ipv6only=on, where such an address fails (EINVAL)
      const v4 = host.slice(host.lastIndexOf(':') + 1, -1);
      add([...base, 'listen', li, 'address'], 'invalid_listen', `nginx cannot listen on the IPv4-mapped address ${host} (its IPv6 sockets are ipv6only): listen on ${v4} instead`);
    }
    const port = Number(/(\d+)$/.exec(l.address)![1]);
    if (port < 1 || port > 65535) add([...base, 'listen', li, 'address'], 'invalid_port', 'port must be 1-65535');
    if (l.defaultServer) {
      const taken = sockets.find((k) => defaults.has(k));
      if (taken !== undefined) add([...base, 'listen', li, 'defaultServer'], 'duplicate_default_server', `a duplicate default server for ${taken === normalizeListen(l.address) ? l.address : `${taken} (${l.address} is ${sockets.join(' and ')} here)`}`);
      else for (const k of sockets) defaults.set(k, [...base, 'listen', li]);
    }
  });
  s.serverNames?.forEach((n, ni) => {
    if (n === undefined) return;
    checkArgumentLength(n, [...base, 'serverNames', ni], add);
    if (n === '.' || n === '*' || n === '~') {
      add([...base, 'serverNames', ni], 'invalid_server_name', `server name "${n}" is invalid`);
    } else if (n.toLowerCase() === '$hostname') {
      // nginx compares it case-insensitively; any other "$" in a server name is literal text to nginx too
      add([...base, 'serverNames', ni], 'unsupported_server_name', `nginx reads "${n}" as this machine's host name, which Switchyard does not model: write the name itself`);
    } else if (n.startsWith('~')) {
      const r = compileServerNameRegex(n.slice(1));
      if (!r.ok) add([...base, 'serverNames', ni], 'invalid_regex', r.message);
    } else if (n.includes('..')) {
      // ngx_hash_add_key refuses it: nginx -t fails once the name is hashed (two servers on its socket),
      // and no Host could match it anyway (nginx answers 400 to a Host with "..")
      add([...base, 'serverNames', ni], 'invalid_server_name', `server name "${n}" has an empty label (".."), which nginx refuses ("invalid server name or wildcard")`);
    } else if (n.includes('*') && !/^\*\.[^*]+$/.test(n) && !/^[^*]+\.\*$/.test(n)) {
      add([...base, 'serverNames', ni], 'invalid_server_name', 'a wildcard is allowed only as "*.name" or "name.*"');
    }
  });

  const seen = new Map<string, number>();
  s.locations?.forEach((loc, li) => {
    const lb: PathPart[] = [...base, 'locations', li];
    const isRegex = loc.modifier === '~' || loc.modifier === '~*';
    checkArgumentLength(loc.path, [...lb, 'path'], add);
    checkArgumentLength(loc.proxyPass, [...lb, 'proxyPass'], add);
    checkRouteComment(loc.name, [...lb, 'name'], add);
    if (loc.modifier === undefined || loc.path === undefined) {
      // the path's rules need both
    } else if (isRegex) {
      const r = compileNginxRegex(loc.path, loc.modifier === '~*');
      if (!r.ok) add([...lb, 'path'], 'invalid_regex', r.message);
    } else {
      if (!loc.path.startsWith('/')) add([...lb, 'path'], 'invalid_location_path', 'a prefix or exact location must start with "/"');
      const key = `${loc.modifier === '=' ? '=' : 'prefix'} ${loc.path}`;
      if (seen.has(key)) {
        const first = s.locations![seen.get(key)!]!;
        add([...lb, 'path'], 'duplicate_location', `duplicate location "${loc.path}": the same as locations[${seen.get(key)!}] of this server (${locationText(first)}${first.proxyPass ? ` → ${first.proxyPass}` : ''}); nginx refuses two`);
      }
      else seen.set(key, li);
    }

    const target = loc.proxyPass === undefined ? undefined : parseProxyPass(loc.proxyPass);
    if (target === undefined) {
      // no proxy_pass to check
    } else if (!target) {
      // (a port past 65535 says so, as in a listen address or an upstream server)
      if (proxyPassError(loc.proxyPass!) === 'invalid_port') add([...lb, 'proxyPass'], 'invalid_port', 'port must be 1-65535');
      // (an https:// upstream is the one nginx takes and Switchyard does not: said as such, as the importer says it)
      else if (/^https:\/\//i.test(loc.proxyPass!)) add([...lb, 'proxyPass'], 'invalid_proxy_pass', 'Switchyard speaks plain HTTP to upstreams (https:// is not modelled): use "http://upstream_name" or "http://host:port"');
      else add([...lb, 'proxyPass'], 'invalid_proxy_pass', 'expected "http://upstream_name", "http://host:port" or "http://host:port/uri"');
    } else {
      // (with variables it may: nginx then sends the URI as they make it)
      if (target.uri !== null && isRegex && !target.variables) {
        add([...lb, 'proxyPass'], 'proxy_pass_uri_in_regex', 'proxy_pass cannot have a URI part in a regex location');
      }
      const isUpstream = upstreams.defined.has(target.host.toLowerCase());
      // with an unreadable upstream name in the draft, any unknown host might be that upstream
      const surelyNotUpstream = !isUpstream && upstreams.complete;
      // (with variables, variable_proxy_pass_host below says it: a port would not help there)
      if (target.port === null && surelyNotUpstream && !isAddressHost(target.host) && !target.variables) {
        add([...lb, 'proxyPass'], 'unknown_upstream', `no upstream named "${target.host}": define it, or use an address with a port`);
      }
      if (target.port !== null && isUpstream) {
        add([...lb, 'proxyPass'], 'upstream_with_port', `"${target.host}" is an upstream group: write it without a port`);
      }
      if (surelyNotUpstream && !isValidHost(target.host)) {
        add([...lb, 'proxyPass'], 'invalid_address', `"${target.host}" is not a valid IP address or host name`);
      }
      // nginx takes ';', '{', '}', quotes and '\\' in a quoted proxy_pass (and sends them as written;
      // the export quotes the argument); a space ends the URL
      if (target.uri !== null && /\s/.test(target.uri)) {
        add([...lb, 'proxyPass'], 'invalid_proxy_pass', 'the proxy_pass URI cannot contain spaces');
      }
      if (target.variables) {
        checkVariables(target.uri!, [...lb, 'proxyPass'], groups, 'header', add);
        // nginx parses the URL once the variables are in: right after the host, only a variable that
        // starts the URI (or is empty) keeps the host as written
        if (target.uri!.startsWith('$') && !/^\$(\{(request_uri|uri|document_uri|is_args)\}|(request_uri|uri|document_uri|is_args)(?![A-Za-z0-9_]))/i.test(target.uri!)) {
          add([...lb, 'proxyPass'], 'invalid_proxy_pass', 'right after the host, a variable must be $request_uri, $uri, $document_uri or $is_args (another one would become part of the host name or port); write "/" before it');
        }
        // nginx looks such a host up at request time (no_resolve at config time), among the upstream
        // groups, else as an address; a name needs a `resolver`, which Switchyard does not model
        if (surelyNotUpstream && !/^(\d{1,3}(\.\d{1,3}){3}|\[.*\])$/.test(target.host)) {
          add([...lb, 'proxyPass'], 'variable_proxy_pass_host', `a proxy_pass with variables needs an upstream group or an IP address: nginx would look "${target.host}" up for each request, and without a resolver answers 502`);
        }
      }
    }

    loc.proxySetHeader?.forEach((h, hi) => {
      if (h.value !== undefined) checkVariables(h.value, [...lb, 'proxySetHeader', hi, 'value'], groups, 'header', add);
      checkArgumentLength(h.value, [...lb, 'proxySetHeader', hi, 'value'], add);
      if (h.name === undefined) return;
      const lower = h.name.toLowerCase();
      if (loc.websocket && (lower === 'upgrade' || lower === 'connection')) {
        add([...lb, 'proxySetHeader', hi, 'name'], 'websocket_header_conflict', `the WebSocket switch sets ${h.name}; remove this header or turn the switch off`);
      }
      if (lower === 'content-length' || lower === 'transfer-encoding') {
        // nginx sends these as written instead of its own, so they no longer describe the body it sends
        // (an empty value removes the header: nginx then sends the body without its own framing header)
        const what = h.value === '' ? `an empty ${h.name} would remove nginx's own, and the upstream could not tell` : `nginx would send ${h.name} as set here in place of its own, and the upstream would misread`;
        add([...lb, 'proxySetHeader', hi, 'name'], 'framing_header', `${what} where the request body ends: remove it (the body's framing is nginx's own)`);
      }
    });
  });
}

/** A dotted-quad IPv4 (each part 0-255), a bracketed IPv6 nginx accepts, or a DNS name. */
export function isValidHost(host: string): boolean {
  if (host.startsWith('[')) return host.endsWith(']') && ipv6Groups(host.slice(1, -1)) !== null;
  if (/^[\d.]+$/.test(host)) return ipv4Parts(host) !== null;
  return /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/.test(host);
}

/**
 * The listen socket an address names, as nginx compares them (as addresses, not text): "8080" and
 * "*:8080" are one socket, and so are "[::1]:80" and "[0:0::1]:80", "127.0.0.010:80" and "127.0.0.10:080".
 */
export function normalizeListen(address: string): string {
  const m = /^(?:(.*):)?(\d+)$/.exec(address)!;
  const host = m[1] === undefined || m[1] === '*' ? '0.0.0.0' : m[1] === 'localhost' ? '127.0.0.1' : canonicalHost(m[1]);
  return `${host}:${Number(m[2])}`;
}

/** A listen address naming localhost ("localhost:8080"): its port. */
export const LOCALHOST_LISTEN = /^localhost:(\d+)$/i;

/** What `localhost` is taken to resolve to when nobody looked it up (the UI's checks). */
export const LOCALHOST_V4: readonly string[] = ['127.0.0.1'];

/**
 * Every listen socket an address names: "localhost:8080" is one per address the name resolves to
 * (127.0.0.1, and [::1] where /etc/hosts says so: nginx binds each and refuses a duplicate of any);
 * any other address is one socket, as normalizeListen names it.
 */
export function listenSockets(address: string, localhost: readonly string[] = LOCALHOST_V4): string[] {
  const m = LOCALHOST_LISTEN.exec(address);
  if (!m) return [normalizeListen(address)];
  return localhost.map((a) => normalizeListen(`${a.includes(':') ? `[${a}]` : a}:${m[1]}`));
}
