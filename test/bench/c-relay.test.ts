// bench/tcp-pipe.ts --c (ws-compare's `cpipe`): the relay in C must pass every byte both ways in
// order, hold a fast sender back behind a slow reader without losing bytes, and pass each side's
// end on as a FIN while the other direction goes on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { spawnNode, BENCH_DIR, type Proc } from '../../bench/targets.ts';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.ts';

let upstream: net.Server;
const accepted: net.Socket[] = [];
let relay: Proc;

before(async () => {
  upstream = net.createServer({ allowHalfOpen: true }, (s) => accepted.push(s));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const upPort = (upstream.address() as net.AddressInfo).port;
  relay = await spawnNode(['--import', 'tsx', join(BENCH_DIR, 'tcp-pipe.ts'), String(await freePort()), String(upPort), '--c'], 60_000);
});
after(async () => {
  await relay?.stop();
  upstream.close();
});

async function connectPair(): Promise<[net.Socket, net.Socket]> {
  const before = accepted.length;
  const client = net.connect(relay.port, '127.0.0.1');
  await once(client, 'connect');
  while (accepted.length === before) await new Promise((r) => setTimeout(r, 5));
  return [client, accepted[before]!];
}

/** Everything `s` receives until its end, as a hash and a length. */
function received(s: net.Socket): Promise<{ sha: string; length: number }> {
  const h = createHash('sha256');
  let length = 0;
  s.on('data', (d: Buffer) => { h.update(d); length += d.length; });
  return once(s, 'end').then(() => ({ sha: h.digest('hex'), length }));
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('bytes sent before the upstream connects, then 8 MiB each way, arrive in order', async () => {
  const before = accepted.length;
  const client = net.connect(relay.port, '127.0.0.1');
  client.write('GET /ws HTTP/1.1\r\n\r\n'); // at once, as a client's upgrade request
  while (accepted.length === before) await new Promise((r) => setTimeout(r, 5));
  const up = accepted[before]!;
  const first = await once(up, 'data');
  assert.equal(String(first[0]), 'GET /ws HTTP/1.1\r\n\r\n');
  const a = randomBytes(8 << 20);
  const b = randomBytes(8 << 20);
  const atUp = received(up);
  const atClient = received(client);
  client.end(a);
  up.end(b);
  assert.deepEqual(await atUp, { sha: sha(a), length: a.length });
  assert.deepEqual(await atClient, { sha: sha(b), length: b.length });
});

test('a reader that stops holds the sender back; nothing is lost when it reads again', async () => {
  const [client, up] = await connectPair();
  up.pause();
  const data = randomBytes(32 << 20);
  let drained = false;
  const flushed = client.write(data);
  client.once('drain', () => (drained = true));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(flushed, false);
  assert.equal(drained, false, 'the relay read everything though its destination was not read');
  const atUp = received(up);
  up.resume();
  client.end();
  assert.deepEqual(await atUp, { sha: sha(data), length: data.length });
  up.end();
  await once(client, 'close');
});

test("one side's end is a FIN to the other; the other direction goes on", async () => {
  const [client, up] = await connectPair();
  const atUp = received(up);
  client.end('last words');
  assert.deepEqual(await atUp, { sha: sha(Buffer.from('last words')), length: 10 });
  const atClient = received(client);
  up.end('an answer after the FIN');
  assert.equal((await atClient).length, 23);
});
