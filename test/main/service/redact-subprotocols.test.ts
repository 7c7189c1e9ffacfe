// Credentials outside headers and queries: tokens clients carry in their subprotocol list (a
// browser's WebSocket cannot set Authorization), a URL's `user:password@`, and a peer's Close reason
// as the frame log shows it; and the common API-key headers redacted by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket, { WebSocketServer } from 'ws';
import { DEFAULT_REDACTED, Redactor, REDACTED } from '../../../main/service/redact.ts';
import { redactSubprotocols } from '../../../main/service/subprotocols.ts';
import { SwitchyardService } from '../../../main/service/service.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { until } from '../../helpers/wait.ts';
import { value } from '../../helpers/service.ts';
import type { ExchangeView, FrameView, SessionDetail, SessionView } from '../../../app/api/contract.ts';

const scope = testScope();
const M = REDACTED;
const none = new Set<string>();

test('subprotocol lists: the Kubernetes bearer form, a token after its name, a bare JWT; the protocols themselves stay', () => {
  assert.equal(redactSubprotocols('base64url.bearer.authorization.k8s.io.ZXlKaGJHY2lPaUpT, base64.channel.k8s.io', none, M), `base64url.bearer.authorization.k8s.io.${M}, base64.channel.k8s.io`);
  assert.equal(redactSubprotocols('access_token, s3cr3t-value', none, M), `access_token, ${M}`);
  assert.equal(redactSubprotocols('Bearer,abc.def', none, M), `Bearer,${M}`);
  assert.equal(redactSubprotocols('graphql-ws, eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', none, M), `graphql-ws, ${M}`);
  // a name the user redacts in queries announces a token here too
  assert.equal(redactSubprotocols('my-key, v', new Set(['my-key']), M), `my-key, ${M}`);
  for (const plain of ['chat, superchat', 'graphql-transport-ws', 'v1.json.api, wamp', 'mqtt']) assert.equal(redactSubprotocols(plain, none, M), plain);
});

test('views: the offered list in both header lists, the chosen protocol when it is a token, a URL\'s password, a Close row\'s reason', () => {
  const r = new Redactor();
  const s = r.session({
    url: 'http://user:pa55@127.0.0.1:1/ws?x=1', upstreamPath: '/ws',
    requestHeaders: ['Sec-WebSocket-Protocol', 'access_token, T0KEN', 'X-Api-Key', 'K1', 'X-Auth-Token', 'K2'],
    responseHeaders: ['Sec-WebSocket-Protocol', 'T0KEN'], subprotocol: 'T0KEN',
    tries: [], closeReason: null, closeFrame: null,
  } as unknown as SessionView);
  assert.deepEqual(s.requestHeaders, ['Sec-WebSocket-Protocol', `access_token, ${M}`, 'X-Api-Key', M, 'X-Auth-Token', M]);
  // (the server echoed the token as its choice: known as one from the client's list)
  assert.equal(s.subprotocol, M);
  assert.equal(s.url, `http://user:${M}@127.0.0.1:1/ws?x=1`);
  assert.equal(r.url('/ws/a@b:c'), '/ws/a@b:c', 'an @ in a path is not a password');
  const close = { seq: 3, time: 0, from: 'upstream', opcode: 'close', fin: true, length: 30, preview: '1008 see /login?token=Z9', closeCode: 1008 } as FrameView;
  const text = { ...close, seq: 4, opcode: 'text', preview: '{"token":"in a message"}', closeCode: null } as FrameView;
  assert.deepEqual(r.frames([close, text]).map((f) => f.preview), [`1008 see /login?token=${M}`, '{"token":"in a message"}']);
  // the whole header named by the user: the chosen protocol goes with it
  r.update({ redactHeaders: [...DEFAULT_REDACTED, 'sec-websocket-protocol'] });
  assert.equal(r.session({ url: '/', upstreamPath: '/', requestHeaders: [], responseHeaders: ['Sec-WebSocket-Protocol', 'chat'], subprotocol: 'chat', tries: [], closeReason: null, closeFrame: null } as unknown as SessionView).subprotocol, M);
  r.update({ redact: false });
  assert.equal(r.session({ url: '/', upstreamPath: '/', requestHeaders: [], responseHeaders: [], subprotocol: 'T0KEN', tries: [], closeReason: null, closeFrame: null } as unknown as SessionView).subprotocol, 'T0KEN');
});

test('a Kubernetes-style session through the engine: no view, feed frame or HAR shows the token or the Close reason\'s secret', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (offered) => (offered.has('base64.channel.k8s.io') ? 'base64.channel.k8s.io' : false) });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => ws.on('message', () => ws.close(1008, 'expired: see /login?access_token=CLOSE_SECRET')));
  scope.defer(async () => { for (const c of wss.clients) c.terminate(); await new Promise((r) => wss.close(r)); });
  const port = (wss.address() as { port: number }).port;
  const e = await scope.engine((p) => oneLocation(p, { path: '/api', websocket: true, proxyPass: `http://127.0.0.1:${port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {} });
  scope.defer(async () => service.close());
  const fed: string[] = [];
  service.feed.subscribe({ send: (ev) => fed.push(JSON.stringify(ev)), busy: () => false });
  const client = new WebSocket(`ws://127.0.0.1:${e.port}/api`, ['base64url.bearer.authorization.k8s.io.K8S_SECRET', 'base64.channel.k8s.io']);
  await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
  assert.equal(client.protocol, 'base64.channel.k8s.io');
  client.send('hi');
  await new Promise((r) => client.once('close', r));
  const id = value<SessionView[]>(await service.handle('sessions', {}))[0]!.id;
  await until(() => (service.traffic.framesOf(id) ?? []).some((f) => f.opcode === 'close'));
  await until(() => fed.some((b) => b.includes('"close"')));
  const detail = value<SessionDetail>(await service.handle('session', { id }));
  const har = value<string>(await service.handle('exportHar', {}));
  for (const [where, text] of [['session', JSON.stringify(detail)], ['feed', fed.join('\n')], ['HAR', har]] as const) {
    assert.ok(!text.includes('K8S_SECRET'), `${where}: the bearer token`);
    assert.ok(!text.includes('CLOSE_SECRET'), `${where}: the Close reason's token`);
  }
  assert.ok(JSON.stringify(detail.session.requestHeaders).includes('base64.channel.k8s.io'), 'the real protocol still shows');
  assert.ok(detail.frames!.some((f) => f.opcode === 'close' && f.preview.includes(`access_token=${M}`)));
  const imported = value<{ sessions: Array<{ frames: FrameView[] }> }>(await service.handle('importHar', { text: har }));
  assert.ok(!JSON.stringify(imported).includes('SECRET'));
});

test('the re-check\'s cases: a token echoed as the answer\'s protocol, a list over two lines, name-dot-token entries, every form of user information', () => {
  const r = new Redactor();
  const s = r.session({
    url: '/redirect/http://a:pw1@b/?next=https://TOKEN1@git.example/x', upstreamPath: '/p',
    requestHeaders: ['Sec-WebSocket-Protocol', 'access_token', 'Sec-WebSocket-Protocol', 'TWO_LINES', 'Sec-WebSocket-Protocol', 'switchyard, token.FEED, x-api-key, K3'],
    responseHeaders: ['Sec-WebSocket-Protocol', 'TWO_LINES', 'Refresh', '0; url=http://u:PW2@h/', 'Link', '<ws://u:p@ss@h/x>; rel=next'],
    subprotocol: 'TWO_LINES', tries: [], closeReason: null, closeFrame: null,
  } as unknown as SessionView);
  assert.deepEqual(s.requestHeaders, ['Sec-WebSocket-Protocol', 'access_token', 'Sec-WebSocket-Protocol', M, 'Sec-WebSocket-Protocol', `switchyard, token.${M}, x-api-key, ${M}`]);
  assert.deepEqual(s.responseHeaders, ['Sec-WebSocket-Protocol', M, 'Refresh', `0; url=http://u:${M}@h/`, 'Link', `<ws://u:${M}@h/x>; rel=next`]);
  assert.equal(s.subprotocol, M);
  assert.equal(s.url, `/redirect/http://a:${M}@b/?next=https://${M}@git.example/x`);
  assert.equal(r.query('GET ws://a:pw@b/x 502'), `GET ws://a:${M}@b/x 502`);
  assert.equal(r.query('mail me at a@b.example'), 'mail me at a@b.example', 'an address that is no URL');
});

test('the second re-check\'s cases: a URL header read as a browser reads it, an X-Accel-Redirect try, and no redaction of protocol names or hosts in text', () => {
  const r = new Redactor();
  const x = r.exchange({
    url: '/a', upstreamPath: '/a', requestHeaders: ['Referer', 'HTTP:\\\\u:S1@h/'],
    responseHeaders: ['Location', "http://u:pa'ss@h/", 'Location', '//u:S2@h/', 'Link', '<http://u:pa"s@h/>; rel=next'],
    cause: null, note: '', tries: [{ upstream: '127.0.0.1:1', outcome: 'X-Accel-Redirect: /protected/f?token=S3&x=1' }],
  } as unknown as ExchangeView);
  assert.deepEqual(x.requestHeaders, ['Referer', `HTTP:\\\\u:${M}@h/`]);
  assert.deepEqual(x.responseHeaders, ['Location', `http://u:${M}@h/`, 'Location', `//u:${M}@h/`, 'Link', `<http://u:${M}@h/>; rel=next`]);
  assert.equal(x.tries[0]!.outcome, `X-Accel-Redirect: /protected/f?token=${M}&x=1`);
  assert.equal(r.query('go to http://example.com;a@b or (http://example.com)@x'), 'go to http://example.com;a@b or (http://example.com)@x');
  assert.equal(r.headers(['Sec-WebSocket-Protocol', 'auth.v1, key.exchange, sig.v2, token.T4'])[1], `auth.v1, key.exchange, sig.v2, token.${M}`);
});

test('a peer\'s Close reason that quotes a sensitive header\'s value: redacted in the session and in its Close row alike', () => {
  const r = new Redactor();
  const headers = { requestHeaders: ['Authorization', 'Bearer QUOTED-1'], responseHeaders: [] };
  const s = r.session({ url: '/', upstreamPath: '/', ...headers, subprotocol: null, tries: [], closeReason: null, closeFrame: { from: 'upstream', code: 1008, reason: 'bad token Bearer QUOTED-1' } } as unknown as SessionView);
  assert.equal(s.closeFrame!.reason, `bad token ${M}`);
  const row = { seq: 1, time: 0, from: 'upstream', opcode: 'close', fin: true, length: 30, preview: '1008 bad token Bearer QUOTED-1', closeCode: 1008 } as FrameView;
  assert.equal(r.frames([row], headers)[0]!.preview, `1008 bad token ${M}`);
});

test('a session\'s tries are redacted as its close reason is: a sensitive header\'s value or query secret an outcome quotes', () => {
  const r = new Redactor();
  const headers = { requestHeaders: ['Authorization', 'Bearer QUOTED-2'], responseHeaders: [] };
  const tries = [
    { upstream: '127.0.0.1:1', outcome: 'upstream sent invalid header: "X-Echo: Bearer QUOTED-2" while reading response header from upstream, upstream: 127.0.0.1:1' },
    { upstream: '127.0.0.1:2', outcome: 'status 101' },
  ];
  const s = r.session({ url: '/', upstreamPath: '/', ...headers, subprotocol: null, tries, closeReason: null, closeFrame: null } as unknown as SessionView);
  assert.deepEqual(s.tries.map((t) => t.outcome), [`upstream sent invalid header: "X-Echo: ${M}" while reading response header from upstream, upstream: 127.0.0.1:1`, 'status 101']);
  assert.equal(tries[0]!.outcome.includes('QUOTED-2'), true, 'the record itself is not changed');
});
