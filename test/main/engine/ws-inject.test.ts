// Frame-aligned injection and proxy-initiated close on real loopback sockets, `ws` on both ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket, { WebSocketServer } from 'ws';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';

const scope = testScope();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Msg = { text: boolean; data: Buffer };
async function setup(deflate: boolean) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: deflate });
  await new Promise((r) => wss.once('listening', r));
  scope.defer(async () => { for (const c of wss.clients) c.terminate(); await new Promise((r) => wss.close(r)); });
  const port = (wss.address() as { port: number }).port;
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${port}` }));
  const serverSide = new Promise<WebSocket>((r) => wss.once('connection', (ws) => r(ws)));
  const client = new WebSocket(`ws://127.0.0.1:${e.port}/ws`, { perMessageDeflate: deflate });
  await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
  const server = await serverSide;
  const live = e.engine.liveSession(e.engine.liveSessions()[0]!.id)!;
  const got = { client: [] as Msg[], server: [] as Msg[], errors: [] as string[] };
  client.on('message', (d, bin) => got.client.push({ text: !bin, data: d as Buffer }));
  server.on('message', (d, bin) => got.server.push({ text: !bin, data: d as Buffer }));
  for (const [n, ws] of [['client', client], ['server', server]] as const) {
    ws.on('error', (err) => got.errors.push(`${n}: ${err.message}`));
    ws.on('close', (code) => { if (code !== 1000 && code !== 1005) got.errors.push(`${n} closed ${code}`); });
  }
  return { e, client, server, live, got };
}
async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}
const big = (i: number, n: number) => Buffer.alloc(n, i & 0xff);

for (const deflate of [false, true]) {
  test(`inject text and binary both ways while large and fragmented messages flow${deflate ? ' (permessage-deflate)' : ''}`, async () => {
    const { client, server, live, got } = await setup(deflate);
    const N = 12;
    const SIZE = 200_000;
    // a fragmented message is in the middle of being relayed in both directions when we inject
    client.send(big(100, 70_000), { binary: true, fin: false });
    server.send(big(200, 70_000), { binary: true, fin: false });
    await sleep(40);
    const injUp = live.inject('upstream', 'text', Buffer.from('to the upstream ✓'));
    const injClient = live.inject('client', 'binary', Buffer.from([0, 1, 2, 250]));
    await sleep(20);
    client.send(big(101, 70_000), { binary: true, fin: true });
    server.send(big(201, 70_000), { binary: true, fin: true });
    for (let i = 0; i < N; i++) {
      client.send(big(i, SIZE), { binary: true });
      server.send(big(i + 50, SIZE), { binary: true });
      if (i === N / 2) {
        void live.inject('upstream', 'binary', Buffer.from('mid-up'));
        void live.inject('client', 'text', Buffer.from('mid-client'));
      }
    }
    await Promise.all([injUp, injClient]);
    await until(() => got.client.length === N + 3 && got.server.length === N + 3);
    assert.deepEqual(got.errors, []);
    const check = (list: Msg[], base: number, injected: Array<[boolean, Buffer]>) => {
      const inj = list.filter((m) => m.data.length < 100);
      assert.deepEqual(inj.map((m) => [m.text, m.data.toString('hex')]), injected.map(([t, b]) => [t, b.toString('hex')]));
      const rest = list.filter((m) => m.data.length >= 100);
      assert.equal(rest.length, N + 1);
      assert.ok(rest[0]!.data.equals(Buffer.concat([big(base, 70_000), big(base + 1, 70_000)])), 'the fragmented message arrives whole');
      for (let i = 0; i < N; i++) assert.ok(rest[i + 1]!.data.equals(big(i + (base === 100 ? 0 : 50), SIZE)), `message ${i} intact and in order`);
      // the first injection waited for the fragmented message's FIN
      assert.ok(list.indexOf(inj[0]!) >= 1);
    };
    check(got.server, 100, [[true, Buffer.from('to the upstream ✓')], [false, Buffer.from('mid-up')]]);
    check(got.client, 200, [[false, Buffer.from([0, 1, 2, 250])], [true, Buffer.from('mid-client')]]);
    client.close();
  });
}

test('close with code 4001 and a reason reaches both peers as a clean close; the session records it', async () => {
  const { client, server, live, e } = await setup(false);
  const closes: Array<[string, number, string]> = [];
  const both = Promise.all([
    new Promise<void>((r) => client.once('close', (c, why) => { closes.push(['client', c, why.toString()]); r(); })),
    new Promise<void>((r) => server.once('close', (c, why) => { closes.push(['server', c, why.toString()]); r(); })),
  ]);
  client.send(big(1, 300_000));
  const started = Date.now();
  await live.close('closed by test', { code: 4001, reason: 'bye now' });
  await both;
  assert.deepEqual(closes.sort(), [['client', 4001, 'bye now'], ['server', 4001, 'bye now']]);
  assert.ok(Date.now() - started < 1500, 'ends well within the grace period plus slack');
  assert.equal(live.record.closedBy, 'proxy');
  assert.deepEqual(live.record.closeFrame, { from: 'proxy', code: 4001, reason: 'bye now' }, 'the peers\' echoes do not replace who started the handshake');
  assert.equal(live.record.state, 'closed');
  assert.equal(e.engine.liveSessions().length, 0);
});

test('an invalid close code or too long reason is refused and the session stays open', async () => {
  const { client, live } = await setup(false);
  await assert.rejects(live.close('x', { code: 1005 }), (err: Error & { code?: string }) => err.code === 'invalid_close_code');
  await assert.rejects(live.close('x', { code: 1000, reason: 'x'.repeat(124) }), (err: Error & { code?: string }) => err.code === 'close_reason_too_long');
  assert.equal(live.record.state, 'open');
  const echo = new Promise((r) => client.once('message', r));
  await live.inject('client', 'text', Buffer.from('still here'));
  assert.equal(String(await echo), 'still here');
  client.close();
});

test('a message toward a client that is not reading is refused at once (busy) once its socket is backed up, not held until send_timeout; the session stays open', { timeout: 30_000 }, async () => {
  const { client, live } = await setup(false);
  (client as unknown as { _socket: import('node:net').Socket })._socket.pause();
  const outcomes: string[] = [];
  // (700 KiB each: the first few go into the sockets' buffers, then the proxy's queue fills)
  for (let i = 0; i < 40 && !outcomes.includes('busy'); i++) {
    const r = await Promise.race([
      live.inject('client', 'binary', big(i, 700 * 1024)).then(() => 'sent', (e: { code?: string }) => e.code ?? 'error'),
      sleep(10_000).then(() => 'held'),
    ]);
    outcomes.push(r);
  }
  assert.equal(outcomes.at(-1), 'busy', `refused once backed up, not held: ${outcomes.join(' ')}`);
  assert.ok(!outcomes.includes('held'));
  assert.equal(live.record.state, 'open');
  // it reads again: what was sent arrives, and messages go again
  const got: number[] = [];
  client.on('message', (d) => got.push((d as Buffer)[0]!));
  (client as unknown as { _socket: import('node:net').Socket })._socket.resume();
  await until(() => got.length === outcomes.filter((o) => o === 'sent').length, 10_000);
  await live.inject('client', 'text', Buffer.from('after'));
  await until(() => got.length === outcomes.filter((o) => o === 'sent').length + 1);
  client.close();
});
