import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Location } from '../../../app/config/schema.ts';
import type { RequestContext } from '../../../app/proxy/context.ts';
import { upstreamHeaders, effectiveHttpVersion, type UpstreamHeaders } from '../../../app/proxy/headers.ts';

function ctx(headers: Array<[string, string]>): RequestContext {
  return {
    method: 'GET', requestUri: '/x', uri: '/x', args: '', hasArgs: false, headers, httpVersion: '1.1',
    remoteAddr: '192.0.2.1', remotePort: 1, serverAddr: '127.0.0.1', serverPort: 80, serverName: 's',
    scheme: 'http', proxyHost: 'backend:8080', proxyPort: '8080', captures: [],
  };
}
const L = (l: Record<string, unknown>) => Location.parse({ path: '/', proxyPass: 'http://backend:8080', ...l });
/** The two parts of nginx's list: proxy_set_header/default entries, then the client's (the body's Content-Length goes between). */
const parts = (h: UpstreamHeaders) => ({ set: h.slice(0, h.clientFrom), client: h.slice(h.clientFrom) });

const client: Array<[string, string]> = [
  ['Host', 'h.test'], ['Connection', 'keep-alive'], ['Keep-Alive', '5'], ['TE', 'trailers'], ['Expect', '100-continue'],
  ['Upgrade', 'websocket'], ['Content-Length', '3'], ['Transfer-Encoding', 'chunked'], ['X_Bad', '1'], ['X.Bad', '2'],
  ['Accept', 'a'], ['accept', 'b'], ['X-Forwarded-For', '10.0.0.1'],
];

test('defaults only: Host $proxy_host, Connection close, client headers after', () => {
  assert.deepEqual(parts(upstreamHeaders(L({}), ctx(client))), {
    set: [['Host', 'backend:8080'], ['Connection', 'close']],
    client: [['Accept', 'a'], ['accept', 'b'], ['X-Forwarded-For', '10.0.0.1']],
  });
});

test('proxy_set_header first, in order; overriding a default; empty values dropped', () => {
  const loc = L({ proxySetHeader: [
    { name: 'X-Real-IP', value: '$remote_addr' }, { name: 'host', value: '$host' },
    { name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' }, { name: 'Accept', value: '' }, { name: 'X-None', value: '$http_none' },
  ] });
  assert.deepEqual(parts(upstreamHeaders(loc, ctx(client))), {
    set: [['X-Real-IP', '192.0.2.1'], ['host', 'h.test'], ['X-Forwarded-For', '10.0.0.1, 192.0.2.1'], ['Connection', 'close']],
    client: [],
  });
});

test('websocket adds Upgrade $http_upgrade and Connection $connection_upgrade', () => {
  const loc = L({ websocket: true });
  assert.deepEqual(parts(upstreamHeaders(loc, ctx(client))), {
    set: [['Upgrade', 'websocket'], ['Connection', 'upgrade'], ['Host', 'backend:8080']],
    client: [['Accept', 'a'], ['accept', 'b'], ['X-Forwarded-For', '10.0.0.1']],
  });
  assert.deepEqual(parts(upstreamHeaders(loc, ctx([['Host', 'h']]))), { set: [['Connection', 'close'], ['Host', 'backend:8080']], client: [] });
});

test('keepalive style: Connection "" removes it', () => {
  const loc = L({ proxyHttpVersion: '1.1', proxySetHeader: [{ name: 'Connection', value: '' }] });
  assert.deepEqual(parts(upstreamHeaders(loc, ctx([['Host', 'h'], ['Connection', 'close'], ['X-A', '1']]))), { set: [['Host', 'backend:8080']], client: [['X-A', '1']] });
});

test('effectiveHttpVersion', () => {
  assert.equal(effectiveHttpVersion(L({})), '1.0');
  assert.equal(effectiveHttpVersion(L({ proxyHttpVersion: '1.1' })), '1.1');
  assert.equal(effectiveHttpVersion(L({ websocket: true })), '1.1');
});
