// V8 settings the engine sets in its process: a bound on regex backtracking (below, last), and two
// V8 heuristics that cost the proxy a quarter to a third of its CPU under load, measured with
// wrk (64 KiB and 100 B responses; bench/HISTORY.md, "V8 settings"). All are changed
// at runtime, when the engine is created, so they apply wherever it runs: `switchyard serve`, the
// web host, and the Electron main process (which cannot be given node flags once packaged).
//
// - Allocation-site pretenuring: off. Once the objects of a literal's allocation site survive minor
//   GCs, V8 allocates them straight in the old generation. A per-request object allocated there
//   that points at younger ones (the request, the response, the exchange) keeps them alive through
//   every minor GC until the next full one, so they are promoted too, and their sites get
//   pretenured in turn: every request's objects were promoted (about 6 KB per request instead of
//   0.3 KB) and a 100 B request cost 117-123 µs of CPU instead of 75-92. Every Switchyard process
//   measured at 10 connections fell into it; the minimal http-proxy script did not.
//
// - The old generation's growing factor: fixed at 4 (V8's largest dynamic one). After a few seconds
//   idle, V8's memory reducer shrinks the heap and then lets it grow back only slowly; external
//   memory (every upstream read is a new ArrayBuffer) counts against that small limit, so under
//   load a full GC followed every minor GC: 64 KiB responses cost 210-260 µs of CPU instead of
//   126-148. With the factor fixed, the reducer still shrinks an idle heap, and the heap grows back
//   as it did before the reducer ran.
//
// V8 reads both flags when it collects garbage, so setting them in a running process works.
//
// - Regex backtracking: bounded. A location or server_name regex like `^/(a+)+$` backtracks
//   exponentially on a URI that almost matches ("/aaaa…a!"): 30 characters held the event loop,
//   and with it every listener, the UI and the feed, for a minute. nginx's PCRE stops at its match
//   limit (and answers 500). With this flag V8 runs a regex that backtracks more than 50,000 times
//   again on its linear-time engine, which gives the same result; it cannot run back-references or
//   lookarounds (app/match/regex.ts writes a '$' that ends an alternative without one). Read when
//   a regex runs.
import v8 from 'node:v8';

/** The V8 flags the engine sets in its process. */
export const ENGINE_V8_FLAGS = ['--no-allocation-site-pretenuring', '--heap-growing-percent=300', '--enable-experimental-regexp-engine-on-excessive-backtracks'] as const;

let tuned = false;

/** Sets ENGINE_V8_FLAGS in this process; once. */
export function tuneRunningV8(): void {
  if (tuned) return;
  tuned = true;
  for (const flag of ENGINE_V8_FLAGS) v8.setFlagsFromString(flag);
}
