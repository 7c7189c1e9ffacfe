// Redaction of secrets in what leaves the service (views, the feed, exports): the values of
// sensitive headers, and the values of sensitive query parameters wherever a URL shows (the
// request's URL, the path sent upstream, Referer and Location values, and notes, causes and log
// lines that quote a URL). The traffic log keeps the real values, so changing the settings applies
// to everything shown next.
import type { ExchangeView, LogView, ServiceSettings, SessionView } from '../../app/api/contract.ts';
import { paramName, redactParams } from './url-params.ts';

// (X-Switchyard-Token: the web host's own, should a stale page's calls reach a proxied app instead)
export const DEFAULT_REDACTED = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-switchyard-token'];
/** Query parameters that carry credentials in common APIs (OAuth, API keys, signed URLs); WebSocket
 * clients, which cannot set headers in a browser, often authenticate this way. */
export const DEFAULT_REDACTED_QUERY = [
  'access_token', 'id_token', 'refresh_token', 'token', 'auth', 'jwt', 'api_key', 'apikey', 'key',
  'password', 'secret', 'client_secret', 'signature', 'sig', 'x-amz-credential', 'x-amz-signature', 'x-amz-security-token',
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
      const kept = this.names.has(name) ? REDACTED : URL_HEADERS.has(name) ? this.url(value) : value;
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
   * '&' in a path is not a parameter). */
  url(url: string): string {
    const at = url.search(/[?#]/);
    return at < 0 ? url : url.slice(0, at) + this.redactParams(url.slice(at), true);
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
    if (req === v.requestHeaders && res === v.responseHeaders && url === v.url && upstreamPath === v.upstreamPath && closeReason === v.closeReason && closeFrame === v.closeFrame) return v;
    return { ...v, url, upstreamPath, requestHeaders: req, responseHeaders: res, closeReason, closeFrame };
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
