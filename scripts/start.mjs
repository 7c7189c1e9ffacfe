// `npm start`: build the renderer, then launch the desktop app. Where the Electron binary is not
// installed (these machines cannot download it), say so in one line and open the same UI through
// the loopback web host instead. Arguments after `--` go to the app (`npm start -- --workspace FILE` for
// the desktop app, `--config FILE` for the web host).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

const build = spawnSync('npm', ['run', '-s', 'build:renderer'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

function electronBinary() {
  try {
    const require = createRequire(import.meta.url);
    const path = require('electron'); // the package exports the binary's path, or throws without it
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const args = process.argv.slice(2);
const electron = electronBinary();
// each mode's own way to name a file, said rather than silently dropped
const names = (option) => args.some((a) => a === option || a.startsWith(`${option}=`));
if (electron && names('--config')) {
  console.error('The desktop app opens a file as its workspace: npm start -- --workspace FILE (saved to, as File > Open).');
  process.exit(2);
}
if (!electron && names('--workspace')) {
  console.error('Electron is not available here, and the web host takes --config FILE (read, never written back): npm start -- --config FILE.');
  process.exit(2);
}
if (electron) {
  const bundle = spawnSync('npm', ['run', '-s', 'build:electron'], { stdio: 'inherit' });
  if (bundle.status !== 0) process.exit(bundle.status ?? 1);
  const r = spawnSync(electron, ['.', ...args], { stdio: 'inherit' });
  process.exit(r.status ?? 0);
}
console.log('Electron is not available here: opening the Switchyard UI through the loopback web host.');
const r = spawnSync(process.execPath, ['bin/switchyard.js', 'ui', ...args], { stdio: 'inherit' });
process.exit(r.status ?? 0);
