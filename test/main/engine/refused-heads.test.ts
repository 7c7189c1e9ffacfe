// The request line a refused head is logged with, from the bytes node's parser had (its last read
// only): found from the connection's first byte past earlier heads and their bodies, or none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusedRequestLine } from '../../../main/engine/refused-heads.ts';

/** node's report of a parse error at `at` (the offset of `marker` in `text`) in the read `text`. */
const errAt = (text: string, marker: string) => ({ rawPacket: Buffer.from(text, 'latin1'), bytesParsed: text.indexOf(marker) });

test('a refused head\'s request line: the first head, or one behind heads and Content-Length bodies in the same first read', () => {
  assert.deepEqual(refusedRequestLine(errAt('GET /q\x01 HTTP/1.1\r\nHost: x\r\n\r\n', '\x01'), true), { method: 'GET', url: '/q\x01' });
  const piped = 'GET /ok HTTP/1.1\r\nHost: x\r\n\r\nPOST /bad HTTP/1.1\r\nno colon\r\n\r\n';
  assert.deepEqual(refusedRequestLine(errAt(piped, 'no colon'), true), { method: 'POST', url: '/bad', httpVersion: '1.1' });
  // a body with a blank line in it is skipped by its length, not taken for the end of a head
  const body = 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nx\r\n\r\nyGET /b HTTP/1.1\r\nbad\r\n\r\n';
  assert.deepEqual(refusedRequestLine(errAt(body, 'bad'), true), { method: 'GET', url: '/b', httpVersion: '1.1' });
});

test("a refused head's request line keeps its HTTP version where a header was refused, as nginx logs it ($request, $server_protocol)", () => {
  assert.deepEqual(refusedRequestLine(errAt('GET /x HTTP/1.0\r\nBad Header\r\n\r\n', 'Bad'), true), { method: 'GET', url: '/x', httpVersion: '1.0' });
  // the line itself refused: no version read (nginx's $server_protocol is empty then)
  assert.deepEqual(refusedRequestLine(errAt('GET /q\x01 HTTP/1.0\r\nHost: x\r\n\r\n', '\x01'), true), { method: 'GET', url: '/q\x01' });
  // what does not read as a version is none
  for (const line of ['GET /a b HTTP/1.0', 'GET /a HTTP/1.0x', 'GET /a http/1.0']) {
    assert.equal(refusedRequestLine(errAt(`${line}\r\nbad\r\n\r\n`, 'bad'), true).httpVersion, undefined, line);
  }
});

test('a refused head\'s request line is none where it is not known: a later read, a chunked body before it, a stop inside a body', () => {
  const none = { method: '', url: '' };
  // the head may have begun in a read before this one (whatever this one looks like)
  assert.deepEqual(refusedRequestLine(errAt('GET /fake HTTP/1.1\r\nX: \x01\r\n\r\n', '\x01'), false), none);
  assert.deepEqual(refusedRequestLine(errAt('no colon\r\n\r\n', 'no colon'), false), none);
  const chunked = 'POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /b HTTP/1.1\r\nbad\r\n\r\n';
  assert.deepEqual(refusedRequestLine(errAt(chunked, 'bad'), true), none);
  const inBody = 'POST /a HTTP/1.1\r\nContent-Length: 50\r\n\r\nGET /b HTTP/1.1\r\nbad';
  assert.deepEqual(refusedRequestLine(errAt(inBody, 'bad'), true), none);
  assert.deepEqual(refusedRequestLine({}, true), none);
});
