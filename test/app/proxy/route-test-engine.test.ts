// The route tester and the engine agree: the same requests, sent byte for byte through a real
// engine to recording upstreams, arrive with the URI and header list the tester predicted (and the
// 301s and 404s match). The engine's agreement with real nginx is the parity suite's (test/parity).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testScope } from '../../helpers/scope.ts';
import { rawExchange, type Seen } from '../../helpers/upstreams.ts';
import { testRoute, type RouteTest, type RouteTestInput } from '../../../app/proxy/route-test.ts';
import type { ConfigInput } from '../../../app/config/schema.ts';

const scope = testScope();

function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/**
 * Header lists compared by name (stable: same-name headers keep their order). The tester shows
 * nginx's order; the engine's HTTP pass hands the list to node's client, which writes it in an
 * order of its own (the upgrade pass keeps nginx's).
 */
const byName = (list: Array<[string, string]>) => [...list].sort((a, b) => (a[0].toLowerCase() < b[0].toLowerCase() ? -1 : a[0].toLowerCase() > b[0].toLowerCase() ? 1 : 0));

/** The request the tester simulated, as raw bytes on the wire. */
function wire(r: RouteTest): string {
  return `${r.request.requestLine}\r\n${r.request.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
}

test('the engine sends upstream the URI and headers the tester predicts, and answers its 301s and 404s', { timeout: 30_000 }, async () => {
  const api = await scope.http('api');
  const chat = await scope.ws('chat');
  let draft: ConfigInput | null = null;
  const e = await scope.engine((port) => (draft = {
    schemaVersion: 1,
    upstreams: [{ name: 'chat', servers: [{ address: `127.0.0.1:${chat.port}` }] }],
    servers: [
      {
        listen: [{ address: `127.0.0.1:${port}`, defaultServer: true }],
        serverNames: ['app.test'],
        locations: [
          {
            modifier: '^~', path: '/api/', proxyPass: `http://127.0.0.1:${api.port}/v1/`,
            proxySetHeader: [{ name: 'Host', value: '$host' }, { name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' }, { name: 'X-Real-IP', value: '$remote_addr' }],
          },
          { modifier: '~*', path: '\\.json$', proxyPass: `http://127.0.0.1:${api.port}`, proxySetHeader: [{ name: 'Host', value: '$http_host' }] },
          { path: '/ws/', proxyPass: 'http://chat', websocket: true },
          { path: '/docs/', proxyPass: `http://127.0.0.1:${api.port}/manual/` },
        ],
      },
      { listen: [{ address: `127.0.0.1:${port}` }], serverNames: ['other.test'], locations: [{ path: '/o/', proxyPass: `http://127.0.0.1:${api.port}` }] },
    ],
  }));
  const url = (path: string) => `http://127.0.0.1:${e.port}${path}`;

  const proxiedCases: RouteTestInput[] = [
    { url: url('/api/users?id=1'), headers: 'X-Forwarded-For: 10.0.0.1\nAccept: */*\nX_Dropped: 1' },
    { url: url('/api/a%20b/../c.json?x'), host: 'App.Test:8443' },
    { url: url('/Data/List.JSON'), headers: 'Upgrade: websocket\nConnection: Upgrade' },
    { url: url('/docs/read%2Fme?'), host: 'app.test' },
    { url: url('/o/page'), host: 'other.test' },
  ];
  for (const input of proxiedCases) {
    const predicted = testRoute(draft, input);
    assert.ok(predicted.ok && predicted.outcome.kind === 'proxy', JSON.stringify(predicted));
    const before = api.seen.length;
    const reply = await rawExchange(e.port, wire(predicted), { until: (got) => /\r\n\r\n[\s\S]*\}$/.test(got) });
    assert.match(reply, /^HTTP\/1\.1 200 /, `${input.url}: ${reply.slice(0, 80)}`);
    const seen: Seen = api.seen[before]!;
    assert.equal(seen.url, predicted.outcome.uri, `${input.url}: URI`);
    assert.equal(`HTTP/${seen.httpVersion}`, predicted.outcome.requestLine.split(' ')[2]);
    assert.deepEqual(byName(pairs(seen.rawHeaders)), byName(predicted.outcome.headers.map((h) => [h.name, h.value])), `${input.url}: headers`);
  }

  // A WebSocket handshake through the switch: the upstream's handshake request.
  const ws = testRoute(draft, { url: `ws://127.0.0.1:${e.port}/ws/room?u=1` });
  assert.ok(ws.ok && ws.outcome.kind === 'proxy' && ws.outcome.upgrade?.forwarded);
  const before = chat.seen.length;
  const switched = await rawExchange(e.port, wire(ws), { until: (got) => got.includes('\r\n\r\n') });
  assert.match(switched, /^HTTP\/1\.1 101 /);
  const hs = chat.seen.slice(before).find((s) => s.url === '/ws/room?u=1')!;
  assert.deepEqual(pairs(hs.rawHeaders), ws.outcome.headers.map((h) => [h.name, h.value]));

  // The engine's own answers: the auto-redirect and a 404.
  const redirect = testRoute(draft, { url: url('/docs?p=2') });
  assert.ok(redirect.ok && redirect.outcome.kind === 'redirect');
  const r301 = await rawExchange(e.port, wire(redirect), { until: (got) => got.includes('\r\n\r\n') });
  assert.match(r301, /^HTTP\/1\.1 301 /);
  assert.equal(/\r\nLocation: ([^\r]*)/i.exec(r301)?.[1], redirect.outcome.location);

  const missing = testRoute(draft, { url: url('/nothing'), host: 'other.test' });
  assert.ok(missing.ok && missing.outcome.kind === 'error' && missing.outcome.status === 404);
  assert.match(await rawExchange(e.port, wire(missing), { until: (got) => got.includes('\r\n\r\n') }), /^HTTP\/1\.1 404 /);
});

test('the tester shows $hostname as the engine machine\'s name it is given, where an empty value would drop the header', () => {
  const draft: ConfigInput = {
    schemaVersion: 1,
    servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:3000', proxySetHeader: [{ name: 'X-Host', value: '$hostname' }, { name: 'X-Req', value: '$request' }] }] }],
  };
  const shown = (hostname?: string) => {
    const r = testRoute(draft, { url: '/a?b', ...(hostname === undefined ? {} : { hostname }) });
    assert.ok(r.ok && r.outcome.kind === 'proxy');
    return r.outcome.headers.filter((h) => h.name.startsWith('X-')).map((h) => `${h.name}: ${h.value}`);
  };
  assert.deepEqual(shown('proxy-1.example'), ['X-Host: proxy-1.example', 'X-Req: GET /a?b HTTP/1.1']);
  // (not yet told: nothing made up)
  assert.deepEqual(shown(), ['X-Req: GET /a?b HTTP/1.1']);
});
