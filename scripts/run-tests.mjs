// `npm test`: type-check every layer, then run every test file under test/ with node's test runner.
// Extra arguments are passed to node --test (e.g. `npm test -- --test-name-pattern=balancer`).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

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
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const RUN_LIMIT_MS = 30 * 60_000;
// spec for people, TAP to a file for the closing count line
const tmp = mkdtempSync(join(tmpdir(), 'switchyard-tests-'));
const tap = join(tmp, 'results.tap');
const r = spawnSync(
  process.execPath,
  [
    '--import', 'tsx', '--test', '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...flags, ...files,
  ],
  // a bound on the whole run (it takes 10-12 minutes on a 2-core machine): a test file that never exits (something a
  // timed-out test left open holds its event loop) fails the run instead of hanging CI
  { stdio: 'inherit', timeout: RUN_LIMIT_MS, killSignal: 'SIGKILL' },
);
if (r.error?.code === 'ETIMEDOUT') console.error(`\nthe test run did not end within ${RUN_LIMIT_MS / 60_000} minutes: stopped (a test file hangs)`);
const text = readFileSync(tap, 'utf8');
rmSync(tmp, { recursive: true, force: true });
const count = (name) => Number((text.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
const failed = count('fail') + count('cancelled');
console.log(`\n${count('pass')} passed, ${failed} failed${count('skipped') ? `, ${count('skipped')} skipped` : ''}`);
process.exit(r.status === 0 && failed === 0 && count('pass') > 0 ? 0 : 1);
