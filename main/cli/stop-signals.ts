// How `serve` and `ui` run until they are told to stop: SIGINT and SIGTERM (and SIGHUP, unless the
// verb reloads on it) stop them once, by their own clean-up. The handlers are in place before the
// verb says it runs (a signal sent once it has, before its handler, would end the process by the
// system's default) and stay until the stop has ended (a second signal during it, such as the copy
// `timeout` or a closing terminal sends the process group, would end it with the stop unfinished).

export interface StopSignals {
  /** Stop (once; later calls do nothing), saying `why` on stderr unless it is empty. */
  stop(why: string, code?: number): void;
  /** Resolves with the exit code once the stop has ended. */
  stopped: Promise<number>;
  /** A stop has begun. */
  readonly stopping: boolean;
}

/** `cleanUp` runs once, on the first stop; `onHup`, when given, is SIGHUP's instead of a stop. */
export function stopOnSignals(stderr: NodeJS.WritableStream, cleanUp: () => Promise<void>, onHup?: () => void): StopSignals {
  let stopping = false;
  let resolve!: (code: number) => void;
  const stopped = new Promise<number>((r) => (resolve = r));
  const stop = (why: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    if (why) stderr.write(`${why}: stopping\n`);
    void cleanUp().finally(() => {
      process.off('SIGINT', onInt).off('SIGTERM', onTerm).off('SIGHUP', hup);
      resolve(code);
    });
  };
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  const hup = onHup ?? (() => stop('SIGHUP'));
  process.on('SIGINT', onInt).on('SIGTERM', onTerm).on('SIGHUP', hup);
  return { stop, stopped, get stopping() { return stopping; } };
}
