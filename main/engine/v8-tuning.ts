// Two V8 heuristics that cost the proxy a quarter to a third of its CPU under load, measured (wrk, 64 KiB and
// 100 B responses; bench notes in the README):
//
// - Allocation-site pretenuring. Once the objects of a literal's allocation site survive minor
//   GCs, V8 allocates them straight in the old generation. A per-request object allocated there
//   that points at younger ones (the request, the response, the exchange) keeps them alive through
//   every minor GC until the next full one, so they are promoted too, and their sites get
//   pretenured in turn: from then on every request's objects were promoted (about 6 KB per request
//   instead of 0.3 KB) and a 100 B request cost 117-123 µs of CPU instead of 81-92. In those
//   measurements every process fell into it; the trigger is GC timing, and the minimal http-proxy
//   script stayed out. V8 reads this flag at every GC, so a running engine can turn it off.
//
// - The memory reducer. After a few seconds idle V8 shrinks the heap and then grows it slowly;
//   external memory (every upstream read is a new ArrayBuffer) counts against that small limit, so
//   under load a full GC followed every minor GC: 64 KiB responses cost 210-260 µs of CPU instead
//   of 140. The reducer is set up with the isolate, so this flag works only on the command line:
//   `bin/switchyard.js` carries it (its shebang line), and `npm start` passes it to Electron.
import v8 from 'node:v8';

/** The node (V8) flags Switchyard's processes start with: the shebang of bin/switchyard.js. */
export const ENGINE_NODE_FLAGS = ['--no-memory-reducer', '--no-allocation-site-pretenuring'] as const;

let tuned = false;

/** Turns off allocation-site pretenuring in this (running) process; once. */
export function tuneRunningV8(): void {
  if (tuned) return;
  tuned = true;
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
}
