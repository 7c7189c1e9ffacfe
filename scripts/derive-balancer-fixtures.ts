// Derive the balancer fixtures from REAL nginx: for every scenario, start node upstreams on
// 127.0.0.1 (each answers with its own name), a private nginx with the scenario's upstream block,
// send the scenario's requests one after another and record, from `X-Upstream: $upstream_addr`,
// every peer nginx tried. Writes test/fixtures/balancer/<scenario>.json.
//   node --import tsx scripts/derive-balancer-fixtures.ts [scenario-name ...]
import http from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { startNginx, privateNginxConf } from '../main/nginx/binary.ts';
import { freePorts } from '../test/helpers/ports.ts';
import type { Fixture, FixtureServer, Step } from '../test/main/upstream/fixture.ts';
import { FIXTURE_DIR } from '../test/main/upstream/fixture.ts';
import { SCENARIOS, type PlanStep, type ScenarioDef } from '../test/main/upstream/scenarios.ts';

const HOST = '127.0.0.1';
const REQUEST_TIMEOUT_MS = 10_000;
const SCENARIO_TIMEOUT_MS = 60_000;

interface Upstreams {
  arrivals: Map<string, string>;
  holds: Map<string, () => void>;
  listen(name: string): Promise<void>;
  close(): Promise<void>;
}

async function startUpstreams(servers: FixtureServer[]): Promise<Upstreams> {
  const arrivals = new Map<string, string>();
  const holds = new Map<string, () => void>();
  const running: http.Server[] = [];
  const listen = async (name: string) => {
    const s = servers.find((x) => x.name === name)!;
    const server = http.createServer((req, res) => {
      const id = req.headers['x-hold'];
      const answer = () => {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(name) });
        res.end(name);
      };
      if (typeof id === 'string') {
        arrivals.set(id, name);
        holds.set(id, () => {
          holds.delete(id);
          answer();
        });
      } else answer();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(s.port, HOST, () => resolve());
    });
    running.push(server);
  };
  for (const s of servers) if (!s.refusing) await listen(s.name);
  return {
    arrivals,
    holds,
    listen,
    async close() {
      for (const h of [...holds.values()]) h();
      await Promise.all(running.map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })));
    },
  };
}

function serverLine(s: FixtureServer): string {
  const parts = [`server ${s.server}`, `weight=${s.weight}`, `max_fails=${s.maxFails}`, `fail_timeout=${s.failTimeoutMs / 1000}s`];
  if (s.maxConns) parts.push(`max_conns=${s.maxConns}`);
  if (s.backup) parts.push('backup');
  if (s.down) parts.push('down');
  return `    ${parts.join(' ')};`;
}

function methodLine(def: ScenarioDef): string | null {
  const m = def.method;
  switch (m.type) {
    case 'round_robin': return null;
    case 'least_conn': return 'least_conn;';
    case 'ip_hash': return 'ip_hash;';
    case 'hash': return `hash $http_x_key${m.consistent ? ' consistent' : ''};`;
    case 'random': return m.two ? 'random two;' : 'random;';
  }
}

export function upstreamBlock(def: ScenarioDef, servers: FixtureServer[]): string {
  if (def.implicit) return `# implicit upstream: proxy_pass http://${servers[0]!.server};`;
  const m = methodLine(def);
  return ['upstream u {', ...(m ? [`    ${m}`] : []), ...servers.map(serverLine), '}'].join('\n');
}

interface Reply { status: number; upstream: string }

function send(port: number, opts: { from: string; key?: string; hold?: string }): Promise<Reply> {
  const headers: Record<string, string> = {};
  // UTF-8 bytes on the wire: node writes header strings as latin1, one byte per char
  if (opts.key !== undefined) headers['X-Key'] = Buffer.from(opts.key, 'utf8').toString('latin1');
  if (opts.hold) headers['X-Hold'] = opts.hold;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, path: '/', localAddress: opts.from, headers, agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, upstream: String(res.headers['x-upstream'] ?? '') }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

function triedNames(upstreamAddr: string, servers: FixtureServer[]): string[] {
  const byAddr = new Map(servers.map((s) => [s.server, s.name]));
  return upstreamAddr.split(/, | : /).filter(Boolean).map((a) => byAddr.get(a) ?? (a === 'u' ? 'NOLIVE' : `?${a}`));
}

async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Wait until the wall clock is in the middle of a second, so nginx's ngx_time() and ours agree. */
async function alignToMidSecond(): Promise<void> {
  for (let i = 0; i < 200 && !(Date.now() % 1000 >= 250 && Date.now() % 1000 < 450); i++) await new Promise((r) => setTimeout(r, 5));
}

async function runPlan(plan: PlanStep[], port: number, servers: FixtureServer[], ups: Upstreams): Promise<Step[]> {
  const steps: Step[] = [];
  const pending = new Map<string, { step: Step & { op: 'open' }; reply: Promise<Reply> }>();
  for (const p of plan) {
    if (p.op === 'sleep') { await new Promise((r) => setTimeout(r, p.ms)); continue; }
    if (p.op === 'align') { await alignToMidSecond(); continue; }
    const atMs = Date.now();
    if (p.op === 'listen') { await ups.listen(p.name); steps.push({ op: 'listen', name: p.name, atMs }); continue; }
    if (p.op === 'close') {
      const o = pending.get(p.id);
      if (!o) throw new Error(`close of unknown ${p.id}`);
      await waitFor(() => ups.holds.has(p.id), `hold ${p.id}`);
      ups.holds.get(p.id)!();
      const r = await o.reply;
      o.step.tried = triedNames(r.upstream, servers);
      o.step.status = r.status;
      steps.push({ op: 'close', id: p.id, atMs });
      await new Promise((r) => setTimeout(r, 20)); // let nginx free the peer before the next request
      pending.delete(p.id);
      continue;
    }
    const from = p.from ?? HOST;
    const base = { atMs, remoteAddr: from, ...(p.key !== undefined ? { key: p.key } : {}), tried: [] as string[], status: 0 };
    if (p.op === 'open') {
      const step = { op: 'open' as const, id: p.id, ...base };
      const reply = send(port, { from, key: p.key, hold: p.id });
      reply.catch(() => {});
      steps.push(step);
      pending.set(p.id, { step, reply });
      await waitFor(() => ups.arrivals.has(p.id), `arrival of ${p.id}`);
      continue;
    }
    const r = await send(port, { from, key: p.key });
    steps.push({ op: 'request', ...base, tried: triedNames(r.upstream, servers), status: r.status });
  }
  if (pending.size) throw new Error(`plan leaves ${[...pending.keys()].join(', ')} open`);
  return steps;
}

/** Run one scenario against real nginx and return its fixture. */
export async function deriveScenario(def: ScenarioDef): Promise<Fixture> {
  const ports = await freePorts(def.servers.length + 1);
  const listenPort = ports.pop()!;
  const servers: FixtureServer[] = def.servers.map((s, i) => ({
    name: s.name,
    server: `${HOST}:${ports[i]}`,
    host: HOST,
    port: ports[i]!,
    weight: s.weight ?? 1,
    maxFails: s.maxFails ?? 1,
    failTimeoutMs: (s.failTimeoutSec ?? 10) * 1000,
    backup: s.backup ?? false,
    down: s.down ?? false,
    maxConns: s.maxConns ?? 0,
    refusing: s.refusing ?? false,
  }));
  const block = upstreamBlock(def, servers);
  const target = def.implicit ? servers[0]!.server : 'u';
  const conf = privateNginxConf(`${def.implicit ? '' : block}
server {
    listen ${HOST}:${listenPort};
    location / {
        proxy_pass http://${target};
        proxy_read_timeout 30s;
        add_header X-Upstream $upstream_addr always;
    }
}`);
  const ups = await startUpstreams(servers);
  let nginx: Awaited<ReturnType<typeof startNginx>> | null = null;
  let timer: NodeJS.Timeout | undefined;
  try {
    nginx = await startNginx(conf, [listenPort]);
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`scenario ${def.name} took longer than ${SCENARIO_TIMEOUT_MS} ms`)), SCENARIO_TIMEOUT_MS); });
    const steps = await Promise.race([runPlan(def.plan, listenPort, servers, ups), timeout]);
    return { name: def.name, description: def.description, method: def.method, implicit: def.implicit ?? false, servers, nginxUpstream: block, steps };
  } finally {
    clearTimeout(timer);
    await nginx?.stop();
    await ups.close();
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const defs = only.length ? SCENARIOS.filter((d) => only.includes(d.name)) : SCENARIOS;
  if (only.length && defs.length !== only.length) throw new Error(`unknown scenario in ${only.join(', ')}`);
  await mkdir(FIXTURE_DIR, { recursive: true });
  for (const def of defs) {
    const fx = await deriveScenario(def);
    await writeFile(`${FIXTURE_DIR}${def.name}.json`, `${JSON.stringify(fx, null, 1)}\n`);
    const seq = fx.steps.flatMap((s) => (s.op === 'request' || s.op === 'open' ? [s.tried.join('>')] : []));
    console.log(`${def.name}: ${seq.join(' ')}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
