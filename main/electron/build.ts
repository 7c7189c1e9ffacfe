// `npm run build:electron` (node --import tsx main/electron/build.ts): bundle the Electron shell
// with esbuild (installed with tsx) into dist/electron/:
//   main.mjs    — ESM, the shell plus main/ and app/ sources; npm packages stay external (they ship
//                 in the packaged app's production node_modules) and so does 'electron'.
//   preload.cjs — CommonJS, one file that requires only 'electron': sandboxed preloads cannot load
//                 ES modules or other files.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const OUT_DIR = join(ROOT, 'dist', 'electron');

export async function buildElectron(outDir = OUT_DIR): Promise<{ main: string; preload: string }> {
  const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', sourcemap: false, legalComments: 'none' } as const;
  const main = join(outDir, 'main.mjs');
  const preload = join(outDir, 'preload.cjs');
  await build({
    ...common,
    entryPoints: [join(ROOT, 'main/electron/main.ts')],
    outfile: main,
    format: 'esm',
    packages: 'external',
    external: ['electron'],
  });
  await build({
    ...common,
    entryPoints: [join(ROOT, 'main/electron/preload.ts')],
    outfile: preload,
    format: 'cjs',
    external: ['electron'],
    target: 'chrome120',
  });
  return { main, preload };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await buildElectron();
  console.log(`built ${r.main} and ${r.preload}`);
}
