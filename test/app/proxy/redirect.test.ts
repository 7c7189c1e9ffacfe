import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultRedirect, rewriteLocation, rewriteRefresh } from '../../../app/proxy/redirect.ts';
import { parseProxyPass } from '../../../app/config/proxy-pass.ts';

const rw = (proxyPass: string, path: string) => defaultRedirect(proxyPass, parseProxyPass(proxyPass)!, path)!;
const self = { host: 'proxy.test', serverAddr: '127.0.0.1', port: 8080 };

test('proxy_redirect default: with a URI part the proxy_pass text becomes the location path; without, text + "/" becomes "/"', () => {
  assert.deepEqual(rw('http://b:81/two/', '/one/'), { pattern: 'http://b:81/two/', replacement: '/one/' });
  assert.deepEqual(rw('http://b:81', '/one/'), { pattern: 'http://b:81/', replacement: '/' });
  assert.deepEqual(rw('http://pool/', '/p/'), { pattern: 'http://pool/', replacement: '/p/' });
});

test('a matching Location is rewritten and made absolute (host, port unless 80); others pass unchanged', () => {
  const r = rw('http://b:81/two/', '/one/');
  assert.equal(rewriteLocation('http://b:81/two/x?y=1', r, self), 'http://proxy.test:8080/one/x?y=1');
  assert.equal(rewriteLocation('http://b:81/two/x', r, { ...self, port: 80 }), 'http://proxy.test/one/x');
  assert.equal(rewriteLocation('http://b:81/two/x', r, { ...self, host: null }), 'http://127.0.0.1:8080/one/x');
  for (const v of ['http://b:81/twox', 'HTTP://b:81/two/x', 'http://B:81/two/x', '/two/x', 'http://other/two/', '']) assert.equal(rewriteLocation(v, r, self), v);
  // not the last rewritten Location (no address given): rewritten, left relative
  assert.equal(rewriteLocation('http://b:81/two/x', r, null), '/one/x');
  // a replacement that is not a path stays as it is (no host added)
  assert.equal(rewriteLocation('http://b:81/two/x', { pattern: 'http://b:81/', replacement: 'https://ext/' }, self), 'https://ext/two/x');
});

test('Refresh: the URL after "url=" (any case) is rewritten, not made absolute', () => {
  const r = rw('http://b:81', '/');
  assert.equal(rewriteRefresh('5; URL=http://b:81/next', r), '5; URL=/next');
  assert.equal(rewriteRefresh('5;url=http://b:81/', r), '5;url=/');
  assert.equal(rewriteRefresh('5; url=http://c/next', r), '5; url=http://c/next');
  assert.equal(rewriteRefresh('5', r), '5');
});

test('config text outside ASCII is compared with and written into the header as its UTF-8 bytes (as nginx holds it)', () => {
  const r = rw('http://b:81/caf\u00e9/', '/\u00e9t\u00e9/');
  assert.deepEqual(r, { pattern: 'http://b:81/caf\u00c3\u00a9/', replacement: '/\u00c3\u00a9t\u00c3\u00a9/' });
  // the upstream's header arrives as bytes (one char per byte)
  assert.equal(rewriteLocation('http://b:81/caf\u00c3\u00a9/x', r, self), 'http://proxy.test:8080/\u00c3\u00a9t\u00c3\u00a9/x');
  assert.equal(rewriteLocation('http://b:81/caf\u00e9/x', r, self), 'http://b:81/caf\u00e9/x', 'a Latin-1 é is another byte');
});
