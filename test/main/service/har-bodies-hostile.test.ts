// Hostile HTTP bodies in a HAR file to import: a body that is not the base64 it says refuses the
// file, naming the field; bodies kept as sent in a content coding decode to a bounded total (a few
// bytes of brotli decode to megabytes each), the rest shown as sent with the reason; an export's
// decode to its size limit, the rest written as sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { importHar } from '../../../main/service/har-import.ts';
import { IMPORT_DECODED_MAX } from '../../../main/service/har-bodies.ts';
import { HAR_MAX_BYTES } from '../../../main/service/har-text.ts';
import { SwitchyardService } from '../../../main/service/service.ts';
import { startEngine, oneLocation } from '../../helpers/engine.ts';
import { startHttpUpstream } from '../../helpers/upstreams.ts';
import { send } from '../../helpers/client.ts';
import { value } from '../../helpers/service.ts';
import { until } from '../../helpers/wait.ts';
import { DECODED_MAX, bodyView } from '../../../main/service/exchange-body.ts';

const entry = (response: object, postData?: object) => ({
  startedDateTime: '2026-03-01T10:00:00.000Z', time: 5,
  request: { method: 'POST', url: 'https://x.test/', headers: [], ...(postData ? { postData } : {}) },
  response: { status: 200, headers: [{ name: 'Content-Encoding', value: 'br' }, { name: 'Content-Type', value: 'text/plain' }], content: { size: 3, mimeType: 'text/plain', ...response } },
});
const harOf = (entries: object[]) => JSON.stringify({ log: { version: '1.2', creator: { name: 'x', version: '1' }, entries } });

test('a body that is not the base64 its encoding says refuses the file, naming the field', () => {
  const content = importHar(harOf([entry({}), entry({ text: '!!notbase64', encoding: 'base64' })]));
  assert.equal(content.ok, false);
  assert.match(!content.ok ? content.message : '', /^log\.entries\[1\]\.response\.content\.text: not base64/);
  const post = importHar(harOf([entry({}, { mimeType: 'application/octet-stream', text: 'zz=z', encoding: 'base64' })]));
  assert.match(!post.ok ? post.message : '', /^log\.entries\[0\]\.request\.postData\.text: not base64/);
});

test('bodies kept as sent decode to IMPORT_DECODED_MAX in all: brotli bombs do not blow up an import', () => {
  const bomb = brotliCompressSync(Buffer.alloc(DECODED_MAX, 0x61)).toString('base64');
  const count = 12;
  const started = Date.now();
  const r = importHar(harOf(Array.from({ length: count }, () => entry({ text: bomb, encoding: 'base64', _switchyard: { asSent: true, total: 20 } }))));
  assert.ok(r.ok);
  const bodies = Object.values(r.value.bodies).map((b) => b.response!);
  assert.equal(bodies.length, count);
  const decoded = bodies.reduce((n, b) => n + (b.decoded?.bytes ?? 0), 0);
  assert.ok(decoded <= IMPORT_DECODED_MAX, `${decoded} bytes decoded`);
  assert.equal(bodies[0]!.decoded?.bytes, DECODED_MAX, 'the first ones decode');
  assert.match(bodies.at(-1)!.decodeError ?? '', /not decoded: the bodies decoded before it reach 16 MiB/);
  assert.equal(bodies.at(-1)!.bytes, Buffer.from(bomb, 'base64').length, 'shown as sent');
  assert.ok(Date.now() - started < 5000);
});

test('a deflate body over the decode limit says so (not tried again as raw deflate)', () => {
  const d = deflateSync(Buffer.alloc(DECODED_MAX + 1));
  const v = bodyView(d, 'kept', d.length, ['Content-Encoding', 'deflate']);
  assert.equal(v.decoded, undefined);
  assert.equal(v.decodeError, 'it decodes to over 8 MiB');
});

test('an export decodes its bodies to the file\'s limit in all: brotli bombs from an upstream are written as sent past it', async () => {
  const bomb = brotliCompressSync(Buffer.alloc(DECODED_MAX, 0x61));
  const up = await startHttpUpstream('a', (_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'br' }).end(bomb));
  const e = await startEngine((port) => oneLocation(port, { path: '/', proxyPass: `http://127.0.0.1:${up.port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {}, frameTap: null });
  const count = Math.ceil(HAR_MAX_BYTES / DECODED_MAX) + 2;
  try {
    for (let i = 0; i < count; i++) await send(`${e.url}/${i}`);
    await until(() => service.traffic.exchanges().length === count);
    const text = value<string>(await service.handle('exportHar', {}));
    const contents = (JSON.parse(text) as { log: { entries: Array<{ response: { content: { text: string; _switchyard: { asSent?: true; omitted?: true } } } }> } }).log.entries.map((x) => x.response.content);
    assert.equal(contents.filter((c) => c._switchyard.omitted).length, 0, 'no body left out');
    assert.equal(contents[0]!.text.length, DECODED_MAX, 'the first decoded');
    assert.deepEqual([contents.at(-1)!._switchyard.asSent, Buffer.from(contents.at(-1)!.text, 'base64').equals(bomb)], [true, true], 'the last as sent');
  } finally {
    service.close();
    await e.stop();
    await up.close();
  }
});

test('bodies that fail to decode count against the import\'s decode budget too: truncated gzip bombs stay cheap', () => {
  const cut = gzipSync(Buffer.alloc(DECODED_MAX - 1, 0x61)).subarray(0, -4).toString('base64');
  const count = 40;
  const r = importHar(harOf(Array.from({ length: count }, () => entry({ text: cut, encoding: 'base64', _switchyard: { asSent: true, total: 9000 } }))));
  assert.ok(r.ok);
  const errors = Object.values(r.value.bodies).map((b) => b.response!.decodeError ?? '');
  assert.equal(errors.filter((e) => e.startsWith('it does not decode')).length, IMPORT_DECODED_MAX / DECODED_MAX, 'tried while the budget lasts');
  assert.equal(errors.filter((e) => e.startsWith('it is not decoded')).length, count - IMPORT_DECODED_MAX / DECODED_MAX);
});
