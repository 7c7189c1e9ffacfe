// server_names_hash_bucket_size / proxy_headers_hash_bucket_size for the export. nginx keeps server
// names and proxy_set_header names in hashes whose bucket must hold at least one name
// (ngx_hash_init): 8 + align(length + 2, 8) bytes, plus an 8-byte end mark. The default bucket is
// the CPU's cache line (64 bytes on x86-64), which holds names of up to 46 bytes; with a longer one
// `nginx -t` fails ("could not build server_names_hash, you should increase
// server_names_hash_bucket_size"). Long names are common, so the export sizes the bucket instead of
// validation refusing them; a config without one exports as before.
import type { Config } from '../config/schema.ts';
import { directive, type Directive } from './ast.ts';
import { utf8Bytes } from '../match/bytes.ts';

/** nginx's default bucket size here: the cache line of x86-64. */
const DEFAULT_HASH_BUCKET = 64;

/** The smallest power-of-two bucket (at least the default) that holds a key of `length` bytes. */
function bucketFor(length: number): number {
  const need = 8 + Math.ceil((length + 2) / 8) * 8 + 8;
  let size = DEFAULT_HASH_BUCKET;
  while (size < need) size *= 2;
  return size;
}

/**
 * The longest key nginx hashes for one server name: an exact name whole; a wildcard (`*.a.b`,
 * `.a.b`, `a.b.*`) label by label, as ngx_hash_wildcard_init builds one hash per level. Regex
 * names are not hashed.
 */
function hashedNameLength(name: string): number {
  if (name.startsWith('~')) return 0;
  const bytes = utf8Bytes(name);
  const wildcard = bytes.startsWith('.') || bytes.startsWith('*.') || bytes.endsWith('.*');
  return wildcard ? Math.max(...bytes.split('.').map((label) => label.length)) : bytes.length;
}

/** The bucket-size directives a config needs (none for names of up to 46 bytes). */
export function hashBucketDirectives(config: Config): Directive[] {
  const out: Directive[] = [];
  const names = bucketFor(Math.max(0, ...config.servers.flatMap((s) => s.serverNames.map(hashedNameLength))));
  if (names > DEFAULT_HASH_BUCKET) out.push(directive('server_names_hash_bucket_size', [String(names)]));
  // (header names are HTTP tokens: ASCII, one byte a character)
  const headers = bucketFor(Math.max(0, ...config.servers.flatMap((s) => s.locations.flatMap((l) => l.proxySetHeader.map((h) => h.name.length)))));
  if (headers > DEFAULT_HASH_BUCKET) out.push(directive('proxy_headers_hash_bucket_size', [String(headers)]));
  return out;
}
