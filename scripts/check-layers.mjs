// The layers' import rules, checked before the compilers run (`npm run typecheck`):
// - app/ imports only zod and files inside app/: no Node, DOM or Electron code. Its tsconfig also
//   has no @types and no DOM lib, but that alone is not enough: a package whose typings reference
//   @types/node (ws, electron, http-proxy) would bring Node's globals into app/ with it.
// - renderer/src imports only its UI packages, its own files and app/.
// Usage: node scripts/check-layers.mjs [ROOT]; prints each import that breaks a rule, exits 1.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAYERS = [
  { dir: 'app', packages: ['zod'], within: ['app'] },
  {
    dir: 'renderer/src',
    packages: ['vue', 'pinia', '@codemirror/language', '@codemirror/state', '@codemirror/view', '@tanstack/vue-virtual'],
    within: ['renderer/src', 'app'],
  },
];

// import … from 'x' and export … from 'x' (over several lines too), import 'x', import('x')
const SPECIFIER = /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*(['"])([^'"\n]+)\1|^\s*import\s*(['"])([^'"\n]+)\3|\bimport\(\s*(['"])([^'"\n]+)\5\s*\)/gm;

function sources(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|vue)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Strips comments so that an import written in one is not read as code. */
function code(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Each import in ROOT's layers that breaks its layer's rule, as "file:line: why". */
export function layerProblems(root) {
  const problems = [];
  for (const layer of LAYERS) {
    const base = join(root, layer.dir);
    for (const file of sources(base)) {
      const raw = readFileSync(file, 'utf8');
      // a .vue file's imports are in its <script> blocks; the template's text is not code
      const text = code(file.endsWith('.vue') ? raw.replace(/<template>[\s\S]*<\/template>/, (t) => t.replace(/[^\n]/g, ' ')) : raw);
      for (const m of text.matchAll(SPECIFIER)) {
        const spec = m[2] ?? m[4] ?? m[6];
        const line = text.slice(0, m.index).split('\n').length;
        const where = `${relative(root, file)}:${line}`;
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          const inside = layer.within.some((d) => (target + sep).startsWith(join(root, d) + sep));
          if (!inside) problems.push(`${where}: '${spec}' is outside ${layer.within.join(' and ')}`);
        } else if (!layer.packages.includes(spec)) {
          problems.push(`${where}: '${spec}' is not one of the packages ${layer.dir} may import (${layer.packages.join(', ')})`);
        }
      }
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const problems = layerProblems(root);
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`${problems.length} import${problems.length === 1 ? '' : 's'} break the layers' rules (scripts/check-layers.mjs)`);
    process.exit(1);
  }
}
