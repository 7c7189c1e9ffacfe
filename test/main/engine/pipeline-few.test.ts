// A few pipelined requests (what a client that reads its answers sends): the connection is read on
// while they wait, as nginx reads it, so an upgrade behind them gets every later byte and a client
// that leaves is seen at once (pipeline-flood.test.ts: a flood, held past HOLD_AFTER).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { encodeFrame } from '../../../main/engine/ws-frames.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { startTcpServer } from '../../helpers/upstreams.ts';
import { sleep, until } from '../../helpers/wait.ts';

const scope = testScope();
const ANSWER_101 = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
const HANDSHAKE = 'GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

/** An upstream answering /a after `slowMs`, others at once, upgrades with a 101; it records what follows an upgrade and when a connection closes. */
async function upstream(slowMs: number) {
  const after: Buffer[] = [];
  const closed: number[] = [];
  let upgrades = 0;
  const up = await startTcpServer((s) => {
    s.on('error', () => {});
    s.on('close', () => closed.push(Date.now()));
    let upgraded = false;
    s.on('data', (d: Buffer) => {
      if (upgraded) return void after.push(d);
      const head = d.toString('latin1');
      if (head.includes('Upgrade: websocket')) {
        upgraded = true;
        upgrades++;
        s.write(ANSWER_101);
        const rest = d.subarray(d.indexOf('\r\n\r\n') + 4);
        if (rest.length) after.push(rest);
        return;
      }
      const ok = () => s.writable && s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      if (head.startsWith('GET /a ')) setTimeout(ok, slowMs);
      else ok();
    });
  });
  scope.defer(up.close);
  return { port: up.port, after: () => Buffer.concat(after), closed, upgrades: () => upgrades };
}

/** A raw client connected to the engine, closed after the file's tests. */
async function clientOf(e: { port: number }): Promise<net.Socket> {
  const client = net.connect(e.port, '127.0.0.1');
  client.on('error', () => {});
  scope.defer(async () => { client.destroy(); });
  await new Promise((r) => client.once('connect', r));
  return client;
}

test('an upgrade pipelined behind two requests gets the bytes the client sends after it', async () => {
  const u = await upstream(600);
  const client = await clientOf(await scope.engine((p) => oneLocation(p, { path: '/', websocket: true, proxyPass: `http://127.0.0.1:${u.port}` })));
  const frame = (text: string) => encodeFrame(1, Buffer.from(text), true);
  client.write(Buffer.concat([Buffer.from(`GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n${HANDSHAKE}`), frame('EARLY')]));
  await sleep(200);
  client.write(frame('MID'));
  await sleep(800);
  client.write(frame('LATE'));
  const want = Buffer.concat([frame('EARLY'), frame('MID'), frame('LATE')]);
  await until(() => u.after().length >= want.length, 3000).catch(() => {});
  assert.equal(u.after().length, want.length, 'every frame reached the upstream');
});

test('a client that resets while its second request waits is seen at once: the upstream connection of the first closes', async () => {
  const u = await upstream(3000);
  const e = await scope.engine((p) => oneLocation(p, { path: '/', proxyPass: `http://127.0.0.1:${u.port}` }));
  const client = net.connect(e.port, '127.0.0.1');
  client.on('error', () => {});
  await new Promise((r) => client.once('connect', r));
  client.write('GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /two HTTP/1.1\r\nHost: t\r\n\r\n');
  await sleep(200);
  const left = Date.now();
  client.resetAndDestroy();
  await until(() => u.closed.length > 0, 2500);
  assert.ok(u.closed[0]! - left < 1000, `the upstream connection closed ${u.closed[0]! - left} ms after the client left (nginx: at once, 499)`);
});

test('a client that half-closes while an upgrade waits behind a request is seen at once: the request ends, the upgrade never goes upstream', async () => {
  const u = await upstream(1500);
  const client = await clientOf(await scope.engine((p) => oneLocation(p, { path: '/', websocket: true, proxyPass: `http://127.0.0.1:${u.port}` })));
  let got = '';
  client.on('data', (d: Buffer) => (got += d.toString('latin1')));
  const closed = new Promise<void>((r) => client.once('close', () => r()));
  client.write(`GET /a HTTP/1.1\r\nHost: t\r\n\r\n${HANDSHAKE}`);
  await sleep(300);
  const left = Date.now();
  client.end(); // FIN: nginx sees the client leave (499) and never reads the upgrade behind
  await until(() => u.closed.length > 0, 1400);
  assert.ok(u.closed[0]! - left < 1000, `the request's upstream connection closed ${u.closed[0]! - left} ms after the client's FIN`);
  await closed;
  await sleep(300);
  assert.equal(u.upgrades(), 0, 'no upgrade request reached the upstream');
  assert.equal(got, '', 'nothing was answered to a client that left');
});
