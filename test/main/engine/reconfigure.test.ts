// Reconfiguring a running engine from several callers at once (`serve` applies on every SIGHUP, and
// SIGTERM may come in between): applies take effect in the order they were asked for, each one
// settles, and stop() leaves nothing listening or connected, also on listeners an earlier apply
// retired while a request was still in flight on them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { Engine } from '../../../main/engine/engine.ts';
import { freePorts } from '../../helpers/ports.ts';
import { startHttpUpstream } from '../../helpers/upstreams.ts';

const config = (port: number, upstream: string) => ({
  schemaVersion: 1,
  servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', proxyPass: `http://${upstream}` }] }],
});

const listening = (e: Engine) => e.listenerStatus().filter((l) => l.state === 'listening').map((l) => l.port);

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

test('applies asked for at once take effect in order, and every one settles', { timeout: 10_000 }, async () => {
  const [a, b, c] = await freePorts(3);
  const engine = new Engine();
  try {
    await engine.apply(config(a!, '127.0.0.1:9'));
    // the first resolves a host name (a DNS lookup), the later ones need none: still, the last asked wins
    const results = await Promise.all([engine.apply(config(b!, 'localhost:9')), engine.apply(config(c!, '127.0.0.1:9')), engine.apply(config(a!, '127.0.0.1:9')), engine.apply(config(c!, '127.0.0.1:9'))]);
    assert.ok(results.every((r) => r.ok));
    assert.deepEqual(listening(engine), [c]);
    assert.deepEqual(await Promise.all([connects(a!), connects(b!), connects(c!)]), [false, false, true]);
  } finally {
    await engine.stop();
  }
});

test('stop while an apply is under way: nothing listens afterwards', { timeout: 10_000 }, async () => {
  const [a, b] = await freePorts(2);
  const engine = new Engine();
  await engine.apply(config(a!, '127.0.0.1:9'));
  const applying = engine.apply(config(b!, 'localhost:9'));
  await engine.stop();
  try {
    assert.ok((await applying).ok);
    assert.deepEqual(await Promise.all([connects(a!), connects(b!)]), [false, false]);
  } finally {
    await engine.stop();
  }
});

test('stop closes the connections of a listener an earlier apply retired (a request still in flight there)', { timeout: 10_000 }, async () => {
  const [a, b] = await freePorts(2);
  let requested!: () => void;
  const reached = new Promise<void>((r) => (requested = r));
  const silent = await startHttpUpstream('silent', () => requested()); // never answers
  const upstream = `127.0.0.1:${silent.port}`;
  const engine = new Engine();
  try {
    await engine.apply(config(a!, upstream));
    const pending = new Promise<string>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: a, path: '/slow', agent: false }, (res) => resolve(`answered ${res.statusCode}`));
      req.once('error', (e) => resolve(`ended: ${(e as NodeJS.ErrnoException).code}`));
    });
    await reached;
    await engine.apply(config(b!, upstream)); // a's socket goes; its request stays in flight, as in nginx
    assert.equal(await connects(a!), false);
    await engine.stop();
    const outcome = await Promise.race([pending, new Promise<string>((r) => setTimeout(() => r('still open 2 s after stop()'), 2000))]);
    assert.match(outcome, /^ended/);
  } finally {
    await silent.close();
  }
});
