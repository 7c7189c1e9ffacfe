// The Electron shell: app lifecycle, one hardened window, the IPC adapter and the menu. Everything
// else is the same core the web host runs (main/persist/boot.ts → engine + service).
// Built by main/electron/build.ts into dist/electron/main.mjs (package.json "main"); paths below
// are relative to that bundle: dist/electron/preload.cjs and dist/renderer/.
import { app, BrowserWindow, Menu, dialog, ipcMain, protocol, session } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppCore } from '../persist/boot.ts';
import { userDataDir } from '../persist/paths.ts';
import { APP_ORIGIN, APP_SCHEME, APP_URL } from './channels.ts';
import { createIpc, serveService } from './ipc.ts';
import { menuTemplate } from './menu.ts';
import { workspaceArg } from './args.ts';
import { keepDraft, menuActions, nginxSaver } from './actions.ts';
import { rendererHandler } from './renderer-protocol.ts';
import { lockNavigation, permissionAllowed, windowOptions } from './window-policy.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const RENDERER_DIR = join(HERE, '..', 'renderer');
const PRELOAD = join(HERE, 'preload.cjs');

// Before anything reads it: the same folder `switchyard ui` uses (SWITCHYARD_USER_DATA overrides).
const DATA_DIR = userDataDir();
app.setPath('userData', DATA_DIR);
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);



let win: BrowserWindow | null = null;
let core: AppCore | null = null;
/** Rebuilds the menu (its Open Recent list) once the app runs. */
let refreshMenu: () => void = () => {};
/** Opens the app window again (macOS: the dock icon after the window was closed) once the app runs. */
let reopenWindow: () => void = () => {};

/** The user chose what becomes of unsaved draft edits (saved or discarded): leaving asks no more. */
let draftSettled = false;
let asking: Promise<boolean> | null = null;

/** Closing the window or quitting: asks once (keepDraft) when the draft has unsaved edits. */
function settleDraft(c: AppCore, leaving: string): Promise<boolean> {
  if (draftSettled) return Promise.resolve(true);
  asking ??= keepDraft(c, win, leaving).then((go) => {
    asking = null;
    draftSettled = go;
    return go;
  });
  return asking;
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow(windowOptions(PRELOAD));
  lockNavigation(w.webContents);
  w.once('ready-to-show', () => w.show());
  // the draft lives in this process, but the window is where the user sees it: ask while it is open
  w.on('close', (e) => {
    if (draftSettled || !core || !core.hasUnsavedEdits()) return;
    e.preventDefault();
    void settleDraft(core, 'closing the window').then((go) => go && w.close());
  });
  w.on('closed', () => {
    if (win === w) win = null;
  });
  return w;
}

function installMenu(c: AppCore): void {
  const refresh = () => Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ recent: c.recent, current: c.path, platform: process.platform, devTools: !app.isPackaged, actions })));
  const actions = menuActions(c, () => win, () => refresh());
  refreshMenu = refresh;
  refresh();
}

async function start(): Promise<void> {
  // Deny every permission request (camera, notifications, …) but the app window's writes to the
  // clipboard (its Copy buttons: navigator.clipboard.writeText), and serve the renderer.
  const allowed = (wc: Electron.WebContents | null, permission: string) => permissionAllowed(win?.webContents, wc, permission);
  session.defaultSession.setPermissionRequestHandler((wc, permission, done) => done(allowed(wc, permission)));
  session.defaultSession.setPermissionCheckHandler((wc, permission) => allowed(wc, permission));
  protocol.handle(APP_SCHEME, rendererHandler(RENDERER_DIR));

  // SWITCHYARD_FIRST_RUN_PORT: the first-run listener port instead of 8080 (the smoke test's hook).
  const firstRunPort = Number(process.env.SWITCHYARD_FIRST_RUN_PORT) || undefined;
  const started = await AppCore.start({ userDataDir: DATA_DIR, workspace: workspaceArg(process.argv, process.cwd()), firstRunPort });
  core = started.core;
  for (const n of started.notices) if (n.level === 'error') dialog.showErrorBox('Switchyard: a saved file could not be loaded', n.message);

  const ipc = createIpc(ipcMain, {
    trustedFrame: () => (win && !win.isDestroyed() ? win.webContents.mainFrame : null),
    origins: [APP_ORIGIN],
    onRefused: (channel, reason) => console.warn(`[switchyard] refused IPC on ${channel}: ${reason}`),
  });
  const stopFeed = serveService(ipc, core.service, () => (win && !win.isDestroyed() ? win.webContents : null));
  core.service.setFileSaver(nginxSaver(() => win));
  installMenu(core);

  // (every window the app opens, the first and one reopened, ends the feed when its page goes)
  const openWindow = (): Promise<void> => {
    const w = createWindow();
    w.webContents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) stopFeed(); // a reload subscribes again
    });
    w.webContents.on('render-process-gone', () => stopFeed());
    win = w;
    return w.loadURL(APP_URL);
  };
  reopenWindow = () => void openWindow();
  await openWindow();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // A second launch focuses this one, and opens its --workspace FILE here (as File > Open would).
  app.on('second-instance', (_e, argv, workingDirectory) => {
    const file = workspaceArg(argv, workingDirectory);
    const c = core;
    if (file && c) {
      void keepDraft(c, win, 'opening another workspace').then(async (go) => {
        if (!go) return;
        const r = await c.open(file);
        refreshMenu();
        if (!r.ok) dialog.showErrorBox('Switchyard: the workspace could not be opened', r.notices.map((n) => n.message).join('\n'));
      });
    }
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  app.on('window-all-closed', () => app.quit());
  app.on('activate', () => {
    if (!win && core) reopenWindow();
  });
  let quitting = false;
  app.on('before-quit', (e) => {
    if (quitting || !core) return;
    e.preventDefault();
    const c = core;
    void settleDraft(c, 'quitting').then((go) => {
      if (!go) return;
      quitting = true;
      void c.close().finally(() => app.quit());
    });
  });
  app.whenReady().then(start).catch((e: Error) => {
    dialog.showErrorBox('Switchyard could not start', e.stack ?? e.message);
    app.exit(1);
  });
}
