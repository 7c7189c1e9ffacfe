// nginx's defaults that equal the model's defaults (schema.ts): values equal to these are not
// written on export and are what the importer assumes when a directive is absent.

export const DEFAULTS = {
  weight: 1,
  maxFails: 1,
  failTimeout: '10s',
  maxConns: 0,
  keepalive: 0,
  proxyHttpVersion: '1.0' as '1.0' | '1.1',
  timeout: '60s',
  proxyNextUpstream: ['error', 'timeout'] as Array<'error' | 'timeout'>,
  proxyNextUpstreamTries: 0,
  proxyBuffering: true,
  clientMaxBodySize: '1m',
} as const;

/** The comment above a named location: `# route: NAME` (the text after "#"). */
export const ROUTE_COMMENT_PREFIX = ' route: ';

/**
 * The engine answers 404 when no location matches; nginx would fall back to serving files from its
 * default root. A server without a `location /` prefix gets this explicit one on export, and the
 * importer recognises it (a `location /` whose only directive is `return 404`) as the default.
 */
export const NO_MATCH_COMMENT = ' no route matches: 404, as in Switchyard';

/** Above the settings a snippet's server pins to the model's defaults (export.ts pinnedDefaults). */
export const PINNED_COMMENT = ' the defaults Switchyard assumes, whatever the including http block sets';

/**
 * A snippet's map variable. A map is global to the http block that includes the snippet, and the
 * last one of a name wins without a word from nginx: a site's own `$connection_upgrade` map (say
 * `'' ''`) would change the snippet's routes, or the snippet's would change the site's. (The
 * importer reads the standard map under any name as the WebSocket switch.)
 */
export const SNIPPET_UPGRADE_VARIABLE = '$switchyard_connection_upgrade';

/**
 * Every variable an export defines itself: its upgrade map's, in a full nginx.conf and in a snippet
 * (an export writes no other `map`, and no `set`). nginx makes a regex's named group a variable of
 * the whole config, so a group of one of these names would replace the map's value with the client's
 * text in every route's `Connection` header: variable-names.ts refuses such a group.
 */
export const EXPORT_DEFINED_VARIABLES: readonly string[] = ['$connection_upgrade', SNIPPET_UPGRADE_VARIABLE];
