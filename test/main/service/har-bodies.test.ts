// HTTP bodies through a HAR file: the export writes the kept bodies (postData, content with base64
// for binary, gzip decoded when whole, cut and evicted ones marked), redacted as the log shows
// them, and the import gives them back; Chrome's files (decoded content, base64) import too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { SwitchyardService } from '../../../main/service/service.ts';
import { startEngine, oneLocation } from '../../helpers/engine.ts';
import { startHttpUpstream } from '../../helpers/upstreams.ts';
import { send } from '../../helpers/client.ts';
import { value } from '../../helpers/service.ts';
import { until } from '../../helpers/wait.ts';
import { FakeEngine } from './fake-engine.ts';
import type { ImportedHar } from '../../../app/api/contract.ts';

interface HarEntry {
  request: { url: string; postData?: { mimeType: string; text: string; encoding?: string; _switchyard?: Record<string, unknown> } };
  response: { content: { size: number; mimeType: string; text?: string; encoding?: string; compression?: number; _switchyard?: Record<string, unknown> } };
}

test('export → import keeps the bodies: JSON, binary, gzip decoded, cut, evicted, and form secrets redacted', async () => {
  const up = await startHttpUpstream('a', (req, res) => {
    if (req.url === '/bin') res.writeHead(200, { 'Content-Type': 'image/png' }).end(Buffer.from([0x89, 0x50, 0, 0xff]));
    else if (req.url === '/gz') res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }).end(gzipSync('{"ok":true}'));
    else if (req.url === '/long') res.writeHead(200, { 'Content-Type': 'text/plain' }).end('L'.repeat(3000));
    else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"id":1}');
  });
  const e = await startEngine((port) => oneLocation(port, { path: '/', proxyPass: `http://127.0.0.1:${up.port}` }));
  const service = await SwitchyardService.create(e.engine, { initialDraft: {}, frameTap: null, limits: { payloadPerMessage: 1024, payloadTotal: 1500 } });
  try {
    await send(`${e.url}/old`, { method: 'POST', body: 'O'.repeat(1000) });
    await send(`${e.url}/json`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"ada"}' });
    await send(`${e.url}/login`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'user=ada&password=hunter2' });
    await send(`${e.url}/bin`);
    await send(`${e.url}/gz`);
    await send(`${e.url}/long`);
    await until(() => service.traffic.exchanges().length === 6);
    const text = value<string>(await service.handle('exportHar', {}));
    const entries = (JSON.parse(text) as { log: { entries: HarEntry[] } }).log.entries;
    const byPath = (p: string) => entries.find((x) => new URL(x.request.url).pathname === p)!;
    assert.deepEqual(byPath('/json').request.postData, { mimeType: 'application/json', text: '{"name":"ada"}', _switchyard: { total: 14 } });
    assert.equal(byPath('/json').response.content.text, '{"id":1}');
    assert.equal(byPath('/login').request.postData!.text, 'user=ada&password=[redacted]');
    assert.deepEqual([byPath('/bin').response.content.text, byPath('/bin').response.content.encoding], [Buffer.from([0x89, 0x50, 0, 0xff]).toString('base64'), 'base64']);
    const gz = byPath('/gz').response.content;
    assert.deepEqual([gz.text, gz.size, gz.encoding], ['{"ok":true}', 11, undefined], 'decoded, as browsers write content');
    assert.deepEqual(byPath('/long').response.content._switchyard, { total: 3000, payload: 'truncated', keptBytes: 1024 });
    assert.deepEqual(byPath('/old').request.postData, { mimeType: 'application/octet-stream', text: '', _switchyard: { total: 1000, payload: 'evicted' } });

    const imported = value<ImportedHar>(await service.handle('importHar', { text }));
    const id = (p: string) => imported.exchanges.find((x) => x.url === p)!.id;
    const b = imported.bodies;
    assert.equal(b[id('/json')]!.request!.data, '{"name":"ada"}');
    assert.equal(b[id('/login')]!.request!.data, 'user=ada&password=[redacted]');
    assert.deepEqual([b[id('/bin')]!.response!.encoding, b[id('/bin')]!.response!.bytes], ['base64', 4]);
    assert.deepEqual([b[id('/gz')]!.response!.data, b[id('/gz')]!.response!.decodeError], ['{"ok":true}', undefined]);
    assert.deepEqual([b[id('/long')]!.response!.truncated, b[id('/long')]!.response!.bytes, b[id('/long')]!.response!.total], [true, 1024, 3000]);
    assert.deepEqual([b[id('/old')]!.request!.evicted, b[id('/old')]!.request!.total], [true, 1000]);
  } finally {
    service.close();
    await e.stop();
    await up.close();
  }
});

test('a Chrome HAR\'s bodies import: postData text, decoded content, base64 content', async () => {
  const service = await SwitchyardService.create(new FakeEngine().asEngine(), { initialDraft: {}, frameTap: null });
  try {
    const entry = (url: string, request: object, response: object) => ({
      startedDateTime: '2026-03-01T10:00:00.000Z', time: 5, timings: { send: 0, wait: 5, receive: 0 },
      request: { method: 'POST', url, httpVersion: 'HTTP/1.1', headers: [{ name: 'Content-Type', value: 'application/json' }], bodySize: 9, ...request },
      response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [{ name: 'content-encoding', value: 'gzip' }], bodySize: 30, ...response },
    });
    const har = { log: { version: '1.2', creator: { name: 'WebInspector', version: '537.36' }, entries: [
      entry('https://x.test/a', { postData: { mimeType: 'application/json', text: '{"q":"é"}' } }, { content: { size: 12, mimeType: 'application/json', text: '{"r":[1, 2]}' } }),
      entry('https://x.test/b', {}, { content: { size: 3, mimeType: 'image/gif', text: Buffer.from([1, 2, 3]).toString('base64'), encoding: 'base64' } }),
    ] } };
    const imported = value<ImportedHar>(await service.handle('importHar', { text: JSON.stringify(har) }));
    const [a, b] = imported.exchanges.map((x) => imported.bodies[x.id]);
    assert.deepEqual([a!.request!.data, a!.request!.total, a!.response!.data, a!.response!.contentEncoding], ['{"q":"é"}', 10, '{"r":[1, 2]}', undefined]);
    assert.deepEqual([b!.response!.encoding, b!.response!.data, b!.response!.bytes], ['base64', 'AQID', 3]);
  } finally {
    service.close();
  }
});

test('a form posted as postData.params alone (HAR 1.2: text and params are exclusive) imports as its form body', async () => {
  const service = await SwitchyardService.create(new FakeEngine().asEngine(), { initialDraft: {}, frameTap: null });
  try {
    const params = [{ name: 'user', value: 'al ice' }, { name: 'q', value: 'a&b=c' }, { name: 'empty' }];
    const har = { log: { version: '1.2', creator: { name: 'other' }, entries: [{
      startedDateTime: '2026-03-01T10:00:00.000Z', time: 5, timings: { send: 0, wait: 5, receive: 0 },
      request: { method: 'POST', url: 'https://x.test/login', httpVersion: 'HTTP/1.1', cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: -1, postData: { mimeType: 'application/x-www-form-urlencoded', params } },
      response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', cookies: [], headers: [], content: { size: 0, mimeType: 'x-unknown' }, redirectURL: '', headersSize: -1, bodySize: 0 },
    }] } };
    const imported = value<ImportedHar>(await service.handle('importHar', { text: JSON.stringify(har) }));
    const body = imported.bodies[imported.exchanges[0]!.id]?.request;
    assert.ok(body, 'the request body is not lost');
    assert.equal(body.contentType, 'application/x-www-form-urlencoded');
    assert.deepEqual([...new URLSearchParams(body.data)], [['user', 'al ice'], ['q', 'a&b=c'], ['empty', '']]);
    assert.equal(body.bytes, Buffer.byteLength(body.data));
  } finally {
    service.close();
  }
});
