import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PolicyAggField } from '../events/generated/abi.js';
import type { RecordOrigin } from '../events/references.js';
import { AggregationCollector, type AggregateSelector } from './aggregation.js';
import type { AggregateCount } from './policy-maps.js';

const origin = (): RecordOrigin => ({ ktime: 1, cpu: 0, seq: 0, clockOffsetNs: 0n });

function count(over: Partial<AggregateCount>): AggregateCount {
  return {
    policyId: 1,
    ruleIndex: 0,
    selector: 0,
    prefixId: 2,
    uid: 0,
    dport: 0,
    family: 0,
    daddr: Buffer.alloc(16),
    binary: '/usr/bin/cat',
    count: 1,
    firstNs: 100,
    lastNs: 100,
    ...over,
  };
}

const selector: AggregateSelector = {
  policy: 'ssh',
  fields: PolicyAggField.AGG_BINARY | PolicyAggField.AGG_PATH_PREFIX,
  windowMs: 10_000,
  prefixes: ['/etc/', '/etc/ssh/'],
};
// Prefix ids are the engine's; 2 is a longer Prefix of another policy, under this selector's /etc/ssh/.
const prefixes = ['', '/etc/', '/etc/ssh/sshd_config.d/'];

test('counts of one key add up across drains and come out once the window has passed', () => {
  const c = new AggregationCollector(
    () => selector,
    (id) => prefixes[id],
  );
  c.add([count({ count: 3, firstNs: 10, lastNs: 20 })], 1_000);
  c.add([count({ count: 4, firstNs: 30, lastNs: 40 }), count({ binary: '/usr/bin/ssh', count: 1 })], 5_000);
  assert.deepEqual(c.take(9_000, origin), [], 'the window is not over');
  const out = c.take(11_000, origin);
  assert.deepEqual(
    out.map((s) => [s.process.binary, s.key, s.count, s.firstKtime, s.lastKtime, s.windowMs]),
    [['/usr/bin/cat', { binary: '/usr/bin/cat', pathPrefix: '/etc/ssh/' }, 7, 10, 40, 10_000]],
    'each key has its own window: the ssh key opened at 5 s',
  );
  assert.deepEqual(
    c.take(16_000, origin).map((s) => [s.key.binary, s.count]),
    [['/usr/bin/ssh', 1]],
  );
  assert.deepEqual(c.take(30_000, origin), [], 'taken once');
});

test('a key whose selector is gone is counted, not emitted; close takes everything', () => {
  const c = new AggregationCollector(
    (id) => (id === 1 ? { ...selector, fields: PolicyAggField.AGG_DPORT | PolicyAggField.AGG_DADDR } : undefined),
    () => undefined,
  );
  const daddr = Buffer.alloc(16);
  daddr.set([10, 0, 0, 7]);
  c.add([count({ policyId: 9, count: 5 }), count({ dport: 443, family: 2, daddr })], 0);
  const out = c.take(1, origin, true);
  assert.deepEqual(
    out.map((s) => s.key),
    [{ dport: 443, daddr: '10.0.0.7' }],
  );
  assert.equal(c.unknown, 5);
});
