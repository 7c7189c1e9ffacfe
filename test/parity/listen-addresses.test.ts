// Listen and upstream addresses, compared with real nginx running the exported config: which
// socket takes a connection to ::1 or to 127.0.0.1, which server answers it, and which address an
// upstream written with leading zeros is. nginx's IPv6 sockets are ipv6only (an IPv4 wildcard and
// "[::]" each take only their own family), it compares listen addresses as addresses ("[::1]" is
// "[0:0::1]"), and it reads a dotted quad's parts as decimal ("127.0.0.010" is 127.0.0.10, where
// inet_aton reads octal 127.0.0.8). Needs Debian's nginx and ::1; fails without them.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Config, ConfigInput } from '../../app/config/schema.ts';
import { validateConfig } from '../../app/config/validate.ts';
import { exportNginx } from '../../app/nginx/export.ts';
import { findNginx, nginxTest, privateNginxConf, startNginx } from '../../main/nginx/binary.ts';
import { Engine } from '../../main/engine/engine.ts';
import { freePorts, maskPort } from '../helpers/ports.ts';

/** An upstream on host:port answering every request with "NAME HOST-HEADER", then closing. */
function startAnswering(host: string, port: number, name: string): Promise<() => Promise<void>> {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (!got.includes('\r\n\r\n')) return;
      const body = `${name} ${/\r\nhost: *([^\r]*)/i.exec(got)?.[1] ?? '-'}`;
      s.end(`HTTP/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve(() => new Promise((r) => server.close(() => r()))));
  });
}

/** "STATUS BODY" of one request to host:port, or "refused". */
function ask(host: string, port: number, path: string, hostHeader: string | null): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    let got = '';
    const t = setTimeout(() => s.destroy(), 5000);
    s.on('connect', () => s.write(`GET ${path} HTTP/1.0\r\n${hostHeader === null ? '' : `Host: ${hostHeader}\r\n`}\r\n`));
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(t); resolve(e.code === 'ECONNREFUSED' ? 'refused' : e.code ?? 'error'); });
    s.on('close', () => {
      clearTimeout(t);
      if (got) resolve(`${/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? '?'} ${got.slice(got.indexOf('\r\n\r\n') + 4)}`);
    });
  });
}

async function waitFor(host: string, port: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (await new Promise((r) => net.connect({ host, port }).once('connect', function (this: net.Socket) { this.destroy(); r(true); }).once('error', () => r(false)))) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing listens on ${host}:${port}`);
}

interface Case {
  name: string;
  model(listen: number, up: number): ConfigInput;
  /** [connect to, path, Host header (null: none)]. */
  requests: Array<[string, string, string | null]>;
  /** What nginx answers, "STATUS UPSTREAM HOST-IT-GOT" (UP: the upstreams' port); the engine must answer the same. */
  expected: string[];
}

const site = (listen: string, proxyPass: string, serverNames: string[] = []) => ({ listen: [{ address: listen }], serverNames, locations: [{ path: '/', proxyPass }] });

const CASES: Case[] = [
  {
    name: 'a [::] wildcard takes ::1 and refuses IPv4',
    model: (p, up) => ({ schemaVersion: 1, servers: [site(`[::]:${p}`, `http://127.0.0.1:${up}`)] }),
    requests: [['::1', '/', 'six.test'], ['127.0.0.1', '/', 'four.test']],
    expected: ['200 one 127.0.0.1:UP', 'refused'],
  },
  {
    name: 'an IPv6 listen beside an IPv4 wildcard on its port is bound, and each takes its own family',
    model: (p, up) => ({
      schemaVersion: 1,
      upstreams: [{ name: 'four', servers: [{ address: `127.0.0.1:${up}` }] }],
      servers: [site(`[::1]:${p}`, `http://127.0.0.1:${up}`), site(`${p}`, 'http://four')],
    }),
    requests: [['::1', '/', null], ['127.0.0.1', '/', null]],
    expected: ['200 one 127.0.0.1:UP', '200 one four'],
  },
  {
    name: 'two spellings of ::1 are one socket, its servers chosen by name',
    model: (p, up) => ({
      schemaVersion: 1,
      upstreams: [{ name: 'bee', servers: [{ address: `127.0.0.1:${up}` }] }],
      servers: [site(`[::1]:${p}`, `http://127.0.0.1:${up}`, ['a.test']), site(`[0:0::1]:${p}`, 'http://bee', ['b.test'])],
    }),
    requests: [['::1', '/', 'b.test'], ['::1', '/', 'a.test']],
    expected: ['200 one bee', '200 one 127.0.0.1:UP'],
  },
  {
    name: 'a dotted quad with leading zeros is decimal, for listen, upstream servers and proxy_pass alike',
    model: (p, up) => ({
      schemaVersion: 1,
      upstreams: [{ name: 'g', servers: [{ address: `127.0.0.010:${up}` }] }],
      servers: [{ listen: [{ address: `127.0.0.010:${p}` }], locations: [{ path: '/', proxyPass: 'http://g' }, { path: '/d/', proxyPass: `http://127.000.000.010:${up}` }] }],
    }),
    requests: [['127.0.0.10', '/', null], ['127.0.0.8', '/', null], ['127.0.0.10', '/d/', null]],
    expected: ['200 ten g', 'refused', '200 ten 127.000.000.010:UP'],
  },
];

const valid = (doc: ConfigInput): Config => {
  const v = validateConfig(doc);
  if (!v.ok) throw new Error(`invalid model: ${JSON.stringify(v.issues)}`);
  return v.config;
};

async function observe(c: Case, who: 'nginx' | 'engine', listen: number, up: number): Promise<string[]> {
  const doc = c.model(listen, up);
  let stop: () => Promise<void>;
  if (who === 'nginx') {
    // (startNginx would wait on 127.0.0.1, which an IPv6 listen does not take)
    const n = await startNginx(privateNginxConf(exportNginx(valid(doc), { shape: 'snippet' })), []);
    stop = () => n.stop();
  } else {
    const e = new Engine();
    const r = await e.apply(doc);
    stop = () => e.stop();
    if (!r.ok || r.listeners.some((l) => l.state !== 'listening')) {
      await stop();
      assert.fail(`engine: ${JSON.stringify(r)}`);
    }
  }
  try {
    await waitFor(c.requests[0]![0], listen);
    const out: string[] = [];
    for (const [host, path, hostHeader] of c.requests) out.push(maskPort(await ask(host, listen, path, hostHeader), up, 'UP'));
    return out;
  } finally {
    await stop();
  }
}

let ports: number[] = [];
const closers: Array<() => Promise<void>> = [];

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  ports = await freePorts(2);
  const up = ports[1]!;
  // one upstream port on three loopback addresses: 127.0.0.8 is where inet_aton's reading of 127.0.0.010 goes
  closers.push(await startAnswering('127.0.0.1', up, 'one'), await startAnswering('127.0.0.10', up, 'ten'), await startAnswering('127.0.0.8', up, 'eight'));
});

test.after(async () => {
  for (const c of closers) await c();
});

for (const c of CASES) {
  test(`listen addresses: ${c.name}`, async () => {
    const [listen, up] = ports as [number, number];
    const nginx = await observe(c, 'nginx', listen, up);
    assert.deepEqual(nginx, c.expected, 'nginx');
    assert.deepEqual(await observe(c, 'engine', listen, up), nginx, 'the engine answers as nginx');
  });
}

test('listen addresses: what check refuses for two spellings of one address, nginx -t refuses too', async () => {
  const [p] = ports as [number];
  const twoDefaults = (second: string): ConfigInput => ({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `[::1]:${p}`, defaultServer: true }], locations: [] }, { listen: [{ address: second, defaultServer: true }], locations: [] }],
  });
  const twoListens = (second: string): ConfigInput => ({ schemaVersion: 1, servers: [{ listen: [{ address: `[::1]:${p}` }, { address: second }], locations: [] }] });
  for (const [build, code, refusal] of [[twoDefaults, 'duplicate_default_server', /a duplicate default server/], [twoListens, 'duplicate_listen', /a duplicate listen/]] as const) {
    const r = validateConfig(build(`[0::1]:${p}`));
    assert.deepEqual(!r.ok && r.issues.map((i) => i.code), [code]);
    // the export of the same model, from one check accepts with the second address changed back
    const config = valid(build(`[::1]:${p + 1}`));
    const servers = config.servers;
    servers[servers.length - 1]!.listen[servers[servers.length - 1]!.listen.length - 1]!.address = `[0::1]:${p}`;
    const t = await nginxTest(privateNginxConf(exportNginx(config, { shape: 'snippet' })));
    assert.equal(t.ok, false);
    assert.match(t.output, refusal);
  }
});
