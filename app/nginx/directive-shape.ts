// Which directives nginx reads with a block and which without, for the ones the importer knows.
// nginx refuses a block after a simple directive (`directive "listen" is not terminated by ";"`,
// what a ";" forgotten before the next line's `location / {` makes) and a block directive written
// without one (`directive "server" has no opening "{"`); read as written, the importer would drop
// the block, the location and its proxy_pass with it, and import a file nginx -t refuses. And the
// directive a name nginx does not know was likely meant to be (`proxy_pas`: "proxy_pass").
import { nearestWord } from '../text/edit-distance.ts';
import { INHERITED } from './import-settings.ts';

/** Directives that take a block wherever they are (`server` depends on where: blockShape). */
const BLOCK = new Set(['http', 'events', 'location', 'upstream', 'map', 'if', 'types', 'limit_except', 'geo', 'split_clients', 'stream', 'mail']);
/** Directives that end with ";" (those the importer reads, and a few common ones it drops). */
const SIMPLE = new Set([
  'listen', 'server_name', 'proxy_pass', 'proxy_set_header', 'proxy_http_version', 'proxy_connect_timeout', 'proxy_send_timeout',
  'proxy_read_timeout', 'proxy_next_upstream', 'proxy_next_upstream_tries', 'proxy_buffering', 'proxy_buffer_size', 'proxy_buffers',
  'proxy_redirect', 'proxy_headers_hash_bucket_size', 'server_names_hash_bucket_size', 'client_max_body_size', 'include', 'return',
  'rewrite', 'allow', 'deny', 'keepalive', 'least_conn', 'ip_hash', 'hash', 'random', 'root', 'index', 'add_header', 'gzip',
  'access_log', 'error_log', 'worker_processes', 'worker_connections', 'pid', 'user', 'keepalive_timeout', 'sendfile',
]);
/** Blocks whose entries are directives (a map's or types' entries are keys, any word: "server" too;
 * the entries of a block nginx does not know are not checked either). */
const OF_DIRECTIVES = new Set(['http', 'events', 'server', 'location', 'upstream', 'if', 'limit_except', 'stream', 'mail']);

/**
 * Whether `name` takes a block inside `parent` (null: a file's top level), or null when that is not
 * known here. `server` is a block in `http` and a simple directive in `upstream`; at a file's top
 * level it may be either (a file included in an `upstream` block lists its servers).
 */
function blockShape(name: string, parent: string | null): boolean | null {
  if (parent !== null && !OF_DIRECTIVES.has(parent)) return null;
  if (name === 'server') return parent === 'upstream' ? false : parent === null ? null : true;
  return BLOCK.has(name) ? true : SIMPLE.has(name) ? false : null;
}

/** nginx's refusal of `name` written with (or without) a block inside `parent`, or null. */
export function directiveShapeProblem(name: string, parent: string | null, hasBlock: boolean): string | null {
  const block = blockShape(name, parent);
  if (block === null || block === hasBlock) return null;
  return hasBlock ? `directive "${name}" is not terminated by ";"` : `directive "${name}" has no opening "{"`;
}

/** The directives the importer reads: what a slip of the keyboard most likely meant. */
const READ = ['listen', 'server_name', 'location', 'upstream', 'server', 'proxy_pass', ...INHERITED, 'keepalive', 'least_conn', 'ip_hash', 'random', 'include'];

/** The directive the importer reads that `name` is one or two slips from ("proxy_pas", "sever_name"),
 * for a name that is none nginx knows here; null when none is that close, or two are as near. */
export function meantDirective(name: string): string | null {
  if (BLOCK.has(name) || SIMPLE.has(name) || name === 'server') return null;
  return nearestWord(name, READ);
}
