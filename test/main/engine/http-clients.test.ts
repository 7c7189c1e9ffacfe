// The HTTP pass on real loopback sockets with clients that misbehave: slow readers, clients that stop
// sending or go away mid-exchange (nginx closes or keeps the upstream as it does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { header } from '../../helpers/upstreams.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { send } from '../../helpers/client.ts';
import { sleep, until } from '../../helpers/wait.ts';

const scope = testScope();
const up = scope.http;
const engine = scope.engine;

test('a large response to a client that stops reading: the upstream is held back (no unbounded buffering), then every byte arrives', async () => {
  // larger than what the loopback socket buffers on the way can hold (tcp_rmem here: up to 32 MiB)
  const total = 160 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i % 251;
  let upstreamSocket: import('node:net').Socket | null = null;
  const big = await up('big', (_req, res) => {
    upstreamSocket = res.socket;
    res.writeHead(200, { 'Content-Length': String(total) });
    let sent = 0;
    const more = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  });
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${big.port}` }));
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(`${e.url}/big`, { agent: false }, resolve).on('error', reject));
  res.pause();
  // Held back: once the socket buffers between are full, the upstream cannot write on. (A proxy
  // that kept reading would take the whole body into memory in a fraction of this time.)
  await new Promise((r) => setTimeout(r, 800));
  const written = upstreamSocket!.bytesWritten;
  await new Promise((r) => setTimeout(r, 800));
  const writtenLater = upstreamSocket!.bytesWritten;
  assert.ok(writtenLater < total / 2 && writtenLater - written < 1024 * 1024, `the upstream wrote ${written}, then ${writtenLater} of ${total} bytes while the client read nothing`);
  let got = 0;
  let bad = -1;
  res.on('data', (c: Buffer) => {
    for (let i = 0; i < c.length && bad < 0; i++) if (c[i] !== ((got + i) % chunk.length) % 251) bad = got + i;
    got += c.length;
  });
  res.resume();
  await new Promise((r, j) => { res.once('end', r); res.once('error', j); });
  assert.equal(got, total);
  assert.equal(bad, -1, `byte ${bad} differs`);
});

test('a client that goes away mid-response: the upstream connection is closed (as nginx does) and the exchange is logged as cut', async () => {
  let upstreamClosed!: () => void;
  const closed = new Promise<void>((r) => (upstreamClosed = r));
  const slow = await up('slow', (_req, res) => {
    res.writeHead(200, { 'Content-Length': '1000000' });
    res.write(Buffer.alloc(9000, 97)); // (past two of proxy_buffering's 4 KiB pages: some reach the client)
    res.socket!.once('close', () => upstreamClosed());
  });
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${slow.port}` }));
  const exchanges: import('../../../main/engine/events.ts').ExchangeRecord[] = [];
  e.engine.on('exchange', (x) => exchanges.push(x));
  await new Promise<void>((resolve, reject) => {
    const req = http.get(`${e.url}/slow`, { agent: false }, (res) => res.once('data', () => { req.destroy(); resolve(); }));
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
  });
  await Promise.race([closed, new Promise((_r, j) => setTimeout(() => j(new Error('the upstream connection stayed open after the client left')), 3000))]);
  assert.equal(exchanges.length, 1);
  assert.equal(exchanges[0]!.cause, 'client closed the connection');
  assert.ok(exchanges[0]!.responseBytes >= 9000);
});

test('a client that takes nothing for longer than proxy_read_timeout still gets the whole response, buffered or not (as nginx)', { timeout: 20_000 }, async () => {
  const size = 8 * 1024 * 1024;
  const big = await up('big', (_req, res) => {
    res.writeHead(200, { 'Content-Length': String(size) });
    res.end(Buffer.alloc(size, 98));
  });
  const e = await engine((p) => ({
    schemaVersion: 1,
    servers: [{
      listen: [{ address: `127.0.0.1:${p}` }],
      locations: [
        { path: '/on/', proxyPass: `http://127.0.0.1:${big.port}`, proxyReadTimeout: '300ms' },
        { path: '/off/', proxyPass: `http://127.0.0.1:${big.port}`, proxyReadTimeout: '300ms', proxyBuffering: false },
      ],
    }],
  }));
  const exchanges: import('../../../main/engine/events.ts').ExchangeRecord[] = [];
  e.engine.on('exchange', (x) => exchanges.push(x));
  for (const path of ['/on/', '/off/']) {
    const got = await new Promise<number>((resolve, reject) => {
      http.get(`${e.url}${path}`, { agent: false }, (res) => {
        let n = 0;
        let paused = false;
        res.on('data', (c: Buffer) => {
          n += c.length;
          if (paused) return;
          // the proxy's socket fills while this client reads nothing, for three read timeouts
          paused = true;
          res.pause();
          setTimeout(() => res.resume(), 1000);
        });
        res.on('end', () => resolve(n));
        res.on('error', reject);
      }).on('error', reject);
    });
    assert.equal(got, size, path);
  }
  assert.deepEqual(exchanges.map((x) => [x.status, x.cause ?? null, x.responseBytes]), [[200, null, size], [200, null, size]]);
});

test('a client that takes nothing for send_timeout: its connection and the upstream\'s close, logged as a client timeout', { timeout: 20_000 }, async () => {
  const { clientSendTimeout } = await import('../../../main/engine/client-timeouts.ts');
  const saved = clientSendTimeout.ms;
  clientSendTimeout.ms = 700;
  try {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    const big = await up('big', (_req, res) => {
      res.writeHead(200, { 'Content-Length': String(64 * 1024 * 1024) });
      res.write(Buffer.alloc(16 * 1024 * 1024, 98));
      res.socket!.once('close', () => upstreamClosed());
    });
    const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${big.port}`, proxyReadTimeout: '200ms' }));
    const exchanges: import('../../../main/engine/events.ts').ExchangeRecord[] = [];
    e.engine.on('exchange', (x) => exchanges.push(x));
    const t0 = Date.now();
    let response!: http.IncomingMessage;
    let got = 0;
    await new Promise<void>((resolve, reject) => {
      http.get(`${e.url}/`, { agent: false }, (res) => {
        response = res;
        res.once('data', (c: Buffer) => {
          got += c.length;
          res.pause(); // and reads nothing more: the proxy's socket to it fills
          resolve();
        });
        res.on('error', () => {});
      }).on('error', reject);
    });
    await closed;
    const after = Date.now() - t0;
    assert.ok(after >= 700, `the upstream was closed after ${after} ms, before send_timeout`);
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.cause, 'client timed out: it took nothing for send_timeout (700ms)');
    // the client, reading again, finds its connection closed before the end of the body
    await new Promise<void>((resolve) => {
      response.on('data', (c: Buffer) => { got += c.length; });
      response.on('close', () => resolve());
      response.resume();
    });
    assert.ok(got < 64 * 1024 * 1024, `the client got ${got} bytes`);
  } finally {
    clientSendTimeout.ms = saved;
  }
});

test('client_body_timeout: a client that stops sending its body is closed without an answer (as nginx: logged 408); the upstream never hears of it', { timeout: 20_000 }, async () => {
  const { clientBodyTimeout } = await import('../../../main/engine/client-timeouts.ts');
  const saved = clientBodyTimeout.ms;
  clientBodyTimeout.ms = 400;
  try {
    let contacted = 0;
    const a = await up('a', (_req, res) => { contacted++; res.end('ok'); });
    const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${a.port}` }));
    const exchanges: import('../../../main/engine/events.ts').ExchangeRecord[] = [];
    e.engine.on('exchange', (x) => exchanges.push(x));
    for (const [request, trickle] of [
      ['POST /sized HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc', ''],
      ['POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n', '1\r\nd\r\n'],
    ] as const) {
      const c = net.connect(e.port, '127.0.0.1');
      let answer = '';
      c.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
      c.on('error', () => {});
      const t0 = Date.now();
      c.write(request);
      if (trickle) {
        // bytes keep coming for longer than the timeout: it is counted between two reads
        await sleep(250);
        c.write(trickle);
        await sleep(250);
        c.write(trickle);
      }
      await new Promise<void>((r) => c.on('close', () => r()));
      const after = Date.now() - t0;
      assert.ok(after >= (trickle ? 900 : 400), `closed after ${after} ms`);
      assert.equal(answer, '', 'nothing is written back');
    }
    assert.equal(contacted, 0);
    assert.deepEqual(exchanges.map((x) => [x.status, x.cause]), [
      [408, 'client timed out while sending the request body: client_body_timeout (400ms)'],
      [408, 'client timed out while sending the request body: client_body_timeout (400ms)'],
    ]);
  } finally {
    clientBodyTimeout.ms = saved;
  }
});

test('a client that goes away before the response header: the upstream connection is closed at once, as nginx does (499)', async () => {
  const upstreamClosed: number[] = [];
  const slow = await up('slow', (req, res) => {
    const t0 = Date.now();
    req.socket.once('close', () => upstreamClosed.push(Date.now() - t0));
    setTimeout(() => { if (!res.destroyed) res.end('late'); }, 2000).unref();
  });
  for (const version of ['1.0', '1.1']) {
    const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${slow.port}`, proxyHttpVersion: version }));
    const records: Array<[number, string]> = [];
    e.engine.on('exchange', (x) => records.push([x.status, x.cause ?? '']));
    for (const leave of ['destroy', 'half-close']) {
      const before = upstreamClosed.length;
      const seen = slow.seen.length;
      const c = net.connect(e.port, '127.0.0.1');
      c.on('error', () => {});
      c.write('GET /slow HTTP/1.1\r\nHost: a\r\n\r\n');
      await until(() => slow.seen.length === seen + 1); // the request is at the upstream
      if (leave === 'destroy') c.destroy();
      else c.end();
      await until(() => upstreamClosed.length > before, 1500);
      assert.ok(upstreamClosed.at(-1)! < 1500, `${version} ${leave}: the upstream connection closed after ${upstreamClosed.at(-1)} ms`);
      await until(() => records.length === (leave === 'destroy' ? 1 : 2));
      assert.deepEqual(records.at(-1), [499, 'client closed the connection']);
      c.destroy();
    }
  }
});

test('a client that goes away in the middle of its request body: nothing reaches the upstream', async () => {
  const u = await up('u');
  const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${u.port}` }));
  const records: number[] = [];
  e.engine.on('exchange', (x) => records.push(x.status));
  for (const framing of ['Content-Length: 100', 'Transfer-Encoding: chunked']) {
    const c = net.connect(e.port, '127.0.0.1');
    c.on('error', () => {});
    c.write(`POST /upload HTTP/1.1\r\nHost: a\r\n${framing}\r\n\r\n${framing.startsWith('Content') ? '0123456789' : 'a\r\n0123456789\r\n'}`);
    await sleep(150);
    c.destroy();
    await until(() => records.length === (framing.startsWith('Content') ? 1 : 2));
  }
  await sleep(200);
  assert.equal(u.seen.length, 0, 'no truncated request was passed on as a complete one');
  // and a whole body still goes through
  assert.equal((await send(`${e.url}/upload`, { method: 'POST', body: 'x'.repeat(100) })).status, 200);
  assert.equal(u.seen.length, 1);
});

test('client_header_timeout: a head not complete in time is closed without an answer, within a second of the timeout (node alone checks every 30 s)', { timeout: 20_000 }, async () => {
  const { clientHeaderTimeout } = await import('../../../main/engine/client-timeouts.ts');
  const saved = clientHeaderTimeout.ms;
  clientHeaderTimeout.ms = 1500;
  try {
    const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: 'http://127.0.0.1:9' }));
    const ends = ['GET / HTTP/1.1\r\nHost: x\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: '].map(async (part) => {
      const c = net.connect(e.port, '127.0.0.1');
      const t0 = Date.now();
      let got = '';
      c.on('data', (d) => (got += d));
      c.on('error', () => {});
      c.write(part);
      // a trickle inside the head does not restart it: the whole head has the timeout
      const t = setInterval(() => c.write('a'), 300);
      await new Promise((r) => c.once('close', r));
      clearInterval(t);
      return { ms: Date.now() - t0, got };
    });
    for (const r of await Promise.all(ends)) {
      assert.equal(r.got, '', 'no answer (node would write a 408)');
      assert.ok(r.ms >= 1400 && r.ms < 1500 + 1000, `closed after ${r.ms} ms`);
    }
  } finally {
    clientHeaderTimeout.ms = saved;
  }
});

test("client_header_timeout for a connection's first request counts from the accept, as nginx's: a client that waits, then sends its head, is closed at the timeout; a later request's from its first byte", { timeout: 20_000 }, async () => {
  const { clientHeaderTimeout } = await import('../../../main/engine/client-timeouts.ts');
  const saved = clientHeaderTimeout.ms;
  clientHeaderTimeout.ms = 1000;
  try {
    const u = await up('u');
    const e = await engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${u.port}` }));
    const c = net.connect(e.port, '127.0.0.1');
    const t0 = Date.now();
    let got = '';
    c.on('data', (d) => (got += d));
    c.on('error', () => {});
    const closed = new Promise<number>((r) => c.once('close', () => r(Date.now() - t0)));
    await new Promise((r) => c.once('connect', r));
    await sleep(700);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await sleep(600); // the rest of the head after the timeout: nginx has closed the connection by then
    if (!c.destroyed) c.write('\r\n');
    const ms = await Promise.race([closed, sleep(3000).then(() => -1)]);
    c.destroy();
    assert.equal(got, '', 'no answer');
    assert.ok(ms >= 900 && ms < 1250, `closed ${ms} ms after the connect`);
    assert.equal(u.seen.length, 0);
    // on a kept connection the next head's timeout starts with its first byte (both nginx and node)
    const k = net.connect(e.port, '127.0.0.1');
    let answers = '';
    k.on('data', (d) => (answers += d));
    k.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => /\r\n\r\n/.test(answers));
    await sleep(1200);
    k.write('GET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => (answers.match(/HTTP\/1\.1 200/g) ?? []).length === 2);
    k.destroy();
  } finally {
    clientHeaderTimeout.ms = saved;
  }
});
