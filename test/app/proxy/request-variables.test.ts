// The request's own variables from raw inputs (app/proxy/request-variables.ts through variable()),
// with nginx 1.22's values (measured: test/parity/request-vars.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext, RequestEnv } from '../../../app/proxy/context.ts';
import { evaluate, variable } from '../../../app/proxy/variables.ts';
import { msec, timeIso8601, timeLocal } from '../../../app/proxy/request-variables.ts';

function ctx(over: Partial<RequestContext> = {}): RequestContext {
  return {
    method: 'POST', requestUri: '/a%20b?x=1', uri: '/a b', args: 'x=1', hasArgs: true, headers: [['Host', 'h']],
    httpVersion: '1.1', remoteAddr: '192.0.2.1', remotePort: 5555, serverAddr: '127.0.0.1', serverPort: 8080,
    serverName: '', scheme: 'http', proxyHost: 'b', proxyPort: '80', captures: [], ...over,
  };
}

const auth = (value: string) => variable('remote_user', ctx({ headers: [['Authorization', value]] }));
const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');

test('$remote_user: the user of Basic credentials, as ngx_http_auth_basic_user decodes them', () => {
  assert.equal(auth(`Basic ${b64('al:ice:x')}`), 'al');
  assert.equal(auth(`bAsIc    ${b64('u:p')}`), 'u');
  // base64 stops at the first '=', whatever follows; a length of 4n+1 before it is invalid
  assert.equal(auth(`Basic ${b64('ab:c').replace(/=+$/, '')}=junk!`), 'ab');
  assert.equal(auth('Basic YWI6Yw'), 'ab');
  assert.equal(auth('Basic YWI6Y'), '');
  assert.equal(auth('Basic a*b='), '');
  assert.equal(auth(`Basic ${b64('nocolon')}`), '');
  assert.equal(auth(`Basic ${b64(':pass')}`), '');
  assert.equal(auth(`Basic ${b64('\u00e9\r\nX-Y z:p')}`), '\u00e9\r\nX-Y z', 'the bytes as decoded, line breaks too');
  assert.equal(auth(`Bearer ${b64('u:p')}`), '');
  assert.equal(auth('Basic'), '');
  assert.equal(auth('Basic    '), '');
  assert.equal(variable('remote_user', ctx()), '');
});

test('$content_length, $content_type: the first line as sent; a chunked body read whole gives its length', () => {
  const c = ctx({ headers: [['Content-Length', '007'], ['content-type', 'text/a'], ['Content-Type', 'text/b']] });
  assert.deepEqual([variable('content_length', c), variable('content_type', c)], ['007', 'text/a']);
  assert.deepEqual([variable('content_length', ctx()), variable('content_type', ctx())], ['', '']);
  assert.equal(variable('content_length', ctx({ headers: [['Transfer-Encoding', 'chunked']], bodyLength: 11 })), '11');
  assert.equal(variable('content_length', ctx({ bodyLength: 0 })), '0');
});

test('$request, $https, $realip_remote_*, $binary_remote_addr', () => {
  assert.equal(variable('request', ctx()), 'POST /a%20b?x=1 HTTP/1.1');
  assert.equal(variable('request', ctx({ method: 'GET', requestUri: 'http://x/y', httpVersion: '1.0' })), 'GET http://x/y HTTP/1.0');
  assert.equal(variable('https', ctx()), '');
  assert.deepEqual([variable('realip_remote_addr', ctx()), variable('realip_remote_port', ctx())], ['192.0.2.1', '5555']);
  assert.equal(variable('binary_remote_addr', ctx()), '\xc0\x00\x02\x01');
  assert.equal(variable('binary_remote_addr', ctx({ remoteAddr: '::1' })), `${'\x00'.repeat(15)}\x01`);
  assert.equal(variable('binary_remote_addr', ctx({ remoteAddr: '2001:db8::a:b' })), '\x20\x01\x0d\xb8' + '\x00'.repeat(8) + '\x00\x0a\x00\x0b');
});

test('the connection, clock and id variables read the env; one $request_id per request', () => {
  let made = 0;
  let id: string | undefined;
  const env: RequestEnv = { connection: 7, connectionRequests: 3, now: Date.UTC(2026, 11, 7, 8, 5, 9, 42), hostname: 'box', requestId: () => (id ??= `${++made}`.padStart(32, '0')) };
  const c = ctx({ env });
  assert.equal(evaluate('$request_id-${request_id}', c), `${'1'.padStart(32, '0')}-${'1'.padStart(32, '0')}`);
  assert.equal(made, 1);
  assert.equal(evaluate('$connection/$connection_requests/$hostname/$msec', c), '7/3/box/1796630709.042');
  // without an env (nothing supplies one) they are empty, never a made-up value
  assert.equal(evaluate('[$request_id][$connection][$msec][$time_local][$hostname]', ctx()), '[][][][][]');
});

test('$msec, $time_local, $time_iso8601 in the local time zone, as nginx formats them', () => {
  const t = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
  assert.equal(msec(t), '1767323045.006');
  const tz = process.env.TZ;
  try {
    process.env.TZ = 'UTC';
    assert.deepEqual([timeLocal(t), timeIso8601(t)], ['02/Jan/2026:03:04:05 +0000', '2026-01-02T03:04:05+00:00']);
    process.env.TZ = 'America/St_Johns'; // -03:30 in January
    assert.deepEqual([timeLocal(t), timeIso8601(t)], ['01/Jan/2026:23:34:05 -0330', '2026-01-01T23:34:05-03:30']);
    process.env.TZ = 'Asia/Kolkata';
    assert.deepEqual([timeLocal(t), timeIso8601(t)], ['02/Jan/2026:08:34:05 +0530', '2026-01-02T08:34:05+05:30']);
  } finally {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  }
});

test('a named regex group: its capture from ctx.named, under its name in any case', () => {
  const c = ctx({ named: { sub: 'www', opt: '' } });
  assert.equal(evaluate('[$sub][$SUB][${Sub}][$opt][$none]', c), '[www][www][www][][]');
});
