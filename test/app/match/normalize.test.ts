import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeRequestTarget } from '../../../app/match/normalize.ts';

function ok(target: string) {
  const r = normalizeRequestTarget(target);
  assert.ok(r.ok, `${target}: ${JSON.stringify(r)}`);
  return r;
}

test('plain targets pass through; the query is split at the first "?"', () => {
  assert.deepEqual(ok('/a/b?x=1&y=2?z'), { ok: true, uri: '/a/b', args: 'x=1&y=2?z', hasArgs: true, quoted: false, requestUri: '/a/b?x=1&y=2?z', validUnparsedUri: true });
  const r = ok('/a?');
  assert.equal(r.args, '');
  assert.equal(r.hasArgs, true);
  assert.equal(ok('/').uri, '/');
});

test('percent-decoding; %2F and %2e%2e act as "/" and ".."; %3F %23 %25 are data', () => {
  assert.equal(ok('/caf%C3%A9').uri, '/caf\u00c3\u00a9');
  assert.equal(ok('/a%2Fb').uri, '/a/b');
  assert.equal(ok('/a%2F%2Fb').uri, '/a/b');
  assert.equal(ok('/a/%2e%2e/b').uri, '/b');
  assert.equal(ok('/a/%2E./b').uri, '/b');
  assert.equal(ok('/a%3Fb?c').uri, '/a?b');
  assert.equal(ok('/a%3Fb?c').args, 'c');
  assert.equal(ok('/a%23b').uri, '/a#b');
  assert.equal(ok('/a%25b').uri, '/a%b');
  assert.equal(ok('/a%2525').uri, '/a%25');
  assert.equal(ok('/%41%62').uri, '/Ab');
  assert.equal(ok('/a?b%20c').args, 'b%20c');
});

test('quoted is set only for "%" in the path part', () => {
  assert.equal(ok('/a%20b').quoted, true);
  assert.equal(ok('/a?b%20').quoted, false);
  assert.equal(ok('/a#%20').quoted, false);
  assert.equal(ok('//a%20').quoted, true);
});

test('slashes are merged and dot segments resolved', () => {
  assert.equal(ok('//a///b//').uri, '/a/b/');
  assert.equal(ok('/a/./b').uri, '/a/b');
  assert.equal(ok('/a/.').uri, '/a/');
  assert.equal(ok('/a/..').uri, '/');
  assert.equal(ok('/a/b/../../c').uri, '/c');
  assert.equal(ok('/a/..?x').uri, '/');
  assert.equal(ok('/a/..?x').args, 'x');
  assert.equal(ok('/a/.b').uri, '/a/.b');
  assert.equal(ok('/a/...').uri, '/a/...');
  assert.equal(ok('/a/..b').uri, '/a/..b');
  assert.equal(ok('/a./b').uri, '/a./b');
  assert.equal(ok('/a//./../b').uri, '/b');
});

test('going above the root, %00, bad escapes and control bytes are 400', () => {
  for (const t of ['/..', '/../a', '/a/../..', '/%2e%2e', '/a/%2e%2e/%2e%2e/x', '/%00', '/a%00b', '/%zz', '/%4', '/a%', '/a\u0001b', '/a?b\u007f', '*', '', 'x', 'http:/a', 'http://a_b/']) {
    const r = normalizeRequestTarget(t);
    assert.equal(r.ok, false, JSON.stringify(t));
    if (!r.ok) assert.equal(r.status, 400);
  }
});

test('"#" ends the path or the args', () => {
  assert.deepEqual([ok('/a#b').uri, ok('/a#b').args], ['/a', '']);
  assert.deepEqual([ok('/a?b#c').uri, ok('/a?b#c').args], ['/a', 'b']);
  const r = ok('/a#b?c');
  assert.equal(r.args, '');
  assert.equal(r.hasArgs, false);
  assert.equal(r.requestUri, '/a#b?c');
});

test('absolute-form targets: path part, validated host, unparsed URI', () => {
  const r = ok('http://Example.COM:8080/p%20q?x=1');
  assert.equal(r.uri, '/p q');
  assert.equal(r.absoluteHost, 'example.com');
  assert.equal(r.requestUri, '/p%20q?x=1');
  assert.equal(ok('http://h').uri, '/');
  assert.equal(ok('http://h').requestUri, '/');
  const e = ok('http://h?x=1');
  assert.deepEqual([e.uri, e.args, e.requestUri, e.validUnparsedUri], ['/', 'x=1', '?x=1', false]);
  assert.equal(ok('http://[::1]:80/a').absoluteHost, '[::1]');
  assert.equal(ok('HTTPS://h.test./a').absoluteHost, 'h.test');
  for (const t of ['http://a..b/', 'http://./', 'http:///x']) assert.equal(normalizeRequestTarget(t).ok, false, t);
});
