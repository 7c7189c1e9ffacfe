// The application menu as data: File (open/save workspace, recent files, import/export nginx.conf,
// export HAR when the service has it), Edit, View, Window. The actions are the shell's
// (actions.ts); building the template is pure, so it is tested without Electron.
import type { MenuItemConstructorOptions } from 'electron';
import { basename } from 'node:path';

export interface MenuActions {
  openWorkspace(): void;
  openRecent(file: string): void;
  saveWorkspace(): void;
  saveWorkspaceAs(): void;
  importNginx(): void;
  exportNginx(): void;
  /** Present when the service has HAR export. */
  exportHar: () => void;
}

export interface MenuModel {
  recent: readonly string[];
  /** The file the config saves to (shown greyed in the menu). */
  current: string;
  platform: NodeJS.Platform;
  /** View > Toggle Developer Tools: off in the packaged app. */
  devTools?: boolean;
  actions: MenuActions;
}

export function menuTemplate(m: MenuModel): MenuItemConstructorOptions[] {
  const a = m.actions;
  const recent: MenuItemConstructorOptions[] = m.recent.length
    ? m.recent.map((file) => ({ label: `${basename(file)} — ${file}`, click: () => a.openRecent(file) }))
    : [{ label: 'No recent workspaces', enabled: false }];
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'Open Workspace…', accelerator: 'CmdOrCtrl+O', click: () => a.openWorkspace() },
      { label: 'Open Recent', submenu: recent },
      { type: 'separator' },
      { label: 'Save Workspace', accelerator: 'CmdOrCtrl+S', click: () => a.saveWorkspace() },
      { label: 'Save Workspace As…', accelerator: 'CmdOrCtrl+Shift+S', click: () => a.saveWorkspaceAs() },
      { label: `Saving to ${m.current}`, enabled: false },
      { type: 'separator' },
      { label: 'Import nginx.conf…', click: () => a.importNginx() },
      { label: 'Export nginx.conf…', accelerator: 'CmdOrCtrl+E', click: () => a.exportNginx() },
      { label: 'Export HAR…', click: () => a.exportHar() },
      { type: 'separator' },
      m.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [{ role: 'reload' }, ...(m.devTools ? [{ role: 'toggleDevTools' } satisfies MenuItemConstructorOptions] : []), { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
  };
  return [
    ...(m.platform === 'darwin' ? [{ role: 'appMenu' } satisfies MenuItemConstructorOptions] : []),
    file,
    { role: 'editMenu' },
    view,
    { role: 'windowMenu' },
  ];
}
