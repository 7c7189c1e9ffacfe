// Running Debian's nginx as a private, unprivileged instance: `nginx -p DIR -c FILE`, never a service.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile, rm, mkdir, chmod } from 'node:fs/promises';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { errnoWords } from '../../app/text/errno.ts';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx', '/usr/bin/nginx'];

/** Path of the nginx binary, or null when nginx is not installed: $SWITCHYARD_NGINX when set (not empty), else
 * the first `nginx` on $PATH, else Debian's and the source build's usual places (/usr/sbin is not on
 * every user's PATH). */
export function findNginx(): string | null {
  // (a relative path is the current folder's, as the check below reads it: not a name looked up on PATH)
  if (process.env.SWITCHYARD_NGINX) return isExecutableFile(process.env.SWITCHYARD_NGINX) ? resolve(process.env.SWITCHYARD_NGINX) : null;
  const onPath = (process.env.PATH ?? '').split(delimiter).filter((d) => isAbsolute(d)).map((d) => join(d, 'nginx'));
  return [...onPath, ...CANDIDATES].find((p) => isExecutableFile(p)) ?? null;
}

/** When $SWITCHYARD_NGINX is set but names no program: what it names instead, in words (a typo
 * must not read as "nginx is not installed"). */
export function nginxEnvProblem(): string | null {
  const p = process.env.SWITCHYARD_NGINX;
  if (!p) return null;
  try {
    if (!statSync(p).isFile()) return `SWITCHYARD_NGINX=${p} is not a file`;
    accessSync(p, constants.X_OK);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return `SWITCHYARD_NGINX=${p}: ${code ? errnoWords(code) : (e as Error).message}`;
  }
}

function isExecutableFile(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Wrap an `http { ... }`-level body (or the main-level rest of a file when `complete` is set) in the
 * few lines a private instance needs: pid, error log and temp paths inside its own prefix folder.
 */
export function privateNginxConf(httpBody: string, complete = false): string {
  // Relative paths resolve against the -p prefix, which is the instance's own temporary folder.
  const prelude = ['pid nginx.pid;', 'error_log error.log info;', 'worker_processes 1;'];
  const temps = [
    'client_body_temp_path client_body;',
    'proxy_temp_path proxy;',
    'fastcgi_temp_path fastcgi;',
    'uwsgi_temp_path uwsgi;',
    'scgi_temp_path scgi;',
    'access_log off;',
  ];
  // nginx -t opens the access log too, and its built-in one (/var/log/nginx) is root's: turn it off on
  // the file's own `http {` line, so that a user without root can run it and line numbers stay the file's.
  if (complete) return `${prelude.join('\n')}\n${httpBody.replace(/^[ \t]*http[ \t]*\{/m, (open) => `${open} access_log off;`)}`;
  return `${prelude.join('\n')}\nevents { worker_connections 4096; }\nhttp {\n${temps.join('\n')}\n${httpBody}\n}\n`;
}

export interface NginxTestResult {
  ok: boolean;
  output: string;
  /** false: nginx could not be started, or ended without a word (then `output` says which): the
   * file was not checked, rather than refused. */
  ran: boolean;
}

/** `nginx -t` on a complete configuration text (written to a fresh temporary folder), killed after `timeoutMs`. */
export async function nginxTest(confText: string, nginx = findNginx(), timeoutMs = 20_000): Promise<NginxTestResult> {
  if (!nginx) throw new Error('nginx is not installed (apt-get install -y nginx)');
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-nginx-t-'));
  try {
    const file = join(dir, 'nginx.conf');
    await writeFile(file, confText);
    return await new Promise((resolve) => {
      execFile(nginx, ['-t', '-q', '-p', dir, '-c', file], { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim();
        const timedOut = err !== null && (err as { killed?: boolean }).killed === true;
        // (a program that could not start, or ended saying nothing: why, not an empty "refused")
        const code = (err as NodeJS.ErrnoException | null)?.code;
        const silent = err && !timedOut && !output ? (typeof code === 'string' ? `${nginx} could not be run: ${code === 'ENOENT' ? 'it, or the interpreter it names, was not found (ENOENT)' : errnoWords(code)}` : `${nginx} ended with ${err.signal ?? `exit code ${String(code)}`} and printed nothing`) : '';
        resolve({ ok: !err, ran: !silent, output: timedOut ? `${output}\nnginx -t did not finish within ${timeoutMs / 1000} s and was stopped`.trim() : output || silent });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface RunningNginx {
  dir: string;
  pid: number;
  stop(): Promise<void>;
  errorLog(): Promise<string>;
}

/**
 * Start a private nginx in the foreground (daemon off) with the given complete config text, and
 * wait until every `waitPorts` port accepts connections.
 */
export async function startNginx(confText: string, waitPorts: number[], nginx = findNginx()): Promise<RunningNginx> {
  if (!nginx) throw new Error('nginx is not installed (apt-get install -y nginx)');
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-nginx-'));
  // Started as root, nginx runs its workers as "nobody": they must reach the temp folders it creates
  // (and chowns) inside the prefix, e.g. client_body/ for request bodies over 8-16 KB.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'logs'), { recursive: true });
  const file = join(dir, 'nginx.conf');
  await writeFile(file, confText);
  const child: ChildProcess = spawn(nginx, ['-p', dir, '-c', file, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const { readFile } = await import('node:fs/promises');
  const errorLog = () => readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
  const deadline = Date.now() + 10_000;
  for (const port of waitPorts) {
    while (!(await canConnect(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        const log = await errorLog();
        await rm(dir, { recursive: true, force: true });
        throw new Error(`nginx did not start listening on ${port}: ${stderr}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return {
    dir,
    pid: child.pid!,
    errorLog,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function canConnect(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}
