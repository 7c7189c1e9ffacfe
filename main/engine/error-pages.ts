// nginx-style error responses, for both a ServerResponse and a raw (upgrade) socket: nginx's status
// lines and page layout (its wording where it differs from node's, e.g. "504 Gateway Time-out").
// 494 (app/proxy/header-buffers.ts) is nginx's internal code for a head its buffers cannot hold: it
// answers 400 with a page of its own ("Request Header Or Cookie Too Large").
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { REQUEST_HEADER_TOO_LARGE, clientStatus } from '../../app/proxy/header-buffers.ts';
import { padsErrorPage } from '../../app/proxy/user-agent.ts';
import { lingeringClose } from './client-close.ts';
import { sentHeaders } from './stored-head.ts';

/** nginx's reason phrases where they differ from node's (ngx_http_status_lines). */
const NGINX_REASONS: Record<number, string> = {
  302: 'Moved Temporarily', 405: 'Not Allowed', 408: 'Request Time-out', 413: 'Request Entity Too Large', 414: 'Request-URI Too Large',
  416: 'Requested Range Not Satisfiable', 504: 'Gateway Time-out',
};

/** Errors after which nginx closes the client connection (ngx_http_special_response_handler; the
 * engine answers 405 and 505 only where nginx does so while reading the head, which closes too). */
const CLOSES_CONNECTION = new Set([400, 405, 413, 414, 494, 500, 501, 505]);

export function reasonPhrase(status: number): string {
  return NGINX_REASONS[status] ?? STATUS_CODES[status] ?? 'Error';
}

/** nginx's msie_padding (on by default): the lines its 4xx and 5xx pages end with for MSIE and
 * Chrome (app/proxy/user-agent.ts), so that they show the page rather than one of their own. */
const MSIE_PADDING = '<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n'.repeat(6);

/** The page for `status`, padded as nginx pads it for the client's User-Agent. */
export function errorBody(status: number, userAgent?: string | null): string {
  const padding = padsErrorPage(status, userAgent) ? MSIE_PADDING : '';
  if (status === REQUEST_HEADER_TOO_LARGE) {
    return '<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n'
      + `<center>Request Header Or Cookie Too Large</center>\r\n<hr><center>switchyard</center>\r\n</body>\r\n</html>\r\n${padding}`;
  }
  const title = `${status} ${reasonPhrase(status)}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>switchyard</center>\r\n</body>\r\n</html>\r\n${padding}`;
}

/** An error page of the proxy's own (nginx's page), with `extra` headers; `record` (the exchange's)
 * gets the header lines and body size the client got. The page is padded for `userAgent` (null:
 * none was read), by default the request's. When a response had begun, the connection is cut instead. */
export function sendError(res: ServerResponse, status: number, extra: Record<string, string> | string[] = {}, record?: { responseHeaders: string[]; responseBytes: number }, userAgent: string | null | undefined = res.req?.headers['user-agent']): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(status, userAgent);
  const wire = clientStatus(status);
  if (CLOSES_CONNECTION.has(status)) res.shouldKeepAlive = false;
  const length = String(Buffer.byteLength(body));
  // (a raw list may repeat a name: Set-Cookie lines kept from an X-Accel-Redirect answer)
  const list = Array.isArray(extra) ? extra : Object.entries(extra).flat();
  const headers = ['Content-Type', 'text/html', 'Content-Length', length, ...nginxOrder(list, res.shouldKeepAlive)];
  res.writeHead(wire, reasonPhrase(wire), headers);
  // (bytes, not a string: node writes the head with a string body in UTF-8, and its values, a Host
  // in a Location or an upstream's kept Set-Cookie, are the bytes that came, one character each)
  res.end(Buffer.from(body, 'latin1'));
  if (record) {
    record.responseHeaders = sentHeaders(res);
    record.responseBytes = Number(length);
  }
}

/** The extra header lines of an error page in nginx's order: a Location, then Connection, then the
 * headers kept from an X-Accel-Redirect answer but Accept-Ranges, which nginx clears on its own
 * pages. node writes its Connection after every line it is given, so with kept headers it is given
 * its own, saying what node would. */
function nginxOrder(list: string[], keepAlive: boolean): string[] {
  const location: string[] = [];
  const kept: string[] = [];
  for (let i = 0; i + 1 < list.length; i += 2) {
    const name = list[i]!.toLowerCase();
    if (name !== 'accept-ranges') (name === 'location' ? location : kept).push(list[i]!, list[i + 1]!);
  }
  return kept.length ? [...location, 'Connection', keepAlive ? 'keep-alive' : 'close', ...kept] : location;
}

/** An HTTP error written straight to a socket that node handed over on 'upgrade' (or whose head it
 * refused). To a HEAD request, the head alone (its Content-Length the page's, as nginx's); the page
 * padded for the request's `userAgent` where it is known. Returns
 * what the client got, for its record (header lines as name, value, …, and the body's size), or
 * null when the socket was already gone. */
export function writeRawError(socket: Socket, status: number, extra: Record<string, string> = {}, method?: string, userAgent?: string | null): { headers: string[]; bodyBytes: number } | null {
  if (socket.destroyed || !socket.writable) return null;
  const body = errorBody(status, userAgent);
  const wire = clientStatus(status);
  const pageBytes = Buffer.byteLength(body);
  // (nginx's order: a Location before Connection)
  const headers = Object.entries({ Date: new Date().toUTCString(), 'Content-Type': 'text/html', 'Content-Length': String(pageBytes), ...extra, Connection: 'close' });
  const head = [`HTTP/1.1 ${wire} ${reasonPhrase(wire)}`, ...headers.map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  const headOnly = method === 'HEAD';
  // (latin1: a value is the bytes that came, one character each, as a Host in a Location)
  socket.write(Buffer.from(`${head}\r\n\r\n${headOnly ? '' : body}`, 'latin1'));
  // the connection ends here, and the client may still be sending (the rest of a head node
  // refused, a body, frames after a handshake): nginx's lingering close, not a reset
  lingeringClose(socket);
  return { headers: headers.flat(), bodyBytes: headOnly ? 0 : pageBytes };
}
