// The menu template (pure) and the app:// file mapping of the renderer protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate, type MenuActions } from '../../../main/electron/menu.ts';
import { rendererFile, rendererHandler, ELECTRON_CSP } from '../../../main/electron/renderer-protocol.ts';

const calls: string[] = [];
const actions: MenuActions = {
  openWorkspace: () => calls.push('open'), openRecent: (f) => calls.push(`recent ${f}`), saveWorkspace: () => calls.push('save'),
  saveWorkspaceAs: () => calls.push('saveAs'), importNginx: () => calls.push('import'), exportNginx: () => calls.push('export'),
  exportHar: () => calls.push('har'),
};
const fileMenu = (t: MenuItemConstructorOptions[]) => t.find((m) => m.label === 'File')!.submenu as MenuItemConstructorOptions[];
const labels = (items: MenuItemConstructorOptions[]) => items.map((i) => i.label).filter(Boolean);

test('File menu: workspaces, recent files, nginx.conf import/export, HAR export', () => {
  const items = fileMenu(menuTemplate({ recent: ['/w/a.json'], current: '/data/config.json', platform: 'linux', actions }));
  assert.deepEqual(labels(items), ['Open Workspace…', 'Open Recent', 'Save Workspace', 'Save Workspace As…', 'Saving to /data/config.json', 'Import nginx.conf…', 'Export nginx.conf…', 'Export HAR…']);
  const recent = items.find((i) => i.label === 'Open Recent')!.submenu as MenuItemConstructorOptions[];
  (recent[0]!.click as () => void)();
  assert.deepEqual(calls, ['recent /w/a.json']);
  const empty = fileMenu(menuTemplate({ recent: [], current: 'x', platform: 'linux', actions })).find((i) => i.label === 'Open Recent')!.submenu as MenuItemConstructorOptions[];
  assert.equal(empty[0]!.enabled, false);
});

test('app:// serves files inside dist/renderer only', () => {
  const root = '/opt/sy/renderer';
  assert.equal(rendererFile(root, 'app://switchyard/'), '/opt/sy/renderer/index.html');
  assert.equal(rendererFile(root, 'app://switchyard/__switchyard_assets/a.js?x=1'), '/opt/sy/renderer/__switchyard_assets/a.js');
  assert.equal(rendererFile(root, 'app://switchyard/%2e%2e/%2e%2e/etc/passwd'), '/opt/sy/renderer/etc/passwd', 'URL parsing resolves dot segments first');
  assert.equal(rendererFile(root, 'app://switchyard/..%2F..%2Fetc%2Fpasswd'), null, 'encoded slashes cannot climb out');
  assert.equal(rendererFile(root, 'app://other/index.html'), null);
  assert.match(ELECTRON_CSP, /connect-src 'none'/);
  assert.doesNotMatch(ELECTRON_CSP, /unsafe/);
});

test('app:// answers files inside dist/renderer, never a symlink leading out of it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'switchyard-renderer-'));
  const outside = mkdtempSync(join(tmpdir(), 'switchyard-outside-'));
  try {
    mkdirSync(join(root, '__switchyard_assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html>');
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    symlinkSync(join(outside, 'secret.txt'), join(root, '__switchyard_assets', 'link.js'));
    symlinkSync(outside, join(root, '__switchyard_assets', 'dir'));
    const serve = rendererHandler(root);
    const index = await serve(new Request('app://switchyard/'));
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-security-policy'), ELECTRON_CSP);
    for (const path of ['__switchyard_assets/link.js', '__switchyard_assets/dir/secret.txt']) {
      const r = await serve(new Request(`app://switchyard/${path}`));
      assert.equal(r.status, 404, path);
      assert.notEqual(await r.text(), 'secret', path);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});
