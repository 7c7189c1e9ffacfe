// Redaction of sensitive header values in what leaves the service (views, the feed, exports). The
// traffic log keeps the real values, so changing the setting applies to everything shown next.
import type { ExchangeView, ServiceSettings, SessionView } from '../../app/api/contract.ts';

export const DEFAULT_REDACTED = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];
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

  session<T extends SessionView>(v: T): T {
    const req = this.headers(v.requestHeaders);
    const res = this.headers(v.responseHeaders);
    return req === v.requestHeaders && res === v.responseHeaders ? v : { ...v, requestHeaders: req, responseHeaders: res };
  }

  exchange<T extends ExchangeView>(v: T): T {
    const req = this.headers(v.requestHeaders);
    const res = this.headers(v.responseHeaders);
    return req === v.requestHeaders && res === v.responseHeaders ? v : { ...v, requestHeaders: req, responseHeaders: res };
  }
}
