// The nginx variables about the request as a whole, its connection and the clock, as nginx 1.22
// computes them (ngx_http_variables.c, ngx_http_auth_basic_user, ngx_http_realip_module.c).
// Values are byte strings (one code unit per byte).
import type { RequestContext } from './context.ts';
import { ipv4Parts, ipv6Groups } from '../config/ip.ts';

/** $request: the request line as received (node's parser takes only "METHOD TARGET HTTP/x.y"
 * with single spaces, which nginx keeps as it is). */
export function requestLine(ctx: RequestContext): string {
  return `${ctx.method} ${ctx.requestUri} HTTP/${ctx.httpVersion}`;
}

/** The first client header line of a name (lowercase), as nginx keeps Content-Length, Content-Type
 * and Authorization; undefined when there is none. */
function firstHeader(ctx: RequestContext, lowerName: string): string | undefined {
  for (const [n, v] of ctx.headers) if (n.length === lowerName.length && n.toLowerCase() === lowerName) return v;
  return undefined;
}

/** $content_length: the header as sent; without one, the length of a body read whole (chunked), else ''. */
export function contentLength(ctx: RequestContext): string {
  const h = firstHeader(ctx, 'content-length');
  if (h !== undefined) return h;
  return ctx.bodyLength === undefined ? '' : String(ctx.bodyLength);
}

/** $content_type: the first Content-Type line as sent (nginx keeps the first), else ''. */
export const contentType = (ctx: RequestContext): string => firstHeader(ctx, 'content-type') ?? '';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** ngx_decode_base64: the characters up to the first '=' must all be base64 ones (else null), and
 * not leave one character over a multiple of four; the bytes as a byte string. */
function decodeBase64(text: string): string | null {
  const end = text.indexOf('=');
  const s = end < 0 ? text : text.slice(0, end);
  const v: number[] = [];
  for (const c of s) {
    const i = BASE64.indexOf(c);
    if (i < 0) return null;
    v.push(i);
  }
  if (v.length % 4 === 1) return null;
  let out = '';
  for (let i = 0; i < v.length; i += 4) {
    const [a, b = 0, c = 0, d = 0] = v.slice(i, i + 4);
    const left = v.length - i;
    out += String.fromCharCode(((a! << 2) | (b >> 4)) & 0xff);
    if (left > 2) out += String.fromCharCode(((b << 4) | (c >> 2)) & 0xff);
    if (left > 3) out += String.fromCharCode(((c << 6) | d) & 0xff);
  }
  return out;
}

/** $remote_user (ngx_http_auth_basic_user): from "Basic " (any case), spaces, then base64 of
 * "user:password", the bytes before the first ':'; '' for any other Authorization, an empty user,
 * no ':', or bad base64. The bytes are the client's, whatever they are. */
export function remoteUser(ctx: RequestContext): string {
  const auth = firstHeader(ctx, 'authorization');
  if (auth === undefined || auth.length < 6 || auth.slice(0, 6).toLowerCase() !== 'basic ') return '';
  let from = 6;
  while (auth[from] === ' ') from++;
  if (from === auth.length) return '';
  const decoded = decodeBase64(auth.slice(from));
  if (decoded === null) return '';
  const colon = decoded.indexOf(':');
  return colon <= 0 ? '' : decoded.slice(0, colon);
}

/** $binary_remote_addr: the client address's 4 (IPv4) or 16 (IPv6) bytes. */
export function binaryAddress(addr: string): string {
  const v4 = ipv4Parts(addr);
  if (v4) return String.fromCharCode(...v4);
  const v6 = ipv6Groups(addr.replace(/%.*$/, ''));
  if (!v6) return '';
  return String.fromCharCode(...v6.flatMap((g) => [g >> 8, g & 0xff]));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** $msec: seconds since the epoch with milliseconds, "1700000000.123". */
export function msec(now: number): string {
  return `${Math.floor(now / 1000)}.${String(now % 1000).padStart(3, '0')}`;
}

/** The local time's fields and its offset from UTC ("+0100" split as sign, hours, minutes), as nginx's localtime(). */
function local(now: number): { d: Date; sign: string; oh: string; om: string } {
  const d = new Date(now);
  const off = -d.getTimezoneOffset();
  return { d, sign: off < 0 ? '-' : '+', oh: two(Math.floor(Math.abs(off) / 60)), om: two(Math.abs(off) % 60) };
}

const clock = (d: Date): string => `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;

/** $time_local: "07/Dec/2026:08:57:42 +0000" (the common log format's). */
export function timeLocal(now: number): string {
  const { d, sign, oh, om } = local(now);
  return `${two(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${clock(d)} ${sign}${oh}${om}`;
}

/** $time_iso8601: "2026-12-07T08:57:42+00:00". */
export function timeIso8601(now: number): string {
  const { d, sign, oh, om } = local(now);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${clock(d)}${sign}${oh}:${om}`;
}
