// Redaction of secrets in what leaves the service (views, the feed, exports): the values of
// sensitive headers, and the values of sensitive query parameters wherever a URL shows (the
// request's URL, the path sent upstream, Referer and Location values, and notes, causes and log
// lines that quote a URL). The traffic log keeps the real values, so changing the settings applies
// to everything shown next.
import type { ExchangeView, LogView, ServiceSettings, SessionView } from '../../app/api/contract.ts';
import type { FrameView } from '../../app/api/contract.ts';
import { paramName, redactParams } from './url-params.ts';
import { redactSubprotocols } from './subprotocols.ts';

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

export class Redactor {
  private names = new Set(DEFAULT_REDACTED);
  private paramNames = new Set(DEFAULT_REDACTED_QUERY);
  private on = true;

  settings(): Pick<ServiceSettings, 'redact' | 'redactHeaders' | 'redactQuery'> {
    return { redact: this.on, redactHeaders: [...this.names], redactQuery: [...this.paramNames] };
  }

  update(s: Partial<ServiceSettings>): void {
    if (s.redact !== undefined) this.on = s.redact;
    if (s.redactHeaders) this.names = new Set(s.redactHeaders.map((n) => n.toLowerCase()));
    if (s.redactQuery) this.paramNames = new Set(s.redactQuery.map(paramName));
  }

  /** A raw header list [name, value, name, value…] with sensitive values replaced. */
  headers(raw: string[]): string[] {
    if (!this.on) return raw;
    let out: string[] | null = null;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      const kept = this.names.has(name) ? REDACTED : URL_HEADERS.has(name) ? this.url(value) : name === 'sec-websocket-protocol' ? this.subprotocols(value) : value;
      if (kept === value) continue;
      out ??= [...raw];
      out[i + 1] = kept;
    }
    return out ?? raw;
  }

  /** `text` (a note, a log line) with the values of sensitive parameters of the URLs it quotes replaced. */
  query(text: string): string;
  query(text: string | null): string | null;
  query(text: string | null): string | null {
    return this.redactParams(text, false);
  }

  /** A URL, or a header value that holds one: only what follows its first '?' or '#' is read (a
   * '&' in a path is not a parameter); and the password of an absolute URL's `user:password@`. */
  url(url: string): string {
    const at = url.search(/[?#]/);
    const head = this.userinfo(at < 0 ? url : url.slice(0, at));
    return at < 0 ? head : head + this.redactParams(url.slice(at), true);
  }

  private userinfo(head: string): string {
    if (!this.on || !head.includes('@')) return head;
    return head.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^/@]*@/i, `$1${REDACTED}@`);
  }

  /** A Sec-WebSocket-Protocol list with the tokens clients carry in it replaced (subprotocols.ts). */
  private subprotocols(value: string): string {
    return this.on ? redactSubprotocols(value, this.paramNames, REDACTED) : value;
  }

  /** The protocol the server chose: as the header is (redacted whole with it), and a token of the
   * client's list the server echoed as its choice. */
  private chosenProtocol(chosen: string | null, offered: string[]): string | null {
    if (!this.on || typeof chosen !== 'string') return chosen;
    if (this.names.has('sec-websocket-protocol')) return REDACTED;
    const mine = this.subprotocols(chosen);
    if (mine !== chosen) return mine;
    for (let i = 0; i + 1 < offered.length; i += 2) {
      if (offered[i]!.toLowerCase() !== 'sec-websocket-protocol') continue;
      const list = offered[i + 1]!.split(',').map((e) => e.trim());
      const kept = this.subprotocols(offered[i + 1]!).split(',').map((e) => e.trim());
      const at = list.indexOf(chosen.trim());
      if (at >= 0 && kept[at] !== list[at]) return kept[at]!;
    }
    return chosen;
  }

  /** A frame row: a Close frame's reason is the peer's own text, which may quote a URL (as the
   * session's closeFrame.reason). Other rows are the traffic itself, shown as it is. */
  frame(row: FrameView): FrameView {
    if (!this.on || row.opcode !== 'close') return row;
    const preview = this.query(row.preview);
    if (preview === row.preview) return row;
    // (a handle on a stored row reads its fields through getters: a plain copy of them)
    const view = typeof (row as { view?: unknown }).view === 'function' ? (row as unknown as { view(): FrameView }).view() : row;
    return { ...view, preview };
  }

  frames(rows: FrameView[]): FrameView[] {
    if (!this.on) return rows;
    let out: FrameView[] | null = null;
    for (let i = 0; i < rows.length; i++) {
      const r = this.frame(rows[i]!);
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

  session<T extends SessionView>(v: T): T {
    if (!this.on) return v;
    const req = this.headers(v.requestHeaders);
    const res = this.headers(v.responseHeaders);
    const url = this.url(v.url);
    const upstreamPath = this.url(v.upstreamPath);
    const closeReason = this.text(v.closeReason, v.requestHeaders, v.responseHeaders);
    // (a peer's Close frame reason is its own text, which may quote a URL too)
    const frameReason = v.closeFrame ? this.query(v.closeFrame.reason) : '';
    const closeFrame = v.closeFrame && frameReason !== v.closeFrame.reason ? { ...v.closeFrame, reason: frameReason } : v.closeFrame;
    const subprotocol = this.chosenProtocol(v.subprotocol, v.requestHeaders);
    if (req === v.requestHeaders && res === v.responseHeaders && url === v.url && upstreamPath === v.upstreamPath && closeReason === v.closeReason && closeFrame === v.closeFrame && subprotocol === v.subprotocol) return v;
    return { ...v, url, upstreamPath, requestHeaders: req, responseHeaders: res, closeReason, closeFrame, subprotocol };
  }

  exchange<T extends ExchangeView>(v: T): T {
    if (!this.on) return v;
    const req = this.headers(v.requestHeaders);
    const res = this.headers(v.responseHeaders);
    const url = this.url(v.url);
    const upstreamPath = v.upstreamPath === null ? null : this.url(v.upstreamPath);
    const cause = this.text(v.cause, v.requestHeaders, v.responseHeaders);
    const note = this.query(v.note);
    if (req === v.requestHeaders && res === v.responseHeaders && url === v.url && upstreamPath === v.upstreamPath && cause === v.cause && note === v.note) return v;
    return { ...v, url, upstreamPath, requestHeaders: req, responseHeaders: res, cause, note };
  }

  /** A log line, which may quote the request's URL. */
  log(v: LogView): LogView {
    const message = this.query(v.message);
    return message === v.message ? v : { ...v, message };
  }
}
