// The nginx variables Switchyard evaluates (and so may appear in header values and hash keys).
// Anything else would make `nginx -t` fail with "unknown variable" or behave differently.

export const FIXED_VARIABLES: ReadonlySet<string> = new Set([
  'host', 'http_host', 'proxy_host', 'proxy_port', 'proxy_add_x_forwarded_for',
  'remote_addr', 'remote_port', 'server_addr', 'server_port', 'server_name', 'server_protocol',
  'scheme', 'request_uri', 'uri', 'document_uri', 'args', 'query_string', 'is_args',
  'request_method', 'connection_upgrade', 'http_upgrade',
]);

/** $http_<name>, $cookie_<name>, $arg_<name>: the families nginx resolves per request. */
export const VARIABLE_PREFIXES: readonly string[] = ['http_', 'cookie_', 'arg_'];

/** Whether Switchyard evaluates `$name`; nginx reads variable names case-insensitively (`$HOST` is `$host`). */
export function isKnownVariable(name: string): boolean {
  const lower = name.toLowerCase();
  if (FIXED_VARIABLES.has(lower)) return true;
  return VARIABLE_PREFIXES.some((p) => lower.length > p.length && lower.startsWith(p));
}

export interface VariableRef {
  name: string;
  start: number;
  end: number;
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
      out.push({ name: valid ? name : '', start, end: close < 0 ? value.length : close + 1 });
      i = close < 0 ? value.length : close;
      continue;
    }
    let j = i + 1;
    while (j < value.length && /[A-Za-z0-9_]/.test(value[j]!)) j++;
    out.push({ name: value.slice(i + 1, j), start, end: j });
    i = j - 1;
  }
  return out;
}
