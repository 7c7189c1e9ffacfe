// Redaction of sensitive header values in what leaves the service (views, the feed, exports). The
// traffic log keeps the real values, so changing the setting applies to everything shown next.
import type { ExchangeView, ServiceSettings, SessionView } from '../../app/api/contract.ts';

// (X-Switchyard-Token: the web host's own, should a stale page's calls reach a proxied app instead)
export const DEFAULT_REDACTED = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-switchyard-token'];
export const REDACTED = '[redacted]';

export class Redactor {
  private names = new Set(DEFAULT_REDACTED);
  private on = true;

  settings(): Pick<ServiceSettings, 'redact' | 'redactHeaders'> {
    return { redact: this.on, redactHeaders: [...this.names] };
  }

  update(s: Partial<ServiceSettings>): void {
    if (s.redact !== undefined) this.on = s.redact;
    if (s.redactHeaders) this.names = new Set(s.redactHeaders.map((n) => n.toLowerCase()));
  }

  /** A raw header list [name, value, name, value…] with sensitive values replaced. */
  headers(raw: string[]): string[] {
    if (!this.on) return raw;
    let out: string[] | null = null;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (!this.names.has(raw[i]!.toLowerCase())) continue;
      out ??= [...raw];
      out[i + 1] = REDACTED;
    }
    return out ?? raw;
  }

  /** `text` (a cause or close reason, which may quote a header line, as nginx's messages do) with
   * the values of the sensitive headers in `lists` replaced. */
  private text(text: string | null, ...lists: string[][]): string | null {
    if (!this.on || !text) return text;
    let out = text;
    for (const raw of lists) {
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const value = raw[i + 1]!;
        if (value !== '' && this.names.has(raw[i]!.toLowerCase())) out = out.replaceAll(value, REDACTED);
      }
    }
    return out;
  }

  session<T extends SessionView>(v: T): T {
    const req = this.headers(v.requestHeaders);
    const res = this.headers(v.responseHeaders);
    if (req === v.requestHeaders && res === v.responseHeaders) return v;
    return { ...v, requestHeaders: req, responseHeaders: res, closeReason: this.text(v.closeReason, v.requestHeaders, v.responseHeaders) };
  }

  exchange<T extends ExchangeView>(v: T): T {
    const req = this.headers(v.requestHeaders);
    const res = this.headers(v.responseHeaders);
    if (req === v.requestHeaders && res === v.responseHeaders) return v;
    return { ...v, requestHeaders: req, responseHeaders: res, cause: this.text(v.cause, v.requestHeaders, v.responseHeaders) };
  }
}
