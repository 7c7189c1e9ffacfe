// The app window's hardening, apart from main.ts so that tests read it without Electron: its
// webPreferences (isolated, sandboxed, no Node), no navigation, new window or webview, and the one
// permission it gets (writing the clipboard, for the Copy buttons). Only types come from 'electron'.
import type { BrowserWindowConstructorOptions, WebContents } from 'electron';

/** The window's options; `preload` is the bundled preload's path (dist/electron/preload.cjs). */
export function windowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1280, height: 820, minWidth: 800, minHeight: 500, show: false, title: 'Switchyard',
    webPreferences: {
      preload, contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false,
      webSecurity: true, allowRunningInsecureContent: false, webviewTag: false, spellcheck: false,
    },
  };
}

/** What lockNavigation uses of a WebContents. */
export type NavigationTarget = Pick<WebContents, 'setWindowOpenHandler' | 'on'>;

/**
 * No new windows and no navigation away from the app. The renderer has no outside links, so none
 * is handed to the user's browser either: a page made to navigate cannot open URLs on its own.
 */
export function lockNavigation(contents: NavigationTarget): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

/** The only permission granted: the app window's writes to the clipboard (navigator.clipboard.writeText). */
export function permissionAllowed(ours: WebContents | null | undefined, wc: WebContents | null, permission: string): boolean {
  return permission === 'clipboard-sanitized-write' && wc !== null && wc === ours;
}
