// nginx's limits on a request head, from how it reads one: into a client_header_buffer_size (1k)
// buffer first, then into at most large_client_header_buffers (4) buffers of 8k. When a buffer fills
// in the middle of a line, the part of the line read so far moves to the next buffer; a line that
// fills a whole large buffer by itself, or a head needing a fifth large buffer, is refused:
//   - still on the request line: 414 Request-URI Too Large ("client sent too long URI");
//   - on a header line: 400 Request Header Or Cookie Too Large (nginx's internal 494).
// So a single header (or a cookie) of 8 KB or more fails, and so does a long list of large headers
// that never fills 32 KB. The engine applies the same limits (both directives at their defaults),
// so what passes here passes nginx.
//
// The upstream's response head has one buffer, proxy_buffer_size (a memory page: 4k on x86-64
// Linux): a longer head is "upstream sent too big header", a failed try (invalid_header) and so 502
// by default, however small the body.
//
// The engine sees the head parsed, not as bytes: each line is measured as `name: value` + CRLF and
// the request line as `METHOD target HTTP/x.y` + CRLF, which is what clients send; a client using
// other whitespace around a colon moves a boundary by that many bytes.

export const CLIENT_HEADER_BUFFER = 1024;
export const LARGE_HEADER_BUFFER = { count: 4, size: 8192 } as const;

/** nginx's internal status for a head its buffers cannot hold; the client gets 400 (with a page of
 * its own: "Request Header Or Cookie Too Large"). */
export const REQUEST_HEADER_TOO_LARGE = 494;

/** The status a client sees for a planned one (494 goes out as 400). */
export function clientStatus(status: number): number {
  return status === REQUEST_HEADER_TOO_LARGE ? 400 : status;
}

/** Refused: `line` is the head's line at which nginx stopped reading it (0: the request line). */
export type HeadVerdict = { ok: true } | { ok: false; status: 414 | typeof REQUEST_HEADER_TOO_LARGE; reason: string; line: number };

const OK: HeadVerdict = { ok: true };

/**
 * Whether nginx reads a head whose lines (the request line first, each with its CRLF; the empty
 * line that ends the head is added here) have these lengths in bytes.
 */
export function headFits(lineLengths: readonly number[]): HeadVerdict {
  let cap = CLIENT_HEADER_BUFFER;
  let fill = 0;
  let large = 0;
  const n = lineLengths.length;
  for (let i = 0; i <= n; i++) {
    const length = i < n ? lineLengths[i]! : 2;
    let start = fill;
    let left = length;
    while (left > cap - fill) {
      // the buffer is full and this line goes on: what was read of it moves to a new large buffer
      left -= cap - fill;
      const partial = cap - start;
      if (partial >= LARGE_HEADER_BUFFER.size || large >= LARGE_HEADER_BUFFER.count) {
        if (i === 0) return { ok: false, status: 414, reason: 'client sent too long URI', line: 0 };
        return { ok: false, status: 494, reason: partial > 0 ? 'client sent too long header line' : 'client sent too large request', line: i };
      }
      large++;
      cap = LARGE_HEADER_BUFFER.size;
      fill = partial;
      start = 0;
    }
    fill += left;
  }
  return OK;
}

/** A head under this many bytes always fits (everything after the first buffer fits one large one). */
const ALWAYS_FITS = LARGE_HEADER_BUFFER.size;

/** The bytes of the `name: value` CRLF lines of [name, value, name, value, ...]. */
function headerLineBytes(rawHeaders: readonly string[]): number {
  let total = 4 * (rawHeaders.length >> 1);
  for (let i = 0; i < rawHeaders.length; i++) total += rawHeaders[i]!.length;
  return total;
}

/** The header lines nginx 1.22 reads in a request head; one more is "client sent too many header
 * lines", answered as a head too large (measured against Debian's 1.22.1). */
export const MAX_REQUEST_HEADER_LINES = 1000;

/** headFits for a parsed request: `rawHeaders` as [name, value, name, value, ...]. */
export function requestHeadFits(method: string, target: string, httpVersion: string, rawHeaders: readonly string[]): HeadVerdict {
  if (rawHeaders.length > 2 * MAX_REQUEST_HEADER_LINES) return { ok: false, status: REQUEST_HEADER_TOO_LARGE, reason: 'client sent too many header lines', line: MAX_REQUEST_HEADER_LINES + 1 };
  const requestLine = method.length + target.length + httpVersion.length + 9; // "M T HTTP/v\r\n"
  if (requestLine + headerLineBytes(rawHeaders) + 2 < ALWAYS_FITS) return OK;
  const lines = [requestLine];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) lines.push(rawHeaders[i]!.length + rawHeaders[i + 1]!.length + 4);
  return headFits(lines);
}

/** proxy_buffer_size at its default (one memory page on x86-64 Linux). */
export const PROXY_BUFFER_SIZE = 4096;

/** A parsed response head (node's IncomingMessage has this shape). */
export interface ResponseHead {
  httpVersion: string;
  statusCode?: number | undefined;
  statusMessage?: string | undefined;
  rawHeaders: readonly string[];
}

/** The bytes of a parsed response head: status line, `name: value` lines, the empty line. */
export function responseHeadBytes(r: ResponseHead): number {
  // "HTTP/v code message" CRLF, the header lines, CRLF
  return 7 + r.httpVersion.length + String(r.statusCode ?? 0).length + (r.statusMessage ?? '').length + 2 + headerLineBytes(r.rawHeaders) + 2;
}

/** Whether nginx takes this upstream response head (proxy_buffer_size). */
export function responseHeadFits(r: ResponseHead): boolean {
  return responseHeadBytes(r) <= PROXY_BUFFER_SIZE;
}
