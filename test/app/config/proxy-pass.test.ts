// proxy_pass targets: the parts the engine connects to, and $proxy_host / $proxy_port as nginx has them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAddressHost, parseProxyPass } from '../../../app/config/proxy-pass.ts';
import { validateConfig } from '../../../app/config/validate.ts';

const vars = (text: string) => {
  const t = parseProxyPass(text)!;
  return [t.host, t.port, t.uri, t.proxyHost, t.proxyPort];
};

test('$proxy_host / $proxy_port keep the port as written; the default port (80) is left out', () => {
  assert.deepEqual(vars('http://127.0.0.1:9101'), ['127.0.0.1', 9101, null, '127.0.0.1:9101', '9101']);
  // nginx 1.22 sends "Host: 127.0.0.1:09101" and $proxy_port "09101" (checked against nginx)
  assert.deepEqual(vars('http://127.0.0.1:09101/x/'), ['127.0.0.1', 9101, '/x/', '127.0.0.1:09101', '09101']);
  assert.deepEqual(vars('http://backend'), ['backend', null, null, 'backend', '80']);
  assert.deepEqual(vars('http://backend:80'), ['backend', 80, null, 'backend', '80']);
  assert.deepEqual(vars('http://backend:080/'), ['backend', 80, '/', 'backend', '80']);
  assert.deepEqual(vars('http://[::1]:8080'), ['[::1]', 8080, null, '[::1]:8080', '8080']);
  assert.equal(parseProxyPass('http://h:0'), null);
  assert.equal(parseProxyPass('http://h:65536'), null);
});

test('a proxy_pass to localhost without a port is one in any case, as nginx 1.22 resolves it; "localhost." is not (nginx -t: host not found)', () => {
  for (const host of ['localhost', 'LOCALHOST', 'LocalHost']) assert.equal(isAddressHost(host), true, host);
  assert.equal(isAddressHost('localhost.'), false);
  const codes = (proxyPass: string) => {
    const r = validateConfig({ schemaVersion: 1, servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [{ path: '/', proxyPass }] }] });
    return r.ok ? [] : r.issues.map((i) => i.code);
  };
  assert.deepEqual(codes('http://LOCALHOST'), []);
  assert.deepEqual(codes('http://LocalHost/x/'), []);
  assert.deepEqual(codes('http://localhost.'), ['unknown_upstream']);
});
