// What nginx answers to a request head node's parser refused (the engine's clientError handler),
// judged from the chunk node was parsing then (`rawPacket`, its last read, not always the whole
// head) and where it stopped (`bytesParsed`): 414 or the 494 page for a head past the buffers,
// 505 for a later HTTP version, 501 for a Transfer-Encoding nginx does not know, else 400.
import { REQUEST_HEADER_TOO_LARGE } from '../../app/proxy/header-buffers.ts';
import { validateHost } from '../../app/match/server.ts';
import { overflowsOffT } from '../../app/proxy/plan.ts';

export interface ParseError {
  code?: string;
  rawPacket?: Buffer;
  bytesParsed?: number;
}

export function refusedHeadStatus(err: ParseError): number {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return longRequestLine(err.rawPacket) ? 414 : REQUEST_HEADER_TOO_LARGE;
    case 'HPE_INVALID_VERSION':
      return laterMajorVersion(err.rawPacket, err.bytesParsed) ? 505 : 400;
    case 'HPE_INVALID_TRANSFER_ENCODING': // "chunked, gzip": chunked not last
    case 'HPE_INVALID_CONTENT_LENGTH': // beside a Transfer-Encoding too
      return unknownTransferEncoding(err.rawPacket, err.bytesParsed) ? 501 : 400;
    default:
      return 400;
  }
}

/**
 * Whether the head overflowed on its request line: the first line end in the chunk closes a request
 * line (" HTTP/x.y"), or there is none and nothing in it looks like a header.
 */
function longRequestLine(packet: Buffer | undefined): boolean {
  if (!packet) return false;
  const eol = packet.indexOf('\r\n');
  if (eol === -1) return !packet.includes(': ');
  return / HTTP\/\d\.\d$/.test(packet.subarray(Math.max(0, eol - 9), eol).toString('latin1'));
}

/** The lines of the head the parser stopped in (it stops at the refused line): from the end of the
 * one before it in `packet`, if any, to its own end. */
function headAt(packet: Buffer, at: number | undefined): string[] {
  const stop = Math.min(Math.max(at ?? 0, 0), packet.length);
  const before = stop > 0 ? packet.lastIndexOf('\r\n\r\n', stop - 1) : -1;
  const start = before === -1 ? 0 : before + 4;
  const end = packet.indexOf('\r\n\r\n', start);
  return packet.subarray(start, end === -1 ? packet.length : end).toString('latin1').split('\r\n');
}

/**
 * The request line of a refused head, for its record and the access log: its method and target
 * (long ones cut). Known only when `packet` is all the connection has read (`firstRead`): the head
 * the parser stopped in is then found from the first byte, past the heads before it and their
 * Content-Length bodies. Otherwise none (''): node hands over only the last read, and a line from
 * the middle of a head (or of a body) is not passed off as a request line. Its HTTP version when a
 * header was refused (the line was read whole).
 */
export function refusedRequestLine(err: ParseError, firstRead: boolean): { method: string; url: string; httpVersion?: string } {
  const none = { method: '', url: '' };
  const p = err.rawPacket;
  if (!p || !firstRead) return none;
  const stop = Math.min(Math.max(err.bytesParsed ?? 0, 0), p.length);
  let pos = 0;
  for (;;) {
    const end = p.indexOf('\r\n\r\n', pos);
    if (end === -1 || end + 4 > stop) break; // the head the parser stopped in starts at pos
    const head = p.subarray(pos, end).toString('latin1');
    if (/\r\ntransfer-encoding:/i.test(head)) return none; // (a chunked body: not walked)
    pos = end + 4 + Number(/\r\ncontent-length:[ \t]*(\d+)/i.exec(head)?.[1] ?? 0);
    if (pos > stop) return none; // (the parser stopped in a body)
  }
  const eol = p.indexOf('\r\n', pos);
  const [method = '', url = '', version = '', ...more] = p.subarray(pos, eol === -1 ? p.length : eol).toString('latin1').split(' ');
  // (its version too when the parser went past the line, a header refused: nginx logs the head with
  // it, $server_protocol too; a line refused itself has none)
  const v = eol !== -1 && stop > eol && !more.length ? /^HTTP\/(\d\.\d)$/.exec(version) : null;
  return { method: method.slice(0, 64), url: url.slice(0, 8192), ...(v ? { httpVersion: v[1]! } : {}) };
}

/** The method of the head the parser stopped in, for the answer's shape (a HEAD gets no body): the
 * request line's when it is known, else the chunk's, when the chunk holds that head's first line
 * whole (from its start, or after the blank line of a head before it) and it reads as a request
 * line. '' when not seen: a head split across reads, or one behind a body in the same chunk whose
 * line does not read as one. */
export function refusedMethod(err: ParseError, line: { method: string }): string {
  if (line.method || !err.rawPacket) return line.method;
  const first = headAt(err.rawPacket, err.bytesParsed)[0] ?? '';
  return /^[A-Z]+ \S+ HTTP\/\d+\.\d+$/.test(first) ? first.slice(0, first.indexOf(' ')) : '';
}

/** Why the engine refused a head, in nginx's words for its status. */
export function refusedHeadCause(status: number, err: ParseError): string {
  const why = status === 414 ? 'client sent too long URI' : status === 505 ? 'client sent unsupported HTTP version' : status === 501 ? 'client sent unknown "Transfer-Encoding"' : status === 400 ? 'client sent invalid request' : 'client sent too large request';
  return `${why} (node's parser: ${err.code ?? 'error'})`;
}

/** The line of `packet` the parser stopped in (the packet may begin with pipelined requests). */
function lineAt(packet: Buffer, at: number | undefined): string {
  const stop = Math.min(Math.max(at ?? 0, 0), packet.length);
  const start = stop > 0 ? packet.lastIndexOf('\n', stop - 1) + 1 : 0;
  const eol = packet.indexOf('\n', start);
  return packet.subarray(start, eol === -1 ? packet.length : eol).toString('latin1');
}

/**
 * Whether the request line names an HTTP major version above 1 ("HTTP/2", "HTTP/3.0", "HTTP/10.0"):
 * nginx stops at the first digit that takes it past 1 with 505 (version not supported), where
 * node's parser refuses every version but 0.9, 1.0, 1.1 and 2.0 alike (HTTP/2.0 reaches the
 * planner, which answers 505 too).
 */
function laterMajorVersion(packet: Buffer | undefined, at: number | undefined): boolean {
  // (nginx adds up the major's digits and stops as soon as the number is above 1: "HTTP/10" too)
  return !!packet && /^[^ ]+ [^ ]+ HTTP\/(?:[2-9]|1\d)/.test(lineAt(packet, at));
}

/**
 * Whether nginx answers 501 to the head the parser stopped in: an HTTP/1.1 request whose one
 * `Transfer-Encoding` is not `chunked` (node refuses "chunked, gzip", and any Transfer-Encoding
 * beside a Content-Length), once nginx's earlier checks of that head pass: one Host that
 * ngx_http_validate_host takes, at most one Content-Length, a number (ngx_http_process_request_header's order).
 */
function unknownTransferEncoding(packet: Buffer | undefined, at: number | undefined): boolean {
  if (!packet) return false;
  const head = headAt(packet, at);
  if (!/^[A-Z_-]+ \S+ HTTP\/1\.1$/.test(head[0] ?? '')) return false;
  const values = (name: string) => head.slice(1).filter((l) => l.slice(0, name.length + 1).toLowerCase() === `${name}:`).map((l) => l.slice(name.length + 1).replace(/^ +| +$/g, ''));
  const [host, ...hosts] = values('host');
  const te = values('transfer-encoding');
  const cl = values('content-length');
  if (host === undefined || hosts.length > 0 || validateHost(host) === null) return false;
  if (cl.length > 1 || (cl.length === 1 && (!/^\d+$/.test(cl[0]!) || overflowsOffT(cl[0]!)))) return false;
  return te.length === 1 && te[0]!.toLowerCase() !== 'chunked';
}
