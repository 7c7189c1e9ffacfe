// What the command line says about its own options: the help text and a value that begins with "-".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const BIN = new URL('../../../bin/switchyard.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

test('the help says every verb takes --help or -h, as the README does (and -h works)', () => {
  assert.match(run('--help').stdout, /Every verb takes --help or -h\./);
  assert.equal(run('check', '-h').stdout, run('check', '--help').stdout);
});

test('a value that begins with "-" gets the option\'s own message, as it does written with "="', () => {
  for (const args of [['ui', '--port', '-1'], ['ui', '--port=-1']]) {
    const r = run(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /^switchyard: --port must be a whole number from 0 to 65535, not "-1"$/m, args.join(' '));
  }
  const out = run('export-nginx', '--config', 'x.json', '-o', '-x');
  assert.equal(out.status, 2);
  assert.match(out.stderr, /^switchyard: -o needs a file name, not "-x" \(a file whose name begins with "-": -o \.\/-x\)$/m);
  const config = run('check', '-c', '--snippet');
  assert.equal(config.status, 2);
  assert.match(config.stderr, /^switchyard: -c needs a file name, not "--snippet"/m);
  for (const r of [out, config]) assert.doesNotMatch(r.stderr, /ambiguous/);
  // (an option of another verb is still unknown there)
  assert.match(run('serve', '--port', '-1').stderr, /Unknown option '--port'/);
});

test('ui --help says what the README says of a renderer not built: it starts all the same', () => {
  const help = run('ui', '--help').stdout;
  assert.doesNotMatch(help, /needs the built renderer/);
  assert.match(help, /without the built renderer \(npm run build:renderer\) the engine and\s+the API run/);
});
