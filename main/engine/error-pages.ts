// nginx-style error responses, for both a ServerResponse and a raw (upgrade) socket.
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';

export function errorBody(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>switchyard</center>\r\n</body>\r\n</html>\r\n`;
}

export function sendError(res: ServerResponse, status: number, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(status);
  res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** An HTTP error written straight to a socket that node handed over on 'upgrade'. */
export function writeRawError(socket: Duplex, status: number, extra: Record<string, string> = {}): void {
  if (socket.destroyed || !socket.writable) return;
  const body = errorBody(status);
  const headers = { 'Content-Type': 'text/html', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close', ...extra };
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  socket.end(`${head}\r\n\r\n${body}`);
}
