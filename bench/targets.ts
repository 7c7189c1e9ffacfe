// Starting and stopping the bench's processes: the two upstreams and the six targets
// (direct, Switchyard, Switchyard with --inspect, nginx, minimal http-proxy, a bare node TCP pipe).
// Every server runs as its own process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNginx, privateNginxConf, type RunningNginx } from '../main/nginx/binary.ts';
import { freePort } from '../test/helpers/ports.ts';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = dirname(BENCH_DIR);
/** File-descriptor limit asked for in every child (2,000 idle WS = 4,000+ sockets in a proxy). */
export const NOFILE = 16384;

export type TargetName = 'direct' | 'switchyard' | 'inspect' | 'nginx' | 'minimal' | 'pipe';
export const TARGETS: TargetName[] = ['direct', 'switchyard', 'inspect', 'nginx', 'minimal', 'pipe'];
export const LABEL: Record<TargetName, string> = { direct: 'direct', switchyard: 'Switchyard', inspect: 'Switchyard (inspect)', nginx: 'nginx 1.22', minimal: 'http-proxy (minimal)', pipe: 'node TCP pipe' };

export interface Proc {
  child: ChildProcess;
  pid: number;
  port: number;
  stderr(): string;
  /** `bench-gc {json}` lines (gc-signal.mjs), in order. */
  gcLines: string[];
  stop(): Promise<void>;
}

/**
 * Spawn `node ARGS` (cwd = repo root, fd limit raised via `ulimit -n` in a wrapping `sh` that
 * execs node, so the pid is node's) and wait for `listening on http://HOST:PORT` on stdout.
 */
function spawnRaised(args: string[], stdin: 'ignore' | 'pipe', env?: Record<string, string>): ChildProcess {
  const sh = `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"`;
  return spawn('sh', ['-c', sh, process.execPath, ...args], { cwd: ROOT, stdio: [stdin, 'pipe', 'pipe'], env: env ? { ...process.env, ...env } : process.env });
}

/** Run a load script (`bench/NAME.ts 'JSON'`) in its own process; resolve with its last JSON line. */
export function runLoad(script: string, arg: unknown, timeoutMs: number, nodeArgs: string[] = []): Promise<Record<string, number | string>> {
  const child = spawnRaised([...nodeArgs, '--import', 'tsx', join(BENCH_DIR, script), JSON.stringify(arg)], 'ignore');
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err = (err + d).slice(-4000); });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').filter(Boolean).pop();
      try {
        resolve(JSON.parse(last ?? ''));
      } catch {
        resolve({ error: `${script} ended (code ${code}, signal ${sig}) without a result${err.trim() ? `: ${err.trim().split('\n').slice(-3).join(' | ')}` : ''}` });
      }
    });
  });
}

/** Spawn a load script with stdin piped (interactive modes). */
export function spawnLoad(script: string, arg: unknown): ChildProcess {
  return spawnRaised(['--import', 'tsx', join(BENCH_DIR, script), JSON.stringify(arg)], 'pipe');
}

export async function spawnNode(args: string[], timeoutMs = 20_000, env?: Record<string, string>): Promise<Proc> {
  const child = spawnRaised(args, 'ignore', env);
  let out = '';
  let err = '';
  const gcLines: string[] = [];
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err = (err + d).slice(-16_000);
    const lines = (partial + d).split('\n');
    partial = lines.pop()!.slice(-4096);
    for (const l of lines) if (l.startsWith('bench-gc ')) gcLines.push(l.slice(9));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let settled = false;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(`no "listening on" line within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}${err.trim() ? `; stderr: ${errorSummary(err)}` : ''}`));
    };
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m && !settled) { settled = true; clearTimeout(timer); resolve(Number(m[1])); out = ''; }
    });
    child.once('exit', (code, sig) => setTimeout(() => fail(`exited early (code ${code}, signal ${sig})`), 50));
    child.once('error', (e) => fail(e.message));
  });
  child.stdout!.resume();
  return {
    child, port, pid: child.pid!, gcLines,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The most telling line of a crashed process's stderr (a thrown Error's first line), else its tail. */
function errorSummary(err: string): string {
  const lines = err.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('bench-gc '));
  return lines.find((l) => /^\w*Error\b|^\[?error\]?:?/i.test(l) || /Error \[ERR_/.test(l)) ?? (lines.slice(-3).join(' | ') || '(no stderr)');
}

/**
 * CPU time a process has used so far, in µs: user and user + system (/proc/PID/stat, in clock
 * ticks of 10 ms). For nginx pass its worker's pid.
 */
export function cpuTimeUs(pid: number): { user: number; total: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(f[11]) * 10_000;
  return { user, total: user + Number(f[12]) * 10_000 };
}

/** Read and write system calls a process has made so far (/proc/PID/io: syscr, syscw). */
export function ioCalls(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(io)?.[1] ?? NaN);
  return { reads: get('syscr'), writes: get('syscw') };
}

/**
 * The extra environment of a `switchyard+KEY=VALUE[+KEY=VALUE]` target (bench/http-compare.ts,
 * bench/ws-compare.ts: this Switchyard with some variables set, for ablations). `UPHTTP` in a value
 * becomes `httpPort` when one is given.
 */
export function targetEnv(name: string, httpPort?: number): Record<string, string> {
  const pairs = name.slice(name.indexOf('+') + 1).split('+');
  return Object.fromEntries(pairs.map((kv) => {
    const value = kv.slice(kv.indexOf('=') + 1);
    return [kv.slice(0, kv.indexOf('=')), httpPort === undefined ? value : value.replace('UPHTTP', String(httpPort))];
  }));
}

export interface Upstreams { http: Proc; ws: Proc; stop(): Promise<void> }

export async function startUpstreams(): Promise<Upstreams> {
  const [http, ws] = await Promise.all([
    spawnNode(['--import', 'tsx', join(BENCH_DIR, 'upstream-http.ts')]),
    spawnNode(['--import', 'tsx', join(BENCH_DIR, 'upstream-ws.ts')]),
  ]);
  return { http, ws, stop: async () => { await Promise.all([http.stop(), ws.stop()]); } };
}

export interface Target {
  name: TargetName;
  /** Base URLs: `${http}/small`, `${ws}` (already ends in /ws). */
  http: string;
  ws: string;
  /** Pid whose VmRSS is the proxy's memory (nginx: its single worker), or null (direct). */
  memPid(): Promise<number | null>;
  /** Node proxies started with gc-signal.mjs: SIGUSR2 → full GC + `bench-gc` line on stderr. */
  gcable: boolean;
  gcLines: string[];
  stderr(): string;
  /** Why the process already ended (it should not before stop()), or null while it runs. */
  died(): string | null;
  stop(): Promise<void>;
}

export type Started = { ok: true; target: Target } | { ok: false; error: string };

const gcArgs = ['--expose-gc', '--import', join(BENCH_DIR, 'gc-signal.mjs')];

export async function startTarget(name: TargetName, up: Upstreams): Promise<Started> {
  try {
    return { ok: true, target: await start(name, up) };
  } catch (e) {
    return { ok: false, error: ((e as Error).message || String(e)).split('\n').filter(Boolean).slice(0, 4).join(' ') };
  }
}

async function start(name: TargetName, up: Upstreams): Promise<Target> {
  switch (name) {
    case 'direct':
      return {
        name, http: `http://127.0.0.1:${up.http.port}`, ws: `ws://127.0.0.1:${up.ws.port}/ws`,
        memPid: async () => null, gcable: false, gcLines: [], stderr: () => '', died: () => null, stop: async () => {},
      };
    case 'minimal': {
      const port = await freePort();
      const p = await spawnNode([...gcArgs, '--import', 'tsx', join(BENCH_DIR, 'minimal-http-proxy.ts'), String(port), String(up.http.port), String(up.ws.port)]);
      return fromProc(name, p);
    }
    case 'switchyard':
    case 'inspect': {
      const port = await freePort();
      const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-'));
      const file = join(dir, 'switchyard.json');
      await writeFile(file, JSON.stringify(switchyardConfig(port, up.http.port, up.ws.port), null, 2));
      try {
        const p = await spawnNode([...gcArgs, join(ROOT, 'bin', 'switchyard.js'), 'serve', '--config', file, ...(name === 'inspect' ? ['--inspect'] : [])], 30_000);
        const t = fromProc(name, p);
        return { ...t, stop: async () => { await p.stop(); await rm(dir, { recursive: true, force: true }); } };
      } catch (e) {
        await rm(dir, { recursive: true, force: true });
        throw e;
      }
    }
    case 'pipe': {
      // bench/tcp-pipe.ts in front of the echo upstream: the floor of a node relay (WebSocket only)
      const port = await freePort();
      const p = await spawnNode(['--import', 'tsx', join(BENCH_DIR, 'tcp-pipe.ts'), String(port), String(up.ws.port)]);
      return { ...fromProc(name, p), http: '', gcable: false };
    }
    case 'nginx': {
      const port = await freePort();
      const ng = await startNginx(nginxConf(port, up.http.port, up.ws.port), [port]);
      return fromNginx(ng, port);
    }
  }
}

function fromProc(name: TargetName, p: Proc): Target {
  return {
    name, http: `http://127.0.0.1:${p.port}`, ws: `ws://127.0.0.1:${p.port}/ws`,
    memPid: async () => p.pid, gcable: true, gcLines: p.gcLines, stderr: p.stderr,
    died: () => (p.child.exitCode !== null || p.child.signalCode !== null ? `exited during the bench (code ${p.child.exitCode}, signal ${p.child.signalCode}): ${errorSummary(p.stderr())}` : null), stop: p.stop,
  };
}

function fromNginx(ng: RunningNginx, port: number): Target {
  return {
    name: 'nginx', http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/ws`,
    memPid: async () => (await import('./memory.ts')).childPid(ng.pid), gcable: false, gcLines: [], died: () => null,
    stderr: () => '', stop: ng.stop,
  };
}

export function switchyardConfig(port: number, httpPort: number, wsPort: number): unknown {
  return {
    schemaVersion: 1,
    upstreams: [
      { name: 'http_up', keepalive: 64, servers: [{ address: `127.0.0.1:${httpPort}` }] },
      { name: 'ws_up', servers: [{ address: `127.0.0.1:${wsPort}` }] },
    ],
    servers: [{
      listen: [{ address: `127.0.0.1:${port}` }],
      locations: [
        { path: '/', proxyPass: 'http://http_up', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] },
        { path: '/ws', websocket: true, proxyPass: 'http://ws_up', proxyReadTimeout: '3600s' },
      ],
    }],
  };
}

/** Complete nginx.conf: worker_processes 1, enough worker_connections for 2,000 proxied WS (x2). */
export function nginxConf(port: number, httpPort: number, wsPort: number): string {
  return privateNginxConf(`worker_rlimit_nofile ${NOFILE};
events { worker_connections 10240; }
http {
  client_body_temp_path client_body;
  proxy_temp_path proxy;
  fastcgi_temp_path fastcgi;
  uwsgi_temp_path uwsgi;
  scgi_temp_path scgi;
  access_log off;
  upstream http_up { server 127.0.0.1:${httpPort}; keepalive 64; }
  upstream ws_up { server 127.0.0.1:${wsPort}; }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      proxy_pass http://http_up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
    location /ws {
      proxy_pass http://ws_up;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_read_timeout 3600s;
    }
  }
}
`, true);
}
