// IP literals as nginx reads them: one text per address, dotted-quad parts decimal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SocketAddress } from 'node:net';
import fc from 'fast-check';
import { canonicalHost, canonicalIp, ipv6Groups } from '../../../app/config/ip.ts';

test('two spellings of one IPv6 address have one text', () => {
  assert.equal(canonicalIp('0:0::1'), '::1');
  assert.equal(canonicalIp('0000:0000:0000:0000:0000:0000:0000:0001'), '::1');
  assert.equal(canonicalIp('0::0'), '::');
  assert.equal(canonicalIp('2001:DB8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'the first of two equally long zero runs');
  assert.equal(canonicalIp('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1', 'one zero group stays');
  assert.equal(canonicalIp('::ffff:7f00:1'), '::ffff:127.0.0.1');
  assert.equal(canonicalIp('::ffff:127.0.0.010'), '::ffff:127.0.0.10');
});

test('a dotted quad is decimal, leading zeros and all (ngx_inet_addr; inet_aton would read octal)', () => {
  assert.equal(canonicalIp('127.0.0.010'), '127.0.0.10');
  assert.equal(canonicalIp('127.000.000.001'), '127.0.0.1');
  assert.equal(canonicalIp('127.0.0.256'), null);
  assert.equal(canonicalIp('localhost'), null);
});

test('what is not an IPv6 address', () => {
  for (const bad of ['', ':', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7::8', '1.2.3.4::', '::1.2.3', '::g', '12345::']) {
    assert.equal(ipv6Groups(bad), null, bad);
  }
  assert.deepEqual(ipv6Groups('::1.2.3.4'), [0, 0, 0, 0, 0, 0, 0x102, 0x304]);
});

test('canonicalHost keeps brackets and host names', () => {
  assert.equal(canonicalHost('[0:0::1]'), '[::1]');
  assert.equal(canonicalHost('127.0.0.010'), '127.0.0.10');
  assert.equal(canonicalHost('example.test'), 'example.test');
  assert.equal(canonicalHost('[1.2.3.4]'), '[1.2.3.4]', 'not an IPv6 address: left for validation to refuse');
});

test('the text is the one node reports for a socket address', () => {
  const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  fc.assert(fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.boolean(), (groups, upper) => {
    let text = groups.map((g) => g.toString(16)).join(':');
    if (upper) text = text.toUpperCase();
    assert.equal(canonicalIp(text), new SocketAddress({ address: text, family: 'ipv6' }).address, text);
  }), { numRuns: 2000 });
});
