// How a try at an upstream failed before its response header was in: nginx's proxy_next_upstream
// condition for it and the words nginx's error log uses. Shared by the HTTP and the upgrade pass.
//
// - no answer in time: `timeout` (504 when it is the last try);
// - the connection refused, reset, or closed before a complete response header (node: "socket hang
//   up"): `error`;
// - a response node's parser rejects (e.g. a header line without a colon), or a head larger than
//   proxy_buffer_size (TooBigHeader): `invalid_header`, which is not in nginx's default
//   proxy_next_upstream (error timeout), so by default it is not retried.
// Both of the last two answer 502 when no retry follows.

import type { Socket } from 'node:net';
import { PROXY_BUFFER_SIZE } from '../../app/proxy/header-buffers.ts';

export type FailureKind = 'error' | 'timeout' | 'invalid_header';

const TOO_BIG = 'ERR_UPSTREAM_HEADER_TOO_BIG';
/** A response head node parsed but will not send on (a status under 100, a control character). */
const UNSENDABLE = 'ERR_UPSTREAM_HEADER_UNSENDABLE';

/** The upstream's response head does not fit proxy_buffer_size. */
export function tooBigHeader(): Error {
  return Object.assign(new Error('upstream sent too big header'), { code: TOO_BIG });
}

/**
 * Ends an upstream connection the proxy gives up on after `answerBytes` of its answer came, as nginx
 * ends it: nginx reads an answer's head into proxy_buffer_size (4k) and closes with whatever came
 * past that unread, so its kernel resets the connection (the upstream sees a reset, not a FIN), a
 * head too big for the buffer's always. node's client has read whatever came.
 */
export function dropUpstream(socket: Socket | null | undefined, answerBytes: number): void {
  if (!socket || socket.destroyed) return;
  if (answerBytes > PROXY_BUFFER_SIZE) socket.resetAndDestroy();
  else socket.destroy();
}

/** A response head node's writeHead refused (`err`), e.g. a status under 100. */
export function unsendable(status: number, err: NodeJS.ErrnoException): Error {
  const what = err.code === 'ERR_HTTP_INVALID_STATUS_CODE' ? `status ${String(status).padStart(3, '0')}` : 'a header node cannot send';
  return Object.assign(new Error(`upstream sent ${what}`), { code: UNSENDABLE });
}

export function failureKind(err: Error, timedOut: boolean): FailureKind {
  if (timedOut) return 'timeout';
  const code = String((err as NodeJS.ErrnoException).code ?? '');
  return code.startsWith('HPE_') || code === TOO_BIG || code === UNSENDABLE ? 'invalid_header' : 'error';
}

export function failureText(kind: FailureKind, err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (kind === 'timeout') return 'upstream timed out';
  if (code === TOO_BIG || code === UNSENDABLE) return err.message;
  if (kind === 'invalid_header') return `upstream sent an invalid response header (${code ?? err.message})`;
  if (err.message === 'socket hang up') return 'upstream prematurely closed connection';
  return `upstream error (${code ?? err.message})`;
}

/** The status a failed exchange answers with when no retry follows. */
export function failureStatus(kind: FailureKind): 502 | 504 {
  return kind === 'timeout' ? 504 : 502;
}

const STATUS_CONDITIONS: Record<number, string> = { 500: 'http_500', 502: 'http_502', 503: 'http_503', 504: 'http_504', 403: 'http_403', 404: 'http_404', 429: 'http_429' };

/**
 * The proxy_next_upstream condition an upstream's answer meets by its status (`http_503`…), or
 * undefined. nginx retries on it only when this is not the last try, and counts it as the peer's
 * failure but for 403 and 404.
 */
export function statusCondition(status: number): string | undefined {
  return STATUS_CONDITIONS[status];
}

/** Whether a status that was retried counts as the peer's failure (all but http_403 and http_404). */
export function statusFails(condition: string): boolean {
  return condition !== 'http_403' && condition !== 'http_404';
}

const NON_IDEMPOTENT = new Set(['POST', 'LOCK', 'PATCH']);

/**
 * Whether proxy_next_upstream and proxy_next_upstream_tries let a request go to another peer on
 * `condition` (ngx_http_upstream_next), for both the HTTP and the upgrade pass: the condition is
 * listed (and not `off`), the try limit is not reached, and a request that went out
 * (u->request_sent) is sent again only if it is idempotent or `non_idempotent` is listed. (The
 * balancer's own tries left are the caller's to check.)
 */
export function nextUpstreamAllows(conds: ReadonlySet<string>, condition: string, sent: boolean, method: string, tries: number, maxTries: number): boolean {
  if (conds.has('off') || !conds.has(condition)) return false;
  if (sent && NON_IDEMPOTENT.has(method) && !conds.has('non_idempotent')) return false;
  return maxTries === 0 || tries < maxTries;
}
