// Crash safety: a child process saves two large configs (A, B) alternately into one file and is
// killed with SIGKILL at random moments, many times. After every kill the file on disk must parse
// and be exactly A or B, its backup too, and loadDocument must return one of them: never a torn file.
// (SIGKILL tests process death; power loss is covered by the fsyncs, which a test cannot cut.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bigConfig } from './big-config.ts';
import { loadDocument, backupPath } from '../../../main/persist/document.ts';

const KILLS = 50;
const TIME_BUDGET_MS = 25_000;

function runUntilKilled(bundle: string, file: string, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    let timer: NodeJS.Timeout | undefined;
    const kill = () => child.kill('SIGKILL');
    // Mostly kill while saves run (after the first one); sometimes mid-startup, once a file exists.
    if (existsSync(file) && Math.random() < 0.2) timer = setTimeout(kill, delayMs);
    child.stdout.on('data', () => {
      if (!timer) timer = setTimeout(kill, delayMs);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`the writer exited by itself (code ${code}): ${stderr}`));
    });
  });
}

test('SIGKILL at random moments during saves never leaves a broken config', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-crash-'));
  try {
    // One bundled JS file: starting it takes ~50 ms instead of compiling TypeScript each time.
    const bundle = join(dir, 'save-loop.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('./save-loop.child.ts', import.meta.url))],
      bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, logLevel: 'error',
    });
    const file = join(dir, 'config.json');
    const expected = [bigConfig('A'), bigConfig('B')].map((d) => `${JSON.stringify(d, null, 2)}\n`);
    const docs = expected.map((t) => JSON.parse(t) as unknown);
    const started = Date.now();
    let kills = 0;
    while (kills < KILLS && Date.now() - started < TIME_BUDGET_MS) {
      await runUntilKilled(bundle, file, Math.floor(Math.random() * 60));
      kills++;
      const onDisk = readFileSync(file, 'utf8');
      assert.ok(expected.includes(onDisk), `after kill ${kills}: config.json is neither A nor B (${onDisk.length} bytes)`);
      if (existsSync(backupPath(file))) assert.ok(expected.includes(readFileSync(backupPath(file), 'utf8')), `after kill ${kills}: the backup is broken`);
      const loaded = await loadDocument(file);
      assert.equal(loaded.source, 'file');
      assert.ok(docs.some((d) => JSON.stringify(d) === JSON.stringify(loaded.doc)), `after kill ${kills}: load returned neither A nor B`);
    }
    assert.ok(kills >= 20, `only ${kills} kills fit in the time budget`);
    // Temp files left behind show kills landed mid-write (loadDocument only removes old ones).
    const torn = readdirSync(dir).filter((n) => n.includes('.switchyard-tmp-')).length;
    t.diagnostic(`${kills} kills; ${torn} of them interrupted a write (temp files left behind)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
