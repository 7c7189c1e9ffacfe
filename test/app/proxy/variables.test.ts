import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../../../app/proxy/context.ts';
import { evaluate, variable, isValidHeaderName } from '../../../app/proxy/variables.ts';

function ctx(over: Partial<RequestContext> = {}): RequestContext {
  return {
    method: 'GET', requestUri: '/a%20b/c?x=1&Y=2', uri: '/a b/c', args: 'x=1&Y=2', hasArgs: true,
    headers: [['Host', 'Example.COM:8080'], ['X-Forwarded-For', '10.0.0.1'], ['x-forwarded-for', '10.0.0.2'], ['Cookie', 'a=1; SID = abc ;b=2'], ['Cookie', 'c=3'], ['Accept', 'one'], ['Accept', 'two'], ['X_Under', 'no'], ['Upgrade', 'websocket'], ['X-Multi-Dash', 'md']],
    httpVersion: '1.1', remoteAddr: '192.0.2.1', remotePort: 5555, serverAddr: '127.0.0.1', serverPort: 8080,
    serverName: 'srv.test', scheme: 'http', proxyHost: 'backend', proxyPort: '80', captures: [], ...over,
  };
}

test('fixed variables', () => {
  const c = ctx();
  const want: Record<string, string> = {
    host: 'example.com', http_host: 'Example.COM:8080', proxy_host: 'backend', proxy_port: '80',
    remote_addr: '192.0.2.1', remote_port: '5555', server_addr: '127.0.0.1', server_port: '8080', server_name: 'srv.test',
    server_protocol: 'HTTP/1.1', scheme: 'http', request_uri: '/a%20b/c?x=1&Y=2', uri: '/a b/c', document_uri: '/a b/c',
    args: 'x=1&Y=2', query_string: 'x=1&Y=2', is_args: '?', request_method: 'GET', connection_upgrade: 'upgrade',
    proxy_add_x_forwarded_for: '10.0.0.1, 10.0.0.2, 192.0.2.1', http_upgrade: 'websocket',
  };
  for (const [k, v] of Object.entries(want)) assert.equal(variable(k, c), v, k);
});

test('$host falls back to server_name; request-line host wins', () => {
  assert.equal(variable('host', ctx({ headers: [] })), 'srv.test');
  assert.equal(variable('host', ctx({ requestUri: 'http://Abs.Test:81/x' })), 'abs.test');
  assert.equal(variable('request_uri', ctx({ requestUri: 'http://abs.test/x?y' })), '/x?y');
});

test('$http_*: first header, except X-Forwarded-For and Cookie which join all; invalid names ignored', () => {
  const c = ctx();
  assert.equal(variable('http_accept', c), 'one');
  assert.equal(variable('http_x_forwarded_for', c), '10.0.0.1, 10.0.0.2');
  assert.equal(variable('http_cookie', c), 'a=1; SID = abc ;b=2; c=3');
  assert.equal(variable('http_x_under', c), '');
  assert.equal(variable('http_x_multi_dash', c), 'md');
  assert.equal(variable('http_absent', c), '');
  assert.equal(isValidHeaderName('X_Under'), false);
  assert.equal(isValidHeaderName('X-Ok-1'), true);
  assert.equal(isValidHeaderName('X.Dot'), false);
});

test('$cookie_* and $arg_* (case-insensitive names, raw values)', () => {
  const c = ctx();
  assert.equal(variable('cookie_a', c), '1');
  assert.equal(variable('cookie_sid', c), 'abc ');
  assert.equal(variable('cookie_b', c), '2');
  assert.equal(variable('cookie_c', c), '3');
  assert.equal(variable('cookie_z', c), '');
  assert.equal(variable('cookie_a', ctx({ headers: [['Cookie', 'a;b=1']] })), '');
  assert.equal(variable('cookie_b', ctx({ headers: [['Cookie', 'a;b=1']] })), '1');
  // nginx steps over the byte after a matched name that is not '=': here the ';'
  assert.equal(variable('cookie_a', ctx({ headers: [['Cookie', 'a;a=1']] })), '');
  assert.equal(variable('cookie_a', ctx({ headers: [['Cookie', 'a;x=0;a=1']] })), '1');
  assert.equal(variable('arg_x', c), '1');
  assert.equal(variable('arg_y', c), '2');
  assert.equal(variable('arg_x', ctx({ args: 'xx=1&x=%20a' })), '%20a');
  assert.equal(variable('arg_x', ctx({ args: 'x' })), '');
  assert.equal(variable('arg_x', ctx({ args: 'x=' })), '');
});

test('absent and edge values', () => {
  const c = ctx({ headers: [], args: '', hasArgs: true });
  assert.equal(variable('is_args', c), '');
  assert.equal(variable('connection_upgrade', c), 'close');
  assert.equal(variable('proxy_add_x_forwarded_for', c), '192.0.2.1');
  assert.equal(variable('proxy_add_x_forwarded_for', ctx({ headers: [['X-Forwarded-For', '']] })), ', 192.0.2.1');
  assert.equal(variable('nope', c), '');
  assert.equal(variable('http_', c), '');
});

test('evaluate: $name and ${name} inside text', () => {
  const c = ctx();
  assert.equal(evaluate('$scheme://$host$request_uri', c), 'http://example.com/a%20b/c?x=1&Y=2');
  assert.equal(evaluate('${remote_addr}x-$remote_port', c), '192.0.2.1x-5555');
  assert.equal(evaluate('no vars', c), 'no vars');
  assert.equal(evaluate('$unknown|', c), '|');
});

test('variable names are case-insensitive, as nginx lowercases them when it compiles a value', () => {
  const c = ctx({ headers: [['Host', 'h.test'], ['X-Foo', 'bar'], ['Cookie', 'a=1'], ['Cookie', 'B=2']], args: 'Q=3' });
  // (checked against nginx 1.22: "[$HOST][$Http_X_Foo][$HTTP_COOKIE][$ARG_q][$COOKIE_b]")
  assert.equal(evaluate('[$HOST][$Http_X_Foo][$HTTP_COOKIE][$ARG_q][$COOKIE_b][${Server_Name}]', c), '[h.test][bar][a=1; B=2][3][2][srv.test]');
  assert.equal(evaluate('$http_X_FOO-$REMOTE_ADDR', c), 'bar-192.0.2.1', 'a hash key reads the same');
});
