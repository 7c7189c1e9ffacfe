// Redaction of secrets in what leaves the service (views, the feed, exports): the values of
// sensitive headers, and the values of sensitive query parameters wherever a URL shows (the
// request's URL, the path sent upstream, Referer and Location values, and notes, causes and log
// lines that quote a URL). The traffic log keeps the real values, so changing the settings applies
// to everything shown next.
import type { ExchangeView, LogView, ServiceSettings, SessionView } from '../../app/api/contract.ts';

// (X-Switchyard-Token: the web host's own, should a stale page's calls reach a proxied app instead)
export const DEFAULT_REDACTED = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-switchyard-token'];
/** Query parameters that carry credentials in common APIs (OAuth, API keys, signed URLs); WebSocket
 * clients, which cannot set headers in a browser, often authenticate this way. */
export const DEFAULT_REDACTED_QUERY = [
  'access_token', 'id_token', 'refresh_token', 'token', 'auth', 'jwt', 'api_key', 'apikey', 'key',
  'password', 'secret', 'client_secret', 'signature', 'sig', 'x-amz-credential', 'x-amz-signature', 'x-amz-security-token',
];
export const REDACTED = '[redacted]';

/** Header values that are URLs, whose query parameters are redacted like the request's. */
const URL_HEADERS = new Set(['referer', 'location', 'content-location']);

/** A query parameter's name as it compares: percent-decoded ('+' is a space), lower case. */
function paramName(raw: string): string {
  const s = raw.replaceAll('+', ' ');
  try {
    return decodeURIComponent(s).toLowerCase();
  } catch {
    return s.toLowerCase();
  }
}

// name=value after a '?' or '&', up to the next '&', '#', white space or quote (a URL quoted in text)
const PARAM = /([?&])([^=&#\s"'?]+)=([^&#\s"']*)/g;

export class Redactor {
  private names = new Set(DEFAULT_REDACTED);
  private params = new Set(DEFAULT_REDACTED_QUERY);
  private on = true;

  settings(): Pick<ServiceSettings, 'redact' | 'redactHeaders' | 'redactQuery'> {
    return { redact: this.on, redactHeaders: [...this.names], redactQuery: [...this.params] };
  }

  update(s: Partial<ServiceSettings>): void {
    if (s.redact !== undefined) this.on = s.redact;
    if (s.redactHeaders) this.names = new Set(s.redactHeaders.map((n) => n.toLowerCase()));
    if (s.redactQuery) this.params = new Set(s.redactQuery.map(paramName));
  }

  /** A raw header list [name, value, name, value…] with sensitive values replaced. */
  headers(raw: string[]): string[] {
    if (!this.on) return raw;
    let out: string[] | null = null;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      const kept = this.names.has(name) ? REDACTED : URL_HEADERS.has(name) ? this.query(value) : value;
      if (kept === value) continue;
      out ??= [...raw];
      out[i + 1] = kept;
    }
    return out ?? raw;
  }

  /** `text` with the values of sensitive query parameters replaced: a URL (only its query: after
   * the first '?'), or text that quotes one. */
  query(text: string): string;
  query(text: string | null): string | null;
  query(text: string | null): string | null {
    if (!this.on || !text || this.params.size === 0 || !text.includes('=')) return text;
    return text.replace(PARAM, (whole, sep: string, name: string) => (this.params.has(paramName(name)) ? `${sep}${name}=${REDACTED}` : whole));
  }

  /** A URL: only its query part is read (a '&' in a path is not a parameter). */
  private url(url: string): string {
    const q = url.indexOf('?');
    return q < 0 ? url : url.slice(0, q) + this.query(url.slice(q));
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
    if (req === v.requestHeaders && res === v.responseHeaders && url === v.url && upstreamPath === v.upstreamPath && closeReason === v.closeReason) return v;
    return { ...v, url, upstreamPath, requestHeaders: req, responseHeaders: res, closeReason };
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
