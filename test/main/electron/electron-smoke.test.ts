// Smoke test of the real desktop app through Playwright's `_electron`: build the shell and the
// renderer, launch Electron with a fresh user-data folder, see the window, connect a WebSocket to
// the first-run example and see its session in the UI. Where the Electron binary is not installed
// (these CI machines cannot download it), the test is skipped with that reason: the one sanctioned
// skip. Everything below the launch is covered without Electron by the other tests in this folder
// and test/main/persist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { WebSocket } from 'ws';
import { freePort } from '../../helpers/ports.ts';
import { REPO } from '../../e2e/browser.ts';

function electronBinary(): { path: string } | { missing: string } {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    if (typeof path === 'string' && existsSync(path)) return { path };
    return { missing: `Electron binary not installed: ${String(path)} does not exist` };
  } catch (e) {
    return { missing: `Electron binary not installed: ${(e as Error).message.split('\n')[0]}` };
  }
}

const electron = electronBinary();

test('the desktop app opens its window and shows the first-run session', { skip: 'missing' in electron ? electron.missing : false, timeout: 120_000 }, async () => {
  const bin = (electron as { path: string }).path;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-electron-'));
  const { _electron } = await import('playwright-core');
  const { buildElectron } = await import('../../../main/electron/build.ts');
  const { build } = await import('vite');
  // The bundle finds its renderer at ../renderer, as in dist/.
  await build({ configFile: join(REPO, 'vite.config.ts'), logLevel: 'warn', build: { outDir: join(dir, 'renderer'), emptyOutDir: true } });
  const { main } = await buildElectron(join(dir, 'electron'));
  const port = await freePort();
  const app = await _electron.launch({
    executablePath: bin,
    args: [main, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
    cwd: REPO,
    env: { ...process.env, SWITCHYARD_USER_DATA: join(dir, 'data'), SWITCHYARD_FIRST_RUN_PORT: String(port) } as Record<string, string>,
    timeout: 60_000,
  });
  try {
    const page = await app.firstWindow();
    assert.match(page.url(), /^app:\/\/switchyard\//);
    // (evaluated in the page, written as strings: this file is type-checked without DOM types)
    assert.equal(await page.evaluate('typeof window.require'), 'undefined', 'no Node in the renderer');
    assert.equal(await page.evaluate('typeof window.switchyard.getConfig'), 'function');
    assert.equal(await page.evaluate('typeof window.switchyard.invoke'), 'undefined', 'no generic invoke exposed');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`);
    await new Promise<void>((ok, fail) => { ws.once('open', () => ok()); ws.once('error', fail); });
    ws.send('hello from the smoke test');
    await new Promise((ok) => ws.once('message', ok));
    await page.getByText('/echo').first().waitFor({ timeout: 15_000 });
    ws.close();
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
