// A cached (keepalive) upstream connection that the upstream writes to while it sits idle: nginx
// closes it (ngx_http_upstream_keepalive_close_handler peeks at the byte with MSG_PEEK and closes
// with it unread, so the kernel resets the connection), and the upstream sees a reset, not a FIN.
// The engine must end it the same way. Raw TCP upstream; real nginx running the exported config.
// Needs Debian's nginx; fails without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import type { ConfigInput } from '../../app/config/schema.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';
import { answered, rawExchange, startTcpServer } from '../helpers/upstreams.ts';
import { poll } from '../helpers/wait.ts';

function model(up: number, listen: number): ConfigInput {
  return {
    schemaVersion: 1,
    upstreams: [{ name: 'ka', servers: [{ address: `127.0.0.1:${up}` }], keepalive: 4 }],
    servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], locations: [{ path: '/', proxyPass: 'http://ka', proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] }] }],
  };
}

/** What the upstream saw of its connection's end after it wrote `bytes` to the idle connection:
 * `fin`, `reset`, or `open` (the proxy kept it). */
async function endAfterIdleBytes(run: typeof withNginx | ((m: ConfigInput, l: number, fn: () => Promise<string>) => Promise<string>), bytes: string): Promise<string> {
  let sock: net.Socket | undefined;
  let end = 'open';
  const up = await startTcpServer((s) => {
    sock = s;
    s.on('error', (e: NodeJS.ErrnoException) => (end = e.code === 'ECONNRESET' ? 'reset' : `error ${e.code}`));
    s.on('end', () => (end = 'fin'));
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
  }, { allowHalfOpen: true });
  const [listen] = await freePorts(1);
  try {
    return await run(model(up.port, listen!), listen!, async () => {
      const got = await rawExchange(listen!, 'GET / HTTP/1.1\r\nHost: idle.test\r\n\r\n', { until: answered });
      assert.match(got, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/);
      // the answer is in: the proxy has cached the connection
      sock!.write(bytes);
      return poll(() => end, (e) => e !== 'open', 3000);
    });
  } finally {
    await up.close();
  }
}

const engine = (m: ConfigInput, _listen: number, fn: () => Promise<string>) => withEngine(m, fn);

test('nginx is installed (this parity test needs it)', () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
});

test('bytes from the upstream on an idle keepalive connection: the proxy resets it, as nginx does', async () => {
  const nginx = await endAfterIdleBytes(withNginx, 'JUNK');
  assert.equal(nginx, 'reset', 'nginx (the reference) resets the connection');
  assert.equal(await endAfterIdleBytes(engine, 'JUNK'), nginx);
});
