// The node flags Switchyard runs with, read from the shebang of bin/switchyard.js (their one
// source; main/engine/v8-tuning.ts says why they are there). For whatever starts Switchyard with
// `node` or Electron rather than through the shebang: scripts/start.mjs, the benchmarks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The flags on the shebang line of ROOT/bin/switchyard.js (after `env -S node`). */
export function switchyardNodeFlags(root) {
  const first = readFileSync(join(root, 'bin', 'switchyard.js'), 'utf8').split('\n', 1)[0];
  const m = /^#!\/usr\/bin\/env(?:\s+-S)?\s+node((?:\s+--[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  if (!m) throw new Error(`bin/switchyard.js: unexpected first line ${JSON.stringify(first)}`);
  return m[1].trim().split(/\s+/).filter(Boolean);
}
