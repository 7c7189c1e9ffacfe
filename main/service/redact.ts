// Redaction of secrets in what leaves the service (views, the feed, exports): the values of
// sensitive headers, and the values of sensitive query parameters wherever a URL shows (the
// request's URL, the path sent upstream, Referer and Location values, and notes, causes and log
// lines that quote a URL), a URL's user information, tokens in subprotocol lists (subprotocols.ts)
// and a peer's Close reason. The traffic log keeps the real values, so changing the settings applies
// to everything shown next.
import type { ExchangeBody, ExchangeView, FrameView, LogView, ServiceSettings, SessionView } from '../../app/api/contract.ts';
import { FrameRef } from './frame-log.ts';
import { paramName, queryValues, redactForm, redactParams } from './url-params.ts';
import { redactSubprotocolLines } from './subprotocols.ts';

// (X-Switchyard-Token: the web host's own, should a stale page's calls reach a proxied app instead)
export const DEFAULT_REDACTED = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token', 'x-switchyard-token'];
/** Query parameters that carry credentials in common APIs (OAuth, API keys, signed URLs); WebSocket
 * clients, which cannot set headers in a browser, often authenticate this way. */
export const DEFAULT_REDACTED_QUERY = [
  'access_token', 'id_token', 'refresh_token', 'token', 'auth', 'jwt', 'api_key', 'apikey', 'key',
  'password', 'secret', 'client_secret', 'signature', 'sig', 'private_token', 'auth_token', 'session_token',
  'authorization', 'bearer', 'x-amz-credential', 'x-amz-signature', 'x-amz-security-token',
];
export const REDACTED = '[redacted]';

/** Header values that are URLs (or hold one: `Refresh: 0; url=…`, `Link: <…>; rel=next`), whose
 * query and fragment parameters are redacted like the request's. */
const URL_HEADERS = new Set(['referer', 'location', 'content-location', 'refresh', 'link']);
/** An absolute URL's scheme and authority (to its path, query or fragment, or the end of a quoted URL). */
const AUTHORITY = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"'<>;,|()[\]{}]*)/gi;
/** The same in a header value that is a URL, read as a browser reads it: a quote is a character of a
 * password there, a '\\' ends the authority as a '/', and a URL may start at its '//'. */
const HEADER_AUTHORITY = /((?:^|(?<=[\s<=]))(?:[a-z][a-z0-9+.-]*:)?[\\/]{2})([^\s/?#\\<>]*)/gi;

export class Redactor {
  private names = new Set(DEFAULT_REDACTED);
  private paramNames = new Set(DEFAULT_REDACTED_QUERY);
  /** Both: a name of either announces a token as the next entry of a subprotocol list. */
  private tokenNames = new Set([...DEFAULT_REDACTED_QUERY, ...DEFAULT_REDACTED]);
  private on = true;

  settings(): Pick<ServiceSettings, 'redact' | 'redactHeaders' | 'redactQuery'> {
    return { redact: this.on, redactHeaders: [...this.names], redactQuery: [...this.paramNames] };
  }

  update(s: Partial<ServiceSettings>): void {
    if (s.redact !== undefined) this.on = s.redact;
    if (s.redactHeaders) this.names = new Set(s.redactHeaders.map((n) => n.toLowerCase()));
    if (s.redactQuery) this.paramNames = new Set(s.redactQuery.map(paramName));
    this.tokenNames = new Set([...this.paramNames, ...this.names]);
  }

  /** A raw header list [name, value, name, value…] with sensitive values replaced. */
  headers(raw: string[]): string[] {
    if (!this.on) return raw;
    let out: string[] | null = null;
    const protocols: number[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      if (name === 'sec-websocket-protocol' && !this.names.has(name)) protocols.push(i + 1);
      const kept = this.names.has(name) ? REDACTED : URL_HEADERS.has(name) ? this.url(value, true) : value;
      if (kept === value) continue;
      out ??= [...raw];
      out[i + 1] = kept;
    }
    // (a list of subprotocols may come as several lines: one list, read in order)
    if (protocols.length) {
      const kept = this.subprotocolLines(protocols.map((at) => raw[at]!));
      protocols.forEach((at, k) => {
        if (kept[k] === raw[at]) return;
        out ??= [...raw];
        out[at] = kept[k]!;
      });
    }
    return out ?? raw;
  }

  /** `text` (a note, a log line) with the values of sensitive parameters of the URLs it quotes replaced. */
  query(text: string): string;
  query(text: string | null): string | null;
  query(text: string | null): string | null {
    const out = this.redactParams(text, false);
    return out === null ? null : this.userinfo(out);
  }

  /** An HTTP body as the log shows and exports it: an application/x-www-form-urlencoded one has the
   * values of sensitive parameters replaced, as in a query, read as text or, when its bytes are not
   * UTF-8, byte for byte (names and '&' are ASCII); as sent in a content coding, only decoded
   * (other bodies are the application's own format, which redaction does not read). */
  body<T extends ExchangeBody>(b: T): T {
    if (!this.on || !this.paramNames.size || !/^\s*application\/x-www-form-urlencoded\b/i.test(b.contentType ?? '')) return b;
    const redacted = (p: Pick<ExchangeBody, 'encoding' | 'data'>) => {
      if (p.encoding === 'text') return redactForm(p.data, this.paramNames, REDACTED);
      const bytes = Buffer.from(p.data, 'base64').toString('latin1');
      const out = redactForm(bytes, this.paramNames, REDACTED);
      return out === bytes ? p.data : Buffer.from(out, 'latin1').toString('base64');
    };
    const data = b.contentEncoding ? b.data : redacted(b);
    const decoded = b.decoded && { ...b.decoded, data: redacted(b.decoded) };
    return data === b.data && decoded?.data === b.decoded?.data ? b : { ...b, data, ...(decoded ? { decoded } : {}) };
  }

  /** A URL, or a header value that holds one: only what follows its first '?' or '#' is read (a
   * '&' in a path is not a parameter); and the password of an absolute URL's `user:password@`. */
  url(url: string, header = false): string {
    const at = url.search(/[?#]/);
    const out = at < 0 ? url : url.slice(0, at) + this.redactParams(url.slice(at), true);
    return this.userinfo(out, header ? HEADER_AUTHORITY : AUTHORITY);
  }

  /** `text` with the user information of every absolute URL in it replaced: `user:[redacted]@`, or
   * `[redacted]@` for a name alone (a token often goes there: `https://TOKEN@host/`). The user
   * information runs to the authority's last '@', so a password with an '@' in it goes whole. */
  private userinfo(text: string, authorities = AUTHORITY): string {
    if (!this.on || !text.includes('@')) return text;
    return text.replace(authorities, (whole, scheme: string, authority: string) => {
      const at = authority.lastIndexOf('@');
      if (at < 0) return whole;
      const info = authority.slice(0, at);
      const colon = info.indexOf(':');
      return `${scheme}${colon < 0 ? REDACTED : `${info.slice(0, colon)}:${REDACTED}`}${authority.slice(at)}`;
    });
  }

  /** A Sec-WebSocket-Protocol list with the tokens clients carry in it replaced (subprotocols.ts). */
  private subprotocolLines(values: string[]): string[] {
    return redactSubprotocolLines(values, this.tokenNames, REDACTED);
  }

  /** The protocol the server chose (the session's, and its answer's header): a token of the
   * client's list the server echoed as its choice is redacted as it is there; all of it when the
   * header is redacted whole. */
  private chosenProtocol(chosen: string, offered: string[]): string {
    if (this.names.has('sec-websocket-protocol')) return REDACTED;
    const mine = this.subprotocolLines([chosen])[0]!;
    if (mine !== chosen) return mine;
    const lines: string[] = [];
    for (let i = 0; i + 1 < offered.length; i += 2) if (offered[i]!.toLowerCase() === 'sec-websocket-protocol') lines.push(offered[i + 1]!);
    const list = lines.flatMap((l) => l.split(',').map((e) => e.trim()));
    const kept = this.subprotocolLines(lines).flatMap((l) => l.split(',').map((e) => e.trim()));
    const at = list.indexOf(chosen.trim());
    return at >= 0 && kept[at] !== list[at] ? kept[at]! : chosen;
  }

  /** An answer's header list with the protocol it chose redacted as chosenProtocol does. */
  private answerHeaders(raw: string[], offered: string[]): string[] {
    let out: string[] | null = null;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i]!.toLowerCase() !== 'sec-websocket-protocol') continue;
      const kept = this.chosenProtocol(raw[i + 1]!, offered);
      if (kept === raw[i + 1]) continue;
      out ??= [...raw];
      out[i + 1] = kept;
    }
    return out ?? raw;
  }

  /** A frame row: a Close frame's reason is the peer's own text, which may quote a URL (as the
   * session's closeFrame.reason). Other rows are the traffic itself, shown as it is. */
  frame(row: FrameView, session?: Pick<SessionView, 'requestHeaders' | 'responseHeaders'>): FrameView {
    if (!this.on || row.opcode !== 'close') return row;
    // (a reason that quotes one of the session's sensitive header values, as the session's own does)
    const preview = session ? this.text(row.preview, session.requestHeaders, session.responseHeaders)! : this.query(row.preview);
    if (preview === row.preview) return row;
    // (a handle on a stored row reads its fields through getters: a plain copy of them)
    return { ...(row instanceof FrameRef ? row.view() : row), preview };
  }

  frames(rows: FrameView[], session?: Pick<SessionView, 'requestHeaders' | 'responseHeaders'>): FrameView[] {
    if (!this.on) return rows;
    let out: FrameView[] | null = null;
    for (let i = 0; i < rows.length; i++) {
      const r = this.frame(rows[i]!, session);
      if (r === rows[i]) continue;
      out ??= [...rows];
      out[i] = r;
    }
    return out ?? rows;
  }

  private redactParams(text: string | null, inUrl: boolean): string | null {
    if (!this.on || !text || this.paramNames.size === 0 || !text.includes('=')) return text;
    return redactParams(text, this.paramNames, REDACTED, inUrl);
  }

  /** `text` (a cause or close reason, which may quote a header line, as nginx's messages do, or a
   * URL) with the values of the sensitive headers in `lists` and of sensitive query parameters
   * replaced. */
  private text(text: string | null, ...lists: string[][]): string | null {
    if (!this.on || !text) return text;
    let out = text;
    for (const raw of lists) {
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const value = raw[i + 1]!;
        if (value !== '' && this.names.has(raw[i]!.toLowerCase())) out = out.replaceAll(value, REDACTED);
      }
    }
    return this.query(out);
  }

  /**
   * The path sent upstream: its query's secrets as in any URL, and the client's secrets a proxy_pass
   * with variables put anywhere in it (`http://pool/v2/$arg_token`, `$cookie_session`,
   * `$http_authorization`): the raw values of the sensitive query parameters of the request's URL,
   * of the sensitive headers, and of each cookie when Cookie is one. (Values under 4 bytes are left:
   * replacing every "1" would garble the path more than it hides.)
   */
  private upstreamPath(path: string, v: { url: string; requestHeaders: string[] }): string {
    let out = this.url(path);
    const secrets = queryValues(v.url, this.paramNames);
    const raw = v.requestHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (!this.names.has(name)) continue;
      secrets.push(raw[i + 1]!);
      if (name === 'cookie') for (const c of raw[i + 1]!.split(';')) secrets.push(c.slice(c.indexOf('=') + 1).trim());
    }
    // (longest first: a whole header value before a cookie's value inside it; most paths hold none)
    const inPath = secrets.filter((s) => s.length >= 4 && out.includes(s));
    for (const secret of inPath.sort((a, b) => b.length - a.length)) out = out.replaceAll(secret, REDACTED);
    return out;
  }

  session<T extends SessionView>(v: T): T {
    if (!this.on) return v;
    const req = this.headers(v.requestHeaders);
    const res = this.answerHeaders(this.headers(v.responseHeaders), v.requestHeaders);
    const url = this.url(v.url);
    const upstreamPath = this.upstreamPath(v.upstreamPath, v);
    const closeReason = this.text(v.closeReason, v.requestHeaders, v.responseHeaders);
    // (a peer's Close frame reason is its own text, which may quote a URL too)
    const frameReason = v.closeFrame ? this.text(v.closeFrame.reason, v.requestHeaders, v.responseHeaders)! : '';
    const closeFrame = v.closeFrame && frameReason !== v.closeFrame.reason ? { ...v.closeFrame, reason: frameReason } : v.closeFrame;
    const subprotocol = typeof v.subprotocol === 'string' ? this.chosenProtocol(v.subprotocol, v.requestHeaders) : v.subprotocol;
    // (a failed try's outcome is a cause, as the close reason of a refused handshake is)
    const tries = this.tries(v.tries, (o) => this.text(o, v.requestHeaders, v.responseHeaders)!);
    if (req === v.requestHeaders && res === v.responseHeaders && url === v.url && upstreamPath === v.upstreamPath && closeReason === v.closeReason && closeFrame === v.closeFrame && subprotocol === v.subprotocol && tries === v.tries) return v;
    return { ...v, url, upstreamPath, requestHeaders: req, responseHeaders: res, closeReason, closeFrame, subprotocol, tries };
  }

  /** `tries` with each outcome redacted by `redact`; the same array when none changes. */
  private tries<T extends { outcome: string }>(tries: T[], redact: (outcome: string) => string): T[] {
    const outcomes = tries.map((t) => redact(t.outcome));
    return outcomes.some((o, i) => o !== tries[i]!.outcome) ? tries.map((t, i) => ({ ...t, outcome: outcomes[i]! })) : tries;
  }

  exchange<T extends ExchangeView>(v: T): T {
    if (!this.on) return v;
    const req = this.headers(v.requestHeaders);
    const res = this.headers(v.responseHeaders);
    const url = this.url(v.url);
    const upstreamPath = v.upstreamPath === null ? null : this.upstreamPath(v.upstreamPath, v);
    const cause = this.text(v.cause, v.requestHeaders, v.responseHeaders);
    const note = this.query(v.note);
    // (a try's outcome may quote a URL: an X-Accel-Redirect's target)
    const tries = this.tries(v.tries, (o) => this.query(o)!);
    if (req === v.requestHeaders && res === v.responseHeaders && url === v.url && upstreamPath === v.upstreamPath && cause === v.cause && note === v.note && tries === v.tries) return v;
    return { ...v, url, upstreamPath, requestHeaders: req, responseHeaders: res, cause, note, tries };
  }

  /** A log line, which may quote the request's URL. */
  log(v: LogView): LogView {
    const message = this.query(v.message);
    return message === v.message ? v : { ...v, message };
  }
}
