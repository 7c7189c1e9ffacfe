// `npm test`: type-check every layer, then run every test file under test/ with node's test runner.
// Extra arguments are passed to node --test (e.g. `npm test -- --test-name-pattern=balancer`).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

const args = process.argv.slice(2);
const onlyFiles = args.filter((a) => a.endsWith('.test.ts'));
const flags = args.filter((a) => !a.endsWith('.test.ts'));

if (!process.env.SKIP_TYPECHECK) {
  const tc = spawnSync('npm', ['run', '-s', 'typecheck'], { stdio: 'inherit' });
  if (tc.status !== 0) {
    console.error('typecheck failed');
    process.exit(tc.status ?? 1);
  }
}

const files = onlyFiles.length ? onlyFiles : findTests('test');
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...flags, ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
