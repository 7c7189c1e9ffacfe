// How a try at an upstream failed before its response header was in: nginx's proxy_next_upstream
// condition for it and the words nginx's error log uses. Shared by the HTTP and the upgrade pass.
//
// - no answer in time: `timeout` (504 when it is the last try);
// - the connection refused, reset, or closed before a complete response header (node: "socket hang
//   up"): `error`;
// - a response node's parser rejects (e.g. a header line without a colon): `invalid_header`, which is
//   not in nginx's default proxy_next_upstream (error timeout), so by default it is not retried.
// Both of the last two answer 502 when no retry follows.

export type FailureKind = 'error' | 'timeout' | 'invalid_header';

export function failureKind(err: Error, timedOut: boolean): FailureKind {
  if (timedOut) return 'timeout';
  return String((err as NodeJS.ErrnoException).code ?? '').startsWith('HPE_') ? 'invalid_header' : 'error';
}

export function failureText(kind: FailureKind, err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (kind === 'timeout') return 'upstream timed out';
  if (kind === 'invalid_header') return `upstream sent an invalid response header (${code ?? err.message})`;
  if (err.message === 'socket hang up') return 'upstream prematurely closed connection';
  return `upstream error (${code ?? err.message})`;
}

/** The status a failed exchange answers with when no retry follows. */
export function failureStatus(kind: FailureKind): 502 | 504 {
  return kind === 'timeout' ? 504 : 502;
}
