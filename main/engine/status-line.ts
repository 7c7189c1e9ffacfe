// The upstream's status line as it came, for the answer to an upgrade request. nginx writes an
// upstream's status line to the client verbatim from the status code on ("HTTP/1.1 " + "101",
// "101 " or "426 Nope"), a missing or empty reason phrase included (ngx_http_parse_status_line
// keeps the bytes up to the CR; the header filter writes headers_out.status_line when set).
// node's parser gives only `statusMessage`, which is '' for both "101" and "101 ", so the raw
// bytes are watched until the answer's head is read. Only on the handshake: the relay never sees it.
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** How much of the answer is kept: its head must fit proxy_buffer_size (4 KB) anyway. */
const KEEP_LIMIT = 8192;

export interface StatusLineWatch {
  /** The status line of the answer `res` from the code on ("101", "426 Nope") as it came, or, if
   * not seen, made from the code and node's reason phrase (or the standard one). Stops watching. */
  take(res: Pick<IncomingMessage, 'statusCode' | 'statusMessage'>): string;
  /** Stop watching without reading. */
  stop(): void;
}

/** Watch `up` (before the HTTP client parses it) for the status line of the answer with status `code`. */
export function watchStatusLine(up: Socket): StatusLineWatch {
  let kept: Buffer | null = null;
  const onData = (chunk: Buffer) => {
    kept = kept ? Buffer.concat([kept, chunk]) : chunk;
    if (kept.length >= KEEP_LIMIT) up.off('data', onData);
  };
  up.on('data', onData);
  const stop = () => {
    up.off('data', onData);
    kept = null;
  };
  return {
    stop,
    take(res) {
      const buf = kept;
      stop();
      const code = res.statusCode ?? 502;
      const seen = buf ? finalStatusText(buf.toString('latin1', 0, Math.min(buf.length, KEEP_LIMIT)), code) : null;
      return seen ?? `${code} ${res.statusMessage || STATUS_CODES[code] || ''}`;
    },
  };
}

/**
 * The status text of the first head in `text` whose code is `code`: interim answers (1xx other than
 * 101) that node skipped come first, each a head of its own.
 */
export function finalStatusText(text: string, code: number): string | null {
  let at = 0;
  while (at < text.length) {
    const eol = text.indexOf('\n', at);
    if (eol < 0) return null;
    const line = text.slice(at, text[eol - 1] === '\r' ? eol - 1 : eol);
    const m = /^HTTP\/\d\.\d (\d{3}.*)$/.exec(line);
    if (!m) return null;
    if (m[1]!.startsWith(String(code))) return m[1]!;
    // skip this head: up to the empty line that ends it
    const end = /\r?\n\r?\n/.exec(text.slice(eol - 1));
    if (!end) return null;
    at = eol - 1 + end.index + end[0].length;
  }
  return null;
}
