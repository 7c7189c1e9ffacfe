// Third-party HTTP clients through real nginx running the exported config and through the engine:
// curl, wget and Python's http.client and urllib, each command run against both proxies in front
// of the same scripted upstream (client-tools.ts), and what the client printed compared: its exit
// code, the statuses, headers (but Date and Server, in name order) and bodies it showed, and for
// curl -v and wget whether it re-used its connection ("Re-using existing connection", "Reusing
// existing connection") after answers the upstream gave and the proxy's own (404, 301, 413, 502,
// 504), after redirects, uploads sized, chunked and with Expect: 100-continue. The error pages'
// signature (and so their length) is the one difference allowed. Needs Debian's nginx, curl, wget
// and python3; fails without them.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { findNginx } from '../../main/nginx/binary.ts';
import { normalize, runBoth } from './client-tools.ts';

const C = 'curl -sS -v --no-progress-meter';
const U = 'http://127.0.0.1:$PORT';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
/** A WebSocket handshake's head (the answer's Connection line is left out: the engine ends such a connection where nginx keeps it, a known difference). */
const WS = "-H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='";

const CASES: Record<string, string> = {
  'HEAD (-I) of every kind of answer, on one connection': `${C} -I ${U}/p/echo ${U}/p/chunked ${U}/p/big ${U}/p/closedelim ${U}/p/204 ${U}/nope/x ${U}/dead/x ${U}/dir ${U}/p/echo`,
  'HTTP/1.0 (--http1.0)': `${C} --http1.0 ${U}/p/echo ${U}/p/chunked ${U}/p/closedelim ${U}/ka/chunked`,
  'HTTP/1.0 with keep-alive': `${C} --http1.0 -H 'Connection: keep-alive' ${U}/p/echo ${U}/p/204 ${U}/p/chunked ${U}/ka/chunked ${U}/nope/x ${U}/dir ${U}/p/echo`,
  'chunked, close-delimited, 204 and 304 answers, trailers, hop-by-hop headers, then the next request': `${C} ${U}/p/chunked ${U}/ka/chunked ${U}/p/closedelim ${U}/p/204 ${U}/p/304 ${U}/ka/204 ${U}/p/trailer ${U}/ka/trailer ${U}/p/hop ${U}/ka/hop ${U}/p/echo`,
  'the proxy\'s 404, 301, 502 and 504, and an upstream\'s 404, then the next request': `${C} ${U}/nope/404 ${U}/dir ${U}/dead/x ${U}/tmo/slowhead ${U}/p/404 ${U}/p/echo`,
  'redirects followed (-L)': `${C} -L ${U}/dir ${U}/p/redirect ${U}/p/relredirect`,
  'an upstream that closes after the head': `${C} ${U}/p/headclose ${U}/ka/headclose ${U}/p/echo`,
  'an upstream that stalls mid-body past proxy_read_timeout, and one that resets mid-body': `${C} ${U}/tmo/stall ${U}/tmo/stallchunked ${U}/p/reset ${U}/ka/reset ${U}/nobuf/reset ${U}/p/echo`,
  'a chunked upload from stdin (-T -)': `head -c 500 /dev/zero | ${C} -T - ${U}/p/echo ${U}/p/echo`,
  'a chunked upload over client_max_body_size, and one to a 404': `head -c 2000 /dev/zero | ${C} -T - ${U}/small/echo ${U}/p/echo; head -c 500 /dev/zero | ${C} -T - ${U}/nope/x ${U}/p/echo`,
  'a sized upload (-T FILE, with Expect: 100-continue)': `${C} -T $BIG ${U}/p/echo ${U}/p/echo`,
  'a sized upload answered 404, 413 and 301 without its body': `${C} -T $BIG ${U}/nope/x ${U}/p/echo; ${C} -T $BIG ${U}/small/x ${U}/p/echo; ${C} -T $BIG ${U}/dir ${U}/p/echo`,
  '--data-binary with Expect: 100-continue': `${C} --data-binary @$BIG ${U}/p/echo ${U}/small/echo ${U}/p/echo`,
  '--expect100-timeout': `${C} --data-binary @$MID -H 'Expect: 100-continue' --expect100-timeout 3 ${U}/p/echo ${U}/dead/x ${U}/p/echo`,
  'a body to a slow upstream (504) and to one that closes after the head': `${C} --data-binary @$MID ${U}/tmo/slowhead ${U}/p/headclose ${U}/p/echo`,
  '--compressed and --tr-encoding': `${C} --compressed ${U}/p/gzip ${U}/p/echo; ${C} --tr-encoding ${U}/p/echo ${U}/ka/echo`,
  'ranges (-r) and conditionals': `${C} -r 0-9 ${U}/p/etag ${U}/p/echo; ${C} -H 'If-None-Match: "v1"' ${U}/p/etag ${U}/ka/etag; ${C} -H 'If-Match: "v2"' ${U}/p/etag`,
  '--max-time on a slow upstream, buffered and not': `${C} --max-time 1 ${U}/p/slowbody; ${C} --max-time 1 ${U}/nobuf/slowbody; ${C} --max-time 0.5 ${U}/p/slowhead`,
  '-N on an unbuffered stream': `${C} -N ${U}/nobuf/slowbody ${U}/p/echo`,
  'Host variations': `${C} -H 'Host:' ${U}/p/echo; ${C} -H 'Host: other.test:81' ${U}/p/echo ${U}/dir ${U}/p/relredirect; ${C} -H 'Host: CLIENTS.test.' ${U}/p/echo; ${C} -H 'Host: a..b' ${U}/p/echo ${U}/p/echo; ${C} -H 'Host: clients.test' -H 'Host: other' ${U}/p/echo`,
  'HTTP/1.0 without Host: the 301 and a relative Location': `${C} -H 'Host:' --http1.0 ${U}/dir ${U}/p/relredirect`,
  '--path-as-is with dot segments and %2F': `${C} --path-as-is ${U}/p/../p/./echo/%2F/.. ${U}/../../p/echo ${U}/p/%2e%2e/p/echo '${U}/p//echo?x=%2F&y=..'`,
  '--request-target': `${C} --request-target '*' -X OPTIONS ${U}/; ${C} --request-target 'http://other.test:9/p/echo?a' ${U}/ ${U}/p/echo; ${C} --request-target '/p/echo?%zz' ${U}/`,
  'methods: TRACE, PROPFIND, DELETE and GET with a body': `${C} -X TRACE ${U}/p/echo ${U}/p/echo; ${C} -X PROPFIND ${U}/p/echo ${U}/p/echo; ${C} -X DELETE -d x ${U}/p/echo ${U}/p/echo; ${C} -X GET -d abc ${U}/p/echo ${U}/p/echo`,
  'Connection and Transfer-Encoding from the client': `${C} -H 'Connection: close' ${U}/p/echo ${U}/p/echo; ${C} -H 'Transfer-Encoding: chunked' -d abc ${U}/p/echo ${U}/p/echo; ${C} -H 'Connection: TE, close' -H 'TE: trailers' ${U}/p/echo`,
  'a header line too long, a URI too long': `${C} -H "X-Big: $(head -c 9000 /dev/zero | tr '\\0' a)" ${U}/p/echo ${U}/p/echo; ${C} "${U}/p/$(head -c 9000 /dev/zero | tr '\\0' a)" ${U}/p/echo`,
  '--limit-rate and --retry': `${C} --limit-rate 1M ${U}/p/big -o /dev/null -w '%{http_code} %{size_download}\\n'; ${C} --retry 2 --retry-delay 0 ${U}/dead/x`,
  'a browser\'s User-Agent: nginx pads its own error pages (msie_padding)': `${C} -A '${CHROME}' ${U}/nope/x ${U}/dir ${U}/dead/x ${U}/p/xaloop; ${C} -A '${CHROME}' -I ${U}/nope/x; ${C} -A 'MSIE 8.0; Windows' -X TRACE ${U}/p/echo; ${C} -A '${CHROME}' -d @$MID ${U}/small/x`,
  'pages for heads nginx refuses before it reads the User-Agent are not padded': `${C} -A '${CHROME}' "${U}/p/$(head -c 9000 /dev/zero | tr '\\0' a)"; ${C} -A '${CHROME}' --path-as-is ${U}/p/../../x ${U}/p/%00; ${C} -A '${CHROME}' -H 'Host: a/b' ${U}/p/echo; ${C} -A '${CHROME}' --request-target 'http://a..b/p/echo' ${U}/; ${C} -A '${CHROME}' -p -x ${U} http://clients.test/p/echo; ${C} -A '${CHROME}' -H 'If-Match: 1' -H 'If-Match: 2' ${U}/p/echo`,
  'User-Agents nginx does not pad for': `${C} -A 'Mozilla/5.0 Gecko/20100101 Firefox/120.0 Chrome/1' ${U}/nope/x; ${C} -A 'Opera/9.80 MSIE 8.0; x' ${U}/nope/x; ${C} -H 'User-Agent: curl' -H 'User-Agent: Chrome/1' ${U}/nope/x`,
  'a browser\'s WebSocket handshake to no route: the padded page': `curl -sS -D - -o /dev/null -A '${CHROME}' ${WS} ${U}/nope/ws | grep -iv '^connection:'`,
  'an old MSIE\'s POST ends its connection (keepalive_disable msie6)': `${C} -A 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)' -d a ${U}/p/echo ${U}/nope/x ${U}/p/echo; ${C} -A 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)' -d a ${U}/p/echo ${U}/p/echo`,
  'wget: keep-alive over HTTP/1.0 through every kind of answer': `wget -S -O - ${U}/p/echo ${U}/p/chunked ${U}/p/closedelim ${U}/p/304 ${U}/p/204 ${U}/nope/x ${U}/dead/x ${U}/p/echo 2>&1`,
  'wget: redirects, a POST, a PUT over the limit, HEAD (--spider), no keep-alive': `wget -S -O - ${U}/dir ${U}/p/redirect 2>&1; wget -S -O - --post-data abc ${U}/p/echo 2>&1; wget -S -O - --method=PUT --body-file=$MID ${U}/small/x ${U}/p/echo 2>&1; wget -S --spider ${U}/p/echo ${U}/p/chunked 2>&1; wget -S -O - --no-http-keep-alive ${U}/p/echo ${U}/p/echo 2>&1`,
  'python http.client: one connection through bodies, chunked bodies, Expect and the proxy\'s answers': 'python3 $CLIENTS_PY keepalive',
  'python urllib: chunked request bodies, redirects, errors': 'python3 $CLIENTS_PY urllib',
  'a client that sends its body after a 404 or 301 to Expect: 100-continue, then a next request': 'python3 $CLIENTS_PY expect',
};

const names = Object.keys(CASES);
let got: Record<'nginx' | 'engine', string[]>;

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  got = await runBoth(Object.values(CASES));
});

for (const [i, name] of names.entries()) {
  test(`third-party HTTP clients: ${name}`, () => {
    assert.match(got.nginx[i]!, /^exit /, 'the client ran');
    assert.equal(got.engine[i], got.nginx[i]);
  });
}

test('the comparison masks the port only as a whole number: an address, a rate or a length holding its digits stay as they are', () => {
  const stderr = [
    '> Host: 127.0.0.1:43121',
    '* Found bundle for host: 0x55d1c8a43121 [serially]',
    '* Found bundle for host: 0x55d1c843121b [serially]',
    '< Content-Length: 431210',
  ].join('\n');
  const out = normalize({ code: 0, stdout: '', stderr }, 43121, 'engine');
  assert.equal(out, [
    'exit 0', '--- stdout', '', '--- stderr',
    '> Host: 127.0.0.1:PORT',
    '* Found bundle for host: 0xADDR [serially]',
    '* Found bundle for host: 0xADDR [serially]',
    '< Content-Length: 431210',
  ].join('\n'));
});
