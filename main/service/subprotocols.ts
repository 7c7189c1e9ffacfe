// Credentials in a WebSocket's subprotocol list (redact.ts). A browser's WebSocket cannot set an
// Authorization header, so some clients offer the token as a subprotocol, in one of three forms:
// - Kubernetes: `base64url.bearer.authorization.k8s.io.<token>` beside the real protocol;
// - a name then the token: `["access_token", "<token>"]`, `["Bearer", "<token>"]` (the server picks
//   the name, or echoes the first entry);
// - a bare JSON Web Token (`eyJ…` in three base64url parts).
// Each is replaced by the mark, the other entries (the protocols themselves) stay as they are.

/** Entries that announce a token as the next entry (besides the redacted query parameter names). */
const TOKEN_NAMES = new Set(['bearer', 'authorization', 'access_token', 'token', 'auth', 'jwt']);
/** The prefix Kubernetes' API server reads a bearer token after. */
const K8S_BEARER = /^(base64url\.bearer\.authorization\.k8s\.io\.)(.+)$/i;
const JWT = /^eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * A `Sec-WebSocket-Protocol` value (a comma-separated list; also the one protocol a server chose)
 * with the tokens it carries replaced by `mark`. `names`: query parameter names redacted elsewhere,
 * which announce a token here too. White space and commas are kept as they were.
 */
export function redactSubprotocols(value: string, names: ReadonlySet<string>, mark: string): string {
  const parts = value.split(',');
  let changed = false;
  let announced = false;
  for (let i = 0; i < parts.length; i++) {
    const raw = parts[i]!;
    const entry = raw.trim();
    if (entry === '') continue;
    let kept = entry;
    const k8s = K8S_BEARER.exec(entry);
    if (k8s) kept = k8s[1] + mark;
    else if (announced || JWT.test(entry)) kept = mark;
    const lower = entry.toLowerCase();
    announced = !k8s && (TOKEN_NAMES.has(lower) || names.has(lower));
    if (kept === entry) continue;
    parts[i] = raw.replace(entry, kept);
    changed = true;
  }
  return changed ? parts.join(',') : value;
}
