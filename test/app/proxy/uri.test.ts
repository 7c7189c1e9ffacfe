import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Location } from '../../../app/config/schema.ts';
import { normalizeRequestTarget } from '../../../app/match/normalize.ts';
import { upstreamUri, redirectLocation, escapeUri, variableUrlError } from '../../../app/proxy/uri.ts';

function up(modifier: string, path: string, proxyPassUri: string | null, target: string): string {
  const t = normalizeRequestTarget(target);
  assert.ok(t.ok);
  const location = Location.parse({ modifier, path, proxyPass: 'http://127.0.0.1:9' + (proxyPassUri ?? '') });
  return upstreamUri({ location, proxyPassUri, uri: t.uri, args: t.args, hasArgs: t.hasArgs, requestUri: target, quoted: t.quoted });
}

test('without a URI part the target goes unchanged', () => {
  assert.equal(up('', '/api/', null, '/api//x/../y%20z?a=%20#f'), '/api//x/../y%20z?a=%20#f');
  assert.equal(up('~', '^/', null, '/a%2Fb'), '/a%2Fb');
  assert.equal(up('', '/', null, 'http://h.test/a?b'), '/a?b');
  assert.equal(up('', '/', null, 'http://h.test?b=1'), '/?b=1');
});

test('with a URI part the location prefix is replaced', () => {
  assert.equal(up('', '/api/', '/v1/', '/api/users?x=1'), '/v1/users?x=1');
  assert.equal(up('', '/api/', '/', '/api/users'), '/users');
  assert.equal(up('', '/api/', '/v1/', '/api/'), '/v1/');
  assert.equal(up('', '/api', '/v1', '/apix/y'), '/v1x/y');
  assert.equal(up('', '/api/', '/v1/', '/api//a/./b'), '/v1/a/b');
  assert.equal(up('=', '/eq', '/equal', '/eq?z'), '/equal?z');
  assert.equal(up('', '/api/', '/v1/', '/api/x?'), '/v1/x');
});

test('the rest is re-escaped only when the client escaped something', () => {
  assert.equal(up('', '/api/', '/v1/', '/api/a%20b'), '/v1/a%20b');
  assert.equal(up('', '/api/', '/v1/', '/api/a%2Fb'), '/v1/a/b');
  assert.equal(up('', '/api/', '/v1/', '/api/caf%C3%A9%3F%23%25'), '/v1/caf%C3%A9%3F%23%25');
  assert.equal(up('', '/api/', '/v1/', '/api/%7E%41'), '/v1/~A');
  assert.equal(up('', '/api/', '/v1/', '/api/caf\u00c3\u00a9"'), '/v1/caf\u00c3\u00a9"');
  assert.equal(up('', '/api/', '/v1/', '/api/%22q%22'), '/v1/%22q%22');
});

test('escapeUri is NGX_ESCAPE_URI', () => {
  assert.equal(escapeUri(' "#%<>?\\^`{|}\u007f\u0001\u00ff'), '%20%22%23%25%3C%3E%3F%5C%5E%60%7B%7C%7D%7F%01%FF');
  assert.equal(escapeUri("/a-z_.~!$&'()*+,;=:@[]"), "/a-z_.~!$&'()*+,;=:@[]");
});

test('redirect Location: absolute, port unless 80, args kept', () => {
  assert.equal(redirectLocation({ host: 'example.com', port: 8080, location: '/api/', args: 'x=1' }), 'http://example.com:8080/api/?x=1');
  assert.equal(redirectLocation({ host: 'example.com', port: 80, location: '/api/', args: null }), 'http://example.com/api/');
  assert.equal(redirectLocation({ host: 'example.com', port: 80, location: '/api/', args: '' }), 'http://example.com/api/');
  assert.equal(redirectLocation({ host: '[::1]', port: 81, location: '/a/', args: null }), 'http://[::1]:81/a/');
  assert.equal(redirectLocation({ host: null, port: 81, location: '/a/', args: null, serverAddr: '127.0.0.1' }), 'http://127.0.0.1:81/a/');
});

test('a proxy_pass URI with variables that runs into the host or port: what nginx parses of the URL again', () => {
  const status = (host: string, port: number | null, evaluated: string) => variableUrlError({ host, port }, evaluated, new Set(['pool', 'poolx']))?.status ?? null;
  // the URI found at "/" or "?": the host and port stay
  assert.equal(status('pool', null, '/a'), null);
  assert.equal(status('127.0.0.1', 9000, '?a=1'), null);
  // a port no longer a number: 500; one still a number (another port) is not modelled
  assert.equal(status('127.0.0.1', 9000, '%20/x'), 500);
  assert.equal(status('127.0.0.1', 9000, ':1/x'), 500);
  assert.equal(status('127.0.0.1', 900, '1/x'), null);
  assert.equal(status('127.0.0.1', 65000, '1/x'), 500);
  // a host that became a name: 502 (no resolver), unless it is a group or an IPv4 address
  assert.equal(status('pool', null, '.'), 502);
  assert.equal(status('pool', null, 'y:99/'), 502);
  assert.equal(status('pool', null, 'y:9z/'), 500);
  assert.equal(status('pool', null, 'X/'), null);
  assert.equal(status('127.0.0.1', null, '1/'), null);
  assert.equal(status('127.0.0.1', null, '.1/'), 502);
  // after an IPv6 address the URI starts at "/" only
  assert.equal(status('[::1]', 9000, '?a=1'), 500);
  assert.equal(status('[::1]', null, '?a=1'), 500);
  assert.equal(status('[::1]', null, ':81/'), null);
  assert.equal(status('[::1]', null, ':0/'), 500);
});
