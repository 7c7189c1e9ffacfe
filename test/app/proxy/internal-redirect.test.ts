import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUnsafeUri } from '../../../app/proxy/internal-redirect.ts';

test('parseUnsafeUri: args split off, percent-decoding, unsafe forms refused (ngx_http_parse_unsafe_uri)', () => {
  assert.deepEqual(parseUnsafeUri('/files/a'), { uri: '/files/a', args: null });
  assert.deepEqual(parseUnsafeUri('/files/a?x=1&y'), { uri: '/files/a', args: 'x=1&y' });
  assert.deepEqual(parseUnsafeUri('/files/%41%20b'), { uri: '/files/A b', args: null });
  assert.deepEqual(parseUnsafeUri('/a%3Fb?c'), { uri: '/a?b', args: 'c' }, 'a decoded "?" stays in the path (parity scenario: the same in nginx)');
  assert.deepEqual(parseUnsafeUri('/f/./a//b'), { uri: '/f/./a//b', args: null }, 'not normalized otherwise');
  // ngx_unescape_uri's invalid escapes: '%' dropped before a non-hex character; '%', a hex digit and a non-hex character all dropped
  assert.deepEqual(parseUnsafeUri('/bad%zz'), { uri: '/badzz', args: null });
  assert.deepEqual(parseUnsafeUri('/bad%4zq'), { uri: '/badq', args: null });
  assert.deepEqual(parseUnsafeUri('/end%'), { uri: '/end', args: null });
  assert.deepEqual(parseUnsafeUri('/twice%2541'), { uri: '/twice%41', args: null }, 'decoded once');
  for (const bad of ['', '?x', '..', '../a', '/a/..', '/a/../b', '/a/%2e%2e/b', '/a%00b', '/a/%2E%2E']) assert.equal(parseUnsafeUri(bad), null, JSON.stringify(bad));
  assert.deepEqual(parseUnsafeUri('/a/..b'), { uri: '/a/..b', args: null });
});
