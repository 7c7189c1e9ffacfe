// finalStatusText: the status line of the upstream's final answer, as nginx writes it to the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finalStatusText } from '../../../main/engine/status-line.ts';

test('status line: kept as it came, with no reason phrase, an empty one or an odd one', () => {
  assert.equal(finalStatusText('HTTP/1.1 101\r\nUpgrade: websocket\r\n\r\n\x81\x00', 101), '101');
  assert.equal(finalStatusText('HTTP/1.1 101 \r\nUpgrade: websocket\r\n\r\n', 101), '101 ');
  assert.equal(finalStatusText('HTTP/1.0 426 Go  away \r\n\r\nno', 426), '426 Go  away ');
  assert.equal(finalStatusText('HTTP/1.1 101 OK\n\n', 101), '101 OK');
});

test('status line: interim answers before the final one are skipped', () => {
  assert.equal(finalStatusText('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\nHTTP/1.1 101\r\n\r\n', 101), '101');
  assert.equal(finalStatusText('HTTP/1.1 100 Continue\n\nHTTP/1.1 200 \n\n', 200), '200 ');
});

test('status line: null when the bytes do not hold it (the caller falls back to node\'s statusMessage)', () => {
  assert.equal(finalStatusText('HTTP/1.1 101 Switching', 101), null);
  assert.equal(finalStatusText('garbage\r\n\r\n', 101), null);
  assert.equal(finalStatusText('HTTP/1.1 100 Continue\r\n', 101), null);
});
