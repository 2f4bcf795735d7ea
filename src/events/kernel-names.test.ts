import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errnoName, formatIpv4, formatIpv6, syscallName, tcpStateName } from './kernel-names.js';

const v6 = (hex: string) => formatIpv6(Buffer.from(hex.replace(/:/g, ''), 'hex'), 0);

test('IPv6 text follows RFC 5952', () => {
  assert.equal(v6('0000:0000:0000:0000:0000:0000:0000:0001'), '::1');
  assert.equal(v6('0000:0000:0000:0000:0000:0000:0000:0000'), '::');
  assert.equal(v6('2001:0db8:0000:0000:0000:0000:0002:0001'), '2001:db8::2:1');
  assert.equal(
    v6('2001:0db8:0000:0001:0001:0001:0001:0001'),
    '2001:db8:0:1:1:1:1:1',
    'a single zero group is not compressed',
  );
  assert.equal(v6('2001:0000:0000:0001:0000:0000:0000:0001'), '2001:0:0:1::1', 'the longest run wins');
  assert.equal(v6('2001:0db8:0000:0000:0001:0000:0000:0001'), '2001:db8::1:0:0:1', 'the first of equal runs wins');
  assert.equal(v6('fe80:0000:0000:0000:abcd:0000:0000:0000'), 'fe80::abcd:0:0:0');
  assert.equal(v6('0000:0000:0000:0000:0000:ffff:7f00:0001'), '::ffff:127.0.0.1');
  assert.equal(v6('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
});

test('IPv4 text is dotted, read at the offset', () => {
  assert.equal(formatIpv4(Buffer.from([0, 127, 0, 0, 1]), 1), '127.0.0.1');
});

test('kernel numbers have names, and unknown ones say what they are', () => {
  assert.equal(syscallName(2), 'openat');
  assert.equal(syscallName(41), 'finit_module');
  assert.equal(syscallName(99), 'syscall_99');
  assert.equal(errnoName(-11), 'EAGAIN');
  assert.equal(errnoName(0), undefined);
  assert.equal(errnoName(5), undefined);
  assert.equal(errnoName(-4000), 'errno 4000');
  assert.equal(tcpStateName(7), 'CLOSE');
  assert.equal(tcpStateName(42), 'state_42');
});
