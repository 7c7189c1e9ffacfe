// The app window's hardening (main/electron/window-policy.ts), read without Electron: the options
// main.ts builds its BrowserWindow with, the handlers it puts on its webContents (a plain object
// stands in for it), and the one permission it grants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WebContents } from 'electron';
import { lockNavigation, permissionAllowed, windowOptions, type NavigationTarget } from '../../../main/electron/window-policy.ts';

test('the window is isolated and sandboxed, with no Node, no webview and no mixed content; its preload is the one given', () => {
  const o = windowOptions('/app/dist/electron/preload.cjs');
  assert.deepEqual(o.webPreferences, {
    preload: '/app/dist/electron/preload.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false,
    webSecurity: true, allowRunningInsecureContent: false, webviewTag: false, spellcheck: false,
  });
  assert.equal(o.show, false, 'shown once ready, not blank');
});

test('the window opens no other window, and navigates, redirects or attaches a webview nowhere', () => {
  let openHandler: (() => unknown) | null = null;
  const listeners = new Map<string, (e: { preventDefault(): void }) => void>();
  const contents = {
    setWindowOpenHandler: (h: () => unknown) => { openHandler = h; },
    on: (event: string, l: (e: { preventDefault(): void }) => void) => { listeners.set(event, l); return contents; },
  };
  lockNavigation(contents as unknown as NavigationTarget);
  assert.ok(openHandler);
  for (const url of ['https://example.com/', 'javascript:alert(1)', 'file:///etc/passwd', 'app://switchyard/index.html']) {
    assert.deepEqual((openHandler as (d: { url: string }) => unknown)({ url }), { action: 'deny' }, url);
  }
  for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
    const l = listeners.get(event);
    assert.ok(l, `${event} is handled`);
    let prevented = false;
    l({ preventDefault: () => { prevented = true; } });
    assert.ok(prevented, `${event} is prevented`);
  }
});

test('the only permission granted is writing the clipboard, to the app window alone', () => {
  const ours = {} as WebContents;
  const other = {} as WebContents;
  assert.equal(permissionAllowed(ours, ours, 'clipboard-sanitized-write'), true);
  for (const p of ['clipboard-read', 'media', 'geolocation', 'notifications', 'openExternal', 'fullscreen', 'pointerLock', 'midi', 'hid', 'serial', 'usb']) {
    assert.equal(permissionAllowed(ours, ours, p), false, p);
  }
  assert.equal(permissionAllowed(ours, other, 'clipboard-sanitized-write'), false, 'another page');
  assert.equal(permissionAllowed(ours, null, 'clipboard-sanitized-write'), false, 'no page');
  assert.equal(permissionAllowed(null, null, 'clipboard-sanitized-write'), false, 'no window');
  assert.equal(permissionAllowed(undefined, other, 'clipboard-sanitized-write'), false, 'no window');
});
