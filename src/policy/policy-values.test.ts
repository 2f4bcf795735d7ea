import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capabilityNumber, parseCidr, parseInteger, parsePortRange } from './policy-values.js';

test('integers: decimal, hex, octal, negative; anything else is not one', () => {
  assert.equal(parseInteger('0x241'), 0x241n);
  assert.equal(parseInteger('0o1000'), 0o1000n);
  assert.equal(parseInteger('-13'), -13n);
  assert.equal(parseInteger(42), 42n);
  assert.equal(parseInteger('O_TRUNC'), undefined);
  assert.equal(parseInteger('1.5'), undefined);
  assert.equal(parseInteger(1.5), undefined);
});

test('ports and inclusive ranges', () => {
  assert.deepEqual(parsePortRange('443'), [443, 443]);
  assert.deepEqual(parsePortRange('1024:65535'), [1024, 65535]);
  assert.equal(parsePortRange('65536'), undefined);
  assert.equal(parsePortRange('9:1'), undefined);
});

test('CIDRs: the address masked to its length, IPv4 in the first bytes, IPv6 expanded', () => {
  const v4 = parseCidr('10.1.2.3/8');
  assert.equal(v4?.family, 2);
  assert.equal(v4?.bits, 8);
  assert.deepEqual([...(v4?.addr ?? [])].slice(0, 4), [10, 0, 0, 0]);
  assert.equal(parseCidr('127.0.0.1')?.bits, 32);
  const v6 = parseCidr('fd00:1::/20');
  assert.equal(v6?.family, 10);
  assert.equal(v6?.addr.toString('hex'), 'fd000000000000000000000000000000');
  assert.equal(parseCidr('::ffff:1.2.3.4')?.addr.toString('hex'), '00000000000000000000ffff01020304');
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('example.com'), undefined);
});

test('capability names as in linux/capability.h', () => {
  assert.equal(capabilityNumber('CAP_SYS_ADMIN'), 21);
  assert.equal(capabilityNumber('CAP_BPF'), 39);
  assert.equal(capabilityNumber('CAP_FLY'), undefined);
});
