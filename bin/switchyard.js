#!/usr/bin/env node
// Entry point for `npx switchyard`: the sources are TypeScript, loaded through tsx's ESM hook.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
