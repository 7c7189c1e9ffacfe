// scripts/check-layers.mjs: the import rules `npm run typecheck` checks first (app/ imports only zod
// and app/; renderer/src only its UI packages, itself and app/), on a tree of probe files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
// @ts-expect-error: a plain .mjs script without type declarations
import { layerProblems } from '../../scripts/check-layers.mjs';

const problemsOf = layerProblems as (root: string) => string[];

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('the repository keeps its layers', () => {
  assert.deepEqual(problemsOf(join(import.meta.dirname, '..', '..')), []);
});

test('app/ importing a typed package, Node or main/ is named by file and line', () => {
  const root = tree({
    'app/x/bad.ts': [
      "import type { WebSocket } from 'ws';", // its typings bring @types/node: the tsconfig alone misses it
      'import {',
      '  a,',
      "} from '../../main/thing.ts';",
      "// import 'fs' in a comment is not an import",
      'const s = "from \'nope\'";',
      "export const p = import('node:fs');",
      "import './ok.ts';",
      "import { z } from 'zod';",
    ].join('\n'),
    'renderer/src/A.vue': [
      '<template><div title="from \'x\'"></div></template>',
      '<script setup lang="ts">',
      "import { ref } from 'vue';",
      "import { planRoute } from '../../app/proxy/plan.ts';",
      "import { join } from 'node:path';",
      '</script>',
    ].join('\n'),
  });
  try {
    const problems = problemsOf(root);
    assert.deepEqual(problems.map((p) => p.split(': ')[0]), ['app/x/bad.ts:1', 'app/x/bad.ts:2', 'app/x/bad.ts:7', 'renderer/src/A.vue:5']);
    assert.match(problems[0]!, /'ws' is not one of the packages app may import \(zod\)/);
    assert.match(problems[1]!, /'\.\.\/\.\.\/main\/thing\.ts' is outside app/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
