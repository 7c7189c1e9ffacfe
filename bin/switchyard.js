#!/usr/bin/env -S node --no-memory-reducer --no-allocation-site-pretenuring
// Entry point for `npx switchyard`: the sources are TypeScript, loaded through tsx's ESM hook.
// The node flags above are the engine's V8 settings (main/engine/v8-tuning.ts says why); `npx`
// and npm's command shims honour them. Run as `node bin/switchyard.js`, the process lacks the
// memory-reducer one: scripts/start.mjs and the benchmarks pass them (scripts/node-flags.mjs).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
