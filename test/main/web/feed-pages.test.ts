// The web host's feed with several pages open: every subscriber gets the same batch, and the host
// serializes each batch once for all of them (it made a JSON text of every batch per subscriber,
// which the proxy's thread paid per relayed message for each open page: measured with 10 feed
// subscribers, 27 → 107 µs of the proxy process's CPU per echoed message); a change that resyncs
// every page (redaction) builds one snapshot for all of them (each built its own: with 10 pages and
// a full HTTP log, the proxy stood still 200 ms). Real engine, service, web host and `ws` peers on
// 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { SwitchyardService } from '../../../main/service/service.ts';
import { startWebHost } from '../../../main/web/host.ts';
import type { FeedDelta, FeedEvent, FeedSnapshot } from '../../../app/api/contract.ts';
import { oneLocation } from '../../helpers/engine.ts';
import { testScope } from '../../helpers/scope.ts';
import { until } from '../../helpers/wait.ts';

const scope = testScope();
const PAGES = 4;

/** The engine proxying /ws to a `ws` echo server, the service and its web host, and PAGES feed
 * subscribers, each collecting the texts it gets (its snapshot first). */
async function setup() {
  const up = await scope.ws('echo');
  const e = await scope.engine((p) => oneLocation(p, { path: '/ws', websocket: true, proxyPass: `http://127.0.0.1:${up.port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {} });
  scope.defer(async () => service.close());
  const host = await startWebHost({ service, rendererDir: '/nonexistent' });
  scope.defer(() => host.close());
  const pages = await Promise.all(Array.from({ length: PAGES }, async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/feed`, ['switchyard', `token.${host.token}`]);
    const texts: string[] = [];
    ws.on('message', (d) => texts.push(String(d)));
    await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
    scope.defer(async () => { ws.terminate(); });
    return texts;
  }));
  await until(() => pages.every((t) => t.length === 1), 5000);
  return { e, service, host, pages };
}

test('a feed batch is encoded once and reaches every subscriber alike', async () => {
  const { e, pages } = await setup();

  // count the JSON texts made of each delta the feed hands the host
  const made = new Map<object, number>();
  const stringify = JSON.stringify;
  JSON.stringify = function (this: unknown, ...args: Parameters<typeof JSON.stringify>) {
    const v = args[0] as FeedEvent | undefined;
    if (v && typeof v === 'object' && (v as { event?: unknown }).event === 'delta') made.set(v.payload, (made.get(v.payload) ?? 0) + 1);
    return stringify.apply(JSON, args);
  } as typeof JSON.stringify;
  try {
    const client = new WebSocket(`ws://127.0.0.1:${e.port}/ws`);
    scope.defer(async () => { client.terminate(); });
    await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
    let echoes = 0;
    client.on('message', () => echoes++);
    for (let i = 0; i < 50; i++) client.send(`message ${i}`);
    await until(() => echoes === 50);
    const deltas = (t: string[]) => t.slice(1).map((s) => JSON.parse(s) as { event: string; payload: FeedDelta });
    const rows = (t: string[]) => deltas(t).flatMap((d) => d.payload.frames.flatMap((f) => f.frames.map((r) => r.seq)));
    await until(() => pages.every((t) => rows(t).length === 100), 5000);
  } finally {
    JSON.stringify = stringify;
  }
  // every page got the same batches, text for text
  for (const t of pages.slice(1)) assert.deepEqual(t.slice(1), pages[0]!.slice(1));
  assert.ok(made.size > 0, 'deltas were sent');
  assert.deepEqual([...made.values()].filter((n) => n !== 1), [], `each delta is encoded once, not once per subscriber (${PAGES})`);
});

test('a redaction change resyncs every page with one snapshot, built and encoded once', async () => {
  const { e, service, host, pages } = await setup();
  const client = new WebSocket(`ws://127.0.0.1:${e.port}/ws?access_token=abc`);
  scope.defer(async () => { client.terminate(); });
  await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
  const last = (t: string[]) => JSON.parse(t[t.length - 1]!) as FeedEvent;
  await until(() => pages.every((t) => t.length > 1));
  let built = 0;
  const snapshot = service.snapshot;
  service.snapshot = function (this: SwitchyardService) {
    built++;
    return snapshot.call(this);
  };
  // and the JSON texts made of snapshot events (each page's names its own subscription: the one
  // they share was encoded per page, 30 ms for a full HTTP log)
  let encoded = 0;
  const stringify = JSON.stringify;
  JSON.stringify = function (this: unknown, ...args: Parameters<typeof JSON.stringify>) {
    if ((args[0] as { event?: unknown } | null)?.event === 'snapshot') encoded++;
    return stringify.apply(JSON, args);
  } as typeof JSON.stringify;
  const before = pages.map((t) => t.length);
  try {
    const r = await fetch(`http://127.0.0.1:${host.port}/api/setSettings`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-switchyard-token': host.token }, body: stringify({ redact: false }) });
    assert.equal(((await r.json()) as { ok: boolean }).ok, true);
    await until(() => pages.every((t, i) => t.length > before[i]! && last(t).event === 'snapshot'));
  } finally {
    service.snapshot = snapshot;
    JSON.stringify = stringify;
  }
  for (const t of pages) {
    const s = last(t);
    assert.ok(s.event === 'snapshot' && s.payload.sessions[0]!.url === '/ws?access_token=abc', 'the new snapshot has the session unredacted');
    // (the same snapshot for every page; each page's own subscription id came with its first one)
    assert.equal(t[t.length - 1], pages[0]![pages[0]!.length - 1]);
    const feed = (JSON.parse(t[0]!) as { payload: FeedSnapshot }).payload.feed;
    const firstFeed = (JSON.parse(pages[0]![0]!) as { payload: FeedSnapshot }).payload.feed;
    assert.ok(feed && (t === pages[0] || feed !== firstFeed), 'each page its own subscription id');
  }
  assert.equal(built, 1, `one snapshot for the ${PAGES} pages`);
  assert.equal(encoded, 1, `one JSON text of it for the ${PAGES} pages`);
});

test("a page that watches one session gets that session's frames only, and its log fetched after the watch plus the feed miss no row", async () => {
  const { e, host, pages } = await setup();
  const api = async (name: string, params: unknown) => {
    const r = await fetch(`http://127.0.0.1:${host.port}/api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-switchyard-token': host.token }, body: JSON.stringify(params) });
    return (await r.json()) as { ok: boolean; value?: { frames?: Array<{ seq: number }> }; error?: { code: string } };
  };
  const feedOf = (t: string[]) => (JSON.parse(t[0]!) as { payload: FeedSnapshot }).payload.feed!;
  const open = async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${e.port}/ws`);
    scope.defer(async () => { ws.terminate(); });
    await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
    let n = 0;
    ws.on('message', () => n++);
    return { ws, echoes: () => n };
  };
  const a = await open();
  const b = await open();
  const [pa, pb] = pages as [string[], string[]];
  assert.equal((await api('watchFrames', { feed: feedOf(pb), session: null })).ok, true);
  const rowsOf = (t: string[], id: number) => t.slice(1).map((s) => JSON.parse(s) as FeedEvent).flatMap((ev) => (ev.event === 'delta' ? ev.payload.frames.filter((f) => f.sessionId === id).flatMap((f) => f.frames.map((r) => r.seq)) : []));
  for (let i = 0; i < 20; i++) { a.ws.send(`a${i}`); b.ws.send(`b${i}`); }
  await until(() => a.echoes() === 20 && b.echoes() === 20);
  await until(() => rowsOf(pa, 2).length === 40, 5000);
  assert.deepEqual([rowsOf(pb, 1), rowsOf(pb, 2)], [[], []], 'watching none: no frames');
  // page b watches session 2 mid-traffic, then fetches its log: log and feed hold every row between them
  let sent = 20;
  const pumping = setInterval(() => { b.ws.send('more'); sent++; }, 1);
  let log: Awaited<ReturnType<typeof api>>;
  try {
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(await api('watchFrames', { feed: feedOf(pb), session: 2 }), { ok: true, value: { session: 2 } });
    log = await api('session', { id: 2 });
    await new Promise((r) => setTimeout(r, 60));
  } finally {
    clearInterval(pumping);
  }
  // (each message logged twice, sent and echoed: rows 0 … 2 × sent − 1)
  await until(() => b.echoes() === sent && rowsOf(pb, 2).includes(2 * sent - 1), 5000);
  const seen = new Set([...log.value!.frames!.map((f) => f.seq), ...rowsOf(pb, 2)]);
  assert.deepEqual(Array.from({ length: 2 * sent }, (_, k) => k).filter((k) => !seen.has(k)), [], 'no row missing between the log and the feed');
  assert.ok(rowsOf(pb, 2).length < 2 * sent, 'the feed sent what came after the watch, not the whole log');
  assert.deepEqual(rowsOf(pb, 1), [], "never session 1's");
  assert.equal((await api('watchFrames', { feed: 'gone', session: 1 })).error?.code, 'not_found');
});
