// Hostile HAR files: nesting far past any stack, prototype keys (__proto__, constructor) at every
// level, wrong types and huge strings. Each one imports (what is unknown is dropped) or is refused
// with the field's path; nothing throws, the answer is JSON the web host can send, and no
// prototype changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importHar, importHarInSteps } from '../../../main/service/har-import.ts';

const entry = (over: Record<string, unknown> = {}) => ({
  startedDateTime: '2026-01-02T03:04:05.000Z', time: 5, request: { method: 'GET', url: 'ws://h/ws', headers: [] }, response: { status: 101, headers: [] }, ...over,
});
const har = (entries: unknown[], log: Record<string, unknown> = {}) => JSON.stringify({ log: { version: '1.2', creator: { name: 'x' }, entries, ...log } });
/** `text` with the JSON string "HOLE" replaced by `fill`: values JSON.stringify could not write (too deep). */
const hole = (text: string, fill: string) => text.replace('"HOLE"', fill);
const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (key: string, n: number) => `{"${key}":`.repeat(n) + '1' + '}'.repeat(n);

function read(text: string) {
  let out: ReturnType<typeof importHar> | undefined;
  assert.doesNotThrow(() => { out = importHar(text); });
  assert.doesNotThrow(() => JSON.stringify(out), 'the answer is JSON the web host can send');
  return out!;
}

test('nesting far deeper than any stack: dropped where it is unknown, refused by name where a value is expected', async () => {
  const N = 200_000;
  const dropped = [
    hole(har([], { extra: 'HOLE' }), deepArray(N)),
    hole(har([entry({ extra: 'HOLE' })]), deepObject('a', N)),
    hole(har([entry({ _switchyard: 'HOLE' })]), deepObject('__proto__', N)),
    hole(har([entry({ _webSocketMessages: [{ type: 'send', time: 1, opcode: 1, data: 'x', extra: 'HOLE' }] })]), deepArray(N)),
  ];
  for (const text of dropped) assert.equal(read(text).ok, true);
  const refused: Array<[string, RegExp]> = [
    [hole(har(['HOLE']), deepArray(N)), /^log\.entries\[0\]: /],
    [hole(har([entry({ request: { method: 'GET', url: 'HOLE', headers: [] } })]), deepArray(N)), /^log\.entries\[0\]\.request\.url: /],
    [hole(har([entry({ _webSocketMessages: [{ type: 'send', time: 1, opcode: 1, data: 'HOLE' }] })]), deepObject('data', N)), /^log\.entries\[0\]\._webSocketMessages\[0\]\.data: /],
    [hole(har([entry({ _switchyard: { tries: 'HOLE' } })]), deepArray(N)), /^log\.entries\[0\]\._switchyard\.tries\[0\]/],
  ];
  for (const [text, field] of refused) {
    const r = read(text);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.message : '', field);
  }
  // (the steps the web host takes, too)
  assert.equal((await importHarInSteps(dropped[0]!)).ok, true);
});

test('__proto__ and constructor keys at every level change no prototype and no value', () => {
  // (written as text: in an object literal "__proto__" sets the prototype, and JSON.stringify skips it;
  // JSON.parse reads it as an own key, as a file has it)
  const poison = '{"polluted":"yes","sessionId":99,"seq":99,"payload":"evicted","status":500,"method":"POST"}';
  const text = `{"__proto__":${poison},"constructor":{"prototype":${poison}},"log":{"__proto__":${poison},"version":"1.2","creator":{"name":"x","constructor":{"prototype":${poison}}},
    "entries":[{"__proto__":${poison},"startedDateTime":"2026-01-02T03:04:05.000Z","time":5,
      "request":{"__proto__":${poison},"url":"ws://h/ws","method":"GET","headers":[{"name":"__proto__","value":"v"},{"name":"constructor","value":"w"}]},
      "response":{"status":101,"headers":[]},"_switchyard":{"__proto__":${poison},"constructor":{"prototype":${poison}}},
      "_webSocketMessages":[{"type":"send","time":1,"opcode":1,"data":"hi","_switchyard":{"__proto__":${poison}}}]}]}}`;
  const r = read(text);
  assert.ok(r.ok, !r.ok ? r.message : '');
  const s = r.value.sessions[0]!;
  assert.equal(s.session.id, 1, 'not the sessionId a prototype offers');
  assert.deepEqual(s.session.requestHeaders, ['__proto__', 'v', 'constructor', 'w'], 'such header names are kept as text');
  assert.deepEqual(s.frames.map((f) => [f.seq, f.payload]), [[0, 'kept']]);
  for (const o of [{}, [], s.session, s.frames[0]!, r.value]) assert.equal((o as { polluted?: unknown }).polluted, undefined);
  for (const o of [s.session, s.frames[0]!, r.value]) assert.equal(Object.getPrototypeOf(o), Object.prototype);
});

test('wrong types are refused with the field that has them', () => {
  const cases: Array<[unknown, RegExp]> = [
    // (JSON of another kind: said to be no HAR file, a Switchyard config by name)
    ...[null, [], {}, { log: [] }, { log: 'x' }].map((doc) => [doc, /^not a HAR file: it has no "log" object at its top, as every HAR file has \(with its version, creator and entries\)$/] as [unknown, RegExp]),
    [{ schemaVersion: 1, servers: [] }, /^not a HAR file: this is a Switchyard config \(it has "schemaVersion"\), which opens with switchyard ui --config$/],
    [{ log: { version: '1.2', creator: { name: 'x' }, entries: {} } }, /^log\.entries: /],
    [{ log: { version: 1.2, creator: { name: 'x' }, entries: [] } }, /^log\.version: /],
    [{ log: { version: '1.2', creator: 'x', entries: [] } }, /^log\.creator: /],
    [JSON.parse(har([entry({ time: '5' })])), /^log\.entries\[0\]\.time: /],
    [JSON.parse(har([entry({ startedDateTime: 5 })])), /^log\.entries\[0\]\.startedDateTime: /],
    [JSON.parse(har([entry({ request: { method: 'GET', url: 'x', headers: [{ name: 1, value: 'v' }] } })])), /^log\.entries\[0\]\.request\.headers\[0\]\.name: /],
    [JSON.parse(har([entry({ response: { status: '101', headers: [] } })])), /^log\.entries\[0\]\.response\.status: /],
    // (a status is three digits, or Chrome's 0 for no answer)
    ...[1e308, -1, 1000, 200.5].map((status) => [JSON.parse(har([entry({ response: { status, headers: [] } })])), /^log\.entries\[0\]\.response\.status: /] as [unknown, RegExp]),
    [JSON.parse(har([entry({ _webSocketMessages: {} })])), /^log\.entries\[0\]\._webSocketMessages: /],
    [JSON.parse(har([entry({ _webSocketMessages: [{ type: 'send', time: 1, opcode: '1', data: 'x' }] })])), /^log\.entries\[0\]\._webSocketMessages\[0\]\.opcode: /],
    [JSON.parse(har([entry({ _webSocketMessages: [{ type: 'send', time: 1, opcode: 2, data: '!!' }] })])), /^log\.entries\[0\]\._webSocketMessages\[0\]\.data: not base64/],
    [JSON.parse(har([entry({ _switchyard: { sessionId: 'x' } })])), /^log\.entries\[0\]\._switchyard\.sessionId: /],
  ];
  for (const [doc, field] of cases) {
    const r = read(JSON.stringify(doc));
    assert.equal(r.ok, false, JSON.stringify(doc).slice(0, 100));
    assert.match(!r.ok ? r.message : '', field);
  }
  const notJson = read('{"log": ');
  assert.equal(notJson.ok, false);
  assert.match(!notJson.ok ? notJson.message : '', /^not JSON: /);
  // the text JSON.parse quotes is the file's: its control characters are named, not shown (a NUL
  // read as a space on the page, a U+202E reversed the rest of the line)
  for (const [text, named] of [['\0', '\\x00'], ['\u202e{}', '\\u202e'], ['x\u2028', '\\u2028']]) {
    const r = read(text!);
    assert.equal(r.ok, false);
    const message = !r.ok ? r.message : '';
    assert.ok(message.startsWith('not JSON: ') && message.includes(named!), message);
    assert.ok(!/[\u0000-\u001f\u2028\u202e]/.test(message), JSON.stringify(message));
  }
});

test('huge strings import as text, display texts cut to their bound', () => {
  const big = 'é'.repeat(4 * 1024 * 1024);
  const r = read(har([entry({ request: { method: 'GET', url: `ws://h/${big}`, headers: [{ name: 'X', value: big }] }, _switchyard: { routeName: big, cause: big }, _webSocketMessages: [{ type: 'send', time: 1, opcode: 1, data: big }] })]));
  assert.ok(r.ok);
  const s = r.value.sessions[0]!;
  assert.equal(s.session.requestHeaders[1], big);
  assert.ok(s.session.route.name.length <= 2000, 'a route label is cut to its bound');
  assert.equal(s.payloads[0]!.data, big);
});
