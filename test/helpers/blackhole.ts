// A loopback port whose connect() hangs: a socket that listens with backlog 0 and never accepts.
// Once its accept queue is full the kernel drops further SYNs, so a connect waits until timeout —
// a connect-timeout test without touching any non-loopback address.
import { spawn } from 'node:child_process';
import net from 'node:net';

export async function startBlackhole(): Promise<{ port: number; close(): Promise<void> }> {
  const py = spawn('python3', ['-c', [
    'import socket, sys, time',
    's = socket.socket()',
    "s.bind(('127.0.0.1', 0))",
    's.listen(0)',
    'print(s.getsockname()[1], flush=True)',
    'sys.stdin.read()',
  ].join('\n')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    py.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    py.once('error', reject);
  });
  // fill the accept queue so that the next connect hangs
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 3; i++) fillers.push(net.connect(port, '127.0.0.1').on('error', () => {}));
  await new Promise((r) => setTimeout(r, 100));
  return {
    port,
    async close() {
      for (const f of fillers) f.destroy();
      py.stdin.end();
      py.kill();
    },
  };
}
