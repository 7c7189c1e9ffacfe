// Memory of recorded frames, run as its own process by bench/run.ts:
//   node --expose-gc --import tsx bench/inspect-memory.ts '{"wsPort":N,"messages":5000,"size":1024,"conns":4}'
// This process runs the Engine with exactly what `switchyard serve --inspect` attaches
// (main/cli/serve.ts startInspection: the UI's service, frame tap, frame log, payload store); a
// separate ws-load.ts process sends `messages` × `size` B through it to the echo upstream (its own
// process; started here when no wsPort is given), so each message is logged twice (client→upstream
// and the echo): 5,000 messages = 10,000 logged frames. Once the sessions have closed (their frame
// logs stay, as in the UI) and the service's idle tick let its pooled empty slabs go, a full GC,
// then heapUsed + external is compared with the reading taken the same way before the run. Prints one JSON line: bytes per frame, payload bytes per frame, and
// the difference, the fixed overhead per frame.
import { Engine } from '../main/engine/engine.ts';
import { startInspection } from '../main/cli/serve.ts';
import { freePort } from '../test/helpers/ports.ts';
import { BENCH_DIR, runLoad, spawnNode, switchyardConfig, type Proc } from './targets.ts';
import { join } from 'node:path';

interface Args { wsPort?: number; messages?: number; size?: number; conns?: number }
const a = JSON.parse(process.argv[2] ?? '{}') as Args;
const messages = a.messages ?? 5000;
const size = a.size ?? 1024;
const conns = a.conns ?? 4;
const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const gc = (globalThis as { gc?: () => void }).gc;
async function settledMemory(): Promise<{ heap: number; external: number }> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await sleep(50); // let finalizers and freed external buffers go
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external };
}

async function main() {
  if (!gc) return print({ error: 'run with node --expose-gc' });
  let upstream: Proc | null = null;
  const wsPort = a.wsPort ?? (upstream = await spawnNode(['--import', 'tsx', join(BENCH_DIR, 'upstream-ws.ts')])).port;
  const engine = new Engine();
  const port = await freePort();
  const config = switchyardConfig(port, wsPort, wsPort);
  const service = await startInspection(engine, config);
  try {
    if (!service.framesSupported) return print({ error: 'the frame tap is not available' });
    const applied = await engine.apply(config);
    if (!applied.ok || !applied.listeners.some((l) => l.state === 'listening')) return print({ error: 'Switchyard did not start listening' });
    const url = `ws://127.0.0.1:${port}/ws`;
    const run = async (n: number) => {
      const r = await runLoad('ws-load.ts', { mode: 'send', url, conns, size, messages: n }, 120_000);
      if (r.error) throw new Error(String(r.error));
      if (Number(r.echoed) !== n || Number(r.wrongSize) > 0) throw new Error(`sent ${n}, echoed ${r.echoed}, wrong size ${r.wrongSize}`);
      const until = Date.now() + 5000;
      while (engine.liveSessions().length > 0 && Date.now() < until) await sleep(20);
      // the frame batch (50 ms) is flushed on close; and the empty slabs pooled for reuse go at the
      // service's idle tick (1 s) after one in which none was taken: transient, not what the logged
      // frames hold (main/service/slabs.ts)
      await sleep(2500);
    };
    await run(200); // warm: code paths, JIT, the stores' first entries
    const log = service.traffic;
    const before = { mem: await settledMemory(), frames: log.frameCount, payload: log.payloads.bytes, kept: log.payloads.count };
    await run(messages);
    const after = { mem: await settledMemory(), frames: log.frameCount, payload: log.payloads.bytes, kept: log.payloads.count };
    const frames = after.frames - before.frames;
    const payloadBytes = after.payload - before.payload;
    const heapDelta = after.mem.heap - before.mem.heap;
    const externalDelta = after.mem.external - before.mem.external;
    const deltaBytes = heapDelta + externalDelta;
    if (frames <= 0) return print({ error: 'no frames were recorded' });
    print({
      frames, size, payloadBytes, payloadsKept: after.kept - before.kept, deltaBytes, heapDelta, externalDelta,
      bytesPerFrame: deltaBytes / frames, payloadPerFrame: payloadBytes / frames, overheadPerFrame: (deltaBytes - payloadBytes) / frames,
    });
  } finally {
    service.close();
    await engine.stop();
    await upstream?.stop();
  }
}

try {
  await main();
} catch (e) {
  print({ error: (e as Error).message });
}
process.exit(0);
