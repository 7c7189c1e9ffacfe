// Traffic for bench/ui-frame-log.ts, run as its own process:
//   node --import tsx bench/ui-frame-traffic.ts '{"url":"ws://…","fill":50000,"size":48}'
// Opens ONE WebSocket through the proxy to the echo upstream and sends `fill` messages (32 in
// flight), so the session logs 2 × fill frames (each message and its echo); prints
// {"event":"filled",…}. Then reads commands on stdin: "stream RATE SECONDS" sends RATE messages a
// second for SECONDS (prints {"event":"streamed",…}); "close" closes and exits.
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';

interface Args { url: string; fill: number; size: number }
const a = JSON.parse(process.argv[2] ?? '{}') as Args;
const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A message that looks like application traffic: JSON, a counter, padding to `size` bytes. */
function message(i: number, size: number): string {
  const base = JSON.stringify({ type: i % 10 === 0 ? 'heartbeat' : 'update', seq: i, pad: '' });
  return base.replace('"pad":""', `"pad":"${'x'.repeat(Math.max(0, size - base.length))}"`);
}

async function main() {
  const ws = new WebSocket(a.url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.on('error', () => {});
  let echoed = 0;
  const waiters = new Set<() => void>();
  ws.on('message', () => {
    echoed++;
    for (const w of waiters) w();
  });
  const until = (n: number) => new Promise<void>((resolve) => {
    if (echoed >= n) return resolve();
    const w = () => { if (echoed >= n) { waiters.delete(w); resolve(); } };
    waiters.add(w);
  });

  const t0 = Date.now();
  let sent = 0;
  const WINDOW = 32;
  while (sent < a.fill) {
    // top up to WINDOW in flight, then wait until half of them came back
    while (sent < a.fill && sent - echoed < WINDOW) ws.send(message(sent++, a.size));
    await until(sent - WINDOW / 2);
  }
  await until(sent);
  print({ event: 'filled', messages: sent, ms: Date.now() - t0 });

  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [cmd, x, y] = line.trim().split(/\s+/);
    if (cmd === 'stream') {
      const rate = Number(x);
      const seconds = Number(y);
      const start = Date.now();
      const from = sent;
      // 10 ticks a second, each sending its share
      for (let tick = 1; Date.now() - start < seconds * 1000; tick++) {
        const due = Math.floor((rate * tick) / 10);
        while (sent - from < due) ws.send(message(sent++, a.size));
        await sleep(Math.max(0, start + tick * 100 - Date.now()));
      }
      await Promise.race([until(sent), sleep(3000)]);
      print({ event: 'streamed', messages: sent - from, ms: Date.now() - start });
    } else if (cmd === 'close') {
      ws.close();
      await Promise.race([new Promise((r) => ws.once('close', r)), sleep(2000)]);
      print({ event: 'closed' });
      break;
    }
  }
  rl.close();
}

try {
  await main();
} catch (e) {
  print({ error: (e as Error).message });
}
process.exit(0);
