// A plain HTTP client for tests: exact headers, no defaults added beyond node's Host.
import http from 'node:http';
import WebSocket from 'ws';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function send(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; setHost?: boolean; localAddress?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // not http.request(url): WHATWG URL parsing would resolve "./" and "../" before sending
    const m = /^http:\/\/([^/:]+):(\d+)(.*)$/.exec(url)!;
    const req = http.request({ host: m[1], port: Number(m[2]), path: m[3] || '/', method: opts.method ?? 'GET', headers: opts.headers, setHost: opts.setHost ?? true, agent: false, localAddress: opts.localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export async function sendJson<T = Record<string, unknown>>(url: string, opts: Parameters<typeof send>[1] = {}): Promise<{ status: number; json: T; headers: http.IncomingHttpHeaders }> {
  const r = await send(url, opts);
  return { status: r.status, headers: r.headers, json: JSON.parse(r.body) as T };
}

/** Open a WebSocket to `url`, send `text`, and resolve with the first message back (the socket is then dropped). */
export function wsEchoOnce(url: string, text: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => ws.send(text));
    ws.once('message', (d) => {
      ws.terminate();
      resolve(String(d));
    });
    ws.once('error', reject);
  });
}
