// `npm start`: build the renderer, then launch the desktop app. Where the Electron binary is not
// installed (these machines cannot download it), say so in one line and open the same UI through
// the loopback web host instead. Arguments after `--` go to the app (`npm start -- --workspace FILE` for
// the desktop app, `--config FILE` for the web host).
import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
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
/**
 * Run the app until it exits, and stop it when this script is told to stop: SIGTERM and SIGHUP are
 * passed on (a terminal's Ctrl-C reaches the whole process group, the app included, by itself), and
 * when the shell npm started this in goes away (`kill` of npm ends that shell, which passes nothing
 * on), this script's parent changes and the app is stopped too, so no UI is left running unseen.
 */
function runApp(command, argv) {
  const child = spawn(command, argv, { stdio: 'inherit' });
  const stop = () => child.kill('SIGTERM');
  process.on('SIGINT', () => {}); // (the app has it too: wait for its own orderly stop)
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  const parent = process.ppid;
  const watch = setInterval(() => { if (process.ppid !== parent) stop(); }, 1000);
  child.on('exit', (code, signal) => {
    clearInterval(watch);
    process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 0));
  });
}

if (electron) {
  const bundle = spawnSync('npm', ['run', '-s', 'build:electron'], { stdio: 'inherit' });
  if (bundle.status !== 0) process.exit(bundle.status ?? 1);
  runApp(electron, ['.', ...args]);
} else {
  console.log('Electron is not available here: opening the Switchyard UI through the loopback web host.');
  runApp(process.execPath, ['bin/switchyard.js', 'ui', ...args]);
}
