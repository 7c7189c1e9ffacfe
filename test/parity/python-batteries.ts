// The third-party batteries of test/fixtures/python/ (aiohttp, websocket-client and tornado clients
// in front of peer_servers.py's aiohttp or tornado server) as python-more-peers.test.ts and
// more-peers-explore.ts run them: the proxy model they expect, the server and a client run.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ConfigInput } from '../../app/config/schema.ts';

const PYTHON = '/usr/bin/python3';
const MISSING = `${PYTHON} lacks a module: apt-get install -y python3-aiohttp python3-websocket (python3-tornado for tornado)`;
const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/python/${f}`, import.meta.url));
const why = (err: string) => (err.includes('No module named') ? `${MISSING}\n${err}` : err);

/** Each battery: its script and arguments after PROXY UPSTREAM. */
export const BATTERIES = {
  aiohttp: ['aiohttp_peer_client.py'],
  wsclient: ['wsclient_peer.py'],
  tornado: ['tornado_peer_client.py'],
  abuse: ['wsclient_peer.py', 'abuse'],
} as const;
export type Battery = keyof typeof BATTERIES;
export type BatteryResult = Record<string, unknown>;

/** /ws passes to the server's WebSocket with Host $host and $http_host beside it, /idle to it with a
 * 1 s read timeout, anything else as plain HTTP/1.1. */
export function batteryModel(listen: number, up: number): ConfigInput {
  const headers = [{ name: 'Host', value: '$host' }, { name: 'X-Http-Host', value: '$http_host' }, { name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' }];
  return {
    schemaVersion: 1,
    servers: [{
      listen: [{ address: `127.0.0.1:${listen}` }],
      locations: [
        { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${up}`, proxySetHeader: headers },
        { path: '/idle', websocket: true, proxyPass: `http://127.0.0.1:${up}/ws`, proxyReadTimeout: '1s' },
        { path: '/', proxyPass: `http://127.0.0.1:${up}`, proxyHttpVersion: '1.1' },
      ],
    }],
  };
}

/** peer_servers.py's `kind` server (within 10 s): its port, and stop() (which resolves to what it wrote on stderr). */
export async function startPeerServer(kind: 'aiohttp' | 'tornado'): Promise<{ port: number; stop(): string }> {
  const child = spawn(PYTHON, ['-B', fixture('peer_servers.py'), kind]);
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${kind} server did not start within 10 s: ${err}`)), 10_000);
    createInterface({ input: child.stdout }).once('line', (l) => { clearTimeout(timer); resolve(Number(l)); });
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the ${kind} server exited with ${code}: ${why(err)}`)); });
  });
  return { port, stop: () => { child.stdin.end(); child.kill(); return err; } };
}

/** Run `battery` through the proxy on `proxy` in front of the server on `up` (within `limitMs`):
 * what it printed, with `:PORT` for the proxy's port and `:UP` for the server's. */
export function runBattery(battery: Battery, proxy: number, up: number, limitMs = 30_000): Promise<BatteryResult> {
  const [file, ...rest] = BATTERIES[battery];
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-B', fixture(file), `http://127.0.0.1:${proxy}`, `http://127.0.0.1:${up}`, ...rest]);
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`the ${battery} battery took over ${limitMs} ms: ${err}`)); }, limitMs);
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`the ${battery} battery exited with ${code}: ${why(err)}`));
      resolve(JSON.parse(out.replaceAll(`:${proxy}`, ':PORT').replaceAll(`:${up}`, ':UP')) as BatteryResult);
    });
  });
}
