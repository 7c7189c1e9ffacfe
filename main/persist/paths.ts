// Where Switchyard keeps its own files. The Electron shell and `switchyard ui` use the same folder
// (main.ts sets Electron's userData to it), so both open the same saved config.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_DIR_NAME = 'Switchyard';

/** The user-data folder: SWITCHYARD_USER_DATA when set (tests, portable use), else the OS's place. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.SWITCHYARD_USER_DATA) return env.SWITCHYARD_USER_DATA;
  const home = homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_DIR_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_DIR_NAME);
}

/** The config that opens when no workspace file was chosen. */
export const defaultConfigPath = (dir: string): string => join(dir, 'config.json');
/** Recent workspace files and the last one open. */
export const statePath = (dir: string): string => join(dir, 'state.json');
