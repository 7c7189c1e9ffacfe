// The nginx variables Switchyard evaluates (and so may appear in header values and hash keys).
// Anything else would make `nginx -t` fail with "unknown variable" or behave differently.
import { EXPORT_DEFINED_VARIABLES } from '../nginx/defaults.ts';
import { nearestWord } from '../text/edit-distance.ts';

export const FIXED_VARIABLES: ReadonlySet<string> = new Set([
  'host', 'http_host', 'proxy_host', 'proxy_port', 'proxy_add_x_forwarded_for',
  'remote_addr', 'remote_port', 'server_addr', 'server_port', 'server_name', 'server_protocol',
  'scheme', 'request_uri', 'uri', 'document_uri', 'args', 'query_string', 'is_args',
  'request_method', 'connection_upgrade', 'http_upgrade',
  'request', 'request_id', 'content_length', 'content_type', 'https', 'remote_user', 'hostname',
  'connection', 'connection_requests', 'msec', 'time_local', 'time_iso8601',
  'realip_remote_addr', 'realip_remote_port', 'binary_remote_addr',
]);

/** Variables whose value is raw bytes (NUL among them), for a hash key but no header value. */
export const BINARY_VARIABLES: ReadonlySet<string> = new Set(['binary_remote_addr']);

/** $http_<name>, $cookie_<name>, $arg_<name>: the families nginx resolves per request. */
export const VARIABLE_PREFIXES: readonly string[] = ['http_', 'cookie_', 'arg_'];

/** $1…$9: a regex capture (one digit, never in braces: "$10" is $1 then "0"). */
export const isCaptureReference = (name: string): boolean => name.length === 1 && name >= '1' && name <= '9';

/** Whether Switchyard evaluates `$name`; nginx reads variable names case-insensitively (`$HOST` is `$host`). */
export function isKnownVariable(name: string): boolean {
  const lower = name.toLowerCase();
  if (FIXED_VARIABLES.has(lower)) return true;
  return VARIABLE_PREFIXES.some((p) => lower.length > p.length && lower.startsWith(p));
}

/**
 * The variables nginx 1.22 (Debian's build) defines with a fixed value. nginx makes every named
 * regex group, `(?<name>...)` in a location or server name, the variable $name, and refuses a name
 * it already has ("the duplicate "host" variable"): nginx -t fails with each of these.
 */
export const NGINX_FIXED_VARIABLES: ReadonlySet<string> = new Set([
  'binary_remote_addr', 'body_bytes_sent', 'bytes_sent', 'connection', 'connection_requests',
  'connection_time', 'connections_active', 'connections_reading', 'connections_waiting', 'connections_writing',
  'content_length', 'content_type', 'date_gmt', 'date_local', 'document_root', 'document_uri',
  'fastcgi_path_info', 'fastcgi_script_name', 'gzip_ratio', 'host', 'hostname', 'http2', 'http_cookie',
  'http_host', 'http_referer', 'http_user_agent', 'http_via', 'http_x_forwarded_for', 'https', 'is_args',
  'limit_conn_status', 'limit_req_status', 'msec', 'nginx_version', 'pid', 'pipe', 'proxy_add_x_forwarded_for',
  'proxy_internal_body_length', 'proxy_internal_chunked', 'proxy_protocol_addr', 'proxy_protocol_port',
  'proxy_protocol_server_addr', 'proxy_protocol_server_port', 'query_string', 'realip_remote_addr',
  'realip_remote_port', 'realpath_root', 'remote_addr', 'remote_port', 'remote_user', 'request',
  'request_body', 'request_body_file', 'request_completion', 'request_filename', 'request_id',
  'request_length', 'request_method', 'request_time', 'request_uri', 'scheme', 'secure_link',
  'secure_link_expires', 'sent_http_cache_control', 'sent_http_connection', 'sent_http_content_length',
  'sent_http_content_type', 'sent_http_keep_alive', 'sent_http_last_modified', 'sent_http_link',
  'sent_http_location', 'sent_http_transfer_encoding', 'server_addr', 'server_name', 'server_port',
  'server_protocol', 'slice_range', 'status', 'tcpinfo_rcv_space', 'tcpinfo_rtt', 'tcpinfo_rttvar',
  'tcpinfo_snd_cwnd', 'time_iso8601', 'time_local', 'uid_got', 'uid_set', 'upstream_addr',
  'upstream_bytes_received', 'upstream_bytes_sent', 'upstream_cache_status', 'upstream_connect_time',
  'upstream_header_time', 'upstream_response_length', 'upstream_response_time', 'upstream_status', 'uri',
]);

/** Families nginx resolves by name ($http_x, $sent_http_x, $upstream_cookie_x, ...), and the ssl
 * module's variables: any name in them is one nginx knows. */
const NGINX_FAMILIES: readonly string[] = [...VARIABLE_PREFIXES, 'sent_http_', 'sent_trailer_', 'upstream_http_', 'upstream_trailer_', 'upstream_cookie_', 'ssl_'];

/**
 * The variable `$name` likely meant, one or two slips away ($conection_upgrade, $proxy_add_x_forward_for),
 * when nginx knows no `$name` (nginx -t refuses the file: unknown variable); `defined`: the names
 * the config's own directives define (map, set, named groups...), lowercase. Null for a name nginx
 * or the config defines, or one near none.
 */
export function meantVariable(name: string, defined: ReadonlySet<string>): string | null {
  const lower = name.toLowerCase();
  const known = (n: string) => NGINX_FIXED_VARIABLES.has(n) || FIXED_VARIABLES.has(n) || defined.has(n);
  if (known(lower) || NGINX_FAMILIES.some((p) => lower.startsWith(p))) return null;
  return nearestWord(lower, new Set([...NGINX_FIXED_VARIABLES, ...FIXED_VARIABLES, ...defined]));
}

const EXPORT_VARIABLES: ReadonlySet<string> = new Set(EXPORT_DEFINED_VARIABLES.map((v) => v.slice(1)));

/** Whether nginx.conf exports define `$name` themselves (an upgrade map: defaults.ts), in any case. */
export const isExportVariable = (name: string): boolean => EXPORT_VARIABLES.has(name.toLowerCase());

/**
 * Whether a regex's named group cannot be called `name`: nginx -t refuses it (a variable nginx
 * defines), or the group's capture would replace a variable the engine evaluates or an export
 * defines, in the whole config ($args, $arg_a, $http_x, $cookie_c, $connection_upgrade,
 * $switchyard_connection_upgrade: nginx reads them from the group).
 */
export function isTakenByVariable(name: string): boolean {
  return isKnownVariable(name) || isExportVariable(name) || NGINX_FIXED_VARIABLES.has(name.toLowerCase());
}

/** Why a regex's named group cannot be called `name` (isTakenByVariable), or undefined. */
export function takenGroupName(name: string): string | undefined {
  if (isExportVariable(name)) return `group name "${name}" is the variable $${name}, the WebSocket upgrade map of Switchyard's nginx export: nginx makes a named group a variable, and would send the client's text from the group as the Connection header of every WebSocket route; rename the group`;
  if (isTakenByVariable(name)) return `group name "${name}" is the variable $${name}: nginx makes a named group a variable, and refuses this name or reads $${name} from the group everywhere in the config; rename the group`;
  return undefined;
}

export interface VariableRef {
  name: string;
  start: number;
  end: number;
  /** Written `${name}`. */
  braced?: true;
  /** `$1`…`$9`: a regex capture, not a variable (its name is the digit). */
  capture?: true;
}

/** Whether Switchyard evaluates a reference found by findVariables: a capture, a variable it knows,
 * or a named group of some regex of the config (`groups`: their names in lowercase). */
export function isKnownReference(v: VariableRef, groups?: ReadonlySet<string>): boolean {
  return v.capture === true || (v.name !== '' && (isKnownVariable(v.name) || groups?.has(v.name.toLowerCase()) === true));
}

/**
 * Split an nginx value into variable references: `$name` or `${name}` as nginx's script compiler
 * reads them. A `$` not followed by a name is reported with name '' (nginx: "invalid variable name").
 */
export function findVariables(value: string): VariableRef[] {
  const out: VariableRef[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '$') continue;
    const start = i;
    if (value[i + 1] === '{') {
      const close = value.indexOf('}', i + 2);
      const name = close < 0 ? '' : value.slice(i + 2, close);
      const valid = /^[A-Za-z0-9_]+$/.test(name);
      out.push({ name: valid ? name : '', start, end: close < 0 ? value.length : close + 1, braced: true });
      i = close < 0 ? value.length : close;
      continue;
    }
    // nginx's script compiler takes a digit after "$" as a capture, one digit long ("${1}" is a
    // variable named "1", which nginx does not know)
    if (isCaptureReference(value[i + 1] ?? '')) {
      out.push({ name: value[i + 1]!, start, end: i + 2, capture: true });
      i++;
      continue;
    }
    let j = i + 1;
    while (j < value.length && /[A-Za-z0-9_]/.test(value[j]!)) j++;
    out.push({ name: value.slice(i + 1, j), start, end: j });
    i = j - 1;
  }
  return out;
}

/** `value` with every variable whose (lower-case) name `rename` maps to another name written with
 * that one instead, in the same form (`$name` or `${name}`); other text as it is. */
export function renameVariables(value: string, rename: (lowerName: string) => string | undefined): string {
  let out = '';
  let from = 0;
  for (const v of findVariables(value)) {
    const to = v.capture || v.name === '' ? undefined : rename(v.name.toLowerCase());
    if (to === undefined) continue;
    out += value.slice(from, v.start) + (v.braced ? `\${${to}}` : `$${to}`);
    from = v.end;
  }
  return from === 0 ? value : out + value.slice(from);
}
