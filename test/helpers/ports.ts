// Free loopback ports for servers that cannot listen on port 0 themselves (nginx configs).
// A port is taken at random below the kernel's ephemeral range (32768-60999 on Linux), not from
// listen(0): the kernel hands a port listen(0) just released to the next listen(0) of any process,
// so two test files running side by side could be given the same one for their nginx.
import net from 'node:net';

const LOW = 10_000;
const HIGH = 32_767;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (await bindable(port)) return port;
  }
}

export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freePort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}
