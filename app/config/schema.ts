// The Switchyard config document: one JSON file, nginx's vocabulary, validated by zod.
// Shape and defaults live here; cross-field rules (names that must exist, nginx's own
// configuration errors) live in validate.ts. `npm run schema` emits the JSON Schema for editors.
import { z } from 'zod';
import { MAX_TIME_MS, parseFailTimeout, parseNginxTime, pastNginxTimeLimit } from './time.ts';
import { parseNginxSize } from './size.ts';

export const SCHEMA_VERSION = 1;

function custom(code: string, message: string) {
  return { message, params: { code } };
}

/** Codes for regex-shaped fields, by pattern: zod reports them as 'invalid_format' without params. */
export const PATTERN_CODES = new Map<string, string>();

/** Reject bytes that could break out of a quoted nginx token or an HTTP header line. */
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
PATTERN_CODES.set(String(NO_CONTROL), 'control_character');
/** A header value: no control character but the tab, which HTTP allows inside a field value (nginx sends it). */
const HEADER_VALUE = /^[^\u0000-\u0008\u000a-\u001f\u007f]*$/;
PATTERN_CODES.set(String(HEADER_VALUE), 'control_character');

/** Codes for lists that must not be empty, by message: zod 4 drops a check's params from 'too_small'. */
export const NON_EMPTY_CODES = new Map<string, string>();

/** A whole-number field: one message in the directive's words for a fraction, for text ("3e") and for any other type. */
function wholeNumber(directive: string) {
  const message = `${directive} is a whole number`;
  return z.number({ error: message }).int(message);
}

function nonEmpty<T extends z.ZodTypeAny>(item: T, code: string, message: string) {
  NON_EMPTY_CODES.set(message, code);
  return z.array(item).min(1, { message });
}

function pattern(re: RegExp, code: string, message: string) {
  PATTERN_CODES.set(String(re), code);
  return z.string().regex(re, { message });
}

/** Times nginx reads (64-bit nginx takes any length); and whether one is at most MAX_TIME_MS. */
const nginxTime = (s: string) => parseNginxTime(s, { unbounded: true });
const withinLimit = (s: string) => (nginxTime(s) ?? 0) <= MAX_TIME_MS;
const TOO_LONG = custom('duration_too_long', `longer than ${MAX_TIME_MS / 1000 | 0}s (about 24.8 days), the most the engine's timers (and 32-bit nginx's) hold`);

export const Duration = z
  .string()
  .refine((s) => nginxTime(s) !== null || pastNginxTimeLimit(s), custom('invalid_duration', 'not an nginx time: use e.g. "60s", "500ms", "1h 30m"'))
  .refine((s) => withinLimit(s) && !pastNginxTimeLimit(s), TOO_LONG);

/**
 * proxy_connect_timeout / proxy_send_timeout / proxy_read_timeout: nginx arms its timer with the
 * value, so 0 times out at once (a read timeout of 0 is a 504 for every request; a send timeout of
 * 0 as soon as a write has to wait), where the engine's sockets would wait forever.
 */
export const ProxyTimeout = Duration
  .refine((s) => parseNginxTime(s) !== 0, custom('zero_timeout', 'nginx would time out at once with 0 (it does not mean "no timeout"): use a duration such as "60s"'));

/** Seconds-valued nginx time (fail_timeout): no "ms", but "y" and "M"; no timer is armed with it
 * (it is compared with the time of a failure), so nginx's own limit is the only one. */
export const DurationSeconds = z
  .string()
  .refine((s) => parseFailTimeout(s) !== null || s.includes('ms') || pastNginxTimeLimit(s, { seconds: true }), custom('invalid_duration', 'not an nginx time in seconds: use e.g. "10s", "1m", "30d"'))
  .refine((s) => !pastNginxTimeLimit(s, { seconds: true }), custom('duration_too_long', 'longer than nginx takes (it refuses such a config): at most 9223372036854775807s, 2^63 - 1 seconds with every part added up'))
  .refine((s) => parseFailTimeout(s) !== null || !s.includes('ms'), custom('invalid_duration', 'takes no "ms" (fail_timeout counts whole seconds): use e.g. "1s"'));

export const UpstreamName = pattern(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/, 'invalid_name', 'upstream names use letters, digits, "_", "." and "-", at most 100 of them');

/** host:port, [ipv6]:port or a bare host (port 80), as nginx's `server` directive takes it. */
export const HostPort = pattern(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:\d{1,5})?$/, 'invalid_address', 'expected host:port, e.g. "127.0.0.1:9001"');

export const BalanceMethod = z.discriminatedUnion('type', [
  z.object({ type: z.literal('round_robin') }).strict(),
  z.object({ type: z.literal('least_conn') }).strict(),
  z.object({ type: z.literal('ip_hash') }).strict(),
  z
    .object({
      type: z.literal('hash'),
      /** nginx variables allowed, e.g. "$request_uri" or "$remote_addr$http_x_user". */
      key: z.string().min(1).regex(NO_CONTROL, { message: 'control characters are not allowed' }),
      consistent: z.boolean().default(false),
    })
    .strict(),
  z.object({ type: z.literal('random'), two: z.boolean().default(false) }).strict(),
]);
export type BalanceMethod = z.infer<typeof BalanceMethod>;

export const UpstreamServer = z
  .object({
    address: HostPort,
    weight: wholeNumber('weight').min(1, 'weight is 1-1000 (nginx refuses weight=0)').max(1000, 'weight is 1-1000 (a bound of Switchyard\'s: nginx takes more; the consistent hash ring holds 160 points per unit)').default(1),
    maxFails: wholeNumber('max_fails').min(0, 'max_fails is 0-1000 (0: never mark it failed)').max(1000, 'max_fails is 0-1000 (a bound of Switchyard\'s: nginx takes more)').default(1),
    failTimeout: DurationSeconds.default('10s'),
    backup: z.boolean().default(false),
    down: z.boolean().default(false),
    /** 0 = unlimited */
    maxConns: wholeNumber('max_conns').min(0, 'max_conns is 0-1000000 (0: no limit)').max(1_000_000, 'max_conns is 0-1000000 (a bound of Switchyard\'s: nginx takes more)').default(0),
  })
  .strict();
export type UpstreamServer = z.infer<typeof UpstreamServer>;

export const Upstream = z
  .object({
    name: UpstreamName,
    method: BalanceMethod.default({ type: 'round_robin' }),
    servers: nonEmpty(UpstreamServer, 'no_servers', 'an upstream needs at least one server'),
    /** Idle keepalive connections kept per worker (nginx `keepalive N`); 0 = no pool. */
    keepalive: wholeNumber('keepalive').min(0, 'keepalive is 0-10000 idle connections').max(10_000, 'keepalive is 0-10000 idle connections (a bound of Switchyard\'s: nginx takes more)').default(0),
  })
  .strict();
export type Upstream = z.infer<typeof Upstream>;

/** An HTTP token (RFC 9110), at most 200 characters (`too_long` past them, said as the limit). */
export const HeaderName = pattern(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'invalid_header_name', 'header names are HTTP tokens: letters, digits and ! # $ % & \' * + - . ^ _ ` | ~').max(200);

export const SetHeader = z
  .object({
    name: HeaderName,
    /** nginx value with variables ("$host", "$proxy_add_x_forwarded_for"); '' drops the header. */
    value: z.string().regex(HEADER_VALUE, { message: 'header values cannot contain line breaks or control characters (a tab is allowed)' }),
  })
  .strict();
export type SetHeader = z.infer<typeof SetHeader>;

export const Modifier = z.enum(['', '=', '^~', '~', '~*']);
export type Modifier = z.infer<typeof Modifier>;

export const NextUpstreamCondition = z.enum([
  'error', 'timeout', 'invalid_header', 'http_500', 'http_502', 'http_503', 'http_504', 'http_403', 'http_404', 'http_429', 'non_idempotent', 'off',
]);

export const Location = z
  .object({
    /** A label for people: shown in the UI and as a comment above the exported location. */
    name: z.string().regex(NO_CONTROL, { message: 'control characters are not allowed' }).default(''),
    /** nginx location modifier: '' prefix, '=' exact, '^~' prefix that stops regex search, '~' regex, '~*' case-insensitive regex. */
    modifier: Modifier.default(''),
    /** URI prefix or exact URI (must start with '/'), or a regular expression for '~' and '~*'. */
    path: z.string().min(1).regex(NO_CONTROL, { message: 'control characters are not allowed' }),
    /** "http://upstream_name", "http://host:port" or "http://host:port/uri/". */
    proxyPass: z.string().min(1).regex(NO_CONTROL, { message: 'control characters are not allowed' }),
    /** Adds proxy_http_version 1.1, Upgrade $http_upgrade, Connection $connection_upgrade (with nginx's standard map). */
    websocket: z.boolean().default(false),
    /** nginx proxy_http_version; websocket forces 1.1. */
    proxyHttpVersion: z.enum(['1.0', '1.1']).default('1.0'),
    proxySetHeader: z.array(SetHeader).max(100).default([]),
    proxyConnectTimeout: ProxyTimeout.default('60s'),
    proxySendTimeout: ProxyTimeout.default('60s'),
    proxyReadTimeout: ProxyTimeout.default('60s'),
    proxyNextUpstream: z.array(NextUpstreamCondition).min(1).default(['error', 'timeout']),
    /** 0 = unlimited (nginx default) */
    proxyNextUpstreamTries: wholeNumber('proxy_next_upstream_tries').min(0, 'proxy_next_upstream_tries is 0-100 (0: no limit)').max(100, 'proxy_next_upstream_tries is 0-100 (0: no limit; a bound of Switchyard\'s: nginx takes more)').default(0),
    /**
     * nginx proxy_buffering (default on): a response body that is not chunked reaches the client in
     * 4 KiB buffers or when it is complete, so a slow stream (server-sent events over HTTP/1.0)
     * waits. false exports `proxy_buffering off` and passes every read on at once. The upstream's
     * `X-Accel-Buffering: yes|no` overrides it per response.
     */
    proxyBuffering: z.boolean().default(true),
    /**
     * nginx client_max_body_size (default 1m): a request body past it is refused with 413 before
     * anything goes upstream; "0" turns the check off. nginx size syntax: "512k", "10m", "1g".
     */
    clientMaxBodySize: z.string().refine((s) => parseNginxSize(s) !== null, custom('invalid_size', 'not an nginx size: use e.g. "1m", "512k", "10m", or "0" for no limit')).default('1m'),
  })
  .strict();
export type Location = z.infer<typeof Location>;

export const Listen = z
  .object({
    /** "127.0.0.1:8080", "8080" (all addresses), "[::1]:8080". */
    address: pattern(/^((\[[0-9A-Fa-f:.]+\]|\*|[0-9.]+|localhost):)?\d{1,5}$/, 'invalid_listen', 'expected "ip:port", "port" or "[ipv6]:port"'),
    defaultServer: z.boolean().default(false),
  })
  .strict();
export type Listen = z.infer<typeof Listen>;

/** One nginx server_name entry: exact, "*.example.com", "example.*", ".example.com", "~regex", or "". */
export const ServerName = pattern(/^[^\s;{}"'\u0000-\u001f\u007f]*$/, 'invalid_server_name', 'server names cannot contain spaces, quotes, ";", "{" or "}"').max(500);

export const Server = z
  .object({
    listen: nonEmpty(Listen, 'no_listen', 'a server needs at least one listen address'),
    /** nginx server_name entries (ServerName) */
    serverNames: z.array(ServerName).default([]),
    locations: z.array(Location).default([]),
  })
  .strict();
export type Server = z.infer<typeof Server>;

export const Config = z
  .object({
    /** An editor's pointer to the JSON Schema (`"$schema": "./schema/switchyard.config.schema.json"`); no meaning to the proxy. */
    $schema: z.string().max(4096).optional(),
    schemaVersion: z.literal(SCHEMA_VERSION),
    upstreams: z.array(Upstream).default([]),
    servers: z.array(Server).default([]),
  })
  .strict();
export type Config = z.infer<typeof Config>;
export type ConfigInput = z.input<typeof Config>;
