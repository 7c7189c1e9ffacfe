// The desktop app's command line (pure: no Electron here, so it is tested in plain Node).
import { isAbsolute, resolve } from 'node:path';

/**
 * `--workspace FILE` or `--workspace=FILE`: the workspace file to open instead of the last one,
 * resolved against `cwd` (a second launch's own working directory, given by its 'second-instance'
 * event). undefined when absent or given without a file.
 */
export function workspaceArg(argv: readonly string[], cwd: string): string | undefined {
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--workspace') file = argv[++i];
    else if (a.startsWith('--workspace=')) file = a.slice('--workspace='.length);
  }
  if (!file) return undefined;
  return isAbsolute(file) ? file : resolve(cwd, file);
}
