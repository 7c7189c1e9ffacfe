// `npm run build:electron` (node --import tsx main/electron/build.ts): bundle the Electron shell
// with esbuild (installed with tsx) into dist/electron/:
//   main.mjs    — ESM, the shell plus main/ and app/ sources; npm packages stay external (they ship
//                 in the packaged app's production node_modules) and so does 'electron'.
//   preload.cjs — CommonJS, one file that requires only 'electron': sandboxed preloads cannot load
//                 ES modules or other files.
// Sources that load a module through `import(new URL('x.ts', import.meta.url).href)` (optional
// parts, e.g. the nginx exporter in main/service) get that rewritten to a plain `import('x.ts')`,
// so the module is bundled instead of looked up next to the bundle at run time.
import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const OUT_DIR = join(ROOT, 'dist', 'electron');

const URL_IMPORT = /import\(\s*new URL\(\s*(['"][^'"]+['"])\s*,\s*import\.meta\.url\s*\)\.href\s*\)/g;

/** Rewrite URL-based dynamic imports of our own .ts files into static specifiers esbuild bundles. */
export const inlineUrlImports: Plugin = {
  name: 'inline-url-imports',
  setup(b) {
    b.onLoad({ filter: /[\\/](main|app)[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      return { contents: text.replace(URL_IMPORT, 'import($1)'), loader: 'ts' };
    });
  },
};

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
    plugins: [inlineUrlImports],
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
