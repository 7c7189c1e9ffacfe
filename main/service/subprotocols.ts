// Credentials in a WebSocket's subprotocol list (redact.ts). A browser's WebSocket cannot set an
// Authorization header, so some clients offer the token as a subprotocol, in one of three forms:
// - Kubernetes: `base64url.bearer.authorization.k8s.io.<token>` beside the real protocol;
// - a name then the token: `["access_token", "<token>"]`, `["Bearer", "<token>"]` (the server picks
//   the name, or echoes the first entry);
// - a name, a dot and the token: `token.<token>` (Switchyard's own UI offers its feed token so);
// - a bare JSON Web Token (`eyJ…` in three base64url parts).
// Each is replaced by the mark, the other entries (the protocols themselves) stay as they are.

/** Entries that announce a token as the next entry (besides the redacted query parameter names). */
const TOKEN_NAMES = new Set(['bearer', 'authorization', 'access_token', 'token', 'auth', 'jwt', 'apikey', 'api_key']);
/** The prefix Kubernetes' API server reads a bearer token after. */
const K8S_BEARER = /^(base64url\.bearer\.authorization\.k8s\.io\.)(.+)$/i;
const JWT = /^eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** A token after a name and a dot: `token.<value>` (Switchyard's own web UI offers its feed token
 * so), `bearer.<value>`, `access_token.<value>`: the name stays. */
const NAMED_TOKEN = /^([A-Za-z][A-Za-z0-9_-]*)\.(.+)$/;
/** The names that take a token after a dot (fewer than those that announce one as the next entry:
 * `auth.v1` or `key.exchange` are protocol names). */
const DOT_TOKEN_NAMES = new Set(['token', 'bearer', 'access_token', 'jwt', 'apikey', 'api_key', 'authorization']);

/**
 * `Sec-WebSocket-Protocol` values (a comma-separated list, which may come as several header lines:
 * one list, in order; also the one protocol a server chose) with the tokens they carry replaced by
 * `mark`. `names`: names redacted elsewhere (query parameters, headers), which announce a token
 * here too. White space and commas are kept as they were; one string in, one out, per line.
 */
export function redactSubprotocolLines(values: readonly string[], names: ReadonlySet<string>, mark: string): string[] {
  let announced = false;
  return values.map((value) => {
    const parts = value.split(',');
    let changed = false;
    for (let i = 0; i < parts.length; i++) {
      const raw = parts[i]!;
      const entry = raw.trim();
      if (entry === '') continue;
      const lower = entry.toLowerCase();
      let kept = entry;
      const k8s = K8S_BEARER.exec(entry);
      const named = k8s ? null : NAMED_TOKEN.exec(entry);
      if (k8s) kept = k8s[1] + mark;
      else if (announced || JWT.test(entry)) kept = mark;
      else if (named && DOT_TOKEN_NAMES.has(named[1]!.toLowerCase())) kept = `${named[1]}.${mark}`;
      announced = !k8s && isTokenName(lower, names);
      if (kept === entry) continue;
      parts[i] = raw.replace(entry, kept);
      changed = true;
    }
    return changed ? parts.join(',') : value;
  });
}

const isTokenName = (lower: string, names: ReadonlySet<string>) => TOKEN_NAMES.has(lower) || names.has(lower);

/** One `Sec-WebSocket-Protocol` value (redactSubprotocolLines). */
export function redactSubprotocols(value: string, names: ReadonlySet<string>, mark: string): string {
  return redactSubprotocolLines([value], names, mark)[0]!;
}
