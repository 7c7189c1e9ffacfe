// Secrets in URLs: WebSocket clients in a browser cannot set headers, so many authenticate with a
// query parameter (`?access_token=…`). Their values are redacted wherever a URL leaves the service:
// session and exchange views, notes, log lines, the feed's snapshot and HAR exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket, { WebSocketServer } from 'ws';
import { Redactor, REDACTED } from '../../../main/service/redact.ts';
import { SwitchyardService } from '../../../main/service/service.ts';
import { testScope } from '../../helpers/scope.ts';
import { until } from '../../helpers/wait.ts';
import { value } from '../../helpers/service.ts';
import type { ExchangeView, LogView, ServiceSettings, SessionView } from '../../../app/api/contract.ts';

const scope = testScope();

test('query values: only named parameters, names compared decoded and case-insensitively, only after the "?"', () => {
  const r = new Redactor();
  assert.equal(r.query('/ws?room=a&access_token=abc.def&x=1'), `/ws?room=a&access_token=${REDACTED}&x=1`);
  assert.equal(r.query('/ws?Access%5FToken=abc&TOKEN=t2#frag'), `/ws?Access%5FToken=${REDACTED}&TOKEN=${REDACTED}#frag`);
  assert.equal(r.query('/ws?token='), `/ws?token=${REDACTED}`, 'an empty value says nothing, but stays uniform');
  assert.equal(r.query('/ws?tokens=1&my_token=2&token'), '/ws?tokens=1&my_token=2&token', 'other names, and a name without a value');
  assert.equal(r.query('upgrade requested: /a?key=K1 matched "/a"'), `upgrade requested: /a?key=${REDACTED} matched "/a"`, 'a URL quoted in text');
  r.update({ redactQuery: ['Room'] });
  assert.equal(r.query('/ws?room=a&access_token=abc'), `/ws?room=${REDACTED}&access_token=abc`);
  r.update({ redactQuery: [] });
  assert.equal(r.query('/ws?room=a'), '/ws?room=a');
  r.update({ redactQuery: ['room'], redact: false });
  assert.equal(r.query('/ws?room=a'), '/ws?room=a', 'redaction off shows everything');
});

test('URLs: quotes in a value, fragments, ";" separators, array names, nested URLs, Refresh and Link values; text keeps its brackets', () => {
  const r = new Redactor();
  const s = r.session({
    url: "/plain?token=abc'SQ&a=1;sig=S2&token[]=S3&next=/cb?access_token=S4", upstreamPath: '/p',
    requestHeaders: ['Referer', 'https://app/page#x=1&token=S5'],
    responseHeaders: ['Location', 'https://app/cb#access_token=S6&state=ok', 'Refresh', '0; url=/x?token=S7', 'Link', '</next?key=S8>; rel="next"', 'Location', '/p&token=path'],
    tries: [], closeReason: null, closeFrame: { from: 'client', code: 1000, reason: 'go to /re?token=S9' },
  } as unknown as SessionView);
  assert.equal(s.url, `/plain?token=${REDACTED}&a=1;sig=${REDACTED}&token[]=${REDACTED}&next=/cb?access_token=${REDACTED}`);
  assert.deepEqual(s.requestHeaders, ['Referer', `https://app/page#x=1&token=${REDACTED}`]);
  assert.deepEqual(s.responseHeaders, ['Location', `https://app/cb#access_token=${REDACTED}&state=ok`, 'Refresh', `0; url=/x?token=${REDACTED}`, 'Link', `</next?key=${REDACTED}>; rel="next"`, 'Location', '/p&token=path']);
  assert.equal(s.closeFrame?.reason, `go to /re?token=${REDACTED}`);
  assert.doesNotMatch(JSON.stringify(s), /S[1-9]\b|SQ/);
  assert.equal(r.query('see <http://h/x?token=S> and (http://h/y?sig=T)'), `see <http://h/x?token=${REDACTED}> and (http://h/y?sig=${REDACTED})`);
});

test('a secret runs to the next "&" or "#" (no tail shows); a nested URL percent-encoded is read too; text stops at a comma and takes a quoted secret whole', () => {
  const r = new Redactor();
  const url = (u: string) => r.session({ url: u, upstreamPath: '/', requestHeaders: [], responseHeaders: [], tries: [], closeReason: null, closeFrame: null } as unknown as SessionView).url;
  assert.equal(url('/a?token=abc?def&x=1'), `/a?token=${REDACTED}&x=1`);
  assert.equal(url('/a?token=abc;def#f'), `/a?token=${REDACTED}#f`);
  assert.equal(url('/a?a=1;token=S&b=2'), `/a?a=1;token=${REDACTED}&b=2`);
  assert.equal(url('/a?token[a][b]=S'), `/a?token[a][b]=${REDACTED}`);
  assert.equal(url('/cb?redirect_uri=https%3A%2F%2Fx%2Fcb%3Faccess_token%3DSECRET&state=1'), `/cb?redirect_uri=${REDACTED}&state=1`);
  assert.equal(url('/cb?redirect_uri=https%3A%2F%2Fx%2Fcb%3Fpage%3D2&state=1'), '/cb?redirect_uri=https%3A%2F%2Fx%2Fcb%3Fpage%3D2&state=1', 'a nested URL without a secret stays');
  assert.equal(r.query('GET /a?token="SECRET" HTTP/1.1'), `GET /a?token=${REDACTED} HTTP/1.1`);
  assert.equal(r.query('see https://h/a?token=SECRET, next'), `see https://h/a?token=${REDACTED}, next`);
  // nested twice encoded, with a byte that is not UTF-8, or a query without its '?'; a name that does not decode whole
  assert.equal(url('/cb?next=https%253A%252F%252Fh%252Fcb%253Faccess_token%253DSECRET'), `/cb?next=${REDACTED}`);
  assert.equal(url('/cb?next=https%3A%2F%2Fh%2Fcb%3Faccess_token%3DSECRET%26n%3Dcaf%E9'), `/cb?next=${REDACTED}`);
  assert.equal(url('/cb?state=a%3D1%26access_token%3DSECRET'), `/cb?state=${REDACTED}`);
  assert.equal(url('/a?%74oken[%]=SECRET'), `/a?%74oken[%]=${REDACTED}`);
  // in text: a quote inside the secret does not end it, nor does a line's unclosed quote reach the next line
  assert.equal(r.query("GET /x?token=it'sSECRET HTTP/1.1"), `GET /x?token=${REDACTED} HTTP/1.1`);
  assert.equal(r.query('GET /x?token="abc"TAIL x'), `GET /x?token=${REDACTED} x`);
  assert.equal(r.query("GET /x?token='abc\nline 2 keep ?page=2"), `GET /x?token=${REDACTED}\nline 2 keep ?page=2`);
  assert.equal(r.query('a "http://h/a?token=S".'), `a "http://h/a?token=${REDACTED}".`);
});

test('a "&name=value" in the path is not a parameter; Referer and Location values are URLs too', () => {
  const r = new Redactor();
  const s = r.session({ url: '/a&token=inpath/b?token=q', upstreamPath: '/b?token=q', requestHeaders: ['Referer', 'http://h/page?sig=S1&p=2', 'X-Note', 'see ?token=T'], responseHeaders: ['Location', '/next?api_key=K'], tries: [], closeReason: null } as unknown as SessionView);
  assert.equal(s.url, `/a&token=inpath/b?token=${REDACTED}`);
  assert.equal(s.upstreamPath, `/b?token=${REDACTED}`);
  assert.deepEqual(s.requestHeaders, ['Referer', `http://h/page?sig=${REDACTED}&p=2`, 'X-Note', 'see ?token=T']);
  assert.deepEqual(s.responseHeaders, ['Location', `/next?api_key=${REDACTED}`]);
});

test('a WebSocket session and an exchange with secrets in their URLs: redacted in views, logs, the snapshot and the HAR; shown with redaction off', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  scope.defer(async () => { for (const c of wss.clients) c.terminate(); await new Promise((r) => wss.close(r)); });
  const up = `http://127.0.0.1:${(wss.address() as { port: number }).port}`;
  const e = await scope.engine((port) => ({
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/ws', websocket: true, proxyPass: up }, { path: '/plain', proxyPass: up }] }],
  }) as never);
  const service = await SwitchyardService.create(e.engine, { initialDraft: {} });
  scope.defer(async () => service.close());

  const client = new WebSocket(`ws://127.0.0.1:${e.port}/ws?room=lobby&access_token=WSSECRET1`);
  await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
  scope.defer(async () => client.terminate());
  // an upgrade on a route without the WebSocket switch: its note and log line quote the URL
  const plain = new WebSocket(`ws://127.0.0.1:${e.port}/plain?token=PLAINSECRET2`);
  await new Promise((r) => { plain.once('error', r); plain.once('unexpected-response', r); });
  plain.terminate();
  await until(() => service.traffic.exchanges().length === 1 && service.traffic.logs().length >= 1);

  const sessions = value<SessionView[]>(await service.handle('sessions', {}));
  assert.equal(sessions[0]!.url, `/ws?room=lobby&access_token=${REDACTED}`);
  assert.equal(sessions[0]!.upstreamPath, `/ws?room=lobby&access_token=${REDACTED}`);
  const x = value<ExchangeView[]>(await service.handle('exchanges', {}))[0]!;
  assert.equal(x.url, `/plain?token=${REDACTED}`);
  assert.match(x.note!, /route without WebSocket: \/plain\?token=\[redacted\] matched/);
  const logs = value<LogView[]>(await service.handle('logs', {}));
  assert.ok(logs.some((l) => l.message.includes(`/plain?token=${REDACTED}`)), JSON.stringify(logs));
  const everything = JSON.stringify([sessions, x, logs, service.snapshot(), value<string>(await service.handle('exportHar', {}))]);
  assert.doesNotMatch(everything, /WSSECRET1|PLAINSECRET2/);
  const har = JSON.parse(value<string>(await service.handle('exportHar', {})));
  const ws = har.log.entries.find((en: { _resourceType?: string }) => en._resourceType === 'websocket');
  assert.deepEqual(ws.request.queryString, [{ name: 'room', value: 'lobby' }, { name: 'access_token', value: REDACTED }]);

  const settings = value<ServiceSettings>(await service.handle('getSettings', {}));
  assert.ok(settings.redactQuery.includes('access_token') && settings.redactQuery.includes('token'));
  const bad = await service.handle('setSettings', { redactQuery: ['a=b'] });
  assert.ok(!bad.ok && /redactQuery/.test(bad.error.message) && /query parameter name/.test(bad.error.message), JSON.stringify(bad));
  // a subscriber (the UI) gets everything again under new settings: a fresh snapshot
  const events: Array<{ event: string; payload: unknown }> = [];
  service.feed.subscribe({ send: (ev) => events.push(ev as never), busy: () => false });
  assert.equal(events.length, 1);
  value(await service.handle('setSettings', { redactQuery: ['room'] }));
  await until(() => events.length > 1);
  assert.equal(events[1]!.event, 'snapshot');
  assert.match(JSON.stringify(events[1]!.payload), /room=\[redacted\]&access_token=WSSECRET1/);
  assert.equal(value<SessionView[]>(await service.handle('sessions', {}))[0]!.url, `/ws?room=${REDACTED}&access_token=WSSECRET1`);
  value(await service.handle('setSettings', { redact: false, redactQuery: ['access_token'] }));
  assert.match(JSON.stringify(value<LogView[]>(await service.handle('logs', {}))), /PLAINSECRET2/);
  assert.match(value<string>(await service.handle('exportHar', {})), /WSSECRET1/);
});

test('a form body: a sensitive value ends only at "&" (curl -d sends "#", ";" and spaces as written), nested URLs read as in a query', () => {
  const r = new Redactor();
  const form = (data: string) => r.body({ contentType: 'application/x-www-form-urlencoded; charset=UTF-8', encoding: 'text', data, bytes: data.length, total: data.length, truncated: false, evicted: false }).data;
  assert.equal(form('user=ada&password=hunt#er 2;x&n=1'), `user=ada&password=${REDACTED}&n=1`);
  assert.equal(form('next=/cb?token=abc#f&token=a b'), `next=/cb?token=${REDACTED}#f&token=${REDACTED}`, "a nested URL's fragment is its own");
  assert.equal(form('r=https%3A%2F%2Fx%2F%3Faccess_token%3Dz&q=a#b'), `r=${REDACTED}&q=a#b`);
  assert.equal(form('pass%77ord=x&plain'), `pass%77ord=${REDACTED}&plain`);
});

test('a form body that is not UTF-8 is redacted byte for byte; one as sent in a content coding only decoded', () => {
  const r = new Redactor();
  const raw = Buffer.concat([Buffer.from('name=J'), Buffer.from([0xfc]), Buffer.from('rgen&password=s3cret&n=1')]);
  const b = r.body({ contentType: 'application/x-www-form-urlencoded', encoding: 'base64', data: raw.toString('base64'), bytes: raw.length, total: raw.length, truncated: false, evicted: false });
  assert.deepEqual(Buffer.from(b.data, 'base64'), Buffer.concat([Buffer.from('name=J'), Buffer.from([0xfc]), Buffer.from(`rgen&password=${REDACTED}&n=1`)]));
  const gz = { contentType: 'application/x-www-form-urlencoded', contentEncoding: 'gzip', encoding: 'base64' as const, data: 'AAAA', bytes: 3, total: 3, truncated: false, evicted: false };
  assert.equal(r.body({ ...gz, decoded: { encoding: 'text', data: 'password=x', bytes: 10 } }).decoded!.data, `password=${REDACTED}`);
  assert.equal(r.body(gz).data, 'AAAA');
});

test('the path sent upstream: the client\'s secrets a proxy_pass with variables put in it ($arg_token, $cookie_sid, $http_authorization) are redacted there too; short values and other text stay', () => {
  const r = new Redactor();
  const view = { url: '/api/x?token=tok123&page=2&key=k1', requestHeaders: ['Cookie', 'sid=s3ss10n; theme=dark', 'Authorization', 'Bearer abc.def', 'X-Other', 'visible'], responseHeaders: [], tries: [] };
  const path = '/v2/tok123/s3ss10n/Bearer abc.def/dark/visible/2/k1?page=2&token=tok123';
  const x = r.exchange({ ...view, upstreamPath: path, cause: null, note: null } as unknown as ExchangeView);
  // ("dark" is a cookie's value too: Cookie is a sensitive header, so each of its values is)
  assert.equal(x.upstreamPath, `/v2/${REDACTED}/${REDACTED}/${REDACTED}/${REDACTED}/visible/2/k1?page=2&token=${REDACTED}`);
  const s = r.session({ ...view, upstreamPath: path, closeReason: null, closeFrame: null } as unknown as SessionView);
  assert.equal(s.upstreamPath, x.upstreamPath);
  r.update({ redact: false });
  assert.equal(r.exchange({ ...view, upstreamPath: path, cause: null, note: null } as unknown as ExchangeView).upstreamPath, path);
});
