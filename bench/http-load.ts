// HTTP load generator (autocannon), run as its own process: `node --import tsx bench/http-load.ts 'JSON'`
// with {"url","connections","durationS","warmupS"}. Prints one JSON line: req/s, latency, errors.
import { createRequire } from 'node:module';

interface AcResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number; average: number };
  throughput: { average: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}
type Autocannon = (o: { url: string; connections: number; duration: number; pipelining?: number; timeout?: number }) => Promise<AcResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const a = JSON.parse(process.argv[2] ?? '{}') as { url: string; connections: number; durationS: number; warmupS: number };
const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
try {
  if (a.warmupS > 0) await autocannon({ url: a.url, connections: a.connections, duration: a.warmupS, timeout: 10 });
  const r = await autocannon({ url: a.url, connections: a.connections, duration: a.durationS, timeout: 10 });
  const ok = r['2xx'];
  if (!ok) throw new Error(`no 2xx responses (${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts)`);
  print({
    reqPerSec: ok / r.duration,
    requests: r.requests.total,
    ok,
    seconds: r.duration,
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    mbPerSec: r.throughput.average / 1e6,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
  });
} catch (e) {
  print({ error: (e as Error).message });
}
process.exit(0);
