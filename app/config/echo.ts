// The built-in echo server's upstream, which the first-run example passes /echo to: Switchyard runs
// the echo server itself, on a loopback port of this machine, so an nginx.conf exported with it has
// a route that means nothing where the file is deployed. The export says so (CLI and UI alike).
export const ECHO_UPSTREAM = 'switchyard_echo';

/** Whether a document (valid or not) has the built-in echo upstream. */
export function usesEchoUpstream(doc: unknown): boolean {
  const ups = (doc as { upstreams?: unknown } | null)?.upstreams;
  return Array.isArray(ups) && ups.some((u) => (u as { name?: unknown } | null)?.name === ECHO_UPSTREAM);
}

/** A note for an export of `config`, when it has the built-in echo upstream; else null. */
export function echoExportNote(config: unknown): string | null {
  if (!usesEchoUpstream(config)) return null;
  return `upstream "${ECHO_UPSTREAM}" is Switchyard's built-in echo server, on a port of this machine while the app runs: remove it, and the locations that pass to it, before deploying this file`;
}
