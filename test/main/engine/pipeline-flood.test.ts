// A client that pipelines thousands of requests and reads no answer: requests waiting their turn
// (pipeline.ts serveInTurn) stop the reading of the connection, as nginx reads the next request only
// once the one before it is done. Without that, node parsed every request off the socket at once
// and the queue held an object per request (a few MB of GETs: hundreds of MB, seconds of CPU).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http, { type ServerResponse } from 'node:http';
import net from 'node:net';
import { serveInTurn } from '../../../main/engine/pipeline.ts';
import { sleep, until } from '../../helpers/wait.ts';

const REQUESTS = 20_000;

test('pipelined requests waiting their turn hold the reading of the connection; all are answered in order once served', { timeout: 30_000 }, async () => {
  let parsed = 0;
  let first: ServerResponse | null = null;
  const server = http.createServer((req, res) => {
    parsed++;
    serveInTurn(req, res, (q, r) => {
      if (q.url === '/0') first = r; // held until the test lets it go
      else r.end(q.url);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  try {
    await new Promise((r) => client.once('connect', r));
    let text = '';
    for (let i = 0; i < REQUESTS; i++) text += `GET /${i} HTTP/1.1\r\nHost: t\r\n\r\n`;
    client.write(text); // about 540 KB
    let answers = '';
    client.on('data', (d) => (answers += d.toString('latin1')));
    await until(() => first !== null);
    await sleep(300);
    // what node had read before the hold: about one read's worth (64 KB), not the whole flood
    assert.ok(parsed < REQUESTS / 4, `${parsed} of ${REQUESTS} requests parsed while the first waits`);
    first!.end('/0');
    await until(() => parsed === REQUESTS, 20_000);
    await until(() => (answers.match(/HTTP\/1\.1 200 /g) ?? []).length === REQUESTS, 20_000);
    const bodies = answers.split(/HTTP\/1\.1 200 OK\r\n/).slice(1).map((a) => a.slice(a.indexOf('\r\n\r\n') + 4));
    assert.deepEqual(bodies.slice(0, 3), ['/0', '/1', '/2']);
    assert.equal(bodies.at(-1), `/${REQUESTS - 1}`, 'in order to the last');
  } finally {
    client.destroy();
    server.closeAllConnections();
    server.close();
  }
});
