// How a session's end reads in the UI and the access log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeFrameText, closedByText, sessionEndText } from '../../../app/traffic/session-close.ts';

test('close frame text: who, code with its RFC 6455 name, reason', () => {
  assert.equal(closeFrameText({ from: 'client', code: 1000, reason: 'bye' }), 'client sent Close 1000 (normal closure) “bye”');
  assert.equal(closeFrameText({ from: 'upstream', code: 4001, reason: '' }), 'upstream sent Close 4001');
  assert.equal(closeFrameText({ from: 'proxy', code: null, reason: '' }), 'Switchyard sent Close without a status code');
});

test('session end: the closing handshake, then how the connection ended', () => {
  assert.equal(
    sessionEndText({ closeFrame: { from: 'client', code: 1001, reason: '' }, closeReason: 'upstream closed the connection', closedBy: 'upstream' }),
    'client sent Close 1001 (going away) · upstream closed the connection',
  );
  assert.equal(sessionEndText({ closeFrame: null, closeReason: 'client connection closed', closedBy: 'client' }), 'client connection closed');
  // "(by …)" only where the reason does not say who already
  assert.equal(sessionEndText({ closeFrame: null, closeReason: 'proxy_read_timeout (1m) expired with no traffic', closedBy: 'proxy' }), 'proxy_read_timeout (1m) expired with no traffic (by proxy)');
  assert.equal(sessionEndText({ closeFrame: null, closeReason: 'read ECONNRESET', closedBy: 'upstream' }), 'read ECONNRESET (by upstream)');
  assert.equal(sessionEndText({ closeFrame: null, closeReason: 'the upstream took no data for 60s', closedBy: 'proxy' }), 'the upstream took no data for 60s (by proxy)');
  assert.equal(sessionEndText({ closeFrame: null, closeReason: null, closedBy: null }), '');
  // Switchyard's own close names the code in its reason already
  assert.equal(sessionEndText({ closeFrame: { from: 'proxy', code: 4000, reason: 'x' }, closeReason: 'closed from Switchyard (code 4000: x)', closedBy: 'proxy' }), 'closed from Switchyard (code 4000: x)');
});

test('an invalid Close is said so, with why; a reason that names who closed gets no "(by …)" after it', () => {
  assert.equal(closeFrameText({ from: 'client', code: null, reason: '', invalid: 'a 1-byte payload: a status code takes 2' }), 'client sent an invalid Close: a 1-byte payload: a status code takes 2');
  assert.equal(closeFrameText({ from: 'upstream', code: 1000, reason: '\ufffd', invalid: 'its reason is not UTF-8 from byte 0' }), 'upstream sent an invalid Close 1000 (normal closure) “\ufffd”: its reason is not UTF-8 from byte 0');
  assert.equal(closedByText({ closeReason: 'client closed the connection', closedBy: 'client' }), '');
  assert.equal(closedByText({ closeReason: 'closed from Switchyard (code 4000)', closedBy: 'proxy' }), '');
  assert.equal(closedByText({ closeReason: 'proxy_read_timeout (1m) expired with no traffic', closedBy: 'proxy' }), ' (by proxy)');
});
