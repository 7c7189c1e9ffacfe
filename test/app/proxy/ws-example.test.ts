// The empty Sessions screen's suggestion: a ws:// URL the config proxies as WebSocket, or none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reachableAddress, webSocketExampleUrl } from '../../../app/proxy/ws-example.ts';
import { validateConfig } from '../../../app/config/validate.ts';

const config = (servers: unknown[]) => ({ schemaVersion: 1, upstreams: [], servers });
const loc = (path: string, more: object = {}) => ({ path, proxyPass: 'http://127.0.0.1:9000', ...more });

test('the first WebSocket location a plain path reaches, on the first address', () => {
  const c = config([{ listen: [{ address: '127.0.0.1:8080' }], locations: [loc('/api/'), loc('/chat/', { websocket: true }), loc('/ws', { websocket: true })] }]);
  assert.equal(webSocketExampleUrl(c, ['127.0.0.1:8080']), 'ws://127.0.0.1:8080/chat/');
});

test('a path another location takes (a regex declared after it wins) is not suggested', () => {
  const c = config([{ listen: [{ address: '127.0.0.1:8080' }], locations: [loc('/chat/', { websocket: true }), loc('^/chat/', { modifier: '~' }), loc('/live', { websocket: true })] }]);
  // (the regex takes /chat/ and does not upgrade; /live upgrades)
  assert.equal(webSocketExampleUrl(c, ['127.0.0.1:8080']), 'ws://127.0.0.1:8080/live');
});

test('a WebSocket location of a server the address does not select is not suggested', () => {
  const c = config([
    { listen: [{ address: '127.0.0.1:8080' }], serverNames: ['a.test'], locations: [loc('/plain/')] },
    { listen: [{ address: '127.0.0.1:8080' }], serverNames: ['b.test'], locations: [loc('/chat/', { websocket: true })] },
  ]);
  assert.equal(webSocketExampleUrl(c, ['127.0.0.1:8080']), null, 'a request to the address goes to the first server');
});

test('none: no WebSocket location, an invalid config, a regex-only route', () => {
  assert.equal(webSocketExampleUrl(config([{ listen: [{ address: '127.0.0.1:8080' }], locations: [loc('/')] }]), ['127.0.0.1:8080']), null);
  assert.equal(webSocketExampleUrl({ schemaVersion: 1, servers: 'x' }, ['127.0.0.1:8080']), null);
  assert.equal(webSocketExampleUrl(config([{ listen: [{ address: '127.0.0.1:8080' }], locations: [loc('^/ws', { modifier: '~', websocket: true })] }]), ['127.0.0.1:8080']), null);
  assert.equal(webSocketExampleUrl(null, ['127.0.0.1:8080']), null);
});

test('an IPv6 listener is written in brackets by the caller and reached', () => {
  const c = config([{ listen: [{ address: '[::1]:8080' }], locations: [loc('/ws/', { websocket: true })] }]);
  assert.equal(webSocketExampleUrl(c, ['[::1]:8080']), 'ws://[::1]:8080/ws/');
});

test('a config of thousands of locations is checked once for the suggestion, not once per path and address tried', () => {
  // (the screen waits for it: checked per try, 2,000 locations with no WebSocket location reached
  // and 20 listeners took seconds. Compared with one check of the same config, not with a clock.)
  const locations = Array.from({ length: 2000 }, (_, i) => loc(`/p${i}/`, { websocket: true }));
  const c = config([
    { listen: [{ address: '127.0.0.1:8080' }], serverNames: ['app.test'], locations },
    { listen: [{ address: '127.0.0.1:8080', defaultServer: true }], locations: [loc('/')] },
  ]);
  const addresses = Array.from({ length: 20 }, () => '127.0.0.1:8080');
  const timed = (f: () => void) => {
    const t = performance.now();
    f();
    return performance.now() - t;
  };
  for (let i = 0; i < 3; i++) validateConfig(c); // (warm)
  const once = Math.min(...[0, 1, 2].map(() => timed(() => validateConfig(c))));
  let url: string | null = 'unset';
  const took = timed(() => (url = webSocketExampleUrl(c, addresses)));
  assert.equal(url, null, 'the locations are another server\'s (named app.test)');
  assert.ok(took < 100 * once, `the suggestion took ${took.toFixed(0)} ms, one check of the config ${once.toFixed(0)} ms`);
});

test('a wildcard listener is suggested on loopback, and its WebSocket location found through it', () => {
  assert.equal(reachableAddress('0.0.0.0', 8080), '127.0.0.1:8080');
  assert.equal(reachableAddress('::', 8080), '[::1]:8080');
  assert.equal(reachableAddress('127.0.0.2', 8080), '127.0.0.2:8080');
  assert.equal(reachableAddress('::1', 8080), '[::1]:8080');
  const c = config([{ listen: [{ address: '8080' }], locations: [loc('/ws/', { websocket: true })] }]);
  assert.equal(webSocketExampleUrl(c, [reachableAddress('0.0.0.0', 8080)]), 'ws://127.0.0.1:8080/ws/');
});
