// A common hand-written WebSocket location: `proxy_set_header Upgrade $http_upgrade` and
// `Connection "upgrade"` without `proxy_http_version 1.1`. nginx sends that upgrade over HTTP/1.0
// and tunnels when the upstream answers 101 (node's ws does); the engine does the same.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { ConfigInput } from '../../app/config/schema.ts';
import { validateConfig } from '../../app/config/validate.ts';
import { exportNginx } from '../../app/nginx/export.ts';
import { privateNginxConf, startNginx, type RunningNginx } from '../../main/nginx/binary.ts';
import { startEngine, type TestEngine } from '../helpers/engine.ts';
import { freePort } from '../helpers/ports.ts';
import { header, startWsUpstream, type Upstream } from '../helpers/upstreams.ts';

let upstream: Upstream;
let nginx: RunningNginx;
let engine: TestEngine;
let nginxPort: number;

const model = (port: number): ConfigInput => ({
  schemaVersion: 1,
  servers: [{
    listen: [{ address: `127.0.0.1:${port}` }],
    locations: [{
      path: '/ws/', proxyPass: `http://127.0.0.1:${upstream.port}`,
      proxySetHeader: [{ name: 'Upgrade', value: '$http_upgrade' }, { name: 'Connection', value: 'upgrade' }, { name: 'Host', value: '$host' }],
    }],
  }],
});

before(async () => {
  upstream = await startWsUpstream('app');
  nginxPort = await freePort();
  const v = validateConfig(model(nginxPort));
  assert.ok(v.ok);
  nginx = await startNginx(privateNginxConf(exportNginx(v.config, { shape: 'full' }), true), [nginxPort]);
  engine = await startEngine(model);
});

after(async () => {
  await nginx?.stop();
  await engine?.stop();
  await upstream?.close();
});

test('Upgrade set by hand over the default HTTP/1.0: the upstream answers 101 and the session opens, through nginx as through the engine', async () => {
  for (const port of [nginxPort, engine.port]) {
    const before = upstream.seen.length;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`);
    const echo = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('hi'));
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
    });
    ws.terminate();
    assert.equal(echo, 'hi', `port ${port}`);
    const seen = upstream.seen[before]!;
    assert.deepEqual([seen.httpVersion, header(seen, 'upgrade'), header(seen, 'connection')], ['1.0', 'websocket', 'upgrade'], `port ${port}`);
  }
});
