// HAR export → import without an engine: what the views carry survives the round trip, files
// written by Chrome DevTools and Playwright import with their own units, bad input is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportHar } from '../../../main/service/har.ts';
import { importHar, importHarInSteps, OPEN_WHEN_EXPORTED } from '../../../main/service/har-import.ts';
import { sessionEndText } from '../../../app/traffic/session-close.ts';
import type { ExchangeView, FrameView, ImportedHar, SessionView } from '../../../app/api/contract.ts';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const route = { server: 0, location: 1, name: 'ws', where: '/ws', explain: 'longest prefix /ws' };
const session = (over: Partial<SessionView> = {}): SessionView => ({
  id: 7, url: '/ws?room=1', clientAddress: '127.0.0.1:50000', route, upstream: '127.0.0.1:9001', upstreamPath: '/socket?room=1', tries: [{ upstream: '127.0.0.1:9002', outcome: 'connect() failed (111: Connection refused) while connecting to upstream, upstream: 127.0.0.1:9002' }, { upstream: '127.0.0.1:9001', outcome: 'status 101' }],
  requestHeaders: ['Host', 'proxy.test', 'Authorization', '[redacted]'], responseHeaders: ['Upgrade', 'websocket', 'Sec-WebSocket-Protocol', 'chat'],
  subprotocol: 'chat', extensions: null, state: 'closed', status: 101, openedAt: T0, closedAt: T0 + 2500, closedBy: 'client', closeReason: 'client closed the connection',
  closeFrame: { from: 'upstream', code: 4000, reason: 'bye' }, bytesFromClient: 348, bytesFromUpstream: 232, framesFromClient: 4, framesFromUpstream: 2, framesInjected: 1, framesAvailable: true, ...over,
});
const frames: FrameView[] = [
  { seq: 3, time: T0 + 10, from: 'client', opcode: 'text', fin: true, length: 7, wireLength: 9, preview: 'hello é', closeCode: null, payload: 'kept' },
  { seq: 4, time: T0 + 12, from: 'upstream', opcode: 'binary', fin: true, length: 3, preview: '00 01 ff', closeCode: null, payload: 'kept' },
  { seq: 5, time: T0 + 20, from: 'upstream', opcode: 'text', fin: true, length: 9, preview: 'injected!', closeCode: null, injected: true, payload: 'kept' },
  { seq: 6, time: T0 + 30, from: 'client', opcode: 'text', fin: true, length: 100_000, preview: 'abc', closeCode: null, payload: 'evicted' },
  // (violations go as Chrome's 'error' messages, with their side; a later one too)
  { seq: 7, time: T0 + 35, from: 'upstream', opcode: 'violation', fin: true, length: 0, preview: 'TAP_ERR_INVALID_UTF8: invalid UTF-8 in a text message', closeCode: 1007 },
  { seq: 8, time: T0 + 40, from: 'upstream', opcode: 'close', fin: true, length: 5, preview: 'bye', closeCode: 4000, notForwarded: true },
  { seq: 9, time: T0 + 42, from: 'client', opcode: 'violation', fin: true, length: 0, preview: 'TAP_ERR_INVALID_CLOSE_CODE: close code 1005 must not be sent', closeCode: null },
  { seq: 10, time: T0 + 45, from: 'client', opcode: 'binary', fin: true, length: 1000, preview: '01 02 …', closeCode: null, payload: 'evicted' },
];
const payloads = new Map<number, Buffer>([[3, Buffer.from('hello é')], [4, Buffer.from([0, 1, 255])], [5, Buffer.from('injected!')]]);
const exchange = (over: Partial<ExchangeView> = {}): ExchangeView => ({
  id: 3, method: 'GET', url: '/slow?x=1', clientAddress: '127.0.0.1:50001', route, upstream: '127.0.0.1:9002', upstreamPath: '/slow?x=1', status: 504,
  cause: 'upstream timed out while reading response header from upstream', note: null, tries: [{ upstream: '127.0.0.1:9002', outcome: 'timeout' }], startedAt: T0 + 100,
  timings: { connectMs: 2, firstByteMs: 1005, totalMs: 1010 }, requestHeaders: ['Host', 'proxy.test'], responseHeaders: ['Content-Type', 'text/html'], requestBytes: 0, responseBytes: 165, ...over,
});
const harText = (...args: Parameters<typeof exportHar>): string => {
  const r = exportHar(...args);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.text;
};
const imported = (text: string): ImportedHar => {
  const r = importHar(text);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value;
};

test('round trip: sessions, frames and exchanges carry what the views carried', () => {
  const text = harText([{ session: session(), frames, payload: (row) => payloads.get(row.seq) }], [exchange()]);
  const back = imported(text);
  const s = back.sessions[0]!.session;
  const want = session();
  for (const k of ['url', 'clientAddress', 'upstream', 'upstreamPath', 'tries', 'requestHeaders', 'responseHeaders', 'subprotocol', 'state', 'status', 'openedAt', 'closedAt', 'closedBy', 'closeReason', 'closeFrame', 'bytesFromClient', 'bytesFromUpstream'] as const) {
    assert.deepEqual(s[k], want[k], k);
  }
  assert.equal(s.route.explain, `imported from HAR: ${route.explain}`);
  assert.deepEqual([s.route.location, s.route.name], [null, 'ws (/ws)'], 'the route as the log named it (not one of the running config)');
  assert.deepEqual(back.sessions[0]!.frames, frames);
  const x = back.exchanges[0]!;
  const wantX = exchange();
  for (const k of ['method', 'url', 'clientAddress', 'upstream', 'upstreamPath', 'status', 'cause', 'tries', 'startedAt', 'timings', 'requestHeaders', 'responseHeaders', 'requestBytes', 'responseBytes'] as const) {
    assert.deepEqual(x[k], wantX[k], k);
  }
  assert.equal(x.route?.explain, `imported from HAR: ${route.explain}`);
  assert.equal(x.route?.name, 'ws (/ws)');
  // a label longer than the import keeps is cut there, with '…', so Switchyard's own file still imports
  const long = { ...route, name: 'n'.repeat(5000) };
  const again = imported(harText([{ session: { ...session(), route: long }, frames, payload: (row) => payloads.get(row.seq) }], []));
  assert.equal(again.sessions[0]!.session.route.name, `${'n'.repeat(1999)}… (/ws)`);
});

test("every file Switchyard exports imports back: display texts longer than the import keeps are cut with '…', not refused", () => {
  const long = (c: string, n: number) => c.repeat(n);
  // (an upgrade on a route without the WebSocket switch noting a long query, a cause quoting a long
  // header value, a long regex location's explanation, an X-Accel-Redirect to a long URI per try)
  const far = { ...route, explain: long('r', 2392), where: long('w', 2347) };
  const tries = Array.from({ length: 1200 }, (_, i) => ({ upstream: long('u', 300), outcome: `X-Accel-Redirect: ${i} ${long('o', 3000)}` }));
  const x = exchange({ route: far, cause: long('c', 3049), note: long('n', 3160), upstream: long('u', 300), clientAddress: long('a', 250), tries });
  const s = session({ route: far, violation: long('v', 2500), upstream: long('u', 300), clientAddress: long('a', 250), closeFrame: { from: 'proxy', code: 1007, reason: long('\u{1F600}', 800), invalid: long('i', 1500) } });
  const odd: FrameView[] = [{ seq: 1, time: T0 + 1, from: 'client', opcode: 'text', fin: true, length: 4, wireLength: 4, preview: 'ff ff ff ff', closeCode: null, decodeError: long('d', 1500), encodedBy: long('e', 1500) }];
  const text = harText([{ session: s, frames: odd, payload: () => undefined }], [x]);
  const sent = JSON.parse(text).log.entries;
  assert.equal(sent[1]._switchyard.note, x.note, 'the export keeps the whole text');
  const back = imported(text);
  const cut = (t: string, max: number) => `${t.slice(0, max - 1)}…`;
  const bx = back.exchanges[0]!;
  assert.deepEqual([bx.cause, bx.note, bx.upstream, bx.clientAddress, bx.route?.explain], [cut(x.cause!, 2000), cut(x.note!, 2000), cut(x.upstream!, 200), cut(x.clientAddress, 200), `imported from HAR: ${cut(far.explain, 2000)}`]);
  assert.equal(bx.route?.name, `ws (${cut(far.where, 2000)})`);
  assert.equal(bx.tries.length, 1000, 'the first 1,000 tries');
  assert.deepEqual(bx.tries[999], { upstream: cut(tries[999]!.upstream, 200), outcome: cut(tries[999]!.outcome, 2000) });
  const bs = back.sessions[0]!;
  assert.deepEqual([bs.session.violation, bs.session.upstream, bs.session.clientAddress, bs.session.closeFrame?.invalid], [cut(s.violation!, 2000), cut(s.upstream!, 200), cut(s.clientAddress, 200), cut(s.closeFrame!.invalid!, 1000)]);
  assert.equal(bs.session.closeFrame?.reason, `${long('\u{1F600}', 499)}…`, 'a character of two UTF-16 units is not split');
  assert.deepEqual([bs.frames[0]!.decodeError, bs.frames[0]!.encodedBy], [cut(odd[0]!.decodeError!, 1000), cut(odd[0]!.encodedBy!, 1000)]);
});

test('an exchange no first byte came for comes back without one (HAR needs a wait: it is the whole time)', () => {
  const none = [exchange({ status: 504, timings: { connectMs: 1, totalMs: 1007 } }), exchange({ id: 4, status: 502, timings: { totalMs: 1 } }), exchange({ id: 5, status: 400, timings: { totalMs: 0 } })];
  const har = JSON.parse(harText([], none));
  assert.deepEqual(har.log.entries.map((e: { timings: { wait: number } }) => e.timings.wait), [1006, 1, 0]);
  assert.deepEqual(imported(JSON.stringify(har)).exchanges.map((x) => x.timings), none.map((x) => x.timings));
});

test('a HAR past the export limit leaves the oldest payloads out, saying so, instead of refusing', () => {
  const big = { session: session(), frames, payload: (row: FrameView) => (row.seq === 3 ? Buffer.alloc(3 * 1024 * 1024, 'x') : payloads.get(row.seq)) };
  const r = exportHar([big], [], '0.1.0', 2 * 1024 * 1024);
  assert.ok(r.ok);
  assert.ok(Buffer.byteLength(r.text) <= 2 * 1024 * 1024);
  const har = JSON.parse(r.text);
  assert.match(har.log.comment, /^Switchyard left out the payloads of 1 of the 3 messages it kept \(3\.0 MiB\), the oldest of those larger than their preview, so that this file stays within the HAR export's limit of 2 MiB \(what its import reads\)/);
  const back = imported(r.text).sessions[0]!;
  assert.deepEqual([back.payloads[3], back.payloads[4]!.evicted, back.payloads[5]!.evicted], [{ encoding: 'text', data: '', bytes: 0, truncated: false, evicted: true, omitted: true }, false, false]);
  assert.equal(JSON.parse(harText([big], [], '0.1.0', 4 * 1024 * 1024)).log.entries[0]._webSocketMessages[0].data.length, 3 * 1024 * 1024);
});

test('a session no answer reached is exported with status 0 and read back as such', () => {
  const cases: Array<Partial<SessionView>> = [
    { state: 'rejected', status: null, closedBy: 'client' },
    { state: 'connecting', status: null, closedAt: null, closedBy: null },
    { state: 'rejected', status: 502, closedBy: 'proxy' },
  ];
  const har = JSON.parse(harText(cases.map((c) => ({ session: session(c), frames: [], payload: () => undefined })), []));
  assert.deepEqual(har.log.entries.map((e: { response: { status: number } }) => e.response.status), [0, 0, 502]);
  const back = imported(JSON.stringify(har)).sessions.map((x) => [x.session.state, x.session.status]);
  assert.deepEqual(back, [['rejected', null], ['rejected', null], ['rejected', 502]]);
  // no frame log for a handshake that was refused (as live: "the handshake was refused"), not an empty one
  assert.deepEqual(imported(JSON.stringify(har)).sessions.map((x) => x.session.framesAvailable), [false, false, false]);
});

test('a session still open when exported says so on import, not as if it had closed at the moment of export', () => {
  const har = JSON.parse(harText([{ session: session({ state: 'open', closedAt: null, closedBy: null, closeReason: null, closeFrame: null }), frames: [], payload: () => undefined }, { session: session(), frames: [], payload: () => undefined }], []));
  assert.deepEqual(har.log.entries.map((e: { _switchyard: { openWhenExported?: true } }) => e._switchyard.openWhenExported), [true, undefined]);
  const [open, closed] = imported(JSON.stringify(har)).sessions.map((x) => x.session);
  assert.equal(open!.state, 'closed', 'nothing of it is live');
  assert.equal(open!.closeReason, OPEN_WHEN_EXPORTED);
  assert.equal(sessionEndText(open!), 'still open when the file was exported: its duration, frames and bytes are up to then');
  assert.equal(closed!.closeReason, 'client closed the connection', 'a session that had closed keeps how it did');
});

const wsEntry = (messages: unknown[], extra: Record<string, unknown> = {}) => ({
  startedDateTime: '2026-03-01T10:00:00.000Z', time: 19.45, request: { method: 'GET', url: 'ws://127.0.0.1:8080/ws', httpVersion: 'HTTP/1.1', cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: -1 },
  response: { status: 101, statusText: 'Switching Protocols', httpVersion: 'HTTP/1.1', cookies: [], headers: [], content: { size: -1, mimeType: 'x-unknown' }, redirectURL: '', headersSize: -1, bodySize: -1 },
  cache: {}, timings: { send: -1, wait: -1, receive: -1 }, _resourceType: 'websocket', _webSocketMessages: messages, ...extra,
});
const file = (creator: string, entries: unknown[], version = '1.2') => JSON.stringify({ log: { version, creator: { name: creator, version: '1' }, pages: [], entries } });

test("message times: Chrome's seconds and Playwright's milliseconds both land at the session's time", () => {
  const chrome = imported(file('WebInspector', [wsEntry([{ type: 'send', time: T0 / 1000 + 0.0051, opcode: 1, data: 'hi' }])]));
  const playwright = imported(file('Playwright', [wsEntry([{ type: 'send', time: T0 + 5.085, opcode: 1, data: 'hi' }])]));
  assert.equal(chrome.sessions[0]!.frames[0]!.time, T0 + 5);
  assert.equal(playwright.sessions[0]!.frames[0]!.time, T0 + 5);
});

test("Chrome's error messages (type 'error', opcode -1) import as violation rows, the rest of the file with them", () => {
  const r = imported(file('WebInspector', [wsEntry([{ type: 'send', time: T0 / 1000, opcode: 1, data: 'hi' }, { type: 'error', time: T0 / 1000 + 1, opcode: -1, data: 'Invalid frame header' }])]));
  const f = r.sessions[0]!.frames;
  assert.deepEqual(f.map((x) => [x.opcode, x.preview]), [['text', 'hi'], ['violation', 'Invalid frame header']]);
});

test('bad input is refused naming the field', () => {
  const refused = (text: string, re: RegExp) => {
    const r = importHar(text);
    assert.ok(!r.ok, 'should be refused');
    assert.match(r.message, re);
  };
  refused(file('x', [], '2.0'), /log\.version/);
  refused(file('x', [{ ...wsEntry([]), startedDateTime: 'yesterday' }]), /log\.entries\[0\]\.startedDateTime/);
  refused(file('x', [wsEntry([{ type: 'send', time: 1e300, opcode: 1, data: 'x' }])]), /log\.entries\[0\]\._webSocketMessages\[0\]\.time/);
  imported(file('x', [], '1.1'));
});

test("a session ends no earlier than its last message (Chrome's entry time is the handshake's)", () => {
  const r = imported(file('WebInspector', [wsEntry([{ type: 'send', time: T0 / 1000 + 0.3, opcode: 1, data: 'hi' }, { type: 'receive', time: T0 / 1000 + 0.35, opcode: 1, data: 'yo' }])]));
  const s = r.sessions[0]!.session;
  assert.equal(s.closedAt, T0 + 350);
});

test('each imported session carries its messages\' payloads by seq: whole text, binary as base64, cut and evicted ones marked', () => {
  const long = 'x'.repeat(5000);
  const rows: FrameView[] = [...frames, { seq: 11, time: T0 + 50, from: 'client', opcode: 'text', fin: true, length: 20_000, preview: 'xxx', closeCode: null, payload: 'truncated' }];
  const kept = new Map(payloads).set(11, Buffer.from(long));
  const back = imported(harText([{ session: session(), frames: rows, payload: (row) => kept.get(row.seq) }], [])).sessions[0]!;
  assert.deepEqual(Object.keys(back.payloads).map(Number), [3, 4, 5, 6, 10, 11], 'text and binary messages only (no close or violation row)');
  assert.deepEqual(back.payloads[3], { encoding: 'text', data: 'hello é', bytes: 8, truncated: false, evicted: false });
  assert.deepEqual(back.payloads[4], { encoding: 'base64', data: Buffer.from([0, 1, 255]).toString('base64'), bytes: 3, truncated: false, evicted: false });
  assert.deepEqual(back.payloads[6], { encoding: 'text', data: '', bytes: 0, truncated: false, evicted: true });
  assert.deepEqual(back.payloads[10], { encoding: 'base64', data: '', bytes: 0, truncated: false, evicted: true });
  assert.deepEqual(back.payloads[11], { encoding: 'text', data: long, bytes: 5000, truncated: true, evicted: false });
  assert.ok(back.frames.find((f) => f.seq === 11)!.preview.length < long.length, 'the row keeps only a preview');
  assert.deepEqual([back.session.framesFromClient, back.session.framesFromUpstream, back.session.framesInjected], [4, 2, 1], 'the rows each peer sent; the injected one apart, as the live log counts it');
  assert.equal(back.session.route.name, 'ws (/ws)', 'the route as the log named it');

  // another tool's file: every message is whole, and its rows say so
  const chrome = imported(file('WebInspector', [wsEntry([{ type: 'send', time: T0 / 1000, opcode: 1, data: long }, { type: 'receive', time: T0 / 1000, opcode: 2, data: 'AAH/' }, { type: 'error', time: T0 / 1000, opcode: -1, data: 'bad' }])])).sessions[0]!;
  assert.deepEqual(chrome.frames.map((f) => f.payload), ['kept', 'kept', undefined]);
  assert.equal(chrome.payloads[0]!.data, long);
  assert.deepEqual(chrome.payloads[1], { encoding: 'base64', data: 'AAH/', bytes: 3, truncated: false, evicted: false });
  assert.equal(chrome.payloads[2], undefined, 'an error message has no payload');
  assert.deepEqual([chrome.session.framesFromClient, chrome.session.framesFromUpstream, chrome.session.bytesFromUpstream], [1, 1, 3], 'an error message is no frame');
});

test("a text message in an unknown extension's encoding goes as its bytes (base64) and comes back byte for byte, evicted ones as their preview's bytes", () => {
  const encoded = Buffer.from([0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]); // raw deflate bytes: no UTF-8
  const rows: FrameView[] = [
    { seq: 1, time: T0 + 1, from: 'upstream', opcode: 'text', fin: true, length: 7, preview: 'f2 48 cd c9 c9 07 00', closeCode: null, encodedBy: 'x-webkit-deflate-frame', payload: 'kept' },
    { seq: 2, time: T0 + 2, from: 'upstream', opcode: 'text', fin: true, length: 900, preview: 'f2 48 …', closeCode: null, encodedBy: 'x-webkit-deflate-frame', payload: 'evicted' },
  ];
  const har = JSON.parse(harText([{ session: session(), frames: rows, payload: (row) => (row.seq === 1 ? encoded : undefined) }], []));
  const sent = har.log.entries[0]._webSocketMessages;
  assert.deepEqual(sent.map((m: { opcode: number; data: string }) => [m.opcode, m.data]), [[1, encoded.toString('base64')], [1, Buffer.from([0xf2, 0x48]).toString('base64')]]);
  const back = imported(JSON.stringify(har)).sessions[0]!;
  assert.deepEqual(back.payloads[1], { encoding: 'base64', data: encoded.toString('base64'), bytes: 7, truncated: false, evicted: false });
  assert.deepEqual(back.frames.map((f) => [f.opcode, f.encodedBy, f.preview]), [['text', 'x-webkit-deflate-frame', 'f2 48 cd c9 c9 07 00'], ['text', 'x-webkit-deflate-frame', 'f2 48 …']]);
});

test("an answer's bodySize -1 (Chrome, Playwright: not counted) reads its content.size instead of 0", () => {
  const http = (bodySize: number, size: number) => ({
    startedDateTime: '2026-03-01T10:00:00.000Z', time: 12, request: { method: 'GET', url: 'http://127.0.0.1:8080/a', httpVersion: 'HTTP/1.1', cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
    response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', cookies: [], headers: [], content: { size, mimeType: 'text/plain' }, redirectURL: '', headersSize: -1, bodySize },
    cache: {}, timings: { send: 1, wait: 10, receive: 1 },
  });
  const r = imported(file('WebInspector', [http(-1, 1234), http(600, 1234), http(-1, -1)]));
  assert.deepEqual(r.exchanges.map((e) => e.responseBytes), [1234, 600, 0]);
});

test('a text message that is not UTF-8 goes as text (U+FFFD), flagged, with its exact bytes apart, and comes back byte for byte', () => {
  const bad = Buffer.from('68656c6c6ffffe', 'hex'); // "hello" ff fe: 7 bytes, 9 as text with U+FFFD
  const cut = Buffer.from('6869e298', 'hex'); // "hi" and the start of ☃, cut by the per-message cap
  const rows: FrameView[] = [
    { seq: 1, time: T0 + 1, from: 'client', opcode: 'text', fin: true, length: 7, preview: 'hello\ufffd\ufffd', utf8ErrorOffset: 5, closeCode: null, payload: 'kept' },
    { seq: 2, time: T0 + 2, from: 'client', opcode: 'text', fin: true, length: 9000, preview: 'hi', closeCode: null, payload: 'truncated' },
    { seq: 3, time: T0 + 3, from: 'client', opcode: 'text', fin: true, length: 7, preview: 'hello\ufffd\ufffd', utf8ErrorOffset: 5, closeCode: null, payload: 'evicted' },
  ];
  const kept = new Map([[1, bad], [2, cut]]);
  const har = JSON.parse(harText([{ session: session(), frames: rows, payload: (row) => kept.get(row.seq) }], []));
  const [m1, m2, m3] = har.log.entries[0]._webSocketMessages;
  assert.deepEqual([m1.opcode, m1.data, m1._switchyard.bytesBase64, m1._switchyard.utf8ErrorOffset], [1, 'hello\ufffd\ufffd', bad.toString('base64'), 5]);
  assert.deepEqual([m2.data, m2._switchyard.bytesBase64, m2._switchyard.utf8ErrorOffset, m2._switchyard.keptBytes], ['hi', undefined, undefined, 4], 'a character cut by the cap is no invalid text: the text stops before it (no U+FFFD), its bytes counted');
  assert.deepEqual([m3.data, m3._switchyard.bytesBase64, m3._switchyard.utf8ErrorOffset], ['hello\ufffd\ufffd', undefined, 5], 'evicted: the flag, no bytes');
  const back = imported(JSON.stringify(har)).sessions[0]!;
  assert.deepEqual(back.payloads[1], { encoding: 'base64', data: bad.toString('base64'), bytes: 7, truncated: false, evicted: false });
  assert.deepEqual(back.payloads[2], { encoding: 'text', data: 'hi', bytes: 4, truncated: true, evicted: false }, 'as framePayload gives it');
  assert.deepEqual(back.frames.map((f) => [f.length, f.utf8ErrorOffset, f.preview]), [[7, 5, 'hello\ufffd\ufffd'], [9000, undefined, 'hi'], [7, 5, 'hello\ufffd\ufffd']]);
});

test('a ping or pong shown as hex goes as base64 (dataBase64) and comes back as the same hex row', () => {
  const rows: FrameView[] = [
    { seq: 1, time: T0 + 1, from: 'client', opcode: 'ping', fin: true, length: 4, preview: '00 ff fe 80', previewHex: true, utf8ErrorOffset: 1, closeCode: null },
    { seq: 2, time: T0 + 2, from: 'upstream', opcode: 'pong', fin: true, length: 4, preview: '00 ff fe 80', previewHex: true, utf8ErrorOffset: 1, closeCode: null },
    { seq: 3, time: T0 + 3, from: 'client', opcode: 'ping', fin: true, length: 11, preview: '00 ff fe 80', closeCode: null }, // text that reads like hex
  ];
  const har = JSON.parse(harText([{ session: session(), frames: rows, payload: () => undefined }], []));
  const sent = har.log.entries[0]._webSocketMessages;
  assert.deepEqual(sent.map((m: { opcode: number; data: string; _switchyard: { dataBase64?: true } }) => [m.opcode, m.data, m._switchyard.dataBase64]), [[9, 'AP/+gA==', true], [10, 'AP/+gA==', true], [9, '00 ff fe 80', undefined]]);
  const back = imported(JSON.stringify(har)).sessions[0]!;
  assert.deepEqual(back.frames, rows);
  assert.deepEqual(back.payloads, {}, 'control frames have only their preview');
});

test('invalid base64 is refused naming the message field and why; padded, unpadded and wrapped base64 import', () => {
  const refused = (m: Record<string, unknown>, path: RegExp, why: RegExp) => {
    const r = importHar(file('x', [wsEntry([]), wsEntry([]), wsEntry([]), wsEntry([{ type: 'receive', time: T0 / 1000, ...m }])]));
    assert.ok(!r.ok, `should be refused: ${JSON.stringify(m)}`);
    assert.match(r.message, path);
    assert.match(r.message, why);
  };
  const data = /^log\.entries\[3\]\._webSocketMessages\[0\]\.data: /;
  refused({ opcode: 2, data: '!!!not base64$$' }, data, /"!" at character 0 is not in its alphabet/);
  refused({ opcode: 2, data: 'AAH/-_' }, data, /"-" at character 4/);
  refused({ opcode: 2, data: 'AAH/A' }, data, /^[^;]*not base64 \(the data of a binary message is\): 5 characters .* leave one over/);
  refused({ opcode: 2, data: 'AA=A' }, data, /"=" may only pad the end/);
  refused({ opcode: 2, data: 'AAH=/' }, data, /"=" may only pad the end/);
  refused({ opcode: 2, data: 'AA=' }, data, /"=" may only pad the end/);
  refused({ opcode: 1, data: 'x!', _switchyard: { encodedBy: 'x-foo' } }, data, /"!" at character 1/);
  refused({ opcode: 9, data: '00:ff', _switchyard: { dataBase64: true } }, data, /":" at character 2/);
  refused({ opcode: 1, data: 'hi', _switchyard: { bytesBase64: 'aGk$' } }, /^log\.entries\[3\]\._webSocketMessages\[0\]\._switchyard\.bytesBase64: /, /"\$" at character 3/);

  const bytesOf = (data: string) => {
    const s = imported(file('x', [wsEntry([{ type: 'receive', time: T0 / 1000, opcode: 2, data }])])).sessions[0]!;
    return [...Buffer.from(s.payloads[0]!.data, 'base64')];
  };
  assert.deepEqual(bytesOf('AAH/'), [0, 1, 255]);
  assert.deepEqual(bytesOf('AAE='), [0, 1]);
  assert.deepEqual(bytesOf('AAE'), [0, 1]);
  assert.deepEqual(bytesOf('AA=='), [0]);
  assert.deepEqual(bytesOf('AA'), [0]);
  assert.deepEqual(bytesOf('AAH/\r\nAAH/\n'), [0, 1, 255, 0, 1, 255]);
  assert.deepEqual(bytesOf(''), []);
  // text is not base64: anything goes
  assert.equal(imported(file('x', [wsEntry([{ type: 'send', time: T0 / 1000, opcode: 1, data: '!!!not base64$$' }])])).sessions[0]!.payloads[0]!.data, '!!!not base64$$');
});

test("a session's exact frame counters survive the round trip when only its newest rows were kept", () => {
  const counted = session({ framesFromClient: 12, framesFromUpstream: 20_000, framesInjected: 3 });
  const back = imported(harText([{ session: counted, frames, payload: (row) => payloads.get(row.seq) }], [])).sessions[0]!;
  assert.deepEqual([back.session.framesFromClient, back.session.framesFromUpstream, back.session.framesInjected], [12, 20_000, 3]);
  assert.equal(back.frames.length, frames.length, 'the rows are the ones kept');
});

test('a large HAR is read in steps, the event loop running between them (the proxy shares the thread); one bad message is named in any entry', async () => {
  const many = Array.from({ length: 20_000 }, (_, i) => ({ type: i % 2 ? 'receive' : 'send', time: T0 / 1000 + i / 1000, opcode: 1, data: `m${i}` }));
  const text = file('big', [wsEntry(many.slice(0, 5000)), wsEntry(many.slice(5000))]);
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const r = await importHarInSteps(text);
  running = false;
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.deepEqual(r.value.sessions.map((s) => s.frames.length), [5000, 15_000]);
  assert.ok(turns >= 5, `the event loop ran ${turns} time(s) during the import`);
  assert.deepEqual(r.value, imported(text), 'the same result as read at once');
  const bad = await importHarInSteps(file('big', [wsEntry(many.slice(0, 10)), wsEntry([...many.slice(0, 3000), { type: 'send', time: 1, opcode: 1 }])]));
  assert.ok(!bad.ok);
  assert.match(bad.message, /^log\.entries\[1\]\._webSocketMessages\[3000\]\.data: /);
});

test("_switchyard.from places only an 'error' message (a violation); a message's side is its type", () => {
  const s = imported(file('x', [wsEntry([
    { type: 'receive', time: T0 / 1000, opcode: 1, data: 'a', _switchyard: { from: 'client' } },
    { type: 'error', time: T0 / 1000, opcode: -1, data: 'bad', _switchyard: { from: 'client' } },
    { type: 'error', time: T0 / 1000, opcode: -1, data: 'seen by the browser' },
  ])])).sessions[0]!;
  assert.deepEqual(s.frames.map((f) => [f.opcode, f.from, f.length]), [['text', 'upstream', 1], ['violation', 'client', 0], ['violation', 'upstream', 0]]);
});

test('a file\'s keptBytes counts no more than a cut text can have kept: up to 3 bytes past its data, within the message, and only when it was cut', () => {
  const msg = (data: string, own: Record<string, unknown>) => ({ type: 'receive', time: T0 / 1000, opcode: 1, data, _switchyard: { seq: 1, ...own } });
  const bytesOf = (m: unknown) => {
    const r = importHar(file('Switchyard', [wsEntry([m])]));
    assert.ok(r.ok, r.ok ? '' : r.message);
    return Object.values(r.value.sessions[0]!.payloads)[0]!.bytes;
  };
  assert.equal(bytesOf(msg('hi', { length: 90, payload: 'truncated', keptBytes: 4 })), 4);
  assert.equal(bytesOf(msg('hello', { length: 90, payload: 'truncated', keptBytes: 999999 })), 8);
  assert.equal(bytesOf(msg('hello', { length: 6, payload: 'truncated', keptBytes: 8 })), 6);
  assert.equal(bytesOf(msg('ok', { length: 2, payload: 'kept', keptBytes: 7 })), 2);
});

test("a Switchyard file's sessions keep their numbers (switchyard-session-12.har shows #12); numbers two of them share are file order", () => {
  const one = (id: number) => ({ session: session({ id }), frames: [], payload: () => undefined });
  assert.deepEqual(imported(harText([one(12), one(3)], [exchange()])).sessions.map((s) => s.session.id), [12, 3]);
  const twice = JSON.parse(harText([one(5)], [])) as { log: { entries: unknown[] } };
  twice.log.entries.push(twice.log.entries[0]); // (two runs' files put together)
  assert.deepEqual(imported(JSON.stringify(twice)).sessions.map((s) => s.session.id), [1, 2]);
});

test("an exchange's HTTP version goes to the HAR request and comes back; other protocols' names give none", () => {
  const har = JSON.parse(harText([], [exchange({ id: 1, httpVersion: '1.0' }), exchange({ id: 2, httpVersion: '1.1' }), exchange({ id: 3 })]));
  assert.deepEqual(har.log.entries.map((e: { request: { httpVersion: string } }) => e.request.httpVersion), ['HTTP/1.0', 'HTTP/1.1', 'HTTP/1.1'], 'none known: HTTP/1.1, as nginx answers');
  assert.deepEqual(imported(JSON.stringify(har)).exchanges.map((e) => e.httpVersion), ['1.0', '1.1', '1.1']);
  for (const e of har.log.entries) e.request.httpVersion = 'h2';
  assert.deepEqual(imported(JSON.stringify(har)).exchanges.map((e) => e.httpVersion), [undefined, undefined, undefined], "Chrome's h2: no HTTP/1.x version");
  har.log.entries[0].request.httpVersion = null;
  har.log.entries[1].request.httpVersion = 1.1;
  assert.deepEqual(imported(JSON.stringify(har)).exchanges.map((e) => e.httpVersion), [undefined, undefined, undefined], 'a version written otherwise: the file imports without it');
});

test('round trip: request targets come back as the client sent them (dot segments, absolute form), not as a URL parser rewrites them', () => {
  const targets = ['/static/../admin?q=1', '/a%2e%2e/b|c?x=a b', 'http://other.test/abs?x=1', 'https://proxy.test/tls'];
  const text = harText([{ session: session({ url: '/ws/./chat/../x?room=1', upstreamPath: '/ws/./chat/../x?room=1' }), frames: [], payload: () => undefined }], targets.map((url, i) => exchange({ id: i + 1, url })));
  const back = imported(text);
  assert.deepEqual(back.exchanges.map((x) => x.url), targets);
  assert.equal(back.sessions[0]!.session.url, '/ws/./chat/../x?room=1');
  // (another tool's file: its URL's path and query, as before)
  const chrome = imported(JSON.stringify({ log: { version: '1.2', creator: { name: 'WebInspector' }, entries: [{ startedDateTime: '2026-03-01T10:00:00.000Z', time: 1, request: { method: 'GET', url: 'https://x.test/p?q=1', headers: [] }, response: { status: 200, headers: [] } }] } }));
  assert.equal(chrome.exchanges[0]!.url, '/p?q=1');
});

test('round trip: the HTTP version a refused request line named (2.0: 505, 0.9: 400) comes back; a browser\'s protocol name gives none', () => {
  const versions = ['1.0', '1.1', '2.0', '0.9'];
  const back = imported(harText([], versions.map((httpVersion, i) => exchange({ id: i + 1, httpVersion }))));
  assert.deepEqual(back.exchanges.map((x) => x.httpVersion), versions);
  const chrome = imported(JSON.stringify({ log: { version: '1.2', creator: { name: 'WebInspector' }, entries: [{ startedDateTime: '2026-03-01T10:00:00.000Z', time: 1, request: { method: 'GET', url: 'https://x.test/', httpVersion: 'http/2.0', headers: [] }, response: { status: 200, headers: [] } }] } }));
  assert.equal(chrome.exchanges[0]!.httpVersion, undefined);
});
