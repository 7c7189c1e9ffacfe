// The HTTP pass: buffer the request body (nginx's proxy_request_buffering, client_max_body_size 1m),
// then try peers in balancer order with nginx's proxy_next_upstream rules, and relay the response.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { proxyHttpTry, type TryFailure } from './http-proxy-adapter.ts';
import { sendError } from './error-pages.ts';
import type { Plan } from './plan.ts';
import type { Peer } from '../upstream/types.ts';
import type { ExchangeRecord, EngineHooks } from './events.ts';

type ProxyPlan = Extract<Plan, { kind: 'proxy' }>;

/** nginx's default client_max_body_size. */
export const CLIENT_MAX_BODY = 1024 * 1024;

const NON_IDEMPOTENT = new Set(['POST', 'LOCK', 'PATCH']);
const STATUS_CONDITIONS: Record<number, string> = { 500: 'http_500', 502: 'http_502', 503: 'http_503', 504: 'http_504', 403: 'http_403', 404: 'http_404', 429: 'http_429' };
/** Response headers nginx does not pass to the client (hop-by-hop, proxy_hide_header defaults). */
const HIDDEN_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'server', 'x-pad', 'x-accel-expires', 'x-accel-redirect', 'x-accel-limit-rate', 'x-accel-buffering', 'x-accel-charset']);

export function readBody(req: IncomingMessage): Promise<{ body: Buffer | null } | { tooLarge: true }> {
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) {
    req.resume();
    return Promise.resolve({ body: null });
  }
  if (Number(req.headers['content-length'] ?? 0) > CLIENT_MAX_BODY) return Promise.resolve({ tooLarge: true });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > CLIENT_MAX_BODY) over = true;
      else chunks.push(c);
    });
    req.once('end', () => resolve(over ? { tooLarge: true } : { body: Buffer.concat(chunks) }));
    req.once('error', () => resolve({ body: Buffer.concat(chunks) }));
  });
}

function responseHeaderList(proxyRes: IncomingMessage): string[] {
  const out: string[] = [];
  const raw = proxyRes.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (HIDDEN_RESPONSE.has(raw[i]!.toLowerCase())) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

export async function proxyHttp(plan: ProxyPlan, req: IncomingMessage, res: ServerResponse, record: ExchangeRecord, hooks: EngineHooks): Promise<void> {
  const { loc } = plan;
  const conds = new Set<string>(loc.location.proxyNextUpstream);
  const maxTries = loc.location.proxyNextUpstreamTries;
  const attempt = loc.pool.group.attempt({ remoteAddr: plan.ctx.remoteAddr, hashKey: plan.hashKey });
  const connection = plan.headers.find(([n]) => n.toLowerCase() === 'connection')?.[1];
  const agent = loc.pool.keepalive && plan.httpVersion === '1.1' && connection?.toLowerCase() !== 'close' ? loc.pool.keepalive : loc.pool.oneShot;
  let current: Peer | null = null;
  let done = false;
  let tries = 0;

  const release = (failed: boolean) => {
    if (current) attempt.release(current, failed);
    current = null;
  };
  res.once('close', () => {
    if (!done) {
      release(false);
      finishRecord(res.headersSent ? res.statusCode : 499, 'client closed the connection');
    }
  });

  function finishRecord(status: number, cause?: string) {
    if (done) return;
    done = true;
    record.status = status;
    if (cause) record.cause = cause;
    record.timings.totalMs = Date.now() - record.startedAt;
    hooks.exchange(record);
  }

  function finish(status: number, cause: string) {
    release(false);
    sendError(res, status);
    finishRecord(status, cause);
  }

  function canRetry(condition: string, requestSent: boolean): boolean {
    if (conds.has('off') || !conds.has(condition)) return false;
    if (requestSent && NON_IDEMPOTENT.has(plan.ctx.method) && !conds.has('non_idempotent')) return false;
    if (maxTries > 0 && tries >= maxTries) return false;
    return attempt.triesLeft > 0;
  }

  let body: Buffer | null = null;
  const tryNext = (): void => {
    const peer = attempt.next();
    if (!peer) {
      finish(502, `no live upstreams while connecting to upstream "${loc.pool.name}"`);
      return;
    }
    current = peer;
    tries++;
    const peerName = peer.host.includes(':') ? `[${peer.host}]:${peer.port}` : `${peer.host}:${peer.port}`;
    record.upstream = peerName;
    proxyHttpTry(req, res, {
      httpVersion: plan.httpVersion, host: peer.host, port: peer.port, method: plan.ctx.method, path: plan.path, headers: plan.headers, body, agent,
      connectTimeoutMs: loc.connectTimeoutMs, sendTimeoutMs: loc.sendTimeoutMs, readTimeoutMs: loc.readTimeoutMs,
    }, {
      onFailure(f: TryFailure) {
        if (done) return;
        const cause = `${f.kind === 'timeout' ? 'upstream timed out' : `upstream error (${(f.error as NodeJS.ErrnoException).code ?? f.error.message})`} while ${f.phase === 'connect' ? 'connecting to upstream' : f.phase === 'send' ? 'sending request to upstream' : 'reading response header from upstream'}, upstream: ${peerName}`;
        record.tries.push({ upstream: peerName, outcome: cause });
        release(true);
        if (canRetry(f.kind, f.requestSent)) tryNext();
        else finish(f.kind === 'timeout' ? 504 : 502, cause);
      },
      onResponse(proxyRes, timing) {
        if (done) {
          proxyRes.resume();
          return;
        }
        const status = proxyRes.statusCode ?? 502;
        const condition = STATUS_CONDITIONS[status];
        // nginx: only when this is not the last try (u->peer.tries > 1); else the response passes
        if (condition && conds.has(condition) && attempt.triesLeft > 1 && canRetry(condition, true)) {
          record.tries.push({ upstream: peerName, outcome: `status ${status}` });
          proxyRes.resume();
          release(status !== 403 && status !== 404);
          tryNext();
          return;
        }
        record.timings.connectMs = timing.connectMs;
        record.timings.firstByteMs = timing.firstByteMs;
        record.responseHeaders = responseHeaderList(proxyRes);
        res.writeHead(status, proxyRes.statusMessage, record.responseHeaders);
        proxyRes.on('data', (c: Buffer) => (record.responseBytes += c.length));
        proxyRes.pipe(res);
        proxyRes.once('end', () => {
          release(false);
          finishRecord(status);
        });
      },
      onBodyError(error, timedOut) {
        if (done) return;
        release(false);
        res.destroy();
        finishRecord(res.statusCode, timedOut ? 'upstream timed out while reading the response body' : `upstream closed the connection mid-response (${error.message})`);
      },
    });
  };
  const read = await readBody(req);
  if ('tooLarge' in read) {
    finish(413, 'client intended to send too large body (client_max_body_size 1m)');
    return;
  }
  body = read.body;
  record.requestBytes = body?.length ?? 0;
  tryNext();
}
