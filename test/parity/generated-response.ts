// The upstream answers the parity harness makes for /resp/N: a status, header lines and a body, all
// drawn from N, so that nginx and the engine get the same answer for the same request.
import { rng } from './random-requests.ts';

const RESPONSE_HEADERS: Array<[string, string]> = [
  ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2; Path=/'], ['Cache-Control', 'no-cache'], ['X-Accel-Buffering', 'no'], ['X-Accel-Expires', '10'],
  ['X-Pad', 'avoid'], ['Server', 'upstream/1'], ['Date', 'Mon, 01 Jan 2001 00:00:00 GMT'], ['Keep-Alive', 'timeout=5'], ['Connection', 'keep-alive'],
  ['Vary', 'Accept'], ['ETag', '"x"'], ['Content-Type', 'text/plain'], ['X-Powered-By', 'node'], ['Link', '</a>; rel=preload'], ['Expires', '0'],
  ['Upgrade', 'h2'], ['Proxy-Connection', 'x'], ['X-Custom', 'a'], ['x-custom', 'b'], ['Content-Disposition', 'inline'], ['Accept-Ranges', 'bytes'],
  ['WWW-Authenticate', 'Basic'], ['Content-Encoding', 'identity'], ['Connection', 'close'], ['X-Accel-Charset', 'utf-8'],
  ['X-Accel-Limit-Rate', '100'], ['Content-Type', 'application/json'], ['Age', '5'], ['Via', '1.1 up'], ['Transfer-Encoding', 'chunked'],
  ['Last-Modified', 'Mon, 01 Jan 2001 00:00:00 GMT'], ['Last-Modified', 'Tue, 02 Jan 2001 00:00:00 GMT'], ['ETag', '"y"'], ['Content-Encoding', 'br'],
  ['Location', '/else'], ['Location', 'http://x.test/'], ['Refresh', '0'], ['Expires', 'Thu, 01 Jan 1970 00:00:00 GMT'], ['Content-Language', 'en'],
  ['Content-Range', 'bytes 0-1/2'], ['Retry-After', '1'], ['Alt-Svc', 'h2=":443"'], ['Strict-Transport-Security', 'max-age=1'], ['Status', '299 Odd'],
];
const STATUSES = [200, 200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 410, 418, 429, 500, 501, 502, 503, 504, 599, 299, 499];

/** The upstream response /resp/N asks for: status, header lines and body, all from N. */
export function generatedResponse(n: number): { status: number; headers: string[]; body: string } {
  const r = rng(n);
  const status = STATUSES[r(STATUSES.length)]!;
  const headers: string[] = [];
  const count = r(6);
  for (let i = 0; i < count; i++) headers.push(...RESPONSE_HEADERS[r(RESPONSE_HEADERS.length)]!);
  const body = r(3) ? 'b'.repeat(r(40)) : '';
  const chunked = headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'transfer-encoding');
  if (!chunked && r(2)) headers.push('Content-Length', String(Buffer.byteLength(status === 204 || status === 304 ? '' : body)));
  return { status, headers, body: status === 204 || status === 304 ? '' : body };
}
