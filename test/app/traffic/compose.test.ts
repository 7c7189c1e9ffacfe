// The composer's input → injectMessage opcode and data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeMessage, replayProblem, replayTarget } from '../../../app/traffic/compose.ts';

test('text is sent as is, with its UTF-8 size', () => {
  assert.deepEqual(composeMessage('text', 'héllo 🙂'), { ok: true, opcode: 'text', data: 'héllo 🙂', bytes: Buffer.byteLength('héllo 🙂') });
  assert.deepEqual(composeMessage('text', ''), { ok: true, opcode: 'text', data: '', bytes: 0 });
});

test('hex and base64 become base64 binary; bad input names the field and the format', () => {
  assert.deepEqual(composeMessage('hex', '01 ff 7a'), { ok: true, opcode: 'binary', data: Buffer.from([1, 255, 0x7a]).toString('base64'), bytes: 3 });
  assert.deepEqual(composeMessage('base64', 'Af96'), { ok: true, opcode: 'binary', data: 'Af96', bytes: 3 });
  const badHex = composeMessage('hex', '01 fz');
  assert.ok(!badHex.ok);
  assert.equal(badHex.field, 'message');
  assert.match(badHex.message, /^message \(hex\): "z" in "fz" is not a hex digit/);
  // '=' padding optional, as the API and the HAR import take it
  assert.deepEqual(composeMessage('base64', 'Af9'), { ok: true, opcode: 'binary', data: 'Af8=', bytes: 2 });
  const badB64 = composeMessage('base64', 'Af96A');
  assert.ok(!badB64.ok);
  assert.match(badB64.message, /^message \(base64\): 5 characters \(without "="\) leave one over/);
});

test('too large for the API is refused before sending', () => {
  const r = composeMessage('text', 'x'.repeat(1024 * 1024 + 1));
  assert.ok(!r.ok);
  assert.match(r.message, /at most/);
});

test('replay: only text and binary messages whose whole payload is kept; to the peer they went to', () => {
  assert.equal(replayProblem({ opcode: 'text', payload: 'kept' }), null);
  assert.equal(replayProblem({ opcode: 'binary', payload: 'kept' }), null);
  assert.match(replayProblem(null)!, /Select/);
  assert.match(replayProblem({ opcode: 'ping', payload: undefined })!, /ping frame cannot be replayed/);
  assert.match(replayProblem({ opcode: 'text', payload: 'evicted' })!, /evicted/);
  assert.match(replayProblem({ opcode: 'text', payload: 'truncated' })!, /per-message cap/);
  assert.match(replayProblem({ opcode: 'binary', payload: undefined })!, /not captured/);
  assert.match(replayProblem({ opcode: 'text', payload: 'kept', encodedBy: 'x-foo' })!, /x-foo extension/);
  assert.match(replayProblem({ opcode: 'text', payload: undefined, decodeError: 'TAP_DEFLATE_ERROR: inflate failed' })!, /could not be inflated/);
  assert.equal(replayTarget({ from: 'client' }), 'upstream');
  assert.equal(replayTarget({ from: 'upstream' }), 'client');
});
