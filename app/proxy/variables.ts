// nginx variables over a RequestContext, as nginx 1.22 computes them (ngx_http_variables.c and the
// proxy module's $proxy_* variables). Values are byte strings; unknown or absent variables are ''.
import type { RequestContext } from './context.ts';
import { findVariables, isCaptureReference } from './variable-names.ts';
import { hostVariable } from '../match/server.ts';
import { normalizeRequestTarget } from '../match/normalize.ts';
import { unparsedUri, variableUrlError } from './uri.ts';
import { asciiLower, utf8Bytes } from '../match/bytes.ts';
import { binaryAddress, contentLength, contentType, msec, remoteUser, requestLine, timeIso8601, timeLocal } from './request-variables.ts';

/**
 * Header names nginx keeps with ignore_invalid_headers on and underscores_in_headers off:
 * letters, digits and '-' only. Others are dropped before anything sees them.
 */
export function isValidHeaderName(name: string): boolean {
  return /^[A-Za-z0-9-]+$/.test(name);
}

/** Client headers nginx keeps, in arrival order. */
export function validHeaders(ctx: RequestContext): Array<readonly [string, string]> {
  return ctx.headers.filter(([n]) => isValidHeaderName(n));
}

/** nginx's name for $http_*: lowercase, '-' → '_'. */
function variableSuffix(headerName: string): string {
  return asciiLower(headerName).replace(/-/g, '_');
}

function headerValues(ctx: RequestContext, lowerName: string): string[] {
  return validHeaders(ctx).filter(([n]) => asciiLower(n) === lowerName).map(([, v]) => v);
}

/** $http_NAME: the first header of that name; X-Forwarded-For and Cookie join all of theirs (1.22). */
function httpVariable(ctx: RequestContext, suffix: string): string {
  if (suffix === 'x_forwarded_for') return headerValues(ctx, 'x-forwarded-for').join(', ');
  if (suffix === 'cookie') return headerValues(ctx, 'cookie').join('; ');
  for (const [n, v] of validHeaders(ctx)) if (variableSuffix(n) === suffix) return v;
  return '';
}

/** $cookie_NAME (ngx_http_parse_multi_header_lines): case-insensitive name, value up to ';'. */
function cookieVariable(ctx: RequestContext, name: string): string {
  const lname = asciiLower(name);
  for (const h of headerValues(ctx, 'cookie')) {
    if (name.length > h.length) continue;
    let p = 0;
    while (p < h.length) {
      if (asciiLower(h.slice(p, p + name.length)) === lname) {
        let s = p + name.length;
        while (s < h.length && h[s] === ' ') s++;
        if (s < h.length && h[s] === '=') {
          s++;
          while (s < h.length && h[s] === ' ') s++;
          let e = s;
          while (e < h.length && h[e] !== ';') e++;
          return h.slice(s, e);
        }
        p = s < h.length ? s + 1 : s; // nginx steps over the byte that was not '='
      }
      // skip to after the next ';' or ','
      while (p < h.length) {
        const c = h[p++];
        if (c === ';' || c === ',') break;
      }
      while (p < h.length && h[p] === ' ') p++;
    }
  }
  return '';
}

/** $arg_NAME (ngx_http_arg): case-insensitive, "NAME=" at the start or after '&', raw value. */
function argVariable(args: string, name: string): string {
  const la = asciiLower(args);
  const ln = asciiLower(name);
  let from = 0;
  for (;;) {
    const p = la.indexOf(ln, from);
    if (p < 0 || p + ln.length >= args.length) return '';
    if ((p === 0 || args[p - 1] === '&') && args[p + ln.length] === '=') {
      const end = args.indexOf('&', p);
      return args.slice(p + ln.length + 1, end < 0 ? args.length : end);
    }
    from = p + 1;
  }
}

/** $proxy_add_x_forwarded_for: every client X-Forwarded-For value, then $remote_addr. */
function addXForwardedFor(ctx: RequestContext): string {
  const xff = headerValues(ctx, 'x-forwarded-for');
  if (xff.length === 0) return ctx.remoteAddr;
  return xff.map((v) => `${v}, `).join('') + ctx.remoteAddr;
}

/** $host: request-line host, else Host header, else server_name. */
function hostOf(ctx: RequestContext): string {
  if (!ctx.requestUri.startsWith('/')) {
    const t = normalizeRequestTarget(ctx.requestUri);
    if (t.ok && t.absoluteHost !== undefined) return t.absoluteHost;
  }
  const h = headerValues(ctx, 'host')[0];
  return hostVariable(h ?? null, ctx.serverName);
}

/** The value of one variable (name without '$', lowercase: see templateParts); '' for unknown or absent ones. */
export function variable(name: string, ctx: RequestContext): string {
  // $1…$9: what the last regex captured, '' past its groups (nginx: n >= r->ncaptures)
  if (isCaptureReference(name)) return ctx.captures[Number(name) - 1] ?? '';
  switch (name) {
    case 'host': return hostOf(ctx);
    case 'proxy_host': return ctx.proxyHost;
    case 'proxy_port': return ctx.proxyPort;
    case 'proxy_add_x_forwarded_for': return addXForwardedFor(ctx);
    case 'remote_addr': return ctx.remoteAddr;
    case 'remote_port': return String(ctx.remotePort);
    case 'server_addr': return ctx.serverAddr;
    case 'server_port': return String(ctx.serverPort);
    case 'server_name': return ctx.serverName;
    case 'server_protocol': return `HTTP/${ctx.httpVersion}`;
    case 'scheme': return ctx.scheme;
    case 'request_uri': return unparsedUri(ctx.requestUri).uri;
    case 'uri': case 'document_uri': return ctx.uri;
    case 'args': case 'query_string': return ctx.args;
    case 'is_args': return ctx.args.length > 0 ? '?' : '';
    case 'request_method': return ctx.method;
    case 'connection_upgrade': return httpVariable(ctx, 'upgrade') === '' ? 'close' : 'upgrade';
    case 'request': return requestLine(ctx);
    case 'content_length': return contentLength(ctx);
    case 'content_type': return contentType(ctx);
    case 'remote_user': return remoteUser(ctx);
    case 'https': return '';
    case 'realip_remote_addr': return ctx.remoteAddr;
    case 'realip_remote_port': return String(ctx.remotePort);
    case 'binary_remote_addr': return binaryAddress(ctx.remoteAddr);
    case 'request_id': return ctx.env?.requestId() ?? '';
    case 'connection': return ctx.env ? String(ctx.env.connection) : '';
    case 'connection_requests': return ctx.env ? String(ctx.env.connectionRequests) : '';
    case 'hostname': return ctx.env?.hostname ?? '';
    case 'msec': return ctx.env ? msec(ctx.env.now) : '';
    case 'time_local': return ctx.env ? timeLocal(ctx.env.now) : '';
    case 'time_iso8601': return ctx.env ? timeIso8601(ctx.env.now) : '';
  }
  // a regex's named group (variable-names.ts keeps them from being any of the names above)
  // (its own key only: "$constructor" is no Object method)
  if (ctx.named !== undefined && Object.hasOwn(ctx.named, name)) return ctx.named[name]!;
  if (name.startsWith('http_') && name.length > 5) return httpVariable(ctx, name.slice(5));
  if (name.startsWith('cookie_') && name.length > 7) return cookieVariable(ctx, name.slice(7));
  if (name.startsWith('arg_') && name.length > 4) return argVariable(ctx.args, name.slice(4));
  return '';
}

/** A value's parts: literal text (as a UTF-8 byte string: nginx sends config text as its UTF-8 bytes) and variables. */
export type TemplatePart = string | { variable: string };

/**
 * Split an nginx value with $variables / ${variables} into its parts, once (evaluateParts per request).
 * Variable names are lowercased, as nginx's script compiler stores them (ngx_http_get_variable_index):
 * `$HOST` is `$host` and `$http_X_Foo` reads the X-Foo header.
 */
export function templateParts(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  for (const r of findVariables(template)) {
    if (r.start > at) parts.push(utf8Bytes(template.slice(at, r.start)));
    parts.push(r.name === '' ? utf8Bytes(template.slice(r.start, r.end)) : { variable: asciiLower(r.name) });
    at = r.end;
  }
  if (at < template.length) parts.push(utf8Bytes(template.slice(at)));
  return parts;
}

/** The byte string of a value split by templateParts. */
export function evaluateParts(parts: readonly TemplatePart[], ctx: RequestContext): string {
  let out = '';
  for (const p of parts) out += typeof p === 'string' ? p : variable(p.variable, ctx);
  return out;
}

/** Evaluate an nginx value with $variables / ${variables}: a byte string (its literal text as UTF-8). */
export function evaluate(value: string, ctx: RequestContext): string {
  return evaluateParts(templateParts(value), ctx);
}

/** A proxy_pass URI part with variables, compiled once, with the config's upstream group names in
 * lower case (the URL it makes may come to name one: variableUrlError). */
export interface VariableUri {
  parts: readonly TemplatePart[];
  groups: ReadonlySet<string>;
}

/** The compiled URI part of `target`, or null when it has no variables. */
export function compileVariableUri(target: { uri: string | null; variables: boolean }, groups: ReadonlySet<string>): VariableUri | null {
  return target.variables ? { parts: templateParts(target.uri!), groups } : null;
}

/**
 * A proxy_pass URI part with variables, as they make it for this request (`evaluated`, undefined
 * without any), or what nginx answers when the URL it makes cannot be parsed (`error`).
 * nginx evaluates it in the proxy handler (ngx_http_proxy_eval), before $proxy_host and $proxy_port
 * are known: both are empty there, though a header sent with it has them.
 */
export function evaluateVariableUri(loc: { target: { host: string; port: number | null }; variableUri: VariableUri | null }, ctx: RequestContext): { evaluated?: string; error?: { status: 500 | 502; reason: string } } {
  const v = loc.variableUri;
  if (v === null) return {};
  const evaluated = evaluateParts(v.parts, { ...ctx, proxyHost: '', proxyPort: '' });
  const error = variableUrlError(loc.target, evaluated, v.groups);
  return error === null ? { evaluated } : { error };
}
